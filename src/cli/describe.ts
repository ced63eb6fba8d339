import { type Address, type Hex, hexToString } from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { ciphersuiteName, protocolName } from "../sdk/protocolIds.js";
import { AbortReason, SessionKind } from "../sdk/types.js";
import { defaultRpcUrl, type GlobalOptions } from "./context.js";
import { formatDuration, formatTime } from "./output.js";

// Readable forms of session data, shared by the session and party commands.

export function kindName(kind: number): "key-generation" | "signing" {
  return kind === SessionKind.Signing ? "signing" : "key-generation";
}

/** The name a bytes32 id carries, or the hex when it names nothing this version runs. */
export function idName(id: Hex, what: "protocol" | "ciphersuite"): string {
  try {
    return what === "protocol" ? protocolName(id) : ciphersuiteName(id);
  } catch {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is stripped
    const text = hexToString(id, { size: 32 }).replace(/[\u0000-\u001f\u007f]/g, "");
    return /^[\x20-\x7e]+$/.test(text) ? `${text} (unknown)` : `${id} (unknown)`;
  }
}

export function abortReasonName(reason: number): "expired" | "complaint" | "disagreement" {
  return reason === AbortReason.Complaint
    ? "complaint"
    : reason === AbortReason.Disagreement
      ? "disagreement"
      : "expired";
}

/** A deadline in unix seconds, relative to the chain's time (a local chain's clock can be moved). */
export function deadlineText(deadline: number, now: number): string {
  return `${formatTime(deadline)} (${formatDuration(deadline - now)}, chain time)`;
}

export function deadlineJson(deadline: number, now: number) {
  return { unix: deadline, iso: formatTime(deadline), secondsLeft: deadline - now };
}

/** The round schedule in one line, such as "3 rounds of 1h each; round 1 commit-then-reveal". */
export function scheduleText(
  rounds: readonly { duration: number; commitReveal: boolean }[],
): string {
  const durations = [...new Set(rounds.map((r) => r.duration))];
  const each =
    durations.length === 1
      ? `${rounds.length} rounds of ${formatDuration(durations[0] ?? 0).replace(/^in /, "")} each`
      : rounds
          .map((r, i) => `round ${i + 1}: ${formatDuration(r.duration).replace(/^in /, "")}`)
          .join(", ");
  const commitReveal = rounds.flatMap((r, i) => (r.commitReveal ? [i + 1] : []));
  return commitReveal.length === 0
    ? `${each}; no commit-then-reveal round`
    : `${each}; commit-then-reveal in round ${commitReveal.join(", ")}`;
}

/** The command a party runs for `sessionId`, with the flags that point at the same chain and contract. */
export function partyRunCommand(
  sessionId: bigint,
  contract: string,
  options: Pick<GlobalOptions, "rpcUrl" | "rpcUrlShown">,
): string {
  const words = ["roundtable party run", `--session ${sessionId}`];
  if (options.rpcUrl !== defaultRpcUrl) {
    // A URL with an API key in it is left for each party to fill in with its own.
    words.push(`--rpc-url ${options.rpcUrl === options.rpcUrlShown ? options.rpcUrl : "URL"}`);
  }
  words.push(`--contract ${contract}`, "--key-file KEY.json", "--store SECRETS_DIR");
  return words.join(" ");
}

/**
 * A session's threshold as people read it: "2 of 3" for a key generation; for a signing session,
 * the key's own threshold and holders, and how many sign ("2 of 3 key, 2 signers"), since
 * "2 of 2" would misstate the key.
 */
export function thresholdText(
  threshold: number,
  partyCount: number,
  keyHolders?: number | undefined,
): string {
  if (keyHolders === undefined) return `${threshold} of ${partyCount}`;
  return `${threshold} of ${keyHolders} key, ${partyCount} signer${partyCount === 1 ? "" : "s"}`;
}

/** How many parties hold the key of key-generation session `keySession` (undefined if unread). */
export async function keyHolderCount(
  publicClient: RoundtablePublicClient,
  contract: Address,
  keySession: bigint,
): Promise<number | undefined> {
  try {
    const holders = await publicClient.readContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "partiesOf",
      args: [keySession],
    });
    return holders.length;
  } catch {
    return undefined;
  }
}
