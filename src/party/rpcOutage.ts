// An RPC provider that does not answer at all (refused, timed out, rate limited) is an outage the
// runner waits out; a provider that answers wrongly is not (see verifyView and the quorum's
// RpcDisagreementError). This module tells the two apart and says which provider is down, with
// its URL redacted, as a message may carry it.

import { BaseError, HttpRequestError, TimeoutError, WebSocketRequestError } from "viem";
import { redactUrl } from "../sdk/rpc/redactUrl.js";
import { RpcQuorumUnavailableError } from "../sdk/rpc/rpcErrors.js";

/** Which provider gave no answer, and the innermost reason (such as "ECONNREFUSED"). */
export type Outage = { provider: string; reason: string };

/** The outage behind `error` (anywhere along its causes), or undefined if a provider answered. */
export function outageOf(error: unknown): Outage | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 32; e = e.cause, depth++) {
    if (e instanceof RpcQuorumUnavailableError) {
      // Its provider names are already redacted.
      return {
        provider: e.failures.map((f) => f.provider).join(", "),
        reason: `${e.answered} of ${e.failures.length + e.answered} providers answered, fewer than the quorum of ${e.quorum}`,
      };
    }
    if (
      e instanceof HttpRequestError ||
      e instanceof TimeoutError ||
      e instanceof WebSocketRequestError
    ) {
      return { provider: redactUrl(e.url), reason: innermostReason(e) };
    }
    if (e instanceof BaseError && "code" in e && e.code === 429) {
      return { provider: "the RPC provider", reason: "rate limited (429)" };
    }
  }
  return undefined;
}

/** The last error code along the causes (ECONNREFUSED), else the innermost short message. */
function innermostReason(error: Error): string {
  let reason = error instanceof BaseError ? error.shortMessage : error.message;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 32; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") reason = code;
    else if (e instanceof TimeoutError) reason = "timed out";
  }
  // Only the first line: viem's later lines repeat the URL and the request body.
  return reason.split("\n")[0] ?? reason;
}

/** The longest wait between two reads while the provider is down. */
export const MAX_OUTAGE_WAIT_MS = 30_000;

/** The wait before retry `attempt` (1-based): the polling interval, doubled each time, capped. */
export function outageWait(pollingInterval: number, attempt: number): number {
  return Math.min(pollingInterval * 2 ** Math.min(attempt - 1, 16), MAX_OUTAGE_WAIT_MS);
}

/** A duration for a progress line: "0.4s", "12s", "2m 5s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 9.95) return `${Math.max(0, seconds).toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const rest = whole % 60;
  return `${Math.floor(whole / 60)}m${rest === 0 ? "" : ` ${rest}s`}`;
}
