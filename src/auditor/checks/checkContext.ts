// What every check is a pure function of, and small helpers to build results.
import type { BlockRecheck, ReadDisagreement, ReportBlock } from "../readChain.js";
import type {
  CheckId,
  CheckResult,
  CheckStatus,
  ContractView,
  Finding,
  KeySessionSummary,
  SessionRecord,
} from "../types.js";
import type { SessionReplay } from "./replaySession.js";

/** Everything the audit read about one session; checks read it and never the chain. */
export type CheckContext = {
  record: SessionRecord;
  replay: SessionReplay;
  reportBlock: ReportBlock;
  /** The contract's own view at the report block; undefined if it knows no such session. */
  view: ContractView | undefined;
  /** Signing sessions: the key-generation session they sign with. */
  keySession: KeySessionSummary | undefined;
  disagreements: readonly ReadDisagreement[];
  rechecks: readonly BlockRecheck[];
};

/** A check's result and the misbehaviour it attributes. */
export type CheckOutput = { result: CheckResult; findings: Finding[] };

export function output(
  id: CheckId,
  status: CheckStatus,
  summary: string,
  evidence: Record<string, unknown> = {},
  findings: Finding[] = [],
): CheckOutput {
  return { result: { id, status, summary, evidence }, findings };
}

/** "party 2" or "parties 0, 2". */
export function partiesText(parties: readonly number[]): string {
  return parties.length === 1 ? `party ${parties[0]}` : `parties ${parties.join(", ")}`;
}

/** The account of a party, when the configuration is known. */
export function accountOf(context: CheckContext, party: number) {
  return context.record.created?.config.parties[party];
}
