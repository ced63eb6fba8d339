import type { Address, ContractEventName, Log } from "viem";
import { type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import {
  assertAddress,
  assertSessionId,
  decodeRoundtableLogs,
  getLogsPaged,
  indexedTopic,
  type RoundtablePublicClient,
} from "./internal.js";

/**
 * The name of a session event: every Roundtable event but OpenZeppelin's
 * `EIP712DomainChanged`, which the contract never emits (its domain is fixed).
 */
export type RoundtableEventName = Exclude<
  ContractEventName<typeof roundtableAbi>,
  "EIP712DomainChanged"
>;

/**
 * One decoded session event with its position (`blockNumber`, `logIndex`,
 * `transactionHash`). Every one has `args.sessionId`; narrow on `eventName`.
 */
export type RoundtableEventLog = {
  [name in RoundtableEventName]: Log<
    bigint,
    number,
    false,
    undefined,
    true,
    typeof roundtableAbi,
    name
  >;
}[RoundtableEventName];

/** The default number of blocks per `eth_getLogs` request. */
export const defaultLogPageSize = 5_000n;

export type GetSessionEventsParameters = {
  publicClient: RoundtablePublicClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** First block to scan. @default the session's creation block (`creationBlockOf`) */
  fromBlock?: bigint | undefined;
  /** Last block to scan, inclusive. @default the latest block */
  toBlock?: bigint | undefined;
  /** Most blocks per `eth_getLogs` request; public RPCs cap the range. @default 5000n */
  pageSize?: bigint | undefined;
};

export type GetSessionEventsReturnType = RoundtableEventLog[];

export type GetSessionEventsErrorType = RoundtableErrorType;

/**
 * Every event of one session from `fromBlock`, decoded, in chain order. Every
 * Roundtable event indexes `sessionId` first, so one topic filter finds them
 * all; the scan runs in pages of `pageSize` blocks.
 *
 * @example
 * const events = await getSessionEvents({ publicClient, address, sessionId: 7n, fromBlock: deploymentBlock });
 * for (const event of events) console.log(event.eventName, event.args);
 */
export async function getSessionEvents({
  publicClient,
  address,
  sessionId,
  fromBlock,
  toBlock,
  pageSize = defaultLogPageSize,
}: GetSessionEventsParameters): Promise<GetSessionEventsReturnType> {
  try {
    assertAddress(address, "address");
    assertSessionId(sessionId);
    const { logs } = await getLogsPaged({
      publicClient,
      address,
      topics: [null, indexedTopic(sessionId)],
      fromBlock:
        fromBlock ??
        (await publicClient.readContract({
          address,
          abi: roundtableAbi,
          functionName: "creationBlockOf",
          args: [sessionId],
        })),
      toBlock,
      pageSize,
    });
    return decodeRoundtableLogs(logs);
  } catch (err) {
    throw toRoundtableError(err);
  }
}
