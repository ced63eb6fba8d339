// Property tests of every encoding: valid values round-trip, and any single-byte change,
// truncation or extension of a valid encoding is rejected with a ProtocolError or decodes to a
// value that re-encodes to exactly the mutated bytes (never back to the original, never a crash).

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import fc from "fast-check";
import {
  type CiphersuiteId,
  type ComplaintEvidence,
  decodeComplaintEvidence,
  decodeGroupKey,
  decodeKeygenRound1,
  decodeKeygenRound2,
  decodeKeygenState,
  decodeKeyShare,
  decodeSignature,
  decodeSigningRound1,
  decodeSigningRound2,
  decodeSigningState,
  encodeComplaintEvidence,
  encodeKeygenRound1,
  encodeKeygenRound2,
  encodeKeygenState,
  encodeKeyShare,
  encodeSigningRound1,
  encodeSigningRound2,
  encodeSigningState,
  type KeygenRound1Payload,
  type KeygenRound2Payload,
  type KeygenState,
  type KeyShare,
  ProtocolError,
  RFC9591_CIPHERSUITE,
  type SigningState,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";

const Point = secp256k1.Point;
const Fn = Point.Fn;

/** A pool of valid (scalar, compressed point) pairs: point multiplication is the slow part. */
const pool = Array.from({ length: 48 }, (_, i) => {
  const scalar = Fn.create(0x9e3779b97f4a7c15n * BigInt(i + 1) + 0xabcdefn) || 1n;
  return { scalar, point: Point.BASE.multiply(scalar).toBytes(true) };
});
const pair = fc.constantFrom(...pool);
const point = pair.map((p) => p.point);
const scalar = fc.bigInt({ min: 1n, max: Fn.ORDER - 1n });
const scalarBytes = (min: bigint) =>
  fc.bigInt({ min, max: Fn.ORDER - 1n }).map((s) => Fn.toBytes(s));
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const suite = fc.constantFrom<CiphersuiteId>(TAPROOT_CIPHERSUITE, RFC9591_CIPHERSUITE);

type Codec<T> = {
  readonly name: string;
  readonly value: fc.Arbitrary<T>;
  readonly encode: (value: T) => Uint8Array;
  /** Decodes with the shape (threshold, parties, suite) of the original value. */
  readonly decode: (bytes: Uint8Array, original: T) => T;
};

const codec = <T>(c: Codec<T>): Codec<unknown> => c as Codec<unknown>;

type Round1 = KeygenRound1Payload & { ciphersuite: CiphersuiteId };

const codecs: Codec<unknown>[] = [
  codec<Round1>({
    name: "keygen round 1",
    value: fc
      .record({
        ciphersuite: suite,
        commitments: fc.array(point, { minLength: 1, maxLength: 6 }),
        r: point,
        z: scalarBytes(0n),
        bindingSignature: bytes(64),
      })
      .map(({ ciphersuite, commitments, r, z, bindingSignature }) => ({
        ciphersuite,
        commitments,
        bindingSignature,
        // Taproot proofs carry x(R) only, for the even-y R.
        proofOfKnowledge: Uint8Array.from([
          ...(ciphersuite === TAPROOT_CIPHERSUITE ? r.subarray(1) : r),
          ...z,
        ]),
      })),
    encode: encodeKeygenRound1,
    decode: (b, o) => ({
      ciphersuite: o.ciphersuite,
      ...decodeKeygenRound1(b, { ciphersuite: o.ciphersuite, threshold: o.commitments.length }),
    }),
  }),
  codec<KeygenRound2Payload>({
    name: "keygen round 2",
    value: fc
      .array(bytes(48), { minLength: 1, maxLength: 8 })
      .map((ciphertexts) => ({ ciphertexts })),
    encode: encodeKeygenRound2,
    decode: (b, o) => decodeKeygenRound2(b, { parties: o.ciphertexts.length + 1 }),
  }),
  codec({
    name: "signing round 1",
    value: fc.record({ hiding: point, binding: point }),
    encode: encodeSigningRound1,
    decode: (b) => decodeSigningRound1(b),
  }),
  codec({
    name: "signing round 2",
    value: fc.record({ share: scalarBytes(0n) }),
    encode: encodeSigningRound2,
    decode: (b) => decodeSigningRound2(b),
  }),
  codec({
    name: "group key (agreement)",
    value: fc
      .record({ ciphersuite: suite, p: point })
      .map(({ ciphersuite, p }): { ciphersuite: CiphersuiteId; key: Uint8Array } => ({
        ciphersuite,
        key: ciphersuite === TAPROOT_CIPHERSUITE ? p.subarray(1) : p,
      })),
    encode: (v) => v.key,
    decode: (b, o) => ({
      ciphersuite: o.ciphersuite,
      key: decodeGroupKey(b, { ciphersuite: o.ciphersuite }),
    }),
  }),
  codec<{ ciphersuite: CiphersuiteId; signature: Uint8Array }>({
    name: "signature (agreement)",
    value: fc
      .record({ ciphersuite: suite, r: point, z: scalarBytes(0n) })
      .map(({ ciphersuite, r, z }) => ({
        ciphersuite,
        signature: Uint8Array.from([
          ...(ciphersuite === TAPROOT_CIPHERSUITE ? r.subarray(1) : r),
          ...z,
        ]),
      })),
    encode: (v) => v.signature,
    decode: (b, o) => ({
      ciphersuite: o.ciphersuite,
      signature: decodeSignature(b, { ciphersuite: o.ciphersuite }),
    }),
  }),
  codec<ComplaintEvidence>({
    name: "complaint evidence",
    value: fc
      .record({
        accuser: fc.integer({ min: 1, max: 255 }),
        offset: fc.integer({ min: 1, max: 254 }),
        sharedPoint: point,
        c: scalarBytes(0n),
        z: scalarBytes(0n),
      })
      .map(({ accuser, offset, sharedPoint, c, z }) => ({
        accuser,
        accused: ((accuser - 1 + offset) % 255) + 1,
        sharedPoint,
        proof: Uint8Array.from([...c, ...z]),
      })),
    encode: encodeComplaintEvidence,
    decode: (b) => decodeComplaintEvidence(b),
  }),
  codec<KeygenState>({
    name: "keygen state",
    value: fc
      .record({
        ciphersuite: suite,
        contextDigest: bytes(32),
        coefficients: fc.array(scalar, { minLength: 2, maxLength: 4 }),
        extraParties: fc.integer({ min: 0, max: 3 }),
        round: fc.constantFrom(1 as const, 2 as const),
        transcriptDigest: bytes(32),
        keySeed: bytes(32),
      })
      .map(
        ({
          ciphersuite,
          contextDigest,
          coefficients,
          extraParties,
          round,
          transcriptDigest,
          keySeed,
        }) => {
          const parties = coefficients.length + extraParties;
          const base = { ciphersuite, contextDigest, coefficients, parties };
          if (round === 1) return { ...base, round };
          const receiveKeys = Array.from({ length: parties - 1 }, (_, i) =>
            keySeed.map((b) => b ^ i),
          );
          return { ...base, round, transcriptDigest, receiveKeys };
        },
      ),
    encode: encodeKeygenState,
    decode: (b) => decodeKeygenState(b),
  }),
  codec<KeyShare>({
    name: "key share",
    value: fc
      .record({
        ciphersuite: suite,
        share: pair,
        commitments: fc.array(point, { minLength: 2, maxLength: 4 }),
        others: fc.array(point, { minLength: 4, maxLength: 6 }),
        identifierSeed: fc.nat(),
      })
      .map(({ ciphersuite, share, commitments, others, identifierSeed }) => {
        const identifier = (identifierSeed % others.length) + 1;
        const verifyingShares = others.map((p, i) => (i === identifier - 1 ? share.point : p));
        return {
          ciphersuite,
          identifier,
          threshold: commitments.length,
          signingShare: Fn.toBytes(share.scalar),
          commitments,
          verifyingShares,
        };
      }),
    encode: encodeKeyShare,
    decode: (b) => decodeKeyShare(b),
  }),
  codec<SigningState>({
    name: "signing state",
    value: fc
      .record({
        ciphersuite: suite,
        contextDigest: bytes(32),
        identifier: fc.integer({ min: 1, max: 255 }),
        hiding: pair,
        binding: pair,
        consumed: fc.boolean(),
        share: scalarBytes(0n),
      })
      .map(
        ({
          ciphersuite,
          contextDigest,
          identifier,
          hiding,
          binding,
          consumed,
          share,
        }): SigningState => {
          const base = {
            ciphersuite,
            contextDigest,
            identifier,
            hidingCommitment: hiding.point,
            bindingCommitment: binding.point,
          };
          return consumed
            ? { ...base, consumed: true, signatureShare: share }
            : {
                ...base,
                consumed: false,
                hidingNonce: Fn.toBytes(hiding.scalar),
                bindingNonce: Fn.toBytes(binding.scalar),
              };
        },
      ),
    encode: encodeSigningState,
    decode: (b) => decodeSigningState(b),
  }),
];

type Mutation =
  | { kind: "change"; index: number; xor: number }
  | { kind: "truncate"; length: number }
  | { kind: "extend"; extra: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("change" as const),
    index: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), length: fc.nat() }),
  fc.record({
    kind: fc.constant("extend" as const),
    extra: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
);

function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === "change") {
    const out = original.slice();
    const index = m.index % out.length;
    out[index] = out[index]! ^ m.xor;
    return out;
  }
  if (m.kind === "truncate") return original.slice(0, m.length % original.length);
  return Uint8Array.from([...original, ...m.extra]);
}

describe("encoding properties", () => {
  for (const c of codecs) {
    describe(c.name, () => {
      it("round-trips: decode(encode(v)) = v and re-encodes to the same bytes", () => {
        fc.assert(
          fc.property(c.value, (value) => {
            const encoded = c.encode(value);
            const decoded = c.decode(encoded, value);
            expect(decoded).to.deep.equal(value);
            expect(c.encode(decoded)).to.deep.equal(encoded);
          }),
          { numRuns: 100 },
        );
      });

      it("rejects a changed, truncated or extended encoding, or decodes it to exactly those bytes", () => {
        fc.assert(
          fc.property(c.value, mutation, (value, m) => {
            const original = c.encode(value);
            const mutated = mutate(original, m);
            let decoded: unknown;
            try {
              decoded = c.decode(mutated, value);
            } catch (error) {
              expect(error, String(error)).to.be.instanceOf(ProtocolError);
              return;
            }
            // Canonical: an accepted byte string is the encoding of what it decodes to.
            expect(c.encode(decoded)).to.deep.equal(mutated);
            expect(c.encode(decoded)).not.to.deep.equal(original);
          }),
          { numRuns: 300 },
        );
      });
    });
  }
});
