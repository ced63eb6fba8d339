// Key generation, judged from public data: each party's proof of knowledge, the group key implied
// by the round-1 commitments, every party's agreement on it, and complaint evidence. Party indexes
// here are the contract's (0-based); the FROST identifier of party i is i + 1.
import type { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, type Hex, hexToBytes, isAddressEqual } from "viem";
import {
  type CiphersuiteId,
  checkKeygenRound1Payload,
  getCiphersuite,
  judgeComplaint,
  keyFromKeygenRecord,
  ProtocolError,
  type PublicRecord,
  type PublicSessionContext,
  readKeygenRound1,
  verifyProofOfKnowledge,
} from "../../protocol/index.js";
import { ciphersuiteName } from "../../sdk/protocolIds.js";
import { SessionKind } from "../../sdk/types.js";
import type { Finding, RecordedAction } from "../types.js";
import {
  accountOf,
  type CheckContext,
  type CheckOutput,
  output,
  partiesText,
} from "./checkContext.js";
import { position } from "./ruleChecks.js";

/** The payloads of one round, by party. */
export function payloadsOf(context: CheckContext, round: number): Map<number, RecordedAction> {
  return new Map(
    context.record.actions
      .filter((a) => a.kind === "submit" && a.round === round)
      .map((a) => [a.party, a]),
  );
}

/** The session's ciphersuite, or undefined when its id names none this version knows. */
export function suiteOf(context: CheckContext): CiphersuiteId | undefined {
  const id = context.record.created?.config.ciphersuite;
  if (id === undefined) return undefined;
  try {
    return ciphersuiteName(id);
  } catch {
    return undefined;
  }
}

function isKeygen(context: CheckContext): boolean {
  return context.record.created?.config.kind === SessionKind.KeyGeneration;
}

type Round1Verdict =
  | { party: number; ok: true; commitment: InstanceType<typeof secp256k1.Point> }
  | { party: number; ok: false; finding: Finding };

// Each payload is decoded and its proof verified once, whichever check asks first.
const round1Verdicts = new WeakMap<RecordedAction, Round1Verdict>();

/** Decodes and verifies one round-1 payload. */
function judgeRound1(
  context: CheckContext,
  suite: CiphersuiteId,
  action: RecordedAction,
): Round1Verdict {
  let verdict = round1Verdicts.get(action);
  if (verdict === undefined) {
    verdict = decodeRound1(context, suite, action);
    round1Verdicts.set(action, verdict);
  }
  return verdict;
}

function decodeRound1(
  context: CheckContext,
  suite: CiphersuiteId,
  action: RecordedAction,
): Round1Verdict {
  const threshold = context.record.created!.config.threshold;
  const account = accountOf(context, action.party);
  const bytes = hexToBytes(action.data);
  // Decoding, the session binding and the proof of knowledge, as the judge checks them. A record
  // missing an acceptance (a provider that hid its log) has no valid context: then the package
  // is checked without its binding, and the transcript check reports the missing log.
  let fault: ProtocolError | undefined;
  try {
    fault = checkKeygenRound1Payload(publicContextOf(context, suite), action.party + 1, bytes);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    fault = unboundRound1Fault(suite, threshold, action.party + 1, bytes);
  }
  if (fault === undefined) {
    const decoded = readKeygenRound1(bytes, getCiphersuite(suite), threshold, action.party + 1);
    return { party: action.party, ok: true, commitment: decoded.commitments[0]!.point };
  }
  const malformed =
    fault.code !== "INVALID_PROOF_OF_KNOWLEDGE" && fault.code !== "INVALID_SESSION_BINDING";
  return {
    party: action.party,
    ok: false,
    finding: {
      check: "keygen.proof-of-knowledge",
      party: action.party,
      account,
      kind: malformed ? "malformed-payload" : "invalid-proof-of-knowledge",
      summary: `Party ${action.party}'s round-1 package fails (${fault.code}): ${fault.shortMessage} (transaction ${action.at.transactionHash})`,
    },
  };
}

/** Decoding and the proof of knowledge alone, when the session's context is incomplete. */
function unboundRound1Fault(
  suite: CiphersuiteId,
  threshold: number,
  party: number,
  bytes: Uint8Array,
): ProtocolError | undefined {
  try {
    const decoded = readKeygenRound1(bytes, getCiphersuite(suite), threshold, party);
    if (verifyProofOfKnowledge(getCiphersuite(suite), party, decoded)) return undefined;
    return new ProtocolError({
      code: "INVALID_PROOF_OF_KNOWLEDGE",
      message: `Party ${party}'s proof of knowledge does not verify`,
      field: "keygenRound1.proofOfKnowledge",
      party,
    });
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
}

/** The group key (agreement encoding) implied by every party's round-1 commitments, if all are valid. */
export function impliedGroupKey(context: CheckContext): Hex | undefined {
  if (!implied.has(context)) implied.set(context, computeGroupKey(context));
  return implied.get(context);
}

// Several checks ask for the implied key; decompressing the commitments once is enough.
const implied = new WeakMap<CheckContext, Hex | undefined>();

function computeGroupKey(context: CheckContext): Hex | undefined {
  const suite = suiteOf(context);
  const created = context.record.created;
  if (suite === undefined || created === undefined) return undefined;
  const round1 = payloadsOf(context, 1);
  if (round1.size !== created.config.parties.length) return undefined;
  for (const action of round1.values()) {
    if (!judgeRound1(context, suite, action).ok) return undefined;
  }
  try {
    const payloads = new Map([...round1].map(([party, a]) => [party + 1, hexToBytes(a.data)]));
    return bytesToHex(
      keyFromKeygenRecord(publicContextOf(context, suite), payloads).groupPublicKey,
    );
  } catch {
    return undefined;
  }
}

/** `keygen.proof-of-knowledge`: every round-1 proof of knowledge verifies. */
export function checkProofOfKnowledge(context: CheckContext): CheckOutput {
  if (!isKeygen(context))
    return output("keygen.proof-of-knowledge", "not-applicable", "Not a key-generation session");
  const suite = suiteOf(context);
  if (suite === undefined)
    return output(
      "keygen.proof-of-knowledge",
      "fail",
      "The session's ciphersuite is not one this auditor knows",
    );
  const round1 = [...payloadsOf(context, 1).values()];
  if (round1.length === 0)
    return output("keygen.proof-of-knowledge", "not-applicable", "No round-1 payload yet");
  const verdicts = round1.map((a) => judgeRound1(context, suite, a));
  const findings = verdicts.flatMap((v) => (v.ok ? [] : [v.finding]));
  const evidence = {
    verified: verdicts.filter((v) => v.ok).map((v) => v.party),
    invalid: findings.map((f) => f.party),
    payloads: round1.map((a) => ({ party: a.party, ...position(a.at) })),
  };
  if (findings.length === 0)
    return output(
      "keygen.proof-of-knowledge",
      "pass",
      `All ${round1.length} proofs of knowledge verify`,
      evidence,
    );
  if (context.record.end?.kind === "finalized") {
    return output(
      "keygen.proof-of-knowledge",
      "fail",
      `The session finalized although ${partiesText(evidence.invalid)} sent an invalid round-1 package`,
      evidence,
      findings,
    );
  }
  return output(
    "keygen.proof-of-knowledge",
    "pass",
    `${partiesText(evidence.invalid)} sent an invalid round-1 package; the session produced no key (${context.record.end?.kind ?? "still active"})`,
    evidence,
    findings,
  );
}

/** `keygen.group-key`: a finalized key is the one implied by the round-1 commitments. */
export function checkGroupKey(context: CheckContext): CheckOutput {
  if (!isKeygen(context))
    return output("keygen.group-key", "not-applicable", "Not a key-generation session");
  const implied = impliedGroupKey(context);
  const end = context.record.end;
  const evidence = {
    implied: implied ?? null,
    result: end?.kind === "finalized" ? end.result : null,
  };
  if (end?.kind !== "finalized") {
    return implied === undefined
      ? output(
          "keygen.group-key",
          "not-applicable",
          "The session did not finalize and its round-1 commitments imply no key",
        )
      : output(
          "keygen.group-key",
          "pass",
          `The round-1 commitments imply group key ${implied} (the session did not finalize)`,
          evidence,
        );
  }
  if (implied === undefined)
    return output(
      "keygen.group-key",
      "fail",
      "The session finalized, but its round-1 commitments imply no valid key",
      evidence,
    );
  if (implied.toLowerCase() !== end.result.toLowerCase()) {
    return output(
      "keygen.group-key",
      "fail",
      `The session finalized with ${end.result}; the round-1 commitments imply ${implied}`,
      evidence,
    );
  }
  return output(
    "keygen.group-key",
    "pass",
    `The finalized key ${end.result} is the one the round-1 commitments imply`,
    evidence,
  );
}

/** `keygen.agreement`: every party's agreement payload equals the implied group key. */
export function checkKeygenAgreement(context: CheckContext): CheckOutput {
  if (!isKeygen(context))
    return output("keygen.agreement", "not-applicable", "Not a key-generation session");
  const rounds = context.record.created!.config.rounds.length;
  const agreements = [...payloadsOf(context, rounds).values()];
  if (agreements.length === 0)
    return output("keygen.agreement", "not-applicable", "No agreement payload yet");
  const end = context.record.end;
  const reference =
    impliedGroupKey(context) ?? (end?.kind === "finalized" ? end.result : undefined);
  const rows = agreements.map((a) => ({ party: a.party, payload: a.data, ...position(a.at) }));
  const evidence = { reference: reference ?? null, agreements: rows };
  if (reference === undefined) {
    return output(
      "keygen.agreement",
      "pass",
      "No group key is implied (round 1 incomplete or invalid): agreements not compared",
      evidence,
    );
  }
  const differing = agreements.filter((a) => a.data.toLowerCase() !== reference.toLowerCase());
  const findings: Finding[] = differing.map((a) => ({
    check: "keygen.agreement",
    party: a.party,
    account: accountOf(context, a.party),
    kind: "disagreeing-agreement",
    summary: `Party ${a.party} agreed on ${a.data}, not the group key ${reference} (transaction ${a.at.transactionHash})`,
  }));
  if (differing.length === 0) {
    if (end?.kind === "aborted" && end.reason === "disagreement") {
      return output(
        "keygen.agreement",
        "fail",
        "The session was aborted for disagreement although every agreement equals the group key",
        evidence,
      );
    }
    return output(
      "keygen.agreement",
      "pass",
      `All ${agreements.length} agreements equal ${reference}`,
      evidence,
    );
  }
  if (end?.kind === "finalized") {
    return output(
      "keygen.agreement",
      "fail",
      `The session finalized although ${partiesText(differing.map((a) => a.party))} agreed on another key`,
      evidence,
      findings,
    );
  }
  return output(
    "keygen.agreement",
    "pass",
    `${partiesText(differing.map((a) => a.party))} agreed on another key than ${reference}; the session did not finalize (${end?.kind === "aborted" ? `aborted: ${end.reason}` : "still active"})`,
    evidence,
    findings,
  );
}

/** `complaint.verdict`: each complaint judged from public data; the party at fault is named. */
export function checkComplaintVerdict(context: CheckContext): CheckOutput {
  const complaints = context.record.actions.filter((a) => a.kind === "complain");
  if (complaints.length === 0)
    return output("complaint.verdict", "not-applicable", "No complaint was filed");
  const suite = suiteOf(context);
  const findings: Finding[] = [];
  const rows: Record<string, unknown>[] = [];
  for (const complaint of complaints) {
    const judged = judge(context, suite, complaint);
    rows.push({
      accuser: complaint.party,
      accused: complaint.accused,
      round: complaint.round,
      faulty: judged.faulty ?? null,
      reason: judged.reason,
      ...position(complaint.at),
    });
    if (judged.faulty !== undefined) {
      findings.push({
        check: "complaint.verdict",
        party: judged.faulty,
        account: accountOf(context, judged.faulty),
        kind: judged.kind,
        summary: judged.reason,
      });
    }
  }
  const named = findings.map((f) => `party ${f.party} (${f.kind})`);
  return output(
    "complaint.verdict",
    "pass",
    named.length > 0
      ? `Complaint judged: at fault ${named.join(", ")}`
      : "Complaint could not be decided from public data",
    { complaints: rows },
    findings,
  );
}

type Judgement = { faulty: number | undefined; kind: Finding["kind"]; reason: string };

/**
 * One complaint, decided by the protocol's judge over the session's public record: the same judge
 * the party runners apply, so a runner's outcome and the report name the same party.
 */
function judge(
  context: CheckContext,
  suite: CiphersuiteId | undefined,
  complaint: RecordedAction,
): Judgement {
  const accuser = complaint.party;
  const accused = complaint.accused ?? 0;
  const record = suite === undefined ? undefined : publicRecordOf(context, suite);
  if (record === undefined) {
    return {
      faulty: undefined,
      kind: "false-complaint",
      reason:
        "The session's ciphersuite, configuration or key is unknown: the complaint cannot be judged",
    };
  }
  let verdict: ReturnType<typeof judgeComplaint>;
  try {
    verdict = judgeComplaint(record, {
      accuser: accuser + 1,
      accused: accused + 1,
      round: complaint.round,
      evidence: hexToBytes(complaint.data),
    });
  } catch (error) {
    // Only a record that is not a session's (the auditor's own inputs) reaches here.
    return {
      faulty: undefined,
      kind: "false-complaint",
      reason: `The complaint cannot be judged: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const faulty = verdict.faulty - 1;
  // The protocol's messages count parties from 1 (FROST identifiers); reports count from 0.
  const why = `${verdict.reason.code}: ${verdict.reason.shortMessage}; FROST identifiers count from 1`;
  if (verdict.role === "accuser") {
    return {
      faulty,
      kind: "false-complaint",
      reason: `Party ${faulty}'s complaint against party ${accused} does not hold (${why})`,
    };
  }
  return {
    faulty,
    kind: findingKinds[verdict.reason.code] ?? "malformed-payload",
    reason: `Complaint upheld against party ${faulty} (${why})`,
  };
}

const findingKinds: Partial<Record<string, Finding["kind"]>> = {
  INVALID_PROOF_OF_KNOWLEDGE: "invalid-proof-of-knowledge",
  INVALID_SESSION_BINDING: "invalid-proof-of-knowledge",
  INVALID_SHARE: "invalid-share",
  DECRYPTION_FAILED: "invalid-share",
  INVALID_SIGNATURE_SHARE: "invalid-signature",
  AGREEMENT_MISMATCH: "disagreeing-agreement",
};

/** The session's public record as the protocol's judge takes it, parties counted from 1. */
export function publicRecordOf(
  context: CheckContext,
  suite: CiphersuiteId,
): PublicRecord | undefined {
  const created = context.record.created;
  if (created === undefined) return undefined;
  const rounds = created.config.rounds.length;
  const payloads = Array.from(
    { length: rounds },
    (_, r) =>
      new Map([...payloadsOf(context, r + 1)].map(([party, a]) => [party + 1, hexToBytes(a.data)])),
  );
  const record: PublicRecord = {
    protocol: isKeygen(context) ? "frost-keygen" : "frost-signing",
    context: publicContextOf(context, suite),
    payloads,
  };
  if (isKeygen(context)) return record;
  const key = context.keySession;
  if (key?.material === undefined) return undefined;
  return {
    ...record,
    signing: {
      signerIdentifiers: created.config.parties.map(
        (signer) => key.parties.findIndex((holder) => isAddressEqual(holder, signer)) + 1,
      ),
      messageDigest: hexToBytes(created.config.message),
      key: key.material,
    },
  };
}

/** The session's public context: its suite, place, threshold and the keys its parties registered. */
function publicContextOf(context: CheckContext, suite: CiphersuiteId): PublicSessionContext {
  const created = context.record.created!;
  const keys = new Map(
    context.record.actions.filter((a) => a.kind === "accept").map((a) => [a.party, a.data]),
  );
  return {
    ciphersuite: suite,
    chainId: BigInt(context.record.chainId),
    contractAddress: context.record.contract,
    sessionId: context.record.sessionId,
    encryptionKeys: created.config.parties.map((_, i) => hexToBytes(keys.get(i) ?? "0x")),
    threshold: created.config.threshold,
  };
}
