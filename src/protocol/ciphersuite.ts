// The two FROST ciphersuites this layer runs, both from @noble/curves, and the few facts about
// their wire formats that the encodings need. Everything FROST itself does (polynomials, proofs of
// knowledge, nonces, binding factors, Lagrange coefficients, aggregation) stays inside noble.

import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST } from "@noble/curves/secp256k1.js";
import { fail } from "./errors.js";

/** BIP-340 (Taproot) FROST, as in frost-secp256k1-tr: the default. */
export const TAPROOT_CIPHERSUITE = "FROST-secp256k1-SHA256-TR-v1";
/** RFC 9591 Section 6.5 FROST(secp256k1, SHA-256). */
export const RFC9591_CIPHERSUITE = "FROST-secp256k1-SHA256-v1";

/** The ciphersuites this layer runs, in the order of their one-byte codes (1, 2). */
export const ciphersuiteIds = [TAPROOT_CIPHERSUITE, RFC9591_CIPHERSUITE] as const;

/** A ciphersuite id; it is also the suite's RFC 9591 `contextString`. */
export type CiphersuiteId = (typeof ciphersuiteIds)[number];

/** The ciphersuite a session uses unless its configuration says otherwise. */
export const DEFAULT_CIPHERSUITE: CiphersuiteId = TAPROOT_CIPHERSUITE;

/** A noble FROST instance (both suites share one type). */
export type Frost = typeof secp256k1_FROST;

/** The secp256k1 group both suites work in. */
export const Point = secp256k1.Point;
/** A secp256k1 point. */
export type CurvePoint = InstanceType<typeof secp256k1.Point>;
/** Scalars modulo the secp256k1 group order. */
export const Fn = secp256k1.Point.Fn;

/** Length of a compressed secp256k1 point. */
export const POINT_LENGTH = 33;
/** Length of a serialized scalar. */
export const SCALAR_LENGTH = 32;

/** What the encodings and agreement need to know about one ciphersuite. */
export type Ciphersuite = {
  readonly id: CiphersuiteId;
  /** One-byte code used inside secret-state encodings. */
  readonly code: number;
  readonly frost: Frost;
  /** Group public key bytes agreed in key generation: 32 (x-only, BIP-340) or 33 (compressed). */
  readonly groupKeyLength: number;
  /** Aggregated signature length: 64 (BIP-340) or 65 (RFC 9591 `R || z`). */
  readonly signatureLength: number;
  /** Key-generation proof of knowledge length, as noble encodes it: `R || z`. */
  readonly proofOfKnowledgeLength: number;
  /** The agreed encoding of the group key, from its compressed point. */
  readonly encodeGroupKey: (compressed: Uint8Array) => Uint8Array;
  /** Verifies a final signature with the standard verifier of the suite (not the FROST code). */
  readonly verify: (signature: Uint8Array, message: Uint8Array, groupKey: Uint8Array) => boolean;
};

const taproot: Ciphersuite = {
  id: TAPROOT_CIPHERSUITE,
  code: 1,
  frost: schnorr_FROST,
  groupKeyLength: 32,
  signatureLength: 64,
  // noble drops the parity byte of R (BIP-340 style): x(R) || z.
  proofOfKnowledgeLength: 64,
  // BIP-340 keys are x-only: the verifier lifts x to the point with even y.
  encodeGroupKey: (compressed) => compressed.slice(1),
  verify: (signature, message, groupKey) => schnorr.verify(signature, message, groupKey),
};

const rfc9591: Ciphersuite = {
  id: RFC9591_CIPHERSUITE,
  code: 2,
  frost: secp256k1_FROST,
  groupKeyLength: 33,
  signatureLength: 65,
  proofOfKnowledgeLength: 65,
  encodeGroupKey: (compressed) => compressed.slice(),
  verify: (signature, message, groupKey) => secp256k1_FROST.verify(signature, message, groupKey),
};

/**
 * Looks a ciphersuite up by id.
 * @throws ProtocolError `UNSUPPORTED_CIPHERSUITE` for any other string.
 * @example
 * ```ts
 * getCiphersuite("FROST-secp256k1-SHA256-TR-v1").groupKeyLength; // 32
 * ```
 */
export function getCiphersuite(id: string): Ciphersuite {
  if (id === TAPROOT_CIPHERSUITE) return taproot;
  if (id === RFC9591_CIPHERSUITE) return rfc9591;
  return fail({
    code: "UNSUPPORTED_CIPHERSUITE",
    message: `Unknown ciphersuite; expected one of ${ciphersuiteIds.join(", ")}`,
    field: "ciphersuite",
  });
}

/** Looks a ciphersuite up by its one-byte state code. */
export function getCiphersuiteByCode(code: number, field: string): Ciphersuite {
  if (code === taproot.code) return taproot;
  if (code === rfc9591.code) return rfc9591;
  return fail({
    code: "UNSUPPORTED_CIPHERSUITE",
    message: `Unknown ciphersuite code ${code}; expected 1 (${TAPROOT_CIPHERSUITE}) or 2 (${RFC9591_CIPHERSUITE})`,
    field,
  });
}

/** noble identifies participants by hex scalars; party index i is always the scalar i. */
export function frostIdentifier(suite: Ciphersuite, index: number): string {
  return suite.frost.Identifier.fromNumber(index);
}
