import { secp256k1, secp256k1_hasher } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { expect } from "chai";
import {
  decodeSigningRound2,
  decodeSigningState,
  encodeSigningRound2,
  frostSigning,
  type NextInput,
  RFC9591_CIPHERSUITE,
  type SigningParams,
  type SigningSecrets,
} from "../../src/protocol/index.js";
import {
  contextOf,
  expectBip340,
  expectProtocolError,
  hex,
  othersOf,
  runKeygen,
  runSigning,
  seededRandom,
  sessionFixture,
} from "./helpers.js";

const message = sha256(utf8ToBytes("Roundtable signs this digest"));

/**
 * RFC 9591 Section 6.5 verification written out here, independent of the FROST code path:
 * z·G == R + c·PK with c = H2(R || PK || msg), H2 = hash_to_field(DST = contextString || "chal").
 */
function verifyRfc9591(signature: Uint8Array, msg: Uint8Array, groupKey: Uint8Array): boolean {
  const Point = secp256k1.Point;
  const r = Point.fromBytes(signature.subarray(0, 33));
  const z = BigInt(`0x${hex(signature.subarray(33))}`);
  const pk = Point.fromBytes(groupKey);
  const c = secp256k1_hasher.hashToScalar(
    Uint8Array.from([...r.toBytes(true), ...pk.toBytes(true), ...msg]),
    { DST: "FROST-secp256k1-SHA256-v1chal" },
  );
  return Point.BASE.multiply(z).equals(r.add(pk.multiply(c)));
}

describe("frostSigning", () => {
  it("signs with more than t signers", () => {
    const keygen = runKeygen(sessionFixture(2, 3), "more-than-t");
    expectBip340(keygen, [1, 2, 3], message, runSigning(keygen, [1, 2, 3], message));
  });

  it("signs with signers listed in any order (identifiers come from the key generation)", () => {
    const keygen = runKeygen(sessionFixture(3, 5), "order");
    expectBip340(keygen, [5, 2, 4], message, runSigning(keygen, [5, 2, 4], message));
  });

  it("(3, 5) with the RFC 9591 suite: 65-byte signatures that RFC 9591 verification accepts", () => {
    const keygen = runKeygen(sessionFixture(3, 5, RFC9591_CIPHERSUITE), "rfc");
    for (const signers of [
      [1, 2, 3],
      [2, 4, 5],
    ]) {
      const signature = runSigning(keygen, signers, message).signatures.get(1)!;
      expect(signature).to.have.length(65);
      expect(verifyRfc9591(signature, message, keygen.results.get(1)!.groupPublicKey)).to.equal(
        true,
      );
    }
  });

  it("produces payloads of 68 and 34 bytes and a 64-byte agreement", () => {
    const keygen = runKeygen(sessionFixture(2, 3), "sizes");
    const run = runSigning(keygen, [1, 2], message);
    expect(run.payloads[0]!.get(1)).to.have.length(68);
    expect(run.payloads[1]!.get(1)).to.have.length(34);
    expect(run.payloads[2]!.get(1)).to.have.length(64);
  });

  describe("nonces", () => {
    const keygen = runKeygen(sessionFixture(2, 3), "nonces");
    const signers = [1, 3];
    const run = runSigning(keygen, signers, message);
    const fixture = {
      ...keygen.fixture,
      sessionId: 99n,
      parties: 2,
      threshold: 2,
      keys: { secret: [], public: signers.map((i) => keygen.fixture.keys.public[i - 1]!) },
    };
    const params: SigningParams = {
      signerIdentifiers: signers,
      messageDigest: message,
      groupPublicKey: keygen.results.get(1)!.groupPublicKey,
    };
    const next = (party: number, overrides: Partial<NextInput<SigningParams, SigningSecrets>>) =>
      frostSigning.next({
        context: contextOf(fixture, party),
        params,
        secrets: { keyShare: keygen.results.get(signers[party - 1]!)!.keyShare },
        random: seededRandom("nonces-next"),
        state: run.states[0]!.get(party)!,
        round: 2,
        received: [othersOf(run.payloads[0]!, party)],
        ...overrides,
      });

    it("marks the state consumed when round 2 produces the share, and drops the nonces", () => {
      const before = decodeSigningState(run.states[0]!.get(1)!);
      const after = decodeSigningState(run.states[1]!.get(1)!);
      expect(before.consumed).to.equal(false);
      expect(after.consumed).to.equal(true);
      expect(run.states[1]!.get(1)!.length).to.equal(run.states[0]!.get(1)!.length - 32);
    });

    it("refuses to sign again from a consumed state", () => {
      expectProtocolError(() => next(1, { state: run.states[1]!.get(1)! }), "NONCE_REUSED", {
        field: "signingState.consumed",
      });
    });

    it("refuses to aggregate from a state whose nonces are not used yet", () => {
      expectProtocolError(
        () =>
          next(1, {
            round: 3,
            received: [othersOf(run.payloads[0]!, 1), othersOf(run.payloads[1]!, 1)],
          }),
        "UNEXPECTED_ROUND",
      );
    });

    it("refuses a nonce state bound to another message", () => {
      expectProtocolError(
        () => next(1, { params: { ...params, messageDigest: sha256(message) } }),
        "STATE_MISMATCH",
        { field: "state" },
      );
    });

    it("refuses a nonce state bound to another signing session", () => {
      expectProtocolError(
        () => next(1, { context: { ...contextOf(fixture, 1), sessionId: 100n } }),
        "STATE_MISMATCH",
      );
    });
  });

  describe("inputs", () => {
    const keygen = runKeygen(sessionFixture(3, 5), "inputs");
    const fixture = {
      ...keygen.fixture,
      parties: 3,
      threshold: 3,
      keys: { secret: [], public: [1, 2, 3].map((i) => keygen.fixture.keys.public[i - 1]!) },
    };
    const start = (params: Partial<SigningParams>, keygenIndex = 1, party = 1) =>
      frostSigning.start({
        context: contextOf(fixture, party),
        params: {
          signerIdentifiers: [1, 2, 3],
          messageDigest: message,
          groupPublicKey: keygen.results.get(1)!.groupPublicKey,
          ...params,
        },
        secrets: { keyShare: keygen.results.get(keygenIndex)!.keyShare },
        random: seededRandom("inputs"),
      });

    it("requires a 32-byte message digest", () => {
      expectProtocolError(() => start({ messageDigest: new Uint8Array(31) }), "INVALID_CONTEXT", {
        field: "params.messageDigest",
      });
    });

    it("requires the key share to be this signer's, by key-generation index", () => {
      expectProtocolError(() => start({}, 2), "STATE_MISMATCH", { field: "secrets.keyShare" });
    });

    it("requires the session's group key to be the key share's", () => {
      const other = runKeygen(sessionFixture(3, 5), "another-key").results.get(1)!.groupPublicKey;
      expectProtocolError(() => start({ groupPublicKey: other }), "STATE_MISMATCH", {
        field: "params.groupPublicKey",
      });
    });

    it("requires distinct key-generation indexes", () => {
      expectProtocolError(() => start({ signerIdentifiers: [1, 2, 2] }), "INVALID_CONTEXT", {
        field: "params.signerIdentifiers",
      });
    });

    it("requires indexes that exist in the key generation", () => {
      expectProtocolError(() => start({ signerIdentifiers: [1, 2, 6] }), "INVALID_CONTEXT", {
        field: "params.signerIdentifiers",
      });
    });

    it("requires at least t signers", () => {
      const two = {
        ...fixture,
        parties: 2,
        threshold: 2,
        keys: { secret: [], public: fixture.keys.public.slice(0, 2) },
      };
      expectProtocolError(
        () =>
          frostSigning.start({
            context: contextOf(two, 1),
            params: {
              signerIdentifiers: [1, 2],
              messageDigest: message,
              groupPublicKey: keygen.results.get(1)!.groupPublicKey,
            },
            secrets: { keyShare: keygen.results.get(1)!.keyShare },
            random: seededRandom("few"),
          }),
        "INVALID_CONTEXT",
        { field: "params.signerIdentifiers" },
      );
    });
  });

  describe("misbehaving signers", () => {
    const keygen = runKeygen(sessionFixture(3, 5), "bad-signers");
    const signers = [4, 1, 3];
    const run = runSigning(keygen, signers, message);
    const fixture = {
      ...keygen.fixture,
      sessionId: 99n,
      parties: 3,
      threshold: 3,
      keys: { secret: [], public: signers.map((i) => keygen.fixture.keys.public[i - 1]!) },
    };
    const aggregateAs = (
      party: number,
      round1: Map<number, Uint8Array>,
      round2: Map<number, Uint8Array>,
    ) =>
      frostSigning.next({
        context: contextOf(fixture, party),
        params: {
          signerIdentifiers: signers,
          messageDigest: message,
          groupPublicKey: keygen.results.get(1)!.groupPublicKey,
        },
        secrets: { keyShare: keygen.results.get(signers[party - 1]!)!.keyShare },
        random: seededRandom("agg"),
        state: run.states[1]!.get(party)!,
        round: 3,
        received: [othersOf(round1, party), othersOf(round2, party)],
      });

    it("blames the signer whose signature share is wrong, by signing-session index", () => {
      const round2 = new Map(run.payloads[1]!);
      const share = decodeSigningRound2(round2.get(3)!).share;
      const wrong = share.slice();
      wrong[31] = wrong[31]! ^ 1;
      round2.set(3, encodeSigningRound2({ share: wrong }));
      const out = aggregateAs(1, run.payloads[0]!, round2);
      expect(out.kind).to.equal("blame");
      if (out.kind !== "blame") return;
      expect(out.accusations.map((a) => [a.accused, a.reason.code])).to.deep.equal([
        [3, "INVALID_SIGNATURE_SHARE"],
      ]);
    });

    it("blames a signer whose round-2 payload is malformed", () => {
      const round2 = new Map(run.payloads[1]!);
      round2.set(2, new Uint8Array([1, 0x22]));
      const out = aggregateAs(1, run.payloads[0]!, round2);
      expect(out.kind).to.equal("blame");
      if (out.kind !== "blame") return;
      expect(out.accusations[0]!.accused).to.equal(2);
      expect(out.accusations[0]!.reason.field).to.equal("signingRound2.share");
    });

    it("agrees on the same signature in every signer's round 3", () => {
      const signatures = [1, 2, 3].map((party) => {
        const out = aggregateAs(party, run.payloads[0]!, run.payloads[1]!);
        return out.kind === "result" ? hex(out.payload) : out.kind;
      });
      expect(new Set(signatures).size).to.equal(1);
      expect(signatures[0]).to.equal(hex(run.signatures.get(1)!));
    });
  });
});
