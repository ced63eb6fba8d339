import type { Address } from "viem";
import { type RoundtableError, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import { Phase } from "../types.js";
import { defaultLogPageSize, type RoundtableEventLog } from "./getSessionEvents.js";
import {
  assertAddress,
  assertSessionId,
  decodeRoundtableLogs,
  getLogsPaged,
  indexedTopic,
  type RoundtablePublicClient,
} from "./internal.js";

/** A phase the session entered. `phase` is a `Phase` value; `deadline` is in unix seconds. */
export type SessionPhaseChange = {
  phase: number;
  round: number;
  /** When the phase closes; undefined for the final phases. */
  deadline: number | undefined;
  /** The phase reported before this one; undefined for the first report. */
  previous: { phase: number; round: number } | undefined;
  /** The block in which the change was seen. */
  blockNumber: bigint;
};

export type WatchSessionParameters = {
  publicClient: RoundtablePublicClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** Replay the session's events from this block first. @default the block after the latest */
  fromBlock?: bigint | undefined;
  /** Milliseconds between polls. @default the client's `pollingInterval` */
  pollingInterval?: number | undefined;
  /** Most blocks per `eth_getLogs` request. @default 5000n */
  pageSize?: bigint | undefined;
  /** Called once per event of the session, in chain order. */
  onEvent?: ((event: RoundtableEventLog) => void) | undefined;
  /** Called when the session enters a phase, including Expired (which no event announces). */
  onPhaseChange?: ((change: SessionPhaseChange) => void) | undefined;
  /** Called when a poll fails (including when a callback throws); polling goes on. */
  onError?: ((error: RoundtableError) => void) | undefined;
};

/** Stops watching. */
export type WatchSessionReturnType = () => void;

const finalPhases: readonly number[] = [Phase.Finalized, Phase.Aborted, Phase.Cancelled];

/**
 * Watches one session by polling: new events (with `eth_getLogs`, so any
 * transport works, http included) and the session's state, calling back on
 * each new event and each phase change. Phase changes come from the events
 * themselves, so none is missed between polls, and from the state, which
 * adds the first phase and Expired. Returns a function that stops watching.
 *
 * @example
 * const unwatch = watchSession({
 *   publicClient, address, sessionId,
 *   onPhaseChange: ({ phase, round }) => console.log(phaseName(phase), round),
 * });
 * // … later
 * unwatch();
 */
export function watchSession({
  publicClient,
  address,
  sessionId,
  fromBlock,
  pollingInterval,
  pageSize = defaultLogPageSize,
  onEvent,
  onPhaseChange,
  onError,
}: WatchSessionParameters): WatchSessionReturnType {
  assertAddress(address, "address");
  assertSessionId(sessionId);
  const interval = pollingInterval ?? publicClient.pollingInterval;
  let active = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let next = fromBlock;
  // The position of the last event delivered, so that a poll retried after a failure delivers nothing twice.
  let delivered: { blockNumber: bigint; logIndex: number } | undefined;
  let last: { phase: number; round: number } | undefined;

  const report = (
    phase: number,
    round: number,
    deadline: number | undefined,
    blockNumber: bigint,
  ) => {
    if (last && last.phase === phase && last.round === round) return;
    const previous = last;
    last = { phase, round };
    onPhaseChange?.({ phase, round, deadline, previous, blockNumber });
  };

  const phaseOf = (event: RoundtableEventLog) => {
    const round = last?.round ?? 0;
    switch (event.eventName) {
      case "SessionCreated":
        return { phase: Phase.Accepting, round: 0, deadline: event.args.acceptanceDeadline };
      case "PhaseOpened":
        return { phase: event.args.phase, round: event.args.round, deadline: event.args.deadline };
      case "SessionFinalized":
        return { phase: Phase.Finalized, round, deadline: undefined };
      case "SessionAborted":
        return { phase: Phase.Aborted, round, deadline: undefined };
      case "SessionCancelled":
        return { phase: Phase.Cancelled, round, deadline: undefined };
      default:
        return undefined;
    }
  };

  const poll = async () => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (next === undefined) next = head + 1n;
    if (next <= head) {
      const { logs } = await getLogsPaged({
        publicClient,
        address,
        topics: [null, indexedTopic(sessionId)],
        fromBlock: next,
        toBlock: head,
        pageSize,
      });
      for (const event of decodeRoundtableLogs(logs)) {
        if (!active) return;
        if (
          delivered &&
          (event.blockNumber < delivered.blockNumber ||
            (event.blockNumber === delivered.blockNumber && event.logIndex <= delivered.logIndex))
        ) {
          continue;
        }
        delivered = { blockNumber: event.blockNumber, logIndex: event.logIndex };
        next = event.blockNumber;
        onEvent?.(event);
        const change = phaseOf(event);
        if (change) report(change.phase, change.round, change.deadline, event.blockNumber);
      }
      next = head + 1n;
    }
    if (!active || (last && finalPhases.includes(last.phase))) return;
    const state = await publicClient.readContract({
      address,
      abi: roundtableAbi,
      functionName: "sessionState",
      args: [sessionId],
      blockNumber: head,
    });
    if (!active) return;
    const final = finalPhases.includes(state.phase);
    report(state.phase, state.round, final ? undefined : state.deadline, head);
  };

  const loop = async () => {
    try {
      await poll();
    } catch (err) {
      if (active) onError?.(toRoundtableError(err));
    }
    if (active) timer = setTimeout(loop, interval);
  };
  void loop();

  return () => {
    active = false;
    if (timer !== undefined) clearTimeout(timer);
  };
}
