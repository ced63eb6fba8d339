import type { Address, Hex } from "viem";
import { type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import {
  assertAddress,
  assertSessionId,
  assertWalletAccount,
  bitmapToIndexes,
  type RoundtablePublicClient,
  type RoundtableReceipt,
  type RoundtableWalletClient,
  waitForRoundtableReceipt,
  writeWithHeadroom,
} from "./internal.js";

export type ExpireSessionParameters = {
  publicClient: RoundtablePublicClient;
  /** Any wallet: anyone may expire a session whose deadline passed. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
};

export type ExpireSessionReturnType = RoundtableReceipt & {
  /** Indexes of the parties that had not acted in the expired phase, ascending. */
  blame: number[];
  /** The session's final transcript hash. */
  transcript: Hex;
};

export type ExpireSessionErrorType = RoundtableErrorType;

/**
 * Aborts a session whose current phase's deadline has passed, blaming the
 * parties that had not acted. Anyone may call it.
 *
 * @example
 * const { blame } = await expireSession({ publicClient, walletClient, address, sessionId });
 * console.log(`parties ${blame.join(", ")} did not act in time`);
 */
export async function expireSession({
  publicClient,
  walletClient,
  address,
  sessionId,
}: ExpireSessionParameters): Promise<ExpireSessionReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionId(sessionId);
    const { request } = await publicClient.simulateContract({
      address,
      abi: roundtableAbi,
      functionName: "expire",
      args: [sessionId],
      account: walletClient.account,
    });
    const hash = await writeWithHeadroom(publicClient, walletClient, request);
    const receipt = await waitForRoundtableReceipt(publicClient, address, hash);
    const aborted = receipt.events.find((event) => event.eventName === "SessionAborted");
    const blameBits = aborted?.eventName === "SessionAborted" ? aborted.args.blame : 0n;
    const transcript = aborted?.eventName === "SessionAborted" ? aborted.args.transcript : "0x";
    return { ...receipt, blame: bitmapToIndexes(blameBits), transcript };
  } catch (err) {
    throw toRoundtableError(err);
  }
}
