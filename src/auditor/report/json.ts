// The JSON report: one stable, versioned object. Keys never change meaning; bigints are decimal
// strings. A report is written session by session (see {@link jsonReportWriter}), so its memory
// does not grow with the number of sessions.
import type { Address, Hash } from "viem";
import { SessionKind } from "../../sdk/types.js";
import type { ReportBlock } from "../readChain.js";
import { namedDelegates } from "../rebuildSession.js";
import type { SessionAudit } from "../types.js";
import { idName } from "./names.js";

/** The version of the JSON report's schema (docs/audit.md). */
export const AUDIT_REPORT_VERSION = 1;

/** JSON with bigints as decimal strings. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * One session's part of the JSON report.
 * @example
 * ```ts
 * const object = sessionJson(audit); // { sessionId, verdict, outcome, definition, parties, timeline, checks, findings }
 * ```
 */
export function sessionJson(audit: SessionAudit): Record<string, unknown> {
  const { record } = audit;
  const created = record.created;
  const config = created?.config;
  const keys = new Map(
    record.actions.filter((a) => a.kind === "accept").map((a) => [a.party, a.data]),
  );
  const delegates = namedDelegates(record.actions);
  return {
    sessionId: audit.sessionId,
    verdict: audit.verdict,
    outcome: {
      status: audit.outcome.status,
      reason: audit.outcome.reason ?? null,
      blame: audit.outcome.blame,
      result: audit.outcome.result ?? null,
    },
    definition:
      created === undefined || config === undefined
        ? null
        : {
            kind: config.kind === SessionKind.Signing ? "signing" : "key-generation",
            protocol: { id: config.protocol, name: idName(config.protocol) },
            ciphersuite: { id: config.ciphersuite, name: idName(config.ciphersuite) },
            threshold: config.threshold,
            partyCount: config.parties.length,
            rounds: config.rounds.map((r) => ({
              duration: r.duration,
              commitReveal: r.commitReveal,
            })),
            acceptanceDuration: config.acceptanceDuration,
            acceptanceDeadline: created.acceptanceDeadline,
            keySession: config.kind === SessionKind.Signing ? config.keySession : null,
            message: config.kind === SessionKind.Signing ? config.message : null,
            params: config.params,
            configHash: created.configHash,
            initiator: created.initiator,
            created: positionJson(created.at),
          },
    parties: (config?.parties ?? []).map((account, index) => ({
      index,
      account,
      accepted: keys.has(index),
      encryptionKey: keys.get(index) ?? null,
      delegate: delegates.get(index) ?? null,
    })),
    timeline: record.timeline.map((entry) => ({
      event: entry.event,
      ...positionJson(entry.at),
      party: entry.party ?? null,
      round: entry.round ?? null,
      submitter: entry.submitter ?? null,
      signer: entry.signer ?? null,
      signedBy: entry.signedBy ?? null,
      summary: entry.summary,
    })),
    checks: audit.checks.map((c) => ({
      id: c.id,
      status: c.status,
      summary: c.summary,
      evidence: c.evidence,
    })),
    findings: audit.findings.map((f) => ({
      check: f.check,
      party: f.party,
      account: f.account ?? null,
      kind: f.kind,
      summary: f.summary,
    })),
  };
}

function positionJson(at: {
  blockNumber: bigint;
  blockHash: Hash;
  logIndex: number;
  transactionHash: Hash;
  time: bigint;
}) {
  return {
    block: at.blockNumber,
    blockHash: at.blockHash,
    logIndex: at.logIndex,
    time: at.time,
    isoTime: new Date(Number(at.time) * 1000).toISOString(),
    transaction: at.transactionHash,
  };
}

/** What the report's head says. */
export type ReportHead = {
  chainId: number;
  contract: Address;
  reportBlock: ReportBlock;
  /** How the report block was chosen: "latest", "latest-N" or "finalized". */
  reportBlockChoice: string;
  rpcs: readonly string[];
};

/** What the report's tail says. */
export type ReportTail = {
  audited: number;
  failed: number;
  discovered: number | null;
  /** Problems found outside any one session (such as a provider that disagreed during discovery). */
  problems: string[];
};

/**
 * Writes the JSON report in pieces: the head, each session, then the tail with the verdict.
 * @example
 * ```ts
 * const writer = jsonReportWriter((text) => process.stdout.write(text));
 * writer.head(head); writer.session(audit); writer.end(tail);
 * ```
 */
export function jsonReportWriter(write: (text: string) => void) {
  let count = 0;
  return {
    head(head: ReportHead) {
      write(
        `{"version":${AUDIT_REPORT_VERSION},"chainId":${head.chainId},"contract":${toJsonText(head.contract)},"reportBlock":${toJsonText(
          {
            number: head.reportBlock.number,
            hash: head.reportBlock.hash,
            timestamp: head.reportBlock.timestamp,
            choice: head.reportBlockChoice,
          },
        )},"rpcs":${toJsonText(head.rpcs)},"sessions":[`,
      );
    },
    session(audit: SessionAudit) {
      write(`${count === 0 ? "" : ","}${toJsonText(sessionJson(audit))}`);
      count += 1;
    },
    end(tail: ReportTail, error?: { message: string; exitCode: number }) {
      const verdict =
        error !== undefined
          ? "error"
          : tail.failed > 0 || tail.problems.length > 0
            ? "fail"
            : "pass";
      write(
        `],"summary":${toJsonText({ audited: tail.audited, failed: tail.failed, discovered: tail.discovered, problems: tail.problems })},"verdict":"${verdict}"${
          error === undefined ? "" : `,"error":${toJsonText(error)}`
        }}\n`,
      );
    },
  };
}
