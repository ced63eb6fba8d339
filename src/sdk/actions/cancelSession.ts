import type { Address } from "viem";
import { type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import {
  assertAddress,
  assertSessionId,
  assertWalletAccount,
  type RoundtablePublicClient,
  type RoundtableReceipt,
  type RoundtableWalletClient,
  waitForRoundtableReceipt,
  writeWithHeadroom,
} from "./internal.js";

export type CancelSessionParameters = {
  publicClient: RoundtablePublicClient;
  /** The initiator's wallet: only the initiator may cancel. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
};

export type CancelSessionReturnType = RoundtableReceipt;

export type CancelSessionErrorType = RoundtableErrorType;

/**
 * Cancels a session that has not started (some party has not accepted yet).
 * Only its initiator may; after the start the initiator has no power left.
 *
 * @example
 * await cancelSession({ publicClient, walletClient: initiator, address, sessionId });
 */
export async function cancelSession({
  publicClient,
  walletClient,
  address,
  sessionId,
}: CancelSessionParameters): Promise<CancelSessionReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionId(sessionId);
    const { request } = await publicClient.simulateContract({
      address,
      abi: roundtableAbi,
      functionName: "cancel",
      args: [sessionId],
      account: walletClient.account,
    });
    const hash = await writeWithHeadroom(publicClient, walletClient, request);
    return await waitForRoundtableReceipt(publicClient, address, hash);
  } catch (err) {
    throw toRoundtableError(err);
  }
}
