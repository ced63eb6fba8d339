import { type Address, getAddress, type Hash } from "viem";
import { getSessionEvents } from "../../sdk/actions/getSessionEvents.js";
import type { RoundtablePublicClient } from "../../sdk/actions/internal.js";

export type SessionGasReturnType = {
  /** Gas used by every transaction that emitted an event of the session, creation included. */
  gasUsed: bigint;
  /** Those transactions, in chain order. */
  transactions: Hash[];
  /** Who sent each of them (same order): the initiator, the parties, or a relayer. */
  senders: Address[];
};

/**
 * What a whole session cost: the sum of `gasUsed` over every transaction that emitted one of its
 * events (its creation, every acceptance, commitment, payload and result), each counted once.
 * Read from the chain alone, so it counts transactions whoever sent them.
 *
 * @example
 * const { gasUsed, transactions } = await sessionGas({ publicClient, address, sessionId: 1n });
 */
export async function sessionGas({
  publicClient,
  address,
  sessionId,
}: {
  publicClient: RoundtablePublicClient;
  address: Address;
  sessionId: bigint;
}): Promise<SessionGasReturnType> {
  const events = await getSessionEvents({ publicClient, address, sessionId });
  const transactions = [...new Set(events.map((event) => event.transactionHash))];
  const receipts = await Promise.all(
    transactions.map((hash) => publicClient.getTransactionReceipt({ hash })),
  );
  return {
    gasUsed: receipts.reduce((sum, receipt) => sum + receipt.gasUsed, 0n),
    transactions,
    senders: receipts.map((receipt) => getAddress(receipt.from)),
  };
}
