// The compact text timeline `session show` prints: the auditor's own rebuild of the session from
// its logs (src/auditor/rebuildSession.ts), drawn by the report's grid (timeline.ts), so that a
// session reads the same in `session show` and in `roundtable audit`.
import type { Address, Hex } from "viem";
import { rebuildSession } from "../auditor/rebuildSession.js";
import { sessionTimeline, textTimeline } from "../auditor/report/timeline.js";
import { defaultLogPageSize } from "../sdk/actions/getSessionEvents.js";
import {
  getLogsPaged,
  indexedTopic,
  type RoundtablePublicClient,
} from "../sdk/actions/internal.js";

/**
 * One line per party and a column per phase, with times after creation by the chain's clock.
 * @example
 * ```ts
 * for (const line of await sessionLanes({ publicClient, contract, chainId, sessionId, fromBlock, toBlock }))
 *   console.log(line);
 * ```
 */
export async function sessionLanes({
  publicClient,
  contract,
  chainId,
  sessionId,
  fromBlock,
  toBlock,
}: {
  publicClient: RoundtablePublicClient;
  contract: Address;
  chainId: number;
  sessionId: bigint;
  fromBlock: bigint;
  toBlock: bigint;
}): Promise<string[]> {
  const { logs } = await getLogsPaged({
    publicClient,
    address: contract,
    topics: [null, indexedTopic(sessionId)] as unknown as Hex[],
    fromBlock,
    toBlock,
    pageSize: defaultLogPageSize,
  });
  const record = await rebuildSession({
    sessionId,
    chainId,
    contract,
    logs,
    sources: {
      getTransaction: (hash) => publicClient.getTransaction({ hash }),
      getBlockTime: async (hash) => (await publicClient.getBlock({ blockHash: hash })).timestamp,
      hasCode: async (address, blockNumber) =>
        ((await publicClient.getCode({ address, blockNumber })) ?? "0x") !== "0x",
    },
  });
  // As of the block read: a phase past its deadline that nobody expired yet shows who missed it.
  const asOf = (await publicClient.getBlock({ blockNumber: toBlock })).timestamp;
  const timeline = sessionTimeline(record, asOf);
  return timeline === undefined ? [] : textTimeline(timeline);
}
