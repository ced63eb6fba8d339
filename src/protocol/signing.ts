// FROST signing (RFC 9591 Section 5) over noble's `commit`, `signShare` and `aggregate`, on a
// decoded KeyShare. This module adds the mapping from Roundtable's numeric identifiers to noble's
// hex identifiers, single-use nonces, and naming of the signer whose share is bad (noble reports
// cheaters only as part of its aggregation error; we re-check shares with noble's `verifyShare`).
// Messages may be any length here (the standard test vectors sign "test"); the signing plug-in
// requires a 32-byte digest.

import type { FrostPublic, FrostSecret, NonceCommitments } from "@noble/curves/abstract/frost.js";
import type { TArg } from "@noble/curves/utils.js";
import { type Ciphersuite, frostIdentifier, getCiphersuite } from "./ciphersuite.js";
import { fail, ProtocolError } from "./errors.js";
import { checkedRandom } from "./random.js";
import type { Attributed } from "./rounds.js";
import type { KeyShare } from "./secretState.js";
import type { RandomSource } from "./types.js";

/** One signer's published nonce commitments, by FROST identifier (key-generation index). */
export type SigningCommitment = {
  readonly identifier: number;
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
};

/** A signer's secret nonce pair; use once. */
export type SigningNonces = {
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
};

/**
 * Round 1 (RFC 9591 `commit`): fresh hiding and binding nonces, each H3(32 random bytes ||
 * signing share), and their commitments.
 * @example
 * ```ts
 * const { nonces, commitment } = commitNonces(keyShare, secureRandom);
 * ```
 */
export function commitNonces(
  keyShare: KeyShare,
  random: RandomSource,
): { nonces: SigningNonces; commitment: SigningCommitment } {
  const suite = getCiphersuite(keyShare.ciphersuite);
  const { nonces, commitments } = suite.frost.commit(
    frostSecret(suite, keyShare),
    checkedRandom(random),
  );
  return {
    nonces: { hiding: nonces.hiding, binding: nonces.binding },
    commitment: {
      identifier: keyShare.identifier,
      hiding: commitments.hiding,
      binding: commitments.binding,
    },
  };
}

/**
 * Round 2 (RFC 9591 `sign`): this signer's signature share over `message`, given every signer's
 * commitments (its own included). The caller must never call this twice with the same nonces;
 * the plug-in enforces it with a consumed flag in the persisted state.
 */
export function signShare(
  keyShare: KeyShare,
  nonces: SigningNonces,
  commitments: readonly SigningCommitment[],
  message: Uint8Array,
): Uint8Array {
  const suite = getCiphersuite(keyShare.ciphersuite);
  checkSigners(keyShare, commitments);
  // noble zeroes the nonce arrays it is given after use; give it copies so the caller's stay
  // intact for its own checks, and rely on the persisted consumed flag for single use.
  try {
    return suite.frost.signShare(
      frostSecret(suite, keyShare),
      frostPublic(suite, keyShare),
      { hiding: nonces.hiding.slice(), binding: nonces.binding.slice() },
      nobleCommitments(suite, commitments),
      message,
    );
  } catch (cause) {
    return fail({
      code: "INTERNAL",
      message:
        "noble refused to sign: the nonces do not match this signer's commitment, or the signer set is invalid",
      field: "signingRound2",
      party: keyShare.identifier,
      cause,
    });
  }
}

/**
 * Round 3 (RFC 9591 `aggregate`): the group signature from every signer's share; it verifies
 * under the group key. If it does not, each share is checked (RFC 9591 Section 5.4) and the
 * signers whose shares fail are returned as faults, named by FROST identifier.
 */
export function aggregateSignature(
  keyShare: KeyShare,
  commitments: readonly SigningCommitment[],
  shares: ReadonlyMap<number, Uint8Array>,
  message: Uint8Array,
): Attributed<Uint8Array> {
  checkSigners(keyShare, commitments);
  return aggregateWithKey(keyShare, commitments, shares, message);
}

/** The public part of a FROST key: what share verification and aggregation need. */
export type PublicKeyPackage = Pick<
  KeyShare,
  "ciphersuite" | "threshold" | "commitments" | "verifyingShares"
>;

/**
 * {@link aggregateSignature} for anyone holding only the public key package (the judge): the
 * caller has checked the signer set. A missing share is a fault of its signer.
 */
export function aggregateWithKey(
  key: PublicKeyPackage,
  commitments: readonly SigningCommitment[],
  shares: ReadonlyMap<number, Uint8Array>,
  message: Uint8Array,
): Attributed<Uint8Array> {
  const suite = getCiphersuite(key.ciphersuite);
  const pub = frostPublic(suite, key);
  const list = nobleCommitments(suite, commitments);
  const byIdentifier: Record<string, Uint8Array> = {};
  for (const [identifier, share] of shares)
    byIdentifier[frostIdentifier(suite, identifier)] = share;
  try {
    return { ok: true, value: suite.frost.aggregate(pub, list, message, byIdentifier) };
  } catch (cause) {
    const faults: ProtocolError[] = [];
    for (const { identifier } of commitments) {
      const share = shares.get(identifier);
      if (
        share === undefined ||
        !verifySignatureShare(key, commitments, message, identifier, share)
      ) {
        faults.push(
          new ProtocolError({
            code: "INVALID_SIGNATURE_SHARE",
            message: `Signer ${identifier}'s signature share does not verify against its verifying share`,
            field: "signingRound2.share",
            party: identifier,
          }),
        );
      }
    }
    if (faults.length > 0) return { ok: false, faults };
    return fail({
      code: "INTERNAL",
      message: "Aggregation failed although every signature share verifies",
      cause,
    });
  }
}

/**
 * RFC 9591 Section 5.4 check of one signer's share (noble `verifyShare`) against every signer's
 * nonce commitments, the message and the signer's verifying share; false for anything malformed.
 */
export function verifySignatureShare(
  key: PublicKeyPackage,
  commitments: readonly SigningCommitment[],
  message: Uint8Array,
  identifier: number,
  share: Uint8Array,
): boolean {
  const suite = getCiphersuite(key.ciphersuite);
  try {
    return suite.frost.verifyShare(
      frostPublic(suite, key),
      nobleCommitments(suite, commitments),
      message,
      frostIdentifier(suite, identifier),
      share,
    );
  } catch {
    return false;
  }
}

/** The agreed group key of a key share: x-only (Taproot) or compressed (RFC 9591). */
export function groupPublicKey(keyShare: KeyShare): Uint8Array {
  return getCiphersuite(keyShare.ciphersuite).encodeGroupKey(keyShare.commitments[0]!);
}

/** Signers are distinct key-generation parties, at least t of them, this signer included. */
function checkSigners(keyShare: KeyShare, commitments: readonly SigningCommitment[]): void {
  const parties = keyShare.verifyingShares.length;
  const seen = new Set<number>();
  for (const { identifier } of commitments) {
    if (
      !Number.isSafeInteger(identifier) ||
      identifier < 1 ||
      identifier > parties ||
      seen.has(identifier)
    ) {
      fail({
        code: "INVALID_INPUT",
        message: `Signer identifiers must be distinct key-generation indexes in [1, ${parties}]`,
        field: "commitments",
        party: identifier,
      });
    }
    seen.add(identifier);
  }
  if (seen.size < keyShare.threshold || !seen.has(keyShare.identifier)) {
    fail({
      code: "INVALID_INPUT",
      message: `A signing set needs at least ${keyShare.threshold} signers including this one (${keyShare.identifier}); got ${seen.size}`,
      field: "commitments",
    });
  }
}

function frostSecret(suite: Ciphersuite, keyShare: KeyShare): TArg<FrostSecret> {
  return {
    identifier: frostIdentifier(suite, keyShare.identifier),
    signingShare: keyShare.signingShare,
  };
}

function frostPublic(suite: Ciphersuite, keyShare: PublicKeyPackage): TArg<FrostPublic> {
  const verifyingShares: Record<string, Uint8Array> = {};
  keyShare.verifyingShares.forEach((share, i) => {
    verifyingShares[frostIdentifier(suite, i + 1)] = share;
  });
  return {
    signers: { min: keyShare.threshold, max: keyShare.verifyingShares.length },
    commitments: [...keyShare.commitments],
    verifyingShares,
  };
}

function nobleCommitments(
  suite: Ciphersuite,
  commitments: readonly SigningCommitment[],
): TArg<NonceCommitments>[] {
  return commitments.map((c) => ({
    identifier: frostIdentifier(suite, c.identifier),
    hiding: c.hiding,
    binding: c.binding,
  }));
}
