// The key a key-generation session's public round-1 commitments imply, recomputed without any
// party's secret: the auditor checks a signing session's key against it (THREATS B5), the judge
// verifies signature shares with it, and a runner can check its own key share.

import { schnorr } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE } from "@noble/curves/utils.js";
import { type CurvePoint, Fn, Point, TAPROOT_CIPHERSUITE } from "./ciphersuite.js";
import { requireFrostThreshold, type Session, validatePublicContext } from "./context.js";
import type { CheckedKeygenRound1 } from "./dkg.js";
import { fail } from "./errors.js";
import { checkKeygenRound1 } from "./publicChecks.js";
import type { PublicKeyPackage } from "./signing.js";
import type { PublicSessionContext } from "./types.js";

/**
 * A FROST key's public material: the group key and every key holder's verifying share, as the
 * key-generation commitments imply them (and as noble's DKG gives every party).
 */
export type SigningKeyMaterial = PublicKeyPackage & {
  /** The group key as agreement encodes it: x-only (32, Taproot) or compressed (33, RFC 9591). */
  readonly groupPublicKey: Uint8Array;
};

/**
 * Recomputes a key from a key-generation session's round-1 payloads: group commitments
 * G_k = Σ_j C_jk, verifying share of party i = Σ_k G_k·i^k, and for the Taproot suite the
 * BIP-341 key-path tweak with an empty script tree exactly as noble's DKG round 3 applies it
 * (negate everything if G_0 has odd y, then add t·G to G_0 and to every verifying share).
 * @param round1Payloads - every party's round-1 payload by 1-based index, as on chain.
 * @throws ProtocolError naming the first party whose payload is missing or fails a public check.
 * @example
 * ```ts
 * const key = keyFromKeygenRecord(context, round1Payloads);
 * equalBytes(key.groupPublicKey, finalizedKey); // what THREATS B5 asks the auditor to check
 * ```
 */
export function keyFromKeygenRecord(
  context: PublicSessionContext,
  round1Payloads: ReadonlyMap<number, Uint8Array>,
): SigningKeyMaterial {
  const session = validatePublicContext(context);
  requireFrostThreshold(session);
  const round1 = new Map<number, CheckedKeygenRound1>();
  for (let party = 1; party <= session.parties; party++) {
    const bytes = round1Payloads.get(party);
    if (!(bytes instanceof Uint8Array)) {
      fail({
        code: "MISSING_PAYLOAD",
        message: `No round-1 payload from party ${party}; the key is not determined`,
        field: "round1Payloads",
        party,
      });
    }
    const checked = checkKeygenRound1(session, party, bytes);
    if (!checked.ok) throw checked.fault;
    round1.set(party, checked.value);
  }
  return keyFromCheckedRound1(session, round1);
}

/** {@link keyFromKeygenRecord} over every party's checked round-1 payload. */
export function keyFromCheckedRound1(
  session: Session,
  round1: ReadonlyMap<number, CheckedKeygenRound1>,
): SigningKeyMaterial {
  const { parties, threshold } = session;
  const group: CurvePoint[] = new Array(threshold).fill(Point.ZERO);
  for (const { commitments } of round1.values()) {
    commitments.forEach((c, k) => {
      group[k] = group[k]!.add(c.point);
    });
  }
  let commitments = group;
  let shares = range(parties).map((i) => evaluate(commitments, BigInt(i)));
  if (session.suite.id === TAPROOT_CIPHERSUITE) {
    ({ commitments, shares } = taprootTweak(commitments, shares));
  }
  const compressed = commitments.map((p) => p.toBytes(true));
  return {
    ciphersuite: session.suite.id,
    threshold,
    commitments: compressed,
    verifyingShares: shares.map((p) => p.toBytes(true)),
    groupPublicKey: session.suite.encodeGroupKey(compressed[0]!),
  };
}

/** Σ_k C_k·i^k (RFC 9591 Appendix C.2). */
function evaluate(commitments: readonly CurvePoint[], i: bigint): CurvePoint {
  let sum = Point.ZERO;
  let power = 1n;
  for (const c of commitments) {
    sum = sum.add(c.multiplyUnsafe(power));
    power = Fn.mul(power, i);
  }
  return sum;
}

/** noble's `adjustDKG` for schnorr_FROST: even-y normalization, then TapTweak(x(G_0), ""). */
function taprootTweak(
  commitments: readonly CurvePoint[],
  shares: readonly CurvePoint[],
): { commitments: CurvePoint[]; shares: CurvePoint[] } {
  const odd = !hasEvenY(commitments[0]!);
  const even = (p: CurvePoint) => (odd ? p.negate() : p);
  const evenCommitments = commitments.map(even);
  const x = evenCommitments[0]!.toBytes(true).subarray(1);
  const t = bytesToNumberBE(schnorr.utils.taggedHash("TapTweak", x, new Uint8Array(0)));
  // BIP-341 rejects t >= n instead of reducing it, as noble does; the chance is ~2^-128.
  if (t >= Fn.ORDER) {
    fail({ code: "INTERNAL", message: "The TapTweak of this group key is not a valid scalar" });
  }
  // noble skips a zero tweak (multiply rejects 0); adding the identity would be a no-op anyway.
  const add = (p: CurvePoint) => (t === 0n ? p : p.add(Point.BASE.multiply(t)));
  return {
    commitments: evenCommitments.map((c, k) => (k === 0 ? add(c) : c)),
    shares: shares.map((p) => add(even(p))),
  };
}

function hasEvenY(point: CurvePoint): boolean {
  return point.toBytes(true)[0] === 0x02;
}

/** [1, …, n]. */
function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
