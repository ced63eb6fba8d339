// Verifiable complaints about key-generation shares. Only the recipient can decrypt its share, so
// when the share is wrong (or does not decrypt) the recipient publishes the pair's ECDH point with
// a DLEQ proof that it is recipientKey·senderPublicKey. Anyone can then decrypt that one share
// from the public log and check it against the sender's public commitments.
//
//   evidence   01 31 | accuser (1) | accused (1) | shared point (33) | DLEQ proof c || z (64)
//
// Verdict: the accuser is at fault if the proof fails or the share is right; the accused is at
// fault if its payloads are malformed, its proof of knowledge fails, or the share does not
// decrypt, is not a scalar in [1, n), or does not match its commitments.

import { bytesToNumberBE } from "@noble/curves/utils.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { Fn } from "./ciphersuite.js";
import {
  type PartySession,
  requireFrostThreshold,
  type Session,
  sessionBinding,
  validatePublicContext,
  validateSessionContext,
} from "./context.js";
import { shareMatchesCommitments, verifyProofOfKnowledge } from "./dkg.js";
import { DLEQ_PROOF_LENGTH, proveDleq, verifyDleq } from "./dleq.js";
import { ByteReader, ByteWriter, parsePoint } from "./encoding.js";
import { fail, ProtocolError } from "./errors.js";
import { ciphertextSlot, decodeKeygenRound2, readKeygenRound1 } from "./payloads.js";
import { checkedRandom } from "./random.js";
import { decryptWithPoint, parseEncryptionSecretKey } from "./shareEncryption.js";
import type { PublicSessionContext, RandomSource, SessionContext } from "./types.js";

/** Complaint evidence, decoded. */
export type ComplaintEvidence = {
  /** The recipient who complains. */
  readonly accuser: number;
  /** The sender of the share complained about. */
  readonly accused: number;
  /** The pair's ECDH point, compressed. */
  readonly sharedPoint: Uint8Array;
  /** DLEQ proof that sharedPoint = accuserSecret·accusedKey, accuserKey = accuserSecret·G. */
  readonly proof: Uint8Array;
};

/** Encodes evidence (101 bytes). */
export function encodeComplaintEvidence(evidence: ComplaintEvidence): Uint8Array {
  return new ByteWriter()
    .header("complaintEvidence")
    .u8(evidence.accuser)
    .u8(evidence.accused)
    .bytes(evidence.sharedPoint)
    .bytes(evidence.proof)
    .finish();
}

/** Decodes evidence: indexes in [1, 255] and distinct, a canonical point, a 64-byte proof. */
export function decodeComplaintEvidence(bytes: Uint8Array): ComplaintEvidence {
  const reader = new ByteReader(bytes, "complaintEvidence");
  reader.header("complaintEvidence");
  reader.expectRemaining(2 + 33 + DLEQ_PROOF_LENGTH, "body");
  const accuser = reader.u8("accuser");
  const accused = reader.u8("accused");
  if (accuser === 0) reader.fail("OUT_OF_RANGE", "accuser", "Party indexes start at 1");
  if (accused === 0) reader.fail("OUT_OF_RANGE", "accused", "Party indexes start at 1");
  if (accuser === accused) reader.fail("OUT_OF_RANGE", "accused", "A party cannot accuse itself");
  const sharedPoint = reader.point("sharedPoint").bytes;
  const proof = reader.bytes(DLEQ_PROOF_LENGTH, "proof");
  for (const [field, offset] of [
    ["proof.c", 0],
    ["proof.z", 32],
  ] as const) {
    if (bytesToNumberBE(proof.subarray(offset, offset + 32)) >= Fn.ORDER) {
      reader.fail("INVALID_SCALAR", field, "Proof scalars must be below the group order");
    }
  }
  reader.end();
  return { accuser, accused, sharedPoint, proof };
}

/** Parameters of {@link createComplaint}. */
export type CreateComplaintParameters = {
  /** The key-generation session; `partyIndex` is the accuser. */
  readonly context: SessionContext;
  readonly accused: number;
  /** The accuser's encryption secret key. */
  readonly encryptionSecretKey: Uint8Array;
  readonly random: RandomSource;
};

/**
 * Builds evidence against the sender of a bad share. The key-generation plug-in does this itself
 * when round 3 finds a bad share; this entry point exists for runners and tests.
 * @example
 * ```ts
 * const evidence = createComplaint({ context, accused: 2, encryptionSecretKey, random: secureRandom });
 * ```
 */
export function createComplaint(params: CreateComplaintParameters): Uint8Array {
  const session = validateSessionContext(params.context);
  const secret = parseEncryptionSecretKey(session, params.encryptionSecretKey);
  return createComplaintInSession(session, secret, params.accused, params.random);
}

/** {@link createComplaint} over a checked session and secret. */
export function createComplaintInSession(
  session: PartySession,
  secret: bigint,
  accused: number,
  random: RandomSource,
): Uint8Array {
  if (
    !Number.isSafeInteger(accused) ||
    accused < 1 ||
    accused > session.parties ||
    accused === session.self
  ) {
    fail({
      code: "OUT_OF_RANGE",
      message: `Accused ${accused} must be another party in [1, ${session.parties}]`,
      field: "accused",
    });
  }
  const { shared, proof } = proveDleq({
    secret,
    base: session.encryptionPoints[accused - 1]!,
    binding: complaintBinding(session, session.self, accused),
    randomness: checkedRandom(random)(32),
  });
  return encodeComplaintEvidence({
    accuser: session.self,
    accused,
    sharedPoint: shared.toBytes(true),
    proof,
  });
}

/** Who a complaint shows to be at fault, and why. */
export type ComplaintVerdict = {
  readonly accuser: number;
  readonly accused: number;
  /** The party at fault: `accused` or `accuser`. */
  readonly faulty: number;
  readonly role: "accused" | "accuser";
  readonly reason: ProtocolError;
};

/** Parameters of {@link judgeComplaint}: public session data only. */
export type JudgeComplaintParameters = {
  readonly context: PublicSessionContext;
  /** The accused's key-generation round-1 payload, from the log. */
  readonly accusedRound1: Uint8Array;
  /** The accused's key-generation round-2 payload, from the log. */
  readonly accusedRound2: Uint8Array;
  readonly evidence: Uint8Array;
  /**
   * The party that submitted the complaint, if known (from the contract). Evidence that names
   * another accuser is then the submitter's fault.
   */
  readonly complainant?: number;
};

/**
 * Decides a complaint from public data. Anyone (auditor, other parties) gets the same verdict.
 * @throws ProtocolError if the evidence itself cannot be decoded or names parties outside the
 *   session: then blame whoever submitted it.
 * @example
 * ```ts
 * const verdict = judgeComplaint({ context, accusedRound1, accusedRound2, evidence });
 * if (verdict.role === "accused") console.log(`party ${verdict.faulty}: ${verdict.reason.code}`);
 * ```
 */
export function judgeComplaint(params: JudgeComplaintParameters): ComplaintVerdict {
  const session = validatePublicContext(params.context);
  requireFrostThreshold(session);
  const evidence = decodeComplaintEvidence(params.evidence);
  const { accuser, accused } = evidence;
  for (const [field, index] of [
    ["accuser", accuser],
    ["accused", accused],
  ] as const) {
    if (index > session.parties) {
      fail({
        code: "OUT_OF_RANGE",
        message: `${field} ${index} is not a party of this ${session.parties}-party session`,
        field: `complaintEvidence.${field}`,
      });
    }
  }
  const verdict = (role: "accused" | "accuser", reason: ProtocolError): ComplaintVerdict => ({
    accuser,
    accused,
    role,
    faulty: role === "accused" ? accused : accuser,
    reason,
  });
  if (params.complainant !== undefined && params.complainant !== accuser) {
    return {
      accuser,
      accused,
      role: "accuser",
      faulty: params.complainant,
      reason: new ProtocolError({
        code: "UNEXPECTED_PARTY",
        message: `Party ${params.complainant} submitted evidence in the name of party ${accuser}`,
        field: "complaintEvidence.accuser",
        party: params.complainant,
      }),
    };
  }

  // The accused's public payloads must be well formed: if not, it is at fault whatever the proof.
  let round1: ReturnType<typeof readKeygenRound1>;
  let ciphertext: Uint8Array;
  try {
    round1 = readKeygenRound1(params.accusedRound1, session.suite, session.threshold, accused);
    const round2 = decodeKeygenRound2(params.accusedRound2, {
      parties: session.parties,
      party: accused,
    });
    ciphertext = round2.ciphertexts[ciphertextSlot(accused, accuser)]!;
  } catch (error) {
    if (error instanceof ProtocolError) return verdict("accused", error.withParty(accused));
    throw error;
  }
  if (!verifyProofOfKnowledge(session.suite, accused, round1)) {
    return verdict(
      "accused",
      new ProtocolError({
        code: "INVALID_PROOF_OF_KNOWLEDGE",
        message: `Party ${accused}'s proof of knowledge does not verify`,
        field: "keygenRound1.proofOfKnowledge",
        party: accused,
      }),
    );
  }

  // decodeComplaintEvidence already checked the point; parsing cannot fail here.
  const shared = parsePoint(evidence.sharedPoint)!;
  const proofOk = verifyDleq({
    publicKey: session.encryptionPoints[accuser - 1]!,
    base: session.encryptionPoints[accused - 1]!,
    shared,
    proof: evidence.proof,
    binding: complaintBinding(session, accuser, accused),
  });
  if (!proofOk) {
    return verdict(
      "accuser",
      new ProtocolError({
        code: "INVALID_DLEQ_PROOF",
        message: `Party ${accuser}'s proof that the revealed point is its shared point with party ${accused} does not verify`,
        field: "complaintEvidence.proof",
        party: accuser,
      }),
    );
  }

  let share: Uint8Array;
  try {
    share = decryptWithPoint(session, accused, accuser, evidence.sharedPoint, ciphertext);
  } catch (error) {
    if (error instanceof ProtocolError) return verdict("accused", error.withParty(accused));
    throw error;
  }
  const value = bytesToNumberBE(share);
  const params3 = {
    suite: session.suite,
    identifier: accuser,
    threshold: session.threshold,
    parties: session.parties,
  };
  if (value === 0n || value >= Fn.ORDER || !shareMatchesCommitments(params3, round1, share)) {
    return verdict(
      "accused",
      new ProtocolError({
        code: "INVALID_SHARE",
        message: `The share party ${accused} sent to party ${accuser} does not match its commitments`,
        field: "keygenRound2.ciphertexts",
        party: accused,
      }),
    );
  }
  return verdict(
    "accuser",
    new ProtocolError({
      code: "FALSE_COMPLAINT",
      message: `The share party ${accused} sent to party ${accuser} is correct`,
      field: "complaintEvidence",
      party: accuser,
    }),
  );
}

/** The DLEQ proof's context: this session, this ordered pair. */
function complaintBinding(session: Session, accuser: number, accused: number): Uint8Array {
  return new ByteWriter()
    .bytes(COMPLAINT_LABEL)
    .bytes(sessionBinding(session))
    .u8(session.suite.code)
    .u8(accuser)
    .u8(accused)
    .finish();
}

const COMPLAINT_LABEL = utf8ToBytes("roundtable/v1/share-complaint");
