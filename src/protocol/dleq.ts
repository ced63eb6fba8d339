// Chaum-Pedersen proof of equality of discrete logarithms (DLEQ) on secp256k1, non-interactive by
// Fiat-Shamir. Statement: for public X = x·G and public base B, the point S equals x·B. Used by
// complaints: X is the accuser's registered encryption key, B the accused's, and S their ECDH
// point, so the proof shows S is the pair's true shared point without revealing x.
//
//   prove:  k = H_nonce(x || 32 random bytes || X || B || S || binding)   (hedged: a bad RNG alone
//           does not leak x)
//           A1 = k·G, A2 = k·B, c = H_chal(X || B || S || A1 || A2 || binding), z = k + c·x
//   proof:  c (32) || z (32)
//   verify: A1 = z·G - c·X, A2 = z·B - c·S, accept iff c = H_chal(X || B || S || A1 || A2 || binding)
//
// Both hashes are RFC 9380 hash_to_field to the scalar field (noble's secp256k1_hasher) with
// their own domain-separation tags; `binding` ties the proof to one session and pair.

import { secp256k1_hasher } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE, numberToBytesBE } from "@noble/curves/utils.js";
import { type CurvePoint, Fn, Point, SCALAR_LENGTH } from "./ciphersuite.js";
import { concatBytes } from "./encoding.js";
import { fail } from "./errors.js";

/** Bytes of a DLEQ proof: challenge and response scalars. */
export const DLEQ_PROOF_LENGTH = 2 * SCALAR_LENGTH;

const CHALLENGE_DST = "roundtable/v1/dleq/challenge";
const NONCE_DST = "roundtable/v1/dleq/nonce";

/** Parameters of {@link proveDleq}. */
export type ProveDleqParameters = {
  /** The secret x, in [1, n). */
  readonly secret: bigint;
  /** The second base B. */
  readonly base: CurvePoint;
  /** Context the proof is bound to (session, pair). */
  readonly binding: Uint8Array;
  /** 32 fresh random bytes, hedging the deterministic nonce. */
  readonly randomness: Uint8Array;
};

/** Proves that x·B is formed with the same x as x·G; returns S = x·B and the proof. */
export function proveDleq({ secret, base, binding, randomness }: ProveDleqParameters): {
  shared: CurvePoint;
  proof: Uint8Array;
} {
  const publicKey = Point.BASE.multiply(secret);
  const shared = base.multiply(secret);
  const statement = concatBytes(publicKey.toBytes(true), base.toBytes(true), shared.toBytes(true));
  const k = secp256k1_hasher.hashToScalar(
    concatBytes(numberToBytesBE(secret, SCALAR_LENGTH), randomness, statement, binding),
    { DST: NONCE_DST },
  );
  // hash_to_field output is uniform in [0, n); zero has probability ~2^-256.
  if (k === 0n)
    fail({ code: "INTERNAL", message: "DLEQ nonce is zero; retry with new randomness" });
  const c = challenge(statement, Point.BASE.multiply(k), base.multiply(k), binding);
  const z = Fn.add(k, Fn.mul(c, secret));
  return {
    shared,
    proof: concatBytes(numberToBytesBE(c, SCALAR_LENGTH), numberToBytesBE(z, SCALAR_LENGTH)),
  };
}

/** Parameters of {@link verifyDleq}. */
export type VerifyDleqParameters = {
  /** X = x·G. */
  readonly publicKey: CurvePoint;
  /** B. */
  readonly base: CurvePoint;
  /** S, claimed to be x·B. */
  readonly shared: CurvePoint;
  readonly proof: Uint8Array;
  readonly binding: Uint8Array;
};

/** Checks a DLEQ proof; false for any malformed or wrong proof. All inputs are public. */
export function verifyDleq({
  publicKey,
  base,
  shared,
  proof,
  binding,
}: VerifyDleqParameters): boolean {
  if (!(proof instanceof Uint8Array) || proof.length !== DLEQ_PROOF_LENGTH) return false;
  const c = bytesToNumberBE(proof.subarray(0, SCALAR_LENGTH));
  const z = bytesToNumberBE(proof.subarray(SCALAR_LENGTH));
  if (c >= Fn.ORDER || z >= Fn.ORDER) return false;
  const a1 = Point.BASE.multiplyUnsafe(z).subtract(publicKey.multiplyUnsafe(c));
  const a2 = base.multiplyUnsafe(z).subtract(shared.multiplyUnsafe(c));
  // An honest prover's A1 and A2 are k·G and k·B with k != 0, never the identity.
  if (a1.is0() || a2.is0()) return false;
  const statement = concatBytes(publicKey.toBytes(true), base.toBytes(true), shared.toBytes(true));
  return challenge(statement, a1, a2, binding) === c;
}

function challenge(
  statement: Uint8Array,
  a1: CurvePoint,
  a2: CurvePoint,
  binding: Uint8Array,
): bigint {
  return secp256k1_hasher.hashToScalar(
    concatBytes(statement, a1.toBytes(true), a2.toBytes(true), binding),
    { DST: CHALLENGE_DST },
  );
}
