import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

/**
 * The commitment for `payload` in a commit-then-reveal round, equal to the
 * contract's `commitmentOf`. It binds the session, the round and the party's
 * account, so a party that copies another's commitment cannot reveal it.
 */
export function commitmentOf(sessionId: bigint, round: number, party: Address, payload: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint8" }, { type: "address" }, { type: "bytes32" }],
      [sessionId, round, party, keccak256(payload)],
    ),
  );
}
