// The readable report: per session its definition, parties, timeline (block, time, transaction,
// submitter and signer) and checks, then what the audit attributes to whom.
import { SessionKind } from "../../sdk/types.js";
import { namedDelegates } from "../rebuildSession.js";
import type { SessionAudit } from "../types.js";
import type { ReportHead, ReportTail } from "./json.js";
import { idName } from "./names.js";
import { printable } from "./printable.js";
import { sessionTimeline, textTimeline } from "./timeline.js";

const marks = { pass: "PASS", fail: "FAIL", "not-applicable": "n/a " } as const;

/** The report's first lines. */
export function textHead(head: ReportHead): string[] {
  return [
    `Roundtable audit of ${head.contract} on chain ${head.chainId}`,
    `Report block ${head.reportBlock.number} (${head.reportBlockChoice}), hash ${head.reportBlock.hash}, time ${iso(head.reportBlock.timestamp)}`,
    `RPC${head.rpcs.length === 1 ? "" : "s"}: ${head.rpcs.join(", ")}`,
    "",
  ];
}

/**
 * One session's section of the readable report. `asOf` is the report block's time: the lanes
 * show a phase past its deadline (not yet expired) as missed, as of that block.
 * @example
 * ```ts
 * process.stdout.write(`${textSession(audit, head.reportBlock.timestamp).join("\n")}\n`);
 * ```
 */
export function textSession(audit: SessionAudit, asOf?: bigint): string[] {
  const { record, outcome } = audit;
  const created = record.created;
  const lines: string[] = [];
  const outcomeText = `${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ""}${outcome.blame.length > 0 ? `, at fault: party ${outcome.blame.join(", ")}` : ""}`;
  lines.push(
    `Session ${audit.sessionId}: ${audit.verdict === "pass" ? "PASS" : "FAIL"} — outcome ${outcomeText}`,
  );
  if (created !== undefined) {
    const { config } = created;
    const signing = config.kind === SessionKind.Signing;
    lines.push(
      `  kind         ${signing ? "signing" : "key generation"} (${idName(config.protocol)}, ${idName(config.ciphersuite)})`,
      `  threshold    ${config.threshold} of ${config.parties.length}`,
      `  rounds       ${config.rounds.map((r, i) => `${i + 1}: ${r.duration}s${r.commitReveal ? " commit-reveal" : ""}`).join(", ")}`,
      `  config hash  ${created.configHash}`,
      `  initiator    ${created.initiator}`,
      `  created      block ${created.at.blockNumber}, ${iso(created.at.time)}, tx ${created.at.transactionHash}`,
      ...(signing
        ? [`  key session  ${config.keySession}`, `  message      ${config.message}`]
        : []),
    );
    if (outcome.result !== undefined) lines.push(`  result       ${outcome.result}`);
    lines.push("  Parties:");
    const keys = new Map(
      record.actions.filter((a) => a.kind === "accept").map((a) => [a.party, a.data]),
    );
    const delegates = namedDelegates(record.actions);
    config.parties.forEach((account, i) => {
      const delegate = delegates.get(i);
      lines.push(
        `    ${i}  ${account}  ${keys.has(i) ? `key ${keys.get(i)}` : "not accepted"}${delegate === undefined ? "" : `  delegate ${delegate}`}`,
      );
    });
  }
  const timeline = sessionTimeline(record, asOf);
  if (timeline !== undefined) {
    lines.push("  Lanes (times after creation, chain time):");
    for (const line of textTimeline(timeline)) lines.push(`    ${line}`);
  }
  lines.push("  Timeline:");
  for (const entry of record.timeline) {
    const who = [
      entry.submitter ? `submitter ${entry.submitter}` : "",
      entry.signer && (entry.signer !== entry.submitter || entry.signedBy === "delegate")
        ? `signer ${entry.signer}${entry.signedBy === undefined ? "" : ` (${entry.signedBy})`}`
        : "",
    ].filter(Boolean);
    lines.push(
      `    block ${entry.at.blockNumber}  ${iso(entry.at.time)}  tx ${entry.at.transactionHash}`,
      `      ${entry.summary}${who.length > 0 ? ` [${who.join(", ")}]` : ""}`,
    );
  }
  lines.push("  Checks:");
  for (const check of audit.checks)
    lines.push(`    ${marks[check.status]}  ${check.id.padEnd(27)} ${check.summary}`);
  if (audit.findings.length > 0) {
    lines.push("  Findings (misbehaviour, by party):");
    for (const f of audit.findings)
      lines.push(
        `    party ${f.party}${f.account ? ` (${f.account})` : ""}: ${f.kind} [${f.check}] ${f.summary}`,
      );
  }
  lines.push("");
  // Summaries quote chain data: escape whatever a terminal would obey instead of show.
  return lines.map(printable);
}

/** The report's last lines: the verdict. */
export function textTail(tail: ReportTail): string[] {
  const verdict = tail.failed > 0 || tail.problems.length > 0 ? "FAIL" : "PASS";
  return [
    ...tail.problems.map((p) => printable(`Problem: ${p}`)),
    `Verdict: ${verdict} — ${tail.audited} session${tail.audited === 1 ? "" : "s"} audited, ${tail.failed} failed${tail.discovered === null ? "" : ` (${tail.discovered} found in the range)`}`,
  ];
}

function iso(time: bigint): string {
  return new Date(Number(time) * 1000).toISOString().replace(".000Z", "Z");
}
