// Verifiable complaints about key-generation shares. Only the recipient can decrypt its share, so
// when the share is wrong (or does not decrypt) the recipient publishes the pair's ECDH point with
// a DLEQ proof that it is recipientKey·senderPublicKey. Anyone can then decrypt that one share
// from the public log and check it against the sender's public commitments.
//
//   evidence   01 31 | accuser (1) | accused (1) | shared point (33) | DLEQ proof c || z (64)
//
// The judge (judge.ts) decides such a complaint with judgeShareEvidence below.

import { bytesToNumberBE } from "@noble/curves/utils.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { Fn } from "./ciphersuite.js";
import {
  type PartySession,
  type Session,
  sessionBinding,
  validateSessionContext,
} from "./context.js";
import { type CheckedKeygenRound1, shareMatchesCommitments } from "./dkg.js";
import { DLEQ_PROOF_LENGTH, proveDleq, verifyDleq } from "./dleq.js";
import { ByteReader, ByteWriter, parsePoint } from "./encoding.js";
import { fail, ProtocolError } from "./errors.js";
import { ciphertextSlot, type KeygenRound2Payload } from "./payloads.js";
import { checkedRandom } from "./random.js";
import { decryptWithPoint, parseEncryptionSecretKey } from "./shareEncryption.js";
import type { RandomSource, SessionContext } from "./types.js";

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

/**
 * The DLEQ part of a share complaint, once the judge has found the accused's round-1 and round-2
 * payloads publicly valid: the accuser is at fault if its proof fails or the share is right; the
 * accused if the share does not decrypt, is not a scalar in [1, n), or does not match its
 * commitments.
 */
export function judgeShareEvidence(
  session: Session,
  evidence: ComplaintEvidence,
  accusedRound1: CheckedKeygenRound1,
  accusedRound2: KeygenRound2Payload,
): { readonly role: "accused" | "accuser"; readonly reason: ProtocolError } {
  const { accuser, accused } = evidence;
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
    return {
      role: "accuser",
      reason: new ProtocolError({
        code: "INVALID_DLEQ_PROOF",
        message: `Party ${accuser}'s proof that the revealed point is its shared point with party ${accused} does not verify`,
        field: "complaintEvidence.proof",
        party: accuser,
      }),
    };
  }
  const ciphertext = accusedRound2.ciphertexts[ciphertextSlot(accused, accuser)]!;
  let share: Uint8Array;
  try {
    share = decryptWithPoint(session, accused, accuser, evidence.sharedPoint, ciphertext);
  } catch (error) {
    if (error instanceof ProtocolError)
      return { role: "accused", reason: error.withParty(accused) };
    throw error;
  }
  const value = bytesToNumberBE(share);
  const recipient = {
    suite: session.suite,
    identifier: accuser,
    threshold: session.threshold,
    parties: session.parties,
  };
  if (
    value === 0n ||
    value >= Fn.ORDER ||
    !shareMatchesCommitments(recipient, accusedRound1, share)
  ) {
    return {
      role: "accused",
      reason: new ProtocolError({
        code: "INVALID_SHARE",
        message: `The share party ${accused} sent to party ${accuser} does not match its commitments`,
        field: "keygenRound2.ciphertexts",
        party: accused,
      }),
    };
  }
  return {
    role: "accuser",
    reason: new ProtocolError({
      code: "FALSE_COMPLAINT",
      message: `The share party ${accused} sent to party ${accuser} is correct`,
      field: "complaintEvidence",
      party: accuser,
    }),
  };
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
