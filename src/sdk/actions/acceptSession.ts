import { type Address, type Hex, zeroAddress } from "viem";
import { type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import {
  assertAddress,
  assertBytes,
  assertSessionId,
  assertWalletAccount,
  type RoundtablePublicClient,
  type RoundtableReceipt,
  type RoundtableWalletClient,
  sendAsParty,
} from "./internal.js";

export type AcceptSessionParameters = {
  publicClient: RoundtablePublicClient;
  /** The party's wallet: acceptance is sent by the party itself. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** The party's index; found from the wallet's account in the session's parties when omitted. */
  party?: number | undefined;
  /**
   * The hash of the configuration you checked, computed yourself with
   * `hashSessionConfig(config)`; the contract refuses any other.
   */
  configHash: Hex;
  /** The party's 33-byte compressed secp256k1 public key that others encrypt its shares to. */
  encryptionKey: Hex;
  /**
   * 64-byte BIP-340 signature by the encryption key's secret over the contract's
   * `keyProofDigestOf(sessionId, party, encryptionKey)` (see `keyProofTypedData`); the contract
   * refuses a key without it.
   */
  keyProof: Hex;
  /** An address that may sign this party's later actions in this session. @default none */
  delegate?: Address | undefined;
};

export type AcceptSessionReturnType = RoundtableReceipt & {
  /** The party index that accepted. */
  party: number;
};

export type AcceptSessionErrorType = RoundtableErrorType;

/**
 * Accepts a session's configuration and registers the party's encryption
 * key, sent by the party itself. The session starts when every party has
 * accepted (the receipt's events then include `PhaseOpened`).
 *
 * @example
 * const session = await readSession({ publicClient, address, sessionId });
 * // … check session.config: parties, threshold, protocol, schedule …
 * await acceptSession({
 *   publicClient, walletClient, address, sessionId,
 *   configHash: hashSessionConfig(session.config),
 *   encryptionKey, keyProof,
 * });
 */
export async function acceptSession({
  publicClient,
  walletClient,
  address,
  sessionId,
  party,
  configHash,
  encryptionKey,
  keyProof,
  delegate = zeroAddress,
}: AcceptSessionParameters): Promise<AcceptSessionReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionId(sessionId);
    assertBytes(configHash, "configHash", 32);
    assertBytes(encryptionKey, "encryptionKey");
    assertBytes(keyProof, "keyProof", 64);
    assertAddress(delegate, "delegate");
    return await sendAsParty({
      publicClient,
      walletClient,
      address,
      sessionId,
      party,
      simulate: (index) =>
        publicClient.simulateContract({
          address,
          abi: roundtableAbi,
          functionName: "accept",
          args: [sessionId, index, configHash, encryptionKey, keyProof, delegate],
          account: walletClient.account,
        }),
    });
  } catch (err) {
    throw toRoundtableError(err);
  }
}
