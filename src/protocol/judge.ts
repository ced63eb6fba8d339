// The one judge of a session's public record, applied alike by every party runner and by the
// auditor (DESIGN.md, Blame). A complaint names two parties on chain; the judge names exactly one
// of them, and with a single deviating party that is always the deviator:
//
//  1. Evidence that does not decode, names another accuser or accused than the chain does
//     (THREATS B2), names a round after the one the complaint was filed in, points at a payload
//     the record does not hold, or is share evidence in a signing session → the accuser.
//  2. Public-fault evidence (01 32) → re-run the public check of the accused's payload of that
//     round (recordChecks.ts). It fails by a fault of the accused → the accused. It passes →
//     the accuser (FALSE_COMPLAINT). It cannot be run because ANOTHER party's payload is bad
//     (a signature share needs every signer's valid nonce commitments; an agreement needs every
//     payload the result depends on) → the accuser: that fault was public from the earlier
//     round, when an honest accuser would have complained about it and stopped, so an accuser
//     that went on and blamed someone else deviated. The judge never names a third party: that
//     party's own fault is judged by a complaint against it (or judgeAgreement).
//  3. Share evidence (01 31, key generation) → the accused's round-1 and round-2 payloads must
//     pass their public checks (else the accused), then the DLEQ judgement of complaint.ts.

import { decodeComplaintEvidence, judgeShareEvidence } from "./complaint.js";
import { EncodingType, equalBytes } from "./encoding.js";
import { fail, ProtocolError } from "./errors.js";
import { decodeKeygenRound2 } from "./payloads.js";
import { checkKeygenRound1 } from "./publicChecks.js";
import { decodePublicFaultEvidence } from "./publicFault.js";
import {
  expectedResult,
  type PublicRecord,
  payloadFault,
  payloadOf,
  RECORD_ROUNDS,
  type RecordView,
  viewOf,
} from "./recordChecks.js";

/** A complaint as the contract records it. */
export type Complaint = {
  /** The party that filed it (1-based), from the chain, not from the evidence. */
  readonly accuser: number;
  /** The party it names (1-based), from the chain. */
  readonly accused: number;
  /** The round it was filed in (1-based). */
  readonly round: number;
  /** Share evidence (`01 31`) or public-fault evidence (`01 32`), as filed. */
  readonly evidence: Uint8Array;
};

/** Who a complaint shows to be at fault, and why: exactly one of its two parties. */
export type ComplaintVerdict = {
  readonly accuser: number;
  readonly accused: number;
  /** The party at fault: `accused` or `accuser`. */
  readonly faulty: number;
  readonly role: "accused" | "accuser";
  /** The fault found; its `party` is `faulty`. */
  readonly reason: ProtocolError;
};

/**
 * Decides a complaint from the session's public record. Every runner and the auditor get the
 * same verdict from the same record; the rules are at the top of judge.ts.
 * @throws ProtocolError `INVALID_INPUT`/`INVALID_CONTEXT` only if the record or the on-chain
 *   complaint itself is malformed (the caller's error, never a party's).
 * @example
 * ```ts
 * const verdict = judgeComplaint(record, { accuser: 1, accused: 3, round: 3, evidence });
 * console.log(`party ${verdict.faulty} (${verdict.role}): ${verdict.reason.code}`);
 * ```
 */
export function judgeComplaint(record: PublicRecord, complaint: Complaint): ComplaintVerdict {
  const view = viewOf(record);
  const { accuser, accused, round } = checkComplaint(view, complaint);
  const verdict = (role: "accused" | "accuser", reason: ProtocolError): ComplaintVerdict => {
    const faulty = role === "accused" ? accused : accuser;
    return { accuser, accused, faulty, role, reason: reason.withParty(faulty) };
  };
  const invalid = (message: string, field: string, cause?: unknown) =>
    verdict(
      "accuser",
      new ProtocolError({ code: "INVALID_COMPLAINT", message, field, party: accuser, cause }),
    );

  const bytes = complaint.evidence;
  const isPublic = bytes instanceof Uint8Array && bytes[1] === EncodingType.publicFaultEvidence;
  let evidence: { accuser: number; accused: number; round: number };
  let share: ReturnType<typeof decodeComplaintEvidence> | undefined;
  try {
    if (isPublic) {
      evidence = decodePublicFaultEvidence(bytes);
    } else {
      share = decodeComplaintEvidence(bytes);
      // A share complaint is about the round-2 payload that carried the share.
      evidence = { ...share, round: 2 };
    }
  } catch (error) {
    if (error instanceof ProtocolError) return verdict("accuser", error);
    throw error;
  }
  if (evidence.accuser !== accuser || evidence.accused !== accused) {
    return invalid(
      `Party ${accuser}'s complaint against party ${accused} carries evidence of party ${evidence.accuser} against party ${evidence.accused}`,
      evidence.accuser !== accuser ? "evidence.accuser" : "evidence.accused",
    );
  }
  if (share !== undefined && view.protocol !== "frost-keygen") {
    return invalid("Share evidence exists only in key generation", "evidence.type");
  }
  if (evidence.round > round) {
    return invalid(
      `A complaint filed in round ${round} cannot be about a payload of round ${evidence.round}`,
      "evidence.round",
    );
  }
  const needed = share === undefined ? [evidence.round] : [1, 2];
  const absent = needed.find((r) => payloadOf(view, accused, r) === undefined);
  if (absent !== undefined) {
    return invalid(
      `The record holds no round-${absent} payload of party ${accused}`,
      "evidence.round",
    );
  }

  if (share !== undefined) {
    const round1 = checkKeygenRound1(view.session, accused, payloadOf(view, accused, 1)!);
    if (!round1.ok) return verdict("accused", round1.fault);
    let round2: ReturnType<typeof decodeKeygenRound2>;
    try {
      round2 = decodeKeygenRound2(payloadOf(view, accused, 2)!, {
        parties: view.session.parties,
        party: accused,
      });
    } catch (error) {
      if (error instanceof ProtocolError) return verdict("accused", error);
      throw error;
    }
    const judged = judgeShareEvidence(view.session, share, round1.value, round2);
    return verdict(judged.role, judged.reason);
  }

  const fault = payloadFault(view, accused, evidence.round);
  if (fault === undefined) {
    return verdict(
      "accuser",
      new ProtocolError({
        code: "FALSE_COMPLAINT",
        message: `Party ${accused}'s round-${evidence.round} payload passes every public check`,
        field: "evidence",
        party: accuser,
      }),
    );
  }
  if (fault.party === accused) return verdict("accused", fault);
  return invalid(
    `Party ${accused}'s round-${evidence.round} payload cannot be checked because party ${fault.party}'s payload fails (${fault.code}); an honest party complains about that one`,
    "evidence.accused",
    fault,
  );
}

/** What the agreement round shows. */
export type AgreementVerdict = {
  /** The result the record implies; undefined if an earlier payload makes it undetermined. */
  readonly expected?: Uint8Array;
  /** Parties (1-based, ascending) whose agreement payload differs from `expected`. */
  readonly faulty: number[];
};

/**
 * The result the record implies (key generation: the group key from every round-1 payload;
 * signing: the aggregate of every round-2 share) and the parties whose agreement payload differs.
 * Where no result is implied (an earlier payload is bad), every party that submitted an
 * agreement anyway is named: an honest party blames instead of agreeing.
 * @example
 * ```ts
 * const { expected, faulty } = judgeAgreement(record); // faulty: the deviators of a disagreement
 * ```
 */
export function judgeAgreement(record: PublicRecord): AgreementVerdict {
  const view = viewOf(record);
  const expected = expectedResult(view);
  const faulty: number[] = [];
  for (let party = 1; party <= view.session.parties; party++) {
    const payload = payloadOf(view, party, RECORD_ROUNDS);
    if (payload === undefined) continue;
    if (!expected.ok || !equalBytes(payload, expected.value)) faulty.push(party);
  }
  return expected.ok ? { expected: expected.value, faulty } : { faulty };
}

/** The on-chain complaint's own fields; the contract guarantees them, so a bad one is a bug. */
function checkComplaint(view: RecordView, complaint: Complaint): Complaint {
  const { accuser, accused, round } = complaint;
  const n = view.session.parties;
  const bad = (field: string, message: string): never =>
    fail({ code: "INVALID_INPUT", message, field: `complaint.${field}` });
  for (const [field, index] of [
    ["accuser", accuser],
    ["accused", accused],
  ] as const) {
    if (!Number.isSafeInteger(index) || index < 1 || index > n) {
      bad(field, `${field} ${index} is not a party of this ${n}-party session`);
    }
  }
  if (accuser === accused) bad("accused", "A complaint names two different parties");
  if (!Number.isSafeInteger(round) || round < 1 || round > RECORD_ROUNDS) {
    bad("round", `Round ${round} is not in [1, ${RECORD_ROUNDS}]`);
  }
  return complaint;
}
