import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

export type SessionFingerprintParameters = {
  chainId: number;
  /** The Roundtable contract. */
  contract: Address;
  sessionId: bigint;
  configHash: Hex;
};

/**
 * What names one session and its content: keccak256(abi.encode(chainId, contract, sessionId,
 * configHash)). A configuration hash alone is shared by every session created with the same
 * configuration, on any chain or contract (a clone); this is not. An initiator hands it to the
 * parties, and a party's automated confirmation (`party run --yes --expect-session`) checks it.
 *
 * @example
 * const fingerprint = sessionFingerprint({ chainId: 11155111, contract, sessionId: 7n, configHash });
 */
export function sessionFingerprint({
  chainId,
  contract,
  sessionId,
  configHash,
}: SessionFingerprintParameters): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "bytes32" }],
      [BigInt(chainId), contract, sessionId, configHash],
    ),
  );
}
