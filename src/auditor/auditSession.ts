// One session's audit: read its logs and the contract's view at the report block, rebuild it,
// re-read every block hash, run every check, and say how the session stands apart from the verdict.
import type { Hash, Hex } from "viem";
import { encodeEventTopics } from "viem";
import { decodeRoundtableLogs, indexedTopic } from "../sdk/actions/internal.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { Phase, SessionKind } from "../sdk/types.js";
import type { CheckContext } from "./checks/checkContext.js";
import { replaySession } from "./checks/replaySession.js";
import { runChecks } from "./checks/runChecks.js";
import type { ChainReader, ReadScope, ReportBlock } from "./readChain.js";
import { type CalldataCache, createCalldataCache, rebuildSession } from "./rebuildSession.js";
import { createSignerRecovery, type SignerRecovery } from "./recoverSigner.js";
import type {
  ContractView,
  Finding,
  KeySessionSummary,
  SessionAudit,
  SessionOutcome,
  SessionRecord,
} from "./types.js";

/** Caches shared by the sessions of one audit run; each is bounded. */
export type AuditCaches = {
  calldata: CalldataCache;
  signers: SignerRecovery;
  keySessions: Map<bigint, Promise<KeySessionSummary>>;
};

export type AuditSessionParameters = {
  reader: ChainReader;
  sessionId: bigint;
  reportBlock: ReportBlock;
  /** The block that created the session, when known (from its SessionCreated log); read otherwise. */
  creationBlock?: bigint | undefined;
  caches: AuditCaches;
};

const [sessionCreatedTopic] = encodeEventTopics({
  abi: roundtableAbi,
  eventName: "SessionCreated",
});
const [sessionFinalizedTopic] = encodeEventTopics({
  abi: roundtableAbi,
  eventName: "SessionFinalized",
});

/**
 * Audits one session from chain events and the contract's view at `reportBlock`.
 * @example
 * ```ts
 * const audit = await auditSession({ reader, sessionId: 7n, reportBlock, caches: createAuditCaches() });
 * console.log(audit.verdict, audit.outcome.status, audit.findings);
 * ```
 */
export async function auditSession({
  reader,
  sessionId,
  reportBlock,
  creationBlock,
  caches,
}: AuditSessionParameters): Promise<SessionAudit> {
  const scope = reader.scope();
  const at = reportBlock.number;
  const [configHash, transcript, state, created] = await Promise.all([
    scope.readContract<Hash>({ functionName: "configHashOf", args: [sessionId], blockNumber: at }),
    scope.readContract<Hash>({ functionName: "transcriptOf", args: [sessionId], blockNumber: at }),
    scope.readContract<ContractView["state"]>({
      functionName: "sessionState",
      args: [sessionId],
      blockNumber: at,
    }),
    creationBlock ??
      scope.readContract<bigint>({
        functionName: "creationBlockOf",
        args: [sessionId],
        blockNumber: at,
      }),
  ]);
  const view: ContractView = {
    configHash,
    transcript,
    state: { ...state, deadline: BigInt(state.deadline) },
  };
  const logs = await scope.getLogs({
    topics: [null, indexedTopic(sessionId)],
    fromBlock: created,
    toBlock: at,
  });
  const record = await rebuildSession({
    sessionId,
    chainId: reader.chainId,
    contract: reader.contract,
    logs,
    sources: {
      getTransaction: (hash) => scope.getTransaction(hash),
      getBlockTime: (hash) => scope.getBlockTime(hash),
      hasCode: (address, blockNumber) => scope.hasCode(address, blockNumber),
      calldata: caches.calldata,
      signers: caches.signers,
    },
  });
  const keySession =
    record.created?.config.kind === SessionKind.Signing
      ? await keySessionOf(
          scope,
          caches,
          record.created.config.keySession,
          record.created.at.blockNumber,
          at,
        )
      : undefined;
  const replay = replaySession(record);
  // Last, so that a reorganisation during the audit shows up rather than mixing two forks.
  const rechecks = await scope.recheckBlocks(new Map([[at, reportBlock.hash]]));
  const context: CheckContext = {
    record,
    replay,
    reportBlock,
    view,
    keySession,
    disagreements: scope.disagreements,
    rechecks,
  };
  const { checks, findings } = runChecks(context, reader.endpoints.length);
  return {
    sessionId,
    verdict: checks.some((c) => c.status === "fail") ? "fail" : "pass",
    outcome: outcomeOf(record, replay.phaseAt(reportBlock.timestamp), replay.acted, findings),
    record,
    checks,
    findings,
    disagreements: scope.disagreements,
  };
}

/** Fresh caches for one audit run. */
export function createAuditCaches(): AuditCaches {
  return {
    calldata: createCalldataCache(256),
    signers: createSignerRecovery(128),
    keySessions: new Map(),
  };
}

/** The key-generation session a signing session names: its configuration and agreed key. */
async function keySessionOf(
  scope: ReadScope,
  caches: AuditCaches,
  keySession: bigint,
  signingCreated: bigint,
  at: bigint,
): Promise<KeySessionSummary> {
  let cached = caches.keySessions.get(keySession);
  if (cached === undefined) {
    cached = (async () => {
      const from = await scope.readContract<bigint>({
        functionName: "creationBlockOf",
        args: [keySession],
        blockNumber: at,
      });
      const logs = await scope.getLogs({
        topics: [[sessionCreatedTopic!, sessionFinalizedTopic!], indexedTopic(keySession)],
        fromBlock: from,
        toBlock: signingCreated,
      });
      const summary: KeySessionSummary = {
        sessionId: keySession,
        found: false,
        kind: undefined,
        ciphersuite: undefined,
        parties: [],
        threshold: undefined,
        groupKey: undefined,
        finalizedAt: undefined,
      };
      for (const event of decodeRoundtableLogs(logs)) {
        if (event.args.sessionId !== keySession) continue;
        if (event.eventName === "SessionCreated" && !summary.found) {
          const { config } = event.args;
          Object.assign(summary, {
            found: true,
            kind: config.kind,
            ciphersuite: config.ciphersuite,
            parties: [...config.parties],
            threshold: config.threshold,
          });
        } else if (event.eventName === "SessionFinalized" && summary.groupKey === undefined) {
          summary.groupKey = event.args.result as Hex;
          summary.finalizedAt = event.blockNumber;
        }
      }
      return summary;
    })();
    cached.catch(() => caches.keySessions.delete(keySession));
    caches.keySessions.set(keySession, cached);
    // Signing sessions usually name a few keys; keep the most recent ones.
    if (caches.keySessions.size > 256)
      caches.keySessions.delete(caches.keySessions.keys().next().value as bigint);
  }
  return cached;
}

/** How the session stands, with who is to blame, apart from whether the record is consistent. */
function outcomeOf(
  record: SessionRecord,
  phase: number,
  acted: ReadonlySet<number>,
  findings: readonly Finding[],
): SessionOutcome {
  const end = record.end;
  const culprits = (kinds: readonly Finding["kind"][]) =>
    [...new Set(findings.filter((f) => kinds.includes(f.kind)).map((f) => f.party))].sort(
      (a, b) => a - b,
    );
  if (end?.kind === "finalized")
    return { status: "finalized", reason: undefined, blame: [], result: end.result };
  if (end?.kind === "cancelled")
    return { status: "cancelled", reason: undefined, blame: [], result: undefined };
  if (end?.kind === "aborted") {
    const blame =
      end.reason === "expired"
        ? end.blame
        : end.reason === "complaint"
          ? culprits([
              "invalid-proof-of-knowledge",
              "invalid-share",
              "malformed-payload",
              "false-complaint",
              "disagreeing-agreement",
            ])
          : culprits(["disagreeing-agreement", "invalid-signature"]);
    return { status: "aborted", reason: end.reason, blame, result: undefined };
  }
  if (record.created === undefined)
    return { status: "unknown", reason: undefined, blame: [], result: undefined };
  if (phase === Phase.Expired) {
    const n = record.created.config.parties.length;
    const silent = Array.from({ length: n }, (_, i) => i).filter((i) => !acted.has(i));
    return { status: "expired", reason: "expired", blame: silent, result: undefined };
  }
  return {
    status: "active",
    reason: undefined,
    blame: culprits(["invalid-proof-of-knowledge", "malformed-payload"]),
    result: undefined,
  };
}
