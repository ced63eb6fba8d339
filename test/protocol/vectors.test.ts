// Standard vectors through this layer's own API: RFC 9591 E.5 and the Zcash Foundation signing
// vectors for both suites (commitNonces / signShare / aggregateSignature and the payload and key
// share encodings), and the Zcash Foundation DKG vectors through the key-generation plug-in.

import { readFileSync } from "node:fs";
import { schnorr, secp256k1, secp256k1_hasher } from "@noble/curves/secp256k1.js";
import { numberToBytesBE } from "@noble/curves/utils.js";
import { expect } from "chai";
import {
  aggregateSignature,
  type CiphersuiteId,
  checkKeygenRound1Payload,
  commitNonces,
  decodeKeygenRound1,
  decodeKeygenRound2,
  decodeKeyShare,
  decodeSigningRound1,
  decodeSigningRound2,
  decryptShare,
  encodeKeygenRound1,
  encodeKeyShare,
  encodeSigningRound1,
  encodeSigningRound2,
  frostKeygen,
  getCiphersuite,
  type KeyShare,
  type RandomSource,
  RFC9591_CIPHERSUITE,
  type SigningCommitment,
  signShare,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import { contextOf, expectPayload, fromHex, hex, othersOf, sessionFixture } from "./helpers.js";

const Point = secp256k1.Point;
const Fn = Point.Fn;

function loadVector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8")) as T;
}

type SigningVector = {
  config: { MAX_PARTICIPANTS: string; MIN_PARTICIPANTS: string };
  inputs: {
    participant_list: number[];
    group_secret_key: string;
    group_public_key?: string;
    verifying_key_key?: string;
    message: string;
    share_polynomial_coefficients: string[];
    participant_shares: { identifier: number; participant_share: string }[];
  };
  round_one_outputs: {
    outputs: {
      identifier: number;
      hiding_nonce_randomness: string;
      binding_nonce_randomness: string;
      hiding_nonce: string;
      binding_nonce: string;
      hiding_nonce_commitment: string;
      binding_nonce_commitment: string;
    }[];
  };
  round_two_outputs: { outputs: { identifier: number; sig_share: string }[] };
  final_output: { sig: string };
};

const signingVectors: { name: string; file: string; ciphersuite: CiphersuiteId }[] = [
  {
    name: "RFC 9591 Appendix E.5 (cfrg poc)",
    file: "cfrg-draft-irtf-cfrg-frost-poc-frost-secp256k1-sha256.json",
    ciphersuite: RFC9591_CIPHERSUITE,
  },
  {
    name: "Zcash Foundation frost-secp256k1",
    file: "zcash-frost-secp256k1-vectors.json",
    ciphersuite: RFC9591_CIPHERSUITE,
  },
  {
    name: "Zcash Foundation frost-secp256k1-tr",
    file: "zcash-frost-secp256k1-tr-vectors.json",
    ciphersuite: TAPROOT_CIPHERSUITE,
  },
];

/** The vector's dealer key, as this layer's encoded-then-decoded KeyShare for one participant. */
function vectorKeyShare(
  v: SigningVector,
  ciphersuite: CiphersuiteId,
  identifier: number,
): KeyShare {
  const coefficients = [v.inputs.group_secret_key, ...v.inputs.share_polynomial_coefficients];
  const share = v.inputs.participant_shares.find((s) => s.identifier === identifier)!;
  const keyShare: KeyShare = {
    ciphersuite,
    identifier,
    threshold: Number(v.config.MIN_PARTICIPANTS),
    signingShare: fromHex(share.participant_share),
    commitments: coefficients.map((c) => Point.BASE.multiply(BigInt(`0x${c}`)).toBytes(true)),
    verifyingShares: v.inputs.participant_shares.map((s) =>
      Point.BASE.multiply(BigInt(`0x${s.participant_share}`)).toBytes(true),
    ),
  };
  return decodeKeyShare(encodeKeyShare(keyShare));
}

/** A source that returns the given byte strings in order. */
function replay(values: readonly Uint8Array[]): RandomSource {
  let next = 0;
  return (length) => {
    const value = values[next++];
    if (value === undefined || value.length !== length) {
      throw new Error(`replay: unexpected draw of ${length} bytes (#${next})`);
    }
    return value;
  };
}

describe("protocol vectors", () => {
  for (const { name, file, ciphersuite } of signingVectors) {
    describe(`signing: ${name}`, () => {
      const v = loadVector<SigningVector>(file);
      const message = fromHex(v.inputs.message);
      const signers = v.inputs.participant_list;
      const groupKey = v.inputs.group_public_key ?? v.inputs.verifying_key_key!;

      const commit = () =>
        v.round_one_outputs.outputs.map((out) => {
          const keyShare = vectorKeyShare(v, ciphersuite, out.identifier);
          const random = replay([
            fromHex(out.hiding_nonce_randomness),
            fromHex(out.binding_nonce_randomness),
          ]);
          return { out, keyShare, ...commitNonces(keyShare, random) };
        });

      it("derives the vector's nonces and commitments from its nonce randomness", () => {
        for (const { out, nonces, commitment } of commit()) {
          expect(hex(nonces.hiding)).to.equal(out.hiding_nonce);
          expect(hex(nonces.binding)).to.equal(out.binding_nonce);
          expect(hex(commitment.hiding)).to.equal(out.hiding_nonce_commitment);
          expect(hex(commitment.binding)).to.equal(out.binding_nonce_commitment);
        }
      });

      it("produces the vector's signature shares and signature through the payload encodings", () => {
        const committed = commit();
        // Commitments travel as signing round-1 payloads.
        const commitments: SigningCommitment[] = committed.map(({ commitment }) => ({
          identifier: commitment.identifier,
          ...decodeSigningRound1(encodeSigningRound1(commitment)),
        }));
        const shares = new Map<number, Uint8Array>();
        for (const { keyShare, nonces } of committed) {
          const share = signShare(keyShare, nonces, commitments, message);
          const expected = v.round_two_outputs.outputs.find(
            (o) => o.identifier === keyShare.identifier,
          )!;
          expect(hex(share)).to.equal(expected.sig_share);
          shares.set(
            keyShare.identifier,
            decodeSigningRound2(encodeSigningRound2({ share })).share,
          );
        }
        const aggregated = aggregateSignature(committed[0]!.keyShare, commitments, shares, message);
        expect(aggregated.ok).to.equal(true);
        if (!aggregated.ok) return;
        expect(hex(aggregated.value)).to.equal(v.final_output.sig);
        expect(signers).to.deep.equal(committed.map(({ out }) => out.identifier));
      });

      it("yields a signature the suite's standard verifier accepts under the group key", () => {
        const key = getCiphersuite(ciphersuite).encodeGroupKey(fromHex(groupKey));
        const signature = fromHex(v.final_output.sig);
        expect(getCiphersuite(ciphersuite).verify(signature, message, key)).to.equal(true);
        if (ciphersuite === TAPROOT_CIPHERSUITE) {
          expect(schnorr.verify(signature, message, key)).to.equal(true);
        }
      });
    });
  }

  describe("key generation: Zcash Foundation DKG vectors through frostKeygen", () => {
    type DkgParticipant = {
      identifier: number;
      signing_key: string;
      coefficient: string;
      vss_commitments: string[];
      proof_of_knowledge: string;
      signing_shares: Record<string, string>;
      verifying_share: string;
      signing_share: string;
    };
    type DkgVector = {
      config: { MAX_PARTICIPANTS: number; MIN_PARTICIPANTS: number };
      inputs: { verifying_key: string } & Record<string, DkgParticipant | string>;
    };

    for (const [file, ciphersuite] of [
      ["zcash-frost-secp256k1-vectors_dkg.json", RFC9591_CIPHERSUITE],
      ["zcash-frost-secp256k1-tr-vectors_dkg.json", TAPROOT_CIPHERSUITE],
    ] as const) {
      const v = loadVector<DkgVector>(file);
      const n = v.config.MAX_PARTICIPANTS;
      const t = v.config.MIN_PARTICIPANTS;
      const participant = (i: number) => v.inputs[String(i)] as DkgParticipant;
      const fixture = sessionFixture(t, n, ciphersuite);

      /**
       * The random bytes that make noble draw the vector's polynomial and proof nonce. noble maps
       * 48 random bytes b to (b mod (n-1)) + 1, so b = value - 1. The proof nonce is not in the
       * vector; it follows from the proof: k = z - c·a0.
       */
      const vectorRandom = (i: number): RandomSource => {
        const p = participant(i);
        const a0 = BigInt(`0x${p.signing_key}`);
        const proof = fromHex(p.proof_of_knowledge);
        const rLength = proof.length - 32;
        const r =
          rLength === 33 ? proof.subarray(0, 33) : Uint8Array.of(2, ...proof.subarray(0, 32));
        const c = secp256k1_hasher.hashToScalar(
          Uint8Array.from([
            ...Fn.toBytes(BigInt(i)),
            ...Point.BASE.multiply(a0).toBytes(true),
            ...r,
          ]),
          { DST: `${ciphersuite}dkg` },
        );
        const k = Fn.sub(BigInt(`0x${hex(proof.subarray(rLength))}`), Fn.mul(c, a0));
        // Then 32 bytes of BIP-340 aux randomness for our session binding, drawn after noble's.
        return replay([
          ...[a0, BigInt(`0x${p.coefficient}`), k].map((x) => numberToBytesBE(x - 1n, 48)),
          new Uint8Array(32),
        ]);
      };

      const run = () => {
        const input = (i: number) => ({
          context: contextOf(fixture, i),
          params: {},
          secrets: { encryptionSecretKey: fixture.keys.secret[i - 1]! },
          random: vectorRandom(i),
        });
        const round1 = new Map<number, Uint8Array>();
        const states = new Map<number, Uint8Array>();
        for (let i = 1; i <= n; i++) {
          const out = expectPayload(frostKeygen.start(input(i)));
          round1.set(i, out.payload);
          states.set(i, out.state);
        }
        const round2 = new Map<number, Uint8Array>();
        for (let i = 1; i <= n; i++) {
          const out = expectPayload(
            frostKeygen.next({
              ...input(i),
              state: states.get(i)!,
              round: 2,
              received: [othersOf(round1, i)],
            }),
          );
          round2.set(i, out.payload);
          states.set(i, out.state);
        }
        const results = [];
        for (let i = 1; i <= n; i++) {
          const out = frostKeygen.next({
            ...input(i),
            state: states.get(i)!,
            round: 3,
            received: [othersOf(round1, i), othersOf(round2, i)],
          });
          if (out.kind !== "result") return expect.fail(`party ${i} did not finish: ${out.kind}`);
          results.push(out);
        }
        return { round1, round2, results };
      };

      describe(ciphersuite, () => {
        it("reproduces each participant's round-1 payload (commitments and proof of knowledge)", () => {
          const { round1 } = run();
          for (let i = 1; i <= n; i++) {
            const p = participant(i);
            // The session binding is our addition; noble's values are the vector's, unchanged.
            const payload = decodeKeygenRound1(round1.get(i)!, { ciphersuite, threshold: t });
            expect(payload.commitments.map(hex)).to.deep.equal(p.vss_commitments);
            expect(hex(payload.proofOfKnowledge)).to.equal(p.proof_of_knowledge);
            const expected = encodeKeygenRound1({
              commitments: p.vss_commitments.map(fromHex),
              proofOfKnowledge: fromHex(p.proof_of_knowledge),
              bindingSignature: payload.bindingSignature,
            });
            expect(hex(round1.get(i)!)).to.equal(hex(expected));
            const { partyIndex: _, ...context } = contextOf(fixture, i);
            expect(checkKeygenRound1Payload(context, i, round1.get(i)!)).to.equal(undefined);
          }
        });

        it("encrypts exactly the vector's shares to each recipient", () => {
          const { round2 } = run();
          for (let sender = 1; sender <= n; sender++) {
            const payload = decodeKeygenRound2(round2.get(sender)!, { parties: n });
            for (let recipient = 1; recipient <= n; recipient++) {
              if (recipient === sender) continue;
              const share = decryptShare({
                context: contextOf(fixture, recipient),
                sender,
                encryptionSecretKey: fixture.keys.secret[recipient - 1]!,
                ciphertext:
                  payload.ciphertexts[recipient < sender ? recipient - 1 : recipient - 2]!,
              });
              expect(hex(share)).to.equal(participant(recipient).signing_shares[String(sender)]);
            }
          }
        });

        it("agrees on the vector's group key and derives its signing and verifying shares", () => {
          const { results } = run();
          const expectedKey = getCiphersuite(ciphersuite).encodeGroupKey(
            fromHex(v.inputs.verifying_key),
          );
          for (const [index, out] of results.entries()) {
            const i = index + 1;
            expect(hex(out.payload)).to.equal(hex(expectedKey));
            const keyShare = decodeKeyShare(out.result.keyShare);
            expect(hex(keyShare.signingShare)).to.equal(participant(i).signing_share);
            expect(hex(keyShare.commitments[0]!)).to.equal(v.inputs.verifying_key);
            for (let j = 1; j <= n; j++) {
              expect(hex(keyShare.verifyingShares[j - 1]!)).to.equal(
                participant(j).verifying_share,
              );
            }
          }
        });
      });
    }
  });
});
