import type { Address, Hex } from "viem";
import { type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import {
  assertAddress,
  assertBytes,
  assertSessionId,
  assertUint8,
  assertWalletAccount,
  type RoundtablePublicClient,
  type RoundtableReceipt,
  type RoundtableWalletClient,
  sendAsParty,
} from "./internal.js";

export type SubmitPayloadParameters = {
  publicClient: RoundtablePublicClient;
  /** The party's wallet. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** The party's index; found from the wallet's account when omitted. */
  party?: number | undefined;
  /** The round, 1-based; the last round is agreement. */
  round: number;
  /**
   * The round's payload: a plain submission, the reveal of a commitment, or,
   * in the agreement round, the result this party computed (at most 64 bytes).
   */
  payload: Hex;
};

export type SubmitPayloadReturnType = RoundtableReceipt & {
  party: number;
};

export type SubmitPayloadErrorType = RoundtableErrorType;

/**
 * Submits this party's payload for a round: a submission, a reveal, or its
 * result in the agreement round. When it is the last one the phase needs, the
 * receipt's events include the next `PhaseOpened`, or `SessionFinalized` /
 * `SessionAborted` after agreement.
 *
 * @example
 * const { events } = await submitPayload({ publicClient, walletClient, address, sessionId, round: 3, payload: groupKey });
 * const finalized = events.some((e) => e.eventName === "SessionFinalized");
 */
export async function submitPayload({
  publicClient,
  walletClient,
  address,
  sessionId,
  party,
  round,
  payload,
}: SubmitPayloadParameters): Promise<SubmitPayloadReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionId(sessionId);
    assertUint8(round, "round", "a round number");
    assertBytes(payload, "payload");
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
          functionName: "submit",
          args: [sessionId, index, round, payload],
          account: walletClient.account,
        }),
    });
  } catch (err) {
    throw toRoundtableError(err);
  }
}
