// Byte encodings of each party's secret state between rounds, so the runner can persist it
// (encrypted) before it sends the payload that depends on it, and resume after a crash.
//
//   keygen state   01 41 | suite (1) | round (1: 1 or 2) | context digest (32) | t (1) | n (1) |
//                  t × coefficient (32) |
//                  [round 2: round-1 transcript digest (32) | (n-1) × receive key (32), by sender
//                   index, this party skipped]
//   key share      01 42 | suite (1) | identifier (1) | t (1) | n (1) | signing share (32) |
//                  t × group commitment (33) | n × verifying share (33)
//   signing state  01 43 | suite (1) | consumed (1: 0 or 1) | context digest (32) | identifier (1) |
//                  hiding commitment (33) | binding commitment (33) |
//                  consumed = 0: hiding nonce (32) | binding nonce (32)
//                  consumed = 1: own signature share (32)
//
// A signing state is consumed when its signature share is produced: the nonces are dropped from
// the encoding, and signing again from it fails with NONCE_REUSED. Secrets are never copied into
// errors.

import {
  type Ciphersuite,
  type CiphersuiteId,
  Fn,
  getCiphersuite,
  getCiphersuiteByCode,
  POINT_LENGTH,
  Point,
  SCALAR_LENGTH,
} from "./ciphersuite.js";
import { MAX_PARTIES } from "./context.js";
import { ByteReader, ByteWriter, equalBytes } from "./encoding.js";
import { fail } from "./errors.js";

const DIGEST_LENGTH = 32;
const KEY_LENGTH = 32;

// ---- key share ----

/** A party's final key-generation output: all it needs to sign with the group key. */
export type KeyShare = {
  readonly ciphersuite: CiphersuiteId;
  /** The party's FROST identifier = its index in the key-generation session. */
  readonly identifier: number;
  readonly threshold: number;
  /** The secret signing share (32 bytes). */
  readonly signingShare: Uint8Array;
  /** The group's t VSS commitments, compressed; `commitments[0]` is the group key point. */
  readonly commitments: readonly Uint8Array[];
  /** Every party's verifying share (share·G), compressed; index i-1 for party i. */
  readonly verifyingShares: readonly Uint8Array[];
};

/** Encodes a key share (38 + 33·(t+n) bytes). */
export function encodeKeyShare(share: KeyShare): Uint8Array {
  const suite = getCiphersuite(share.ciphersuite);
  const writer = new ByteWriter()
    .header("keyShare")
    .u8(suite.code)
    .u8(share.identifier)
    .u8(share.threshold)
    .u8(share.verifyingShares.length)
    .bytes(share.signingShare);
  for (const commitment of share.commitments) writer.bytes(commitment);
  for (const verifyingShare of share.verifyingShares) writer.bytes(verifyingShare);
  return writer.finish();
}

/**
 * Decodes a key share and checks it: 2 <= t <= n <= 255, identifier in [1, n], a non-zero share
 * whose point is the party's own verifying share, and canonical points.
 */
export function decodeKeyShare(bytes: Uint8Array): KeyShare {
  const reader = new ByteReader(bytes, "keyShare");
  reader.header("keyShare");
  const suite = getCiphersuiteByCode(reader.u8("ciphersuite"), "keyShare.ciphersuite");
  const identifier = reader.u8("identifier");
  const threshold = reader.u8("threshold");
  const parties = reader.u8("parties");
  if (threshold < 2 || threshold > parties || parties > MAX_PARTIES) {
    reader.fail("OUT_OF_RANGE", "threshold", `Need 2 <= t <= n, got t=${threshold}, n=${parties}`);
  }
  if (identifier < 1 || identifier > parties) {
    reader.fail("OUT_OF_RANGE", "identifier", `Identifier ${identifier} is not in [1, ${parties}]`);
  }
  reader.expectRemaining(SCALAR_LENGTH + POINT_LENGTH * (threshold + parties), "body");
  const signingShare = reader.scalar("signingShare", true);
  const commitments = [];
  for (let k = 0; k < threshold; k++) commitments.push(reader.point(`commitments[${k}]`).bytes);
  const verifyingShares = [];
  const points = [];
  for (let i = 0; i < parties; i++) {
    const { bytes: shareBytes, point } = reader.point(`verifyingShares[${i}]`);
    verifyingShares.push(shareBytes);
    points.push(point);
  }
  reader.end();
  if (!Point.BASE.multiply(signingShare).equals(points[identifier - 1]!)) {
    reader.fail(
      "STATE_MISMATCH",
      "signingShare",
      `The signing share does not match party ${identifier}'s verifying share`,
    );
  }
  return {
    ciphersuite: suite.id,
    identifier,
    threshold,
    signingShare: Fn.toBytes(signingShare),
    commitments,
    verifyingShares,
  };
}

// ---- key-generation state ----

/** A party's secret key-generation state after round 1 or round 2. */
export type KeygenState = {
  readonly ciphersuite: CiphersuiteId;
  /** SHA-256 of the session context this state belongs to. */
  readonly contextDigest: Uint8Array;
  /** Number of parties n. */
  readonly parties: number;
  /** The secret polynomial's t coefficients (`coefficients[0]` is the party's secret). */
  readonly coefficients: readonly bigint[];
} & (
  | { readonly round: 1 }
  | {
      readonly round: 2;
      /** SHA-256 of the round-1 payloads that round 2 verified and answered. */
      readonly transcriptDigest: Uint8Array;
      /**
       * The n-1 keys that decrypt the other parties' shares to this party, by sender index (this
       * party skipped), derived in round 2 from the same ECDH as the send keys.
       */
      readonly receiveKeys: readonly Uint8Array[];
    }
);

/** Encodes a key-generation state. */
export function encodeKeygenState(state: KeygenState): Uint8Array {
  const suite = getCiphersuite(state.ciphersuite);
  const writer = new ByteWriter()
    .header("keygenState")
    .u8(suite.code)
    .u8(state.round)
    .bytes(state.contextDigest)
    .u8(state.coefficients.length)
    .u8(state.parties);
  for (const coefficient of state.coefficients) writer.scalar(coefficient);
  if (state.round === 2) {
    writer.bytes(state.transcriptDigest);
    for (const key of state.receiveKeys) writer.bytes(key);
  }
  return writer.finish();
}

/** Decodes a key-generation state; coefficients must be non-zero scalars, 2 <= t <= n <= 255. */
export function decodeKeygenState(bytes: Uint8Array): KeygenState {
  const reader = new ByteReader(bytes, "keygenState");
  reader.header("keygenState");
  const suite = getCiphersuiteByCode(reader.u8("ciphersuite"), "keygenState.ciphersuite");
  const round = reader.u8("round");
  if (round !== 1 && round !== 2) {
    reader.fail("OUT_OF_RANGE", "round", `A key-generation state is at round 1 or 2, got ${round}`);
  }
  const contextDigest = reader.bytes(DIGEST_LENGTH, "contextDigest");
  const threshold = reader.u8("threshold");
  const parties = reader.u8("parties");
  if (threshold < 2 || threshold > parties) {
    reader.fail("OUT_OF_RANGE", "threshold", `Need 2 <= t <= n, got t=${threshold}, n=${parties}`);
  }
  const round2Length = DIGEST_LENGTH + KEY_LENGTH * (parties - 1);
  reader.expectRemaining(threshold * SCALAR_LENGTH + (round === 2 ? round2Length : 0), "body");
  const coefficients = [];
  for (let k = 0; k < threshold; k++) coefficients.push(reader.scalar(`coefficients[${k}]`, true));
  const base = { ciphersuite: suite.id, contextDigest, parties, coefficients };
  if (round === 1) {
    reader.end();
    return { ...base, round: 1 };
  }
  const transcriptDigest = reader.bytes(DIGEST_LENGTH, "transcriptDigest");
  const receiveKeys = [];
  for (let k = 0; k < parties - 1; k++)
    receiveKeys.push(reader.bytes(KEY_LENGTH, `receiveKeys[${k}]`));
  reader.end();
  return { ...base, round: 2, transcriptDigest, receiveKeys };
}

// ---- signing state ----

/** Fields of a signing state in both phases. */
type SigningStateBase = {
  readonly ciphersuite: CiphersuiteId;
  /** SHA-256 of the signing session context and parameters. */
  readonly contextDigest: Uint8Array;
  /** This signer's FROST identifier (its key-generation index). */
  readonly identifier: number;
  readonly hidingCommitment: Uint8Array;
  readonly bindingCommitment: Uint8Array;
};

/** A signer's state: fresh nonces after round 1, or consumed after round 2. */
export type SigningState = SigningStateBase &
  (
    | {
        readonly consumed: false;
        readonly hidingNonce: Uint8Array;
        readonly bindingNonce: Uint8Array;
      }
    | {
        readonly consumed: true;
        /** The signature share produced with the (now discarded) nonces. */
        readonly signatureShare: Uint8Array;
      }
  );

/** Encodes a signing state. */
export function encodeSigningState(state: SigningState): Uint8Array {
  const suite = getCiphersuite(state.ciphersuite);
  const writer = new ByteWriter()
    .header("signingState")
    .u8(suite.code)
    .u8(state.consumed ? 1 : 0)
    .bytes(state.contextDigest)
    .u8(state.identifier)
    .bytes(state.hidingCommitment)
    .bytes(state.bindingCommitment);
  if (state.consumed) writer.bytes(state.signatureShare);
  else writer.bytes(state.hidingNonce).bytes(state.bindingNonce);
  return writer.finish();
}

/**
 * Decodes a signing state. A fresh state's nonces must be non-zero and match its commitments. A
 * consumed state decodes (round 3 needs it) but can never sign again.
 */
export function decodeSigningState(bytes: Uint8Array): SigningState {
  const reader = new ByteReader(bytes, "signingState");
  reader.header("signingState");
  const suite: Ciphersuite = getCiphersuiteByCode(
    reader.u8("ciphersuite"),
    "signingState.ciphersuite",
  );
  const consumedByte = reader.u8("consumed");
  if (consumedByte !== 0 && consumedByte !== 1) {
    reader.fail("OUT_OF_RANGE", "consumed", `The consumed flag is 0 or 1, got ${consumedByte}`);
  }
  const consumed = consumedByte === 1;
  reader.expectRemaining(
    DIGEST_LENGTH + 1 + 2 * POINT_LENGTH + (consumed ? SCALAR_LENGTH : 2 * SCALAR_LENGTH),
    "body",
  );
  const contextDigest = reader.bytes(DIGEST_LENGTH, "contextDigest");
  const identifier = reader.u8("identifier");
  if (identifier === 0) reader.fail("OUT_OF_RANGE", "identifier", "Identifiers start at 1");
  const hiding = reader.point("hidingCommitment");
  const binding = reader.point("bindingCommitment");
  const base = {
    ciphersuite: suite.id,
    contextDigest,
    identifier,
    hidingCommitment: hiding.bytes,
    bindingCommitment: binding.bytes,
  };
  if (consumed) {
    const signatureShare = Fn.toBytes(reader.scalar("signatureShare", false));
    reader.end();
    return { ...base, consumed: true, signatureShare };
  }
  const hidingNonce = reader.scalar("hidingNonce", true);
  const bindingNonce = reader.scalar("bindingNonce", true);
  reader.end();
  if (
    !equalBytes(Point.BASE.multiply(hidingNonce).toBytes(true), hiding.bytes) ||
    !equalBytes(Point.BASE.multiply(bindingNonce).toBytes(true), binding.bytes)
  ) {
    reader.fail("STATE_MISMATCH", "nonces", "The nonces do not match the stored commitments");
  }
  return {
    ...base,
    consumed: false,
    hidingNonce: Fn.toBytes(hidingNonce),
    bindingNonce: Fn.toBytes(bindingNonce),
  };
}

/** Refuses a consumed signing state: a nonce pair signs at most once (RFC 9591 Section 5.2). */
export function assertUnconsumed(
  state: SigningState,
): asserts state is Extract<SigningState, { consumed: false }> {
  if (state.consumed) {
    fail({
      code: "NONCE_REUSED",
      message:
        "This signing state's nonces were already used for a signature share; start a new signing session",
      field: "signingState.consumed",
    });
  }
}
