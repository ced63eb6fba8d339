// `roundtable session watch ID`: a live view of one session. The header and the text timeline
// first (the same grid `session show` prints), then a line per event as it lands, each with the
// phase's countdown by the chain's clock, until the session ends; then the final grid.
import { setTimeout as sleep } from "node:timers/promises";
import { printable } from "../../../auditor/report/printable.js";
import {
  getSessionEvents,
  type RoundtableEventLog,
} from "../../../sdk/actions/getSessionEvents.js";
import { readSession } from "../../../sdk/actions/readSession.js";
import { roundtableAbi } from "../../../sdk/generated/roundtableAbi.js";
import { Phase, phaseName, type SessionState } from "../../../sdk/types.js";
import { defineCommand } from "../../command.js";
import type { RoundtableConnection } from "../../connection.js";
import { deadlineJson, deadlineText, kindName } from "../../describe.js";
import { ExitCode, toCliError, UsageError } from "../../errors.js";
import { formatDuration, toJson } from "../../output.js";
import { parseSessionId } from "../../parse.js";
import { sessionLanes } from "../../sessionLanes.js";

/** Phases after which nothing can happen any more. */
const finalPhases: readonly number[] = [Phase.Finalized, Phase.Aborted, Phase.Cancelled];

/** --interval in milliseconds: seconds from 0.1 to 3600, fractions allowed. */
function parseInterval(value: string | undefined): number {
  if (value === undefined) return 2000;
  const seconds = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 0.1 && seconds <= 3600)) {
    throw new UsageError(
      `Invalid --interval ${JSON.stringify(value)}: expected seconds between 0.1 and 3600, such as --interval 2.`,
      "--interval",
    );
  }
  return Math.round(seconds * 1000);
}

/** An event argument for one line: long byte strings cut to their ends and length. */
function argText(name: string, value: unknown, now: number): string {
  if (name === "phase" && typeof value === "number") return phaseName(value);
  if (name === "deadline" && typeof value === "number") return deadlineText(value, now);
  if (typeof value === "string" && /^0x[0-9a-fA-F]{67,}$/.test(value)) {
    return `${value.slice(0, 10)}…${value.slice(-8)} (${(value.length - 2) / 2} bytes)`;
  }
  return printable(String(value));
}

/** The phase, who has acted and the countdown, as one clause. */
function stateText(state: SessionState, partyCount: number, now: number): string {
  if (finalPhases.includes(state.phase)) return phaseName(state.phase);
  if (state.phase === Phase.Expired) {
    return "Expired: the deadline passed; anyone may end the session with `roundtable session expire`";
  }
  let acted = 0;
  for (let i = 0; i < partyCount; i++) if ((state.acted >> BigInt(i)) & 1n) acted += 1;
  const round = state.round === 0 ? "" : ` (round ${state.round} of ${state.roundCount})`;
  const left = formatDuration(state.deadline - now);
  return `${phaseName(state.phase)}${round}, ${acted} of ${partyCount} ${state.round === 0 ? "accepted" : "acted"}, deadline ${left.endsWith("ago") ? `passed ${left}` : left} (chain time)`;
}

export const sessionWatchCommand = defineCommand({
  path: ["session", "watch"],
  summary: "follow a session live: its timeline, then each event as it lands, until it ends",
  positionals: [{ name: "ID", description: "the session id, such as 7" }],
  options: {
    interval: {
      type: "string",
      valueName: "SECONDS",
      description: "how often to ask the chain for new events (default 2)",
    },
  },
  description: [
    "Prints the session's kind, phase and deadline (by the chain's clock) and its timeline (a column per phase, a line per party), then one line per event as it lands on the chain, each with the phase's countdown by the chain's clock. Exits 0 when the session ends (finalized, aborted or cancelled), printing the final timeline; Ctrl-C stops watching (exit 130). An RPC error while watching is reported and tried again at the next poll.",
    "With --json, prints one JSON object per line (NDJSON): a `session` line first, an `event` line per event, and an `end` line with the final phase and result.",
  ],
  examples: [
    "roundtable session watch 7",
    "roundtable session watch 7 --interval 5",
    "roundtable session watch 7 --json",
  ],
  handlesSignals: true,
  async run({ args, values, context }) {
    const sessionId = parseSessionId(args[0] ?? "", "ID");
    const interval = parseInterval(values.interval);
    const { io, log, signal } = context;
    const json = context.options.json;
    const connection: RoundtableConnection = await context.roundtable();
    const { publicClient, contract, chainId } = connection;
    const fail = (error: unknown): never => {
      throw toCliError(error, connection.rpcUrlShown);
    };
    // Lines go straight to stdout as they happen; with --json each is one object (NDJSON).
    const emit = (human: readonly string[], object: Record<string, unknown>) => {
      io.stdout.write(json ? `${toJson(object)}\n` : human.map((line) => `${line}\n`).join(""));
    };
    const blockTimes = new Map<bigint, number>();
    const blockTime = async (blockNumber: bigint): Promise<number> => {
      let time = blockTimes.get(blockNumber);
      if (time === undefined) {
        time = Number((await publicClient.getBlock({ blockNumber })).timestamp);
        blockTimes.set(blockNumber, time);
      }
      return time;
    };
    const lanes = (toBlock: bigint) =>
      sessionLanes({
        publicClient,
        contract,
        chainId,
        sessionId,
        fromBlock: session.createdAt.blockNumber,
        toBlock,
      });

    const session = await readSession({ publicClient, address: contract, sessionId }).catch(fail);
    const partyCount = session.parties.length;
    const createdAt = await blockTime(session.createdAt.blockNumber).catch(fail);
    let now = await blockTime(session.blockNumber).catch(fail);
    let state = session.state;
    const grid = await lanes(session.blockNumber).catch(fail);
    emit(
      [
        `Session ${sessionId} on chain ${chainId} (contract ${contract}), at block ${session.blockNumber}`,
        `  kind      ${kindName(session.config.kind)}, initiator ${session.initiator}`,
        `  phase     ${stateText(state, partyCount, now)}`,
        ...(finalPhases.includes(state.phase)
          ? []
          : [`  deadline  ${deadlineText(state.deadline, now)}`]),
        "Timeline (a column per phase; times after creation, by the chain's clock):",
        ...grid.map((line) => `  ${printable(line)}`),
      ],
      {
        type: "session",
        sessionId,
        chainId,
        contract,
        blockNumber: session.blockNumber,
        kind: kindName(session.config.kind),
        initiator: session.initiator,
        parties: session.parties,
        phase: phaseName(state.phase),
        round: state.round,
        deadline: finalPhases.includes(state.phase) ? null : deadlineJson(state.deadline, now),
        timeline: grid,
      },
    );

    let scanned = session.blockNumber;
    let lastStatus = "";
    let failing = false;
    while (!finalPhases.includes(state.phase)) {
      try {
        await sleep(interval, undefined, { signal });
      } catch {
        break;
      }
      try {
        const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
        if (latest > scanned) {
          const events: RoundtableEventLog[] = await getSessionEvents({
            publicClient,
            address: contract,
            sessionId,
            fromBlock: scanned + 1n,
            toBlock: latest,
          });
          state = await publicClient.readContract({
            address: contract,
            abi: roundtableAbi,
            functionName: "sessionState",
            args: [sessionId],
            blockNumber: latest,
          });
          now = await blockTime(latest);
          const status = stateText(state, partyCount, now);
          for (const event of events) {
            const at = await blockTime(event.blockNumber);
            const fields = Object.entries(event.args).filter(([name]) => name !== "sessionId");
            emit(
              [
                `block ${event.blockNumber} (+${at - createdAt}s)  ${event.eventName}  ${fields
                  .map(([name, value]) => `${name} ${argText(name, value, at)}`)
                  .join(", ")}  | ${status}`,
              ],
              {
                type: "event",
                sessionId,
                eventName: event.eventName,
                blockNumber: event.blockNumber,
                logIndex: event.logIndex,
                transactionHash: event.transactionHash,
                chainTime: at,
                secondsAfterCreation: at - createdAt,
                args: Object.fromEntries(fields),
                phase: phaseName(state.phase),
                round: state.round,
                deadline: finalPhases.includes(state.phase)
                  ? null
                  : deadlineJson(state.deadline, now),
              },
            );
          }
          // The deadline passing is no event: say it once, when the chain's clock shows it.
          if (events.length === 0 && status !== lastStatus && !json) {
            if (state.phase === Phase.Expired || state.deadline <= now) emit([`  ${status}`], {});
          }
          lastStatus = status;
          scanned = latest;
        }
        if (failing) log.info(`The RPC node answers again; watching session ${sessionId}.`);
        failing = false;
      } catch (error) {
        const cliError = toCliError(error, connection.rpcUrlShown);
        if (!cliError.retryable) throw cliError;
        if (!failing) log.warn(`${cliError.message} Trying again every ${interval / 1000}s.`);
        failing = true;
      }
    }
    if (signal.aborted) {
      log.info(`Stopped watching session ${sessionId}.`);
      return ExitCode.Interrupted;
    }

    const final = await lanes(scanned).catch(fail);
    const ended = await readSession({ publicClient, address: contract, sessionId }).catch(fail);
    emit(
      [
        `Session ${sessionId} ended: ${ended.phase}${ended.result === undefined ? "" : ` (result ${ended.result})`}`,
        "Timeline (a column per phase; times after creation, by the chain's clock):",
        ...final.map((line) => `  ${printable(line)}`),
      ],
      {
        type: "end",
        sessionId,
        blockNumber: ended.blockNumber,
        phase: ended.phase,
        result: ended.result ?? null,
        timeline: final,
      },
    );
    return ExitCode.Success;
  },
});
