// FROST key generation (Pedersen DKG with proofs of knowledge, as in frost-rs and noble) over
// noble's `DKG.round1/round2/round3`. This module adds only what noble does not do:
//  - per-party attribution: noble throws one error for a batch; when it does, we re-check each
//    party (the proof of knowledge below, or noble's own `validateSecret` for shares) to name who;
//  - a state noble can resume from: noble keeps round state in a mutable object; we keep only the
//    polynomial coefficients and rebuild noble's object from them and the public transcript.
// Identifiers: party i of the key-generation session is the FROST identifier i (the scalar i).

import type { DKG_Round1, DKG_Round2, DKG_Secret } from "@noble/curves/abstract/frost.js";
import { secp256k1_hasher } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE, type TArg } from "@noble/curves/utils.js";
import { type Ciphersuite, type CurvePoint, Fn, frostIdentifier, Point } from "./ciphersuite.js";
import { concatBytes } from "./encoding.js";
import { ProtocolError } from "./errors.js";
import type { KeygenRound1Payload } from "./payloads.js";
import type { Attributed } from "./rounds.js";
import type { KeyShare } from "./secretState.js";

/** The parameters of one key generation, from this party's point of view. */
export type KeygenParameters = {
  readonly suite: Ciphersuite;
  /** This party's index = FROST identifier. */
  readonly identifier: number;
  readonly threshold: number;
  readonly parties: number;
};

/** A decoded round-1 payload whose points were already decompressed and checked. */
export type CheckedKeygenRound1 = {
  readonly commitments: readonly { readonly bytes: Uint8Array; readonly point: CurvePoint }[];
  readonly proofOfKnowledge: Uint8Array;
};

/**
 * Round 1: a random degree t-1 polynomial, its commitments and a proof of knowledge of its
 * constant term (noble `DKG.round1`). Draws 48 bytes per coefficient and 48 for the proof nonce.
 */
export function keygenRound1(
  params: KeygenParameters,
  rng: (length?: number) => Uint8Array,
): { coefficients: bigint[]; payload: Omit<KeygenRound1Payload, "bindingSignature"> } {
  const { suite, identifier, threshold, parties } = params;
  const { public: message, secret } = suite.frost.DKG.round1(
    frostIdentifier(suite, identifier),
    { min: threshold, max: parties },
    undefined,
    rng,
  );
  const coefficients = [...(secret.coefficients ?? [])];
  suite.frost.DKG.clean(secret);
  return {
    coefficients,
    payload: { commitments: message.commitment, proofOfKnowledge: message.proofOfKnowledge },
  };
}

/**
 * Round 2: verifies every other party's proof of knowledge and evaluates this party's polynomial
 * at each of them (noble `DKG.round2`). Returns the plaintext share for each other party.
 */
export function keygenRound2(
  params: KeygenParameters,
  coefficients: readonly bigint[],
  round1: ReadonlyMap<number, CheckedKeygenRound1>,
): Attributed<Map<number, Uint8Array>> {
  const { suite } = params;
  const secret = nobleSecret(params, coefficients, 1);
  let sent: Record<string, DKG_Round2>;
  try {
    sent = suite.frost.DKG.round2(secret, nobleRound1(params, round1));
  } catch (cause) {
    const faults: ProtocolError[] = [];
    for (const [party, message] of round1) {
      if (!verifyProofOfKnowledge(suite, party, message)) {
        faults.push(
          new ProtocolError({
            code: "INVALID_PROOF_OF_KNOWLEDGE",
            message: `Party ${party}'s proof of knowledge of its secret does not verify`,
            field: "keygenRound1.proofOfKnowledge",
            party,
          }),
        );
      }
    }
    if (faults.length > 0) return { ok: false, faults };
    throw internal("DKG round 2", cause);
  } finally {
    suite.frost.DKG.clean(secret);
  }
  const shares = new Map<number, Uint8Array>();
  for (const party of round1.keys()) {
    shares.set(party, sent[frostIdentifier(suite, party)]!.signingShare);
  }
  return { ok: true, value: shares };
}

/**
 * Round 3: checks each received share against its sender's commitments, sums them into this
 * party's signing share and derives the group key and everyone's verifying shares (noble
 * `DKG.round3`; for the Taproot suite noble also applies the BIP-341 key-path tweak with an empty
 * script tree, as frost-secp256k1-tr does).
 * @param shares - the plaintext share each other party sent; scalars in [1, n).
 */
export function keygenRound3(
  params: KeygenParameters,
  coefficients: readonly bigint[],
  round1: ReadonlyMap<number, CheckedKeygenRound1>,
  shares: ReadonlyMap<number, Uint8Array>,
): Attributed<KeyShare> {
  const { suite, identifier, threshold, parties } = params;
  const faults: ProtocolError[] = [];
  for (const [party, share] of shares) {
    const value = bytesToNumberBE(share);
    if (share.length !== 32 || value === 0n || value >= Fn.ORDER) {
      faults.push(invalidShare(party, identifier, "is not a scalar in [1, n)"));
    }
  }
  if (faults.length > 0) return { ok: false, faults };
  const secret = nobleSecret(params, coefficients, 2);
  const packages = nobleRound1(params, round1);
  secret.round1Cache = sortedCopy(packages);
  const received: TArg<DKG_Round2>[] = [...shares].map(([party, share]) => ({
    identifier: frostIdentifier(suite, party),
    signingShare: share,
  }));
  let key: ReturnType<typeof suite.frost.DKG.round3>;
  try {
    key = suite.frost.DKG.round3(secret, packages, received);
  } catch (cause) {
    for (const [party, share] of shares) {
      if (!shareMatchesCommitments(params, round1.get(party)!, share)) {
        faults.push(invalidShare(party, identifier, "does not match the sender's commitments"));
      }
    }
    if (faults.length > 0) return { ok: false, faults };
    throw internal("DKG round 3", cause);
  } finally {
    suite.frost.DKG.clean(secret);
  }
  const verifyingShares = [];
  for (let i = 1; i <= parties; i++) {
    verifyingShares.push(key.public.verifyingShares[frostIdentifier(suite, i)]!);
  }
  return {
    ok: true,
    value: {
      ciphersuite: suite.id,
      identifier,
      threshold,
      signingShare: key.secret.signingShare,
      commitments: key.public.commitments,
      verifyingShares,
    },
  };
}

/**
 * The Schnorr proof of knowledge of a party's secret, checked as noble checks it (frost-rs
 * `compute_proof_of_knowledge`): c = H_dkg(id (32 bytes) || C0 || R), valid iff R = z·G - c·C0,
 * where H_dkg is hash_to_field with DST = contextString || "dkg". Used only to name the culprit
 * after noble rejected a batch, and by complaint judgement.
 */
export function verifyProofOfKnowledge(
  suite: Ciphersuite,
  party: number,
  message: CheckedKeygenRound1,
): boolean {
  const proof = message.proofOfKnowledge;
  const rLength = suite.proofOfKnowledgeLength - 32;
  const rBytes =
    rLength === 33 ? proof.subarray(0, 33) : concatBytes(Uint8Array.of(2), proof.subarray(0, 32));
  const commitment = message.commitments[0]!.point;
  try {
    const r = Point.fromBytes(rBytes);
    const z = bytesToNumberBE(proof.subarray(rLength));
    if (z >= Fn.ORDER) return false;
    const c = secp256k1_hasher.hashToScalar(
      concatBytes(Fn.toBytes(BigInt(party)), commitment.toBytes(true), r.toBytes(true)),
      { DST: `${suite.id}dkg` },
    );
    return r.equals(Point.BASE.multiplyUnsafe(z).subtract(commitment.multiplyUnsafe(c)));
  } catch {
    return false;
  }
}

/** RFC 9591 Appendix C.2 `vss_verify` of one share, by noble's `validateSecret`. */
export function shareMatchesCommitments(
  params: KeygenParameters,
  sender: CheckedKeygenRound1,
  share: Uint8Array,
): boolean {
  try {
    params.suite.frost.validateSecret(
      { identifier: frostIdentifier(params.suite, params.identifier), signingShare: share },
      {
        signers: { min: params.threshold, max: params.parties },
        commitments: sender.commitments.map((c) => c.point.toBytes(false)),
        verifyingShares: {},
      },
    );
    return true;
  } catch {
    return false;
  }
}

/** noble's mutable round state, rebuilt from the persisted coefficients. */
function nobleSecret(
  params: KeygenParameters,
  coefficients: readonly bigint[],
  step: 1 | 2,
): DKG_Secret {
  return {
    identifier: BigInt(params.identifier),
    coefficients: [...coefficients],
    commitment: coefficients.map((c) => Point.BASE.multiply(c).toBytes(true)),
    signers: { min: params.threshold, max: params.parties },
    step,
  };
}

/**
 * noble's round-1 packages. Commitments go in UNCOMPRESSED: noble parses every commitment up to
 * three times, and a compressed parse costs a square root (~0.1 ms) while an uncompressed one is
 * ~20x cheaper; noble re-serializes compressed wherever bytes matter (proof challenges, outputs),
 * so results are identical. The points were already decompressed and checked once when decoded.
 */
function nobleRound1(
  params: KeygenParameters,
  round1: ReadonlyMap<number, CheckedKeygenRound1>,
): TArg<DKG_Round1>[] {
  return [...round1].map(([party, message]) => ({
    identifier: frostIdentifier(params.suite, party),
    commitment: message.commitments.map((c) => c.point.toBytes(false)),
    proofOfKnowledge: message.proofOfKnowledge,
  }));
}

/** noble's authenticated-transcript cache: its canonical form, sorted by identifier. */
function sortedCopy(packages: readonly TArg<DKG_Round1>[]): DKG_Round1[] {
  return packages
    .map((p) => ({
      identifier: p.identifier,
      commitment: p.commitment.map((c) => c.slice()),
      proofOfKnowledge: p.proofOfKnowledge.slice(),
    }))
    .sort((a, b) => (BigInt(`0x${a.identifier}`) < BigInt(`0x${b.identifier}`) ? -1 : 1));
}

function invalidShare(sender: number, recipient: number, what: string): ProtocolError {
  return new ProtocolError({
    code: "INVALID_SHARE",
    message: `The share party ${sender} sent to party ${recipient} ${what}`,
    field: "keygenRound2.ciphertexts",
    party: sender,
  });
}

function internal(where: string, cause: unknown): ProtocolError {
  return new ProtocolError({
    code: "INTERNAL",
    message: `${where} failed inside @noble/curves for a reason no single party explains`,
    cause,
  });
}
