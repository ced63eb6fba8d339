// Many sessions, streamed: sessions by id, or discovered from SessionCreated logs a window of
// blocks at a time, audited a few at a time, each handed to `onSession` and then dropped, so
// memory does not grow with the number of sessions.
import { encodeEventTopics } from "viem";
import { decodeRoundtableLogs } from "../sdk/actions/internal.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { type AuditCaches, auditSession, createAuditCaches } from "./auditSession.js";
import type { ChainReader, ReadDisagreement, ReadScope, ReportBlock } from "./readChain.js";
import type { SessionAudit } from "./types.js";

/** Which sessions to audit. */
export type SessionSelection =
  | { kind: "ids"; ids: readonly bigint[] }
  /** Every session created in [fromBlock, toBlock]. */
  | { kind: "range"; fromBlock: bigint; toBlock: bigint };

export type AuditSessionsParameters = {
  reader: ChainReader;
  selection: SessionSelection;
  reportBlock: ReportBlock;
  /** Sessions audited at once. @default 4 */
  concurrency?: number | undefined;
  /** Blocks scanned for SessionCreated per window. @default 5000n */
  windowSize?: bigint | undefined;
  /** Called once per session, in id order within each window; the audit is dropped after. */
  onSession(audit: SessionAudit): void | Promise<void>;
};

/** A session id the contract does not know (at the report block). */
export class UnknownSessionError extends Error {
  override name = "UnknownSessionError";
  readonly sessionId: bigint;
  constructor(sessionId: bigint, count: bigint, block: bigint) {
    super(
      `Session ${sessionId} does not exist at block ${block}: the contract has ${count} session${count === 1n ? "" : "s"} (ids 1 to ${count}). Check the id and --contract, or wait for confirmations.`,
    );
    this.sessionId = sessionId;
  }
}

/** What a run found across sessions, kept small. */
export type AuditSummary = {
  audited: number;
  failed: number;
  /** Sessions created in the range as SessionCreated logs tell; compared with sessionCount in full scans. */
  discovered: number;
  /** Disagreements among providers found while discovering sessions. */
  discoveryDisagreements: ReadDisagreement[];
};

const [sessionCreatedTopic] = encodeEventTopics({
  abi: roundtableAbi,
  eventName: "SessionCreated",
});

/**
 * Audits the selected sessions, handing each audit to `onSession` as soon as it is done.
 * @throws UnknownSessionError for an id the contract does not know at the report block.
 * @example
 * ```ts
 * const summary = await auditSessions({ reader, reportBlock, selection: { kind: "ids", ids: [3n, 7n] },
 *   onSession: (audit) => console.log(audit.sessionId, audit.verdict) });
 * ```
 */
export async function auditSessions({
  reader,
  selection,
  reportBlock,
  concurrency = 4,
  windowSize = 5_000n,
  onSession,
}: AuditSessionsParameters): Promise<AuditSummary> {
  const caches = createAuditCaches();
  const summary: AuditSummary = {
    audited: 0,
    failed: 0,
    discovered: 0,
    discoveryDisagreements: [],
  };
  const run = async (batch: readonly { id: bigint; creationBlock?: bigint }[]) => {
    for (let i = 0; i < batch.length; i += concurrency) {
      const slice = batch.slice(i, i + concurrency);
      const audits = await Promise.all(
        slice.map((s) => auditOne(reader, s.id, reportBlock, s.creationBlock, caches)),
      );
      for (const audit of audits) {
        summary.audited += 1;
        if (audit.verdict === "fail") summary.failed += 1;
        await onSession(audit);
      }
    }
  };
  if (selection.kind === "ids") {
    const count = await reader.scope().readContract<bigint>({
      functionName: "sessionCount",
      args: [],
      blockNumber: reportBlock.number,
    });
    for (const id of selection.ids) {
      if (id < 1n || id > count) throw new UnknownSessionError(id, count, reportBlock.number);
    }
    await run(selection.ids.map((id) => ({ id })));
    return summary;
  }
  const scope = reader.scope();
  for (let from = selection.fromBlock; from <= selection.toBlock; from += windowSize) {
    const to =
      from + windowSize - 1n < selection.toBlock ? from + windowSize - 1n : selection.toBlock;
    const found = await sessionsCreated(scope, from, to);
    summary.discovered += found.length;
    await run(found);
    // Discovery keeps no per-session state: only what differed.
    summary.discoveryDisagreements.push(...scope.disagreements.splice(0));
    scope.blocks.clear();
  }
  return summary;
}

/** The sessions created in [from, to]: only ids and blocks are kept, not the logs. */
async function sessionsCreated(
  scope: ReadScope,
  from: bigint,
  to: bigint,
): Promise<{ id: bigint; creationBlock: bigint }[]> {
  const logs = await scope.getLogs({
    topics: [sessionCreatedTopic!],
    fromBlock: from,
    toBlock: to,
  });
  return decodeRoundtableLogs(logs).flatMap((event) =>
    event.eventName === "SessionCreated"
      ? [{ id: event.args.sessionId, creationBlock: event.blockNumber }]
      : [],
  );
}

function auditOne(
  reader: ChainReader,
  id: bigint,
  reportBlock: ReportBlock,
  creationBlock: bigint | undefined,
  caches: AuditCaches,
): Promise<SessionAudit> {
  return auditSession({ reader, sessionId: id, reportBlock, creationBlock, caches });
}
