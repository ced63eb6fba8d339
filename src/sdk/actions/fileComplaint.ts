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

export type FileComplaintParameters = {
  publicClient: RoundtablePublicClient;
  /** The accusing party's wallet. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** The accuser's index; found from the wallet's account when omitted. */
  party?: number | undefined;
  /** The current round, 1-based. */
  round: number;
  /** The accused party's index. */
  accused: number;
  /** The evidence (1 to 16384 bytes), public once filed; the auditor judges it. */
  evidence: Hex;
};

export type FileComplaintReturnType = RoundtableReceipt & {
  party: number;
};

export type FileComplaintErrorType = RoundtableErrorType;

/**
 * Complains against another party with evidence. The session aborts at once
 * (`SessionAborted` with reason Complaint) and the evidence is public, for the
 * auditor to judge who lied.
 *
 * @example
 * await fileComplaint({ publicClient, walletClient, address, sessionId, round: 2, accused: 1, evidence });
 */
export async function fileComplaint({
  publicClient,
  walletClient,
  address,
  sessionId,
  party,
  round,
  accused,
  evidence,
}: FileComplaintParameters): Promise<FileComplaintReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionId(sessionId);
    assertUint8(round, "round", "a round number");
    assertUint8(accused, "accused", "the accused party's index");
    assertBytes(evidence, "evidence");
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
          functionName: "complain",
          args: [sessionId, index, round, accused, evidence],
          account: walletClient.account,
        }),
    });
  } catch (err) {
    throw toRoundtableError(err);
  }
}
