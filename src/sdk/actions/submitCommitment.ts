import type { Address, Hex } from "viem";
import { commitmentOf } from "../commitmentOf.js";
import { type RoundtableErrorType, RoundtableInputError, toRoundtableError } from "../errors.js";
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

export type SubmitCommitmentParameters = {
  publicClient: RoundtablePublicClient;
  /** The party's wallet. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** The party's index; found from the wallet's account when omitted. */
  party?: number | undefined;
  /** The commit-then-reveal round, 1-based. */
  round: number;
} & (
  | {
      /** The payload to commit to; the commitment is computed with `commitmentOf` for the wallet's account. */
      payload: Hex;
      commitment?: undefined;
    }
  | {
      /** A commitment computed beforehand with `commitmentOf(sessionId, round, account, payload)`. */
      commitment: Hex;
      payload?: undefined;
    }
);

export type SubmitCommitmentReturnType = RoundtableReceipt & {
  party: number;
  /** The commitment recorded. */
  commitment: Hex;
};

export type SubmitCommitmentErrorType = RoundtableErrorType;

/**
 * Commits to this round's payload in a commit-then-reveal round. Reveal the
 * same payload with {@link submitPayload} once every commitment is in (the
 * phase becomes Revealing).
 *
 * @example
 * await submitCommitment({ publicClient, walletClient, address, sessionId, round: 1, payload });
 * // … wait for the Revealing phase …
 * await submitPayload({ publicClient, walletClient, address, sessionId, round: 1, payload });
 */
export async function submitCommitment(
  parameters: SubmitCommitmentParameters,
): Promise<SubmitCommitmentReturnType> {
  const { publicClient, walletClient, address, sessionId, party, round } = parameters;
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionId(sessionId);
    assertUint8(round, "round", "a round number");
    let commitment: Hex;
    if (parameters.payload !== undefined) {
      assertBytes(parameters.payload, "payload");
      commitment = commitmentOf(sessionId, round, walletClient.account.address, parameters.payload);
    } else if (parameters.commitment !== undefined) {
      assertBytes(parameters.commitment, "commitment", 32);
      commitment = parameters.commitment;
    } else {
      throw new RoundtableInputError({
        parameter: "payload",
        shortMessage:
          "Neither payload nor commitment was given: pass the payload to commit to (the SDK computes the commitment), or a commitment from commitmentOf.",
      });
    }
    const sent = await sendAsParty({
      publicClient,
      walletClient,
      address,
      sessionId,
      party,
      simulate: (index) =>
        publicClient.simulateContract({
          address,
          abi: roundtableAbi,
          functionName: "commit",
          args: [sessionId, index, round, commitment],
          account: walletClient.account,
        }),
    });
    return { ...sent, commitment };
  } catch (err) {
    throw toRoundtableError(err);
  }
}
