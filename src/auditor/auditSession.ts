// One session's audit: read its logs and the contract's view at the report block, rebuild it,
// re-read every block hash, run every check, and say how the session stands apart from the verdict.
import type { Address, Hash, Hex } from "viem";
import { encodeEventTopics, hexToBytes } from "viem";
import { keyFromKeygenRecord } from "../protocol/index.js";
import { decodeRoundtableLogs, indexedTopic } from "../sdk/actions/internal.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { ciphersuiteName } from "../sdk/protocolIds.js";
import { sessionConfigProblem } from "../sdk/sessionConfigProblem.js";
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
const [partyAcceptedTopic] = encodeEventTopics({ abi: roundtableAbi, eventName: "PartyAccepted" });
const [payloadSubmittedTopic] = encodeEventTopics({
  abi: roundtableAbi,
  eventName: "PayloadSubmitted",
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
    provenTranscript: await reader.proveTranscript?.(sessionId, reportBlock),
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
          { chainId: reader.chainId, contract: reader.contract },
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
  where: { chainId: number; contract: Address },
): Promise<KeySessionSummary> {
  let cached = caches.keySessions.get(keySession);
  if (cached === undefined) {
    cached = (async () => {
      const from = await scope.readContract<bigint>({
        functionName: "creationBlockOf",
        args: [keySession],
        blockNumber: at,
      });
      // With the acceptances and round-1 payloads, the key is recomputed from the key session's
      // public commitments rather than taken from its stored result (THREATS B5).
      const logs = await scope.getLogs({
        topics: [
          [
            sessionCreatedTopic!,
            sessionFinalizedTopic!,
            partyAcceptedTopic!,
            payloadSubmittedTopic!,
          ],
          indexedTopic(keySession),
        ],
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
        material: undefined,
        materialError: undefined,
      };
      const keys = new Map<number, Uint8Array>();
      const round1 = new Map<number, Uint8Array>();
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
        } else if (event.eventName === "PartyAccepted") {
          keys.set(event.args.index, hexToBytes(event.args.encryptionKey));
        } else if (event.eventName === "PayloadSubmitted" && event.args.round === 1) {
          round1.set(event.args.index + 1, hexToBytes(event.args.payload));
        }
      }
      Object.assign(summary, keyMaterialOf(summary, keys, round1, keySession, where));
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

/**
 * Whether the session expired while parties were still accepting a configuration that cannot run:
 * declining it is what honest parties do, so the initiator is at fault and no party is blamed.
 */
function declinedUnrunnable(record: SessionRecord): boolean {
  const created = record.created;
  if (created === undefined) return false;
  const accepted = new Set(record.actions.filter((a) => a.kind === "accept").map((a) => a.party));
  return (
    accepted.size < created.config.parties.length &&
    sessionConfigProblem(created.config, { chainId: record.chainId }) !== undefined
  );
}

/** The key a key session's public record implies, or why it implies none. */
function keyMaterialOf(
  summary: KeySessionSummary,
  keys: ReadonlyMap<number, Uint8Array>,
  round1: ReadonlyMap<number, Uint8Array>,
  sessionId: bigint,
  { chainId, contract }: { chainId: number; contract: Address },
): Pick<KeySessionSummary, "material" | "materialError"> {
  if (!summary.found || summary.ciphersuite === undefined || summary.threshold === undefined) {
    return { material: undefined, materialError: "the key session was not found" };
  }
  try {
    const material = keyFromKeygenRecord(
      {
        ciphersuite: ciphersuiteName(summary.ciphersuite),
        chainId: BigInt(chainId),
        contractAddress: contract,
        sessionId,
        encryptionKeys: summary.parties.map((_, i) => keys.get(i) ?? new Uint8Array(0)),
        threshold: summary.threshold,
      },
      round1,
    );
    return { material, materialError: undefined };
  } catch (error) {
    return {
      material: undefined,
      materialError: error instanceof Error ? error.message.split("\n")[0] : String(error),
    };
  }
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
        ? declinedUnrunnable(record)
          ? []
          : end.blame
        : end.reason === "complaint"
          ? culprits([
              "invalid-proof-of-knowledge",
              "invalid-share",
              "malformed-payload",
              "false-complaint",
              "disagreeing-agreement",
              "invalid-signature",
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
