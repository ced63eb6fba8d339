// `party run --wait-for-invitation`: a party may start before the initiator has created the
// session (its creation is what invites the parties). The wait is bounded, counted by the chain's
// clock like every deadline (and by the local clock too, so a chain that makes no blocks cannot
// hold it forever), says once what it waits for, and stops cleanly on Ctrl-C.
import { setTimeout as sleep } from "node:timers/promises";
import { roundtableAbi } from "../../../sdk/generated/roundtableAbi.js";
import type { RoundtableConnection } from "../../connection.js";
import { CliError, ExitCode, toCliError } from "../../errors.js";
import { formatDuration, type Logger } from "../../output.js";

/** How often, in chain time, a long wait says it is still waiting. */
const reminderSeconds = 60;

/** "1m 30s": a non-negative duration without formatDuration's "in". */
const span = (seconds: number): string => formatDuration(Math.max(seconds, 0)).replace(/^in /, "");

/**
 * Returns once session `sessionId` exists on the contract; throws a usage error (exit 2, as for a
 * session that does not exist) when `boundSeconds` pass first, and exit 130 on `signal`.
 * @example
 * ```ts
 * await waitForSession({ connection, sessionId: 7n, boundSeconds: 600, log, signal });
 * ```
 */
export async function waitForSession({
  connection,
  sessionId,
  boundSeconds,
  log,
  signal,
}: {
  connection: Pick<
    RoundtableConnection,
    "publicClient" | "contract" | "pollingInterval" | "rpcUrlShown"
  >;
  sessionId: bigint;
  boundSeconds: number;
  log: Logger;
  signal: AbortSignal;
}): Promise<void> {
  const { publicClient, contract } = connection;
  const sessionCount = () =>
    publicClient.readContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "sessionCount",
    });
  const chainTime = async () => Number((await publicClient.getBlock()).timestamp);
  const fail = (error: unknown) => {
    throw toCliError(error, connection.rpcUrlShown);
  };
  let count = await sessionCount().catch(fail);
  if (count >= sessionId) return;
  const startedAt = await chainTime().catch(fail);
  const startedLocally = Date.now();
  log.info(
    `Session ${sessionId} does not exist yet (the contract has ${count} session${count === 1n ? "" : "s"}): waiting for the initiator to create it, which invites its parties, for up to ${span(boundSeconds)} by the chain's clock. Ctrl-C stops; nothing has been sent.`,
  );
  let elapsed = 0;
  let nextReminder = reminderSeconds;
  let unreachable = false;
  for (;;) {
    try {
      await sleep(connection.pollingInterval, undefined, { signal });
    } catch {
      throw new CliError({
        message: `Stopped waiting for session ${sessionId} after ${span(elapsed)} (chain time); nothing was sent. Run the command again to wait again.`,
        exitCode: ExitCode.Interrupted,
      });
    }
    try {
      [count, elapsed] = await Promise.all([
        sessionCount(),
        chainTime().then((now) => now - startedAt),
      ]);
      if (unreachable) log.info(`The chain at ${connection.rpcUrlShown} answers again.`);
      unreachable = false;
    } catch (error) {
      // An RPC hiccup while waiting is not a reason to give up: the bound still holds.
      if (!unreachable) {
        log.warn(
          `Cannot read the chain at ${connection.rpcUrlShown} (${toCliError(error).message.slice(0, 160)}); still waiting.`,
        );
      }
      unreachable = true;
    }
    if (count >= sessionId) {
      log.info(`Session ${sessionId} was created (after ${span(elapsed)} of chain time).`);
      return;
    }
    const waitedLocally = (Date.now() - startedLocally) / 1000;
    if (elapsed >= boundSeconds || waitedLocally >= boundSeconds) {
      throw new CliError({
        message: `Session ${sessionId} still does not exist after waiting ${span(Math.max(elapsed, 0))} (chain time; --wait-for-invitation ${span(boundSeconds)}): the contract has ${count} session${count === 1n ? "" : "s"}. Check the id and --contract with the initiator, or wait longer.`,
        exitCode: ExitCode.Usage,
        retryable: false,
      });
    }
    if (elapsed >= nextReminder) {
      nextReminder = (Math.floor(elapsed / reminderSeconds) + 1) * reminderSeconds;
      log.info(
        `Still waiting for session ${sessionId}: ${span(elapsed)} of ${span(boundSeconds)} (chain time), ${count} session${count === 1n ? "" : "s"} so far.`,
      );
    }
  }
}
