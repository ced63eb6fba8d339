// Key generation, judged from public data: each party's proof of knowledge, the group key implied
// by the round-1 commitments, every party's agreement on it, and complaint evidence. Party indexes
// here are the contract's (0-based); the FROST identifier of party i is i + 1.
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE } from "@noble/curves/utils.js";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import {
  type CiphersuiteId,
  decodeGroupKey,
  decodeKeygenRound2,
  decodeSigningRound1,
  decodeSigningRound2,
  getCiphersuite,
  judgeComplaint,
  ProtocolError,
  readKeygenRound1,
  TAPROOT_CIPHERSUITE,
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
  try {
    const decoded = readKeygenRound1(
      hexToBytes(action.data),
      getCiphersuite(suite),
      threshold,
      action.party + 1,
    );
    if (verifyProofOfKnowledge(getCiphersuite(suite), action.party + 1, decoded)) {
      return { party: action.party, ok: true, commitment: decoded.commitments[0]!.point };
    }
    return {
      party: action.party,
      ok: false,
      finding: {
        check: "keygen.proof-of-knowledge",
        party: action.party,
        account,
        kind: "invalid-proof-of-knowledge",
        summary: `Party ${action.party}'s round-1 proof of knowledge does not verify (transaction ${action.at.transactionHash})`,
      },
    };
  } catch (error) {
    return {
      party: action.party,
      ok: false,
      finding: {
        check: "keygen.proof-of-knowledge",
        party: action.party,
        account,
        kind: "malformed-payload",
        summary: `Party ${action.party}'s round-1 payload is malformed: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
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
  let sum = secp256k1.Point.ZERO;
  for (const action of round1.values()) {
    const verdict = judgeRound1(context, suite, action);
    if (!verdict.ok) return undefined;
    sum = sum.add(verdict.commitment);
  }
  if (sum.is0()) return undefined;
  if (suite !== TAPROOT_CIPHERSUITE) return bytesToHex(sum.toBytes(true));
  // frost-secp256k1-tr (and noble's DKG) tweak the key with an empty Taproot script tree (BIP-341):
  // lift to even y, add H_TapTweak(x(P))·G, and agree on the x-only result.
  const even = sum.y % 2n === 0n ? sum : sum.negate();
  const x = even.toBytes(true).subarray(1);
  const tweak = bytesToNumberBE(schnorr.utils.taggedHash("TapTweak", x, new Uint8Array(0)));
  const tweaked = even.add(secp256k1.Point.BASE.multiply(tweak));
  return bytesToHex(tweaked.toBytes(true).subarray(1));
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

function judge(
  context: CheckContext,
  suite: CiphersuiteId | undefined,
  complaint: RecordedAction,
): Judgement {
  const accuser = complaint.party;
  const accused = complaint.accused ?? 0;
  const created = context.record.created;
  const evidence = hexToBytes(complaint.data);
  const lie = (reason: string): Judgement => ({
    faulty: accuser,
    kind: "false-complaint",
    reason: `Party ${accuser}'s complaint against party ${accused} is false: ${reason}`,
  });
  if (suite === undefined || created === undefined)
    return { faulty: undefined, kind: "false-complaint", reason: "Unknown ciphersuite" };
  const keygen = created.config.kind === SessionKind.KeyGeneration;
  // Share complaints carry evidence (01 31 …) that only the pair's shared point opens.
  if (keygen && evidence[0] === 0x01 && evidence[1] === 0x31) {
    const r1 = payloadsOf(context, 1).get(accused);
    const r2 = payloadsOf(context, 2).get(accused);
    if (r1 === undefined || r2 === undefined)
      return lie(`party ${accused} had not sent the payloads complained about`);
    const keys = context.record.actions
      .filter((a) => a.kind === "accept")
      .sort((a, b) => a.party - b.party);
    try {
      const verdict = judgeComplaint({
        context: {
          ciphersuite: suite,
          chainId: BigInt(context.record.chainId),
          contractAddress: context.record.contract,
          sessionId: context.record.sessionId,
          encryptionKeys: keys.map((a) => hexToBytes(a.data)),
          threshold: created.config.threshold,
        },
        accusedRound1: hexToBytes(r1.data),
        accusedRound2: hexToBytes(r2.data),
        evidence,
        complainant: accuser + 1,
      });
      const faulty = verdict.faulty - 1;
      // The protocol's messages count parties from 1 (FROST identifiers); reports count from 0.
      const why = `${verdict.reason.code}; FROST identifiers: accuser ${verdict.accuser}, accused ${verdict.accused}`;
      if (verdict.role === "accuser") {
        const what =
          verdict.reason.code === "FALSE_COMPLAINT"
            ? `the share party ${accused} sent to party ${accuser} is correct`
            : "its evidence does not hold";
        return {
          faulty,
          kind: "false-complaint",
          reason: `Party ${faulty}'s complaint against party ${accused} is false: ${what} (${why})`,
        };
      }
      return {
        faulty,
        kind:
          verdict.reason.code === "INVALID_PROOF_OF_KNOWLEDGE"
            ? "invalid-proof-of-knowledge"
            : verdict.reason.code === "INVALID_SHARE" || verdict.reason.code === "DECRYPTION_FAILED"
              ? "invalid-share"
              : "malformed-payload",
        reason: `Complaint upheld against party ${faulty}: the share it sent to party ${accuser} ${verdict.reason.code === "INVALID_SHARE" ? "does not match its commitments" : verdict.reason.code === "DECRYPTION_FAILED" ? "does not decrypt" : "comes with an invalid public payload"} (${why})`,
      };
    } catch (error) {
      return lie(
        `its evidence cannot be judged (${error instanceof ProtocolError ? error.message : String(error)})`,
      );
    }
  }
  // A public fault: the evidence is the accused's own payload from the log, re-checked here.
  const fromLog = context.record.actions.find(
    (a) =>
      a.kind === "submit" &&
      a.party === accused &&
      a.data.toLowerCase() === complaint.data.toLowerCase(),
  );
  if (fromLog === undefined) return lie(`the evidence is not a payload party ${accused} sent`);
  const upheld = (kind: Finding["kind"], why: string): Judgement => ({
    faulty: accused,
    kind,
    reason: `Complaint upheld against party ${accused}: ${why}`,
  });
  const rounds = created.config.rounds.length;
  const bytes = hexToBytes(fromLog.data);
  try {
    if (fromLog.round === rounds) {
      if (keygen) {
        const implied = impliedGroupKey(context);
        decodeGroupKey(bytes, { ciphersuite: suite, party: accused + 1 });
        if (implied !== undefined && implied.toLowerCase() !== fromLog.data.toLowerCase())
          return upheld(
            "disagreeing-agreement",
            `its agreement ${fromLog.data} is not the group key ${implied}`,
          );
      }
      return lie(`party ${accused}'s round-${fromLog.round} payload is well formed`);
    }
    if (keygen && fromLog.round === 1) {
      const verdict = judgeRound1(context, suite, fromLog);
      if (!verdict.ok) return upheld(verdict.finding.kind, verdict.finding.summary);
      return lie(`party ${accused}'s round-1 package and proof of knowledge are valid`);
    }
    if (keygen && fromLog.round === 2) {
      decodeKeygenRound2(bytes, { parties: created.config.parties.length, party: accused + 1 });
      return lie(
        `party ${accused}'s round-2 payload is well formed (a wrong share needs share evidence)`,
      );
    }
    if (!keygen && fromLog.round === 1) {
      decodeSigningRound1(bytes, { party: accused + 1 });
      return lie(`party ${accused}'s nonce commitments are well formed`);
    }
    if (!keygen && fromLog.round === 2) {
      decodeSigningRound2(bytes, { party: accused + 1 });
      return {
        faulty: undefined,
        kind: "invalid-signature",
        reason: `Party ${accused}'s signature share is well formed; this auditor does not verify single shares, so the complaint is undecided`,
      };
    }
  } catch (error) {
    if (error instanceof ProtocolError)
      return upheld(
        "malformed-payload",
        `its round-${fromLog.round} payload is malformed (${error.message})`,
      );
    throw error;
  }
  return lie(
    `no rule of the protocol is broken by party ${accused}'s round-${fromLog.round} payload`,
  );
}
