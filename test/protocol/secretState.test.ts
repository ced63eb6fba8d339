// Secret state between rounds: it round-trips through its encoding, and a party that resumes from
// the bytes it persisted at any round boundary produces exactly what it would have produced.

import { expect } from "chai";
import {
  decodeKeygenState,
  decodeKeyShare,
  decodeSigningState,
  encodeKeygenState,
  encodeKeyShare,
  encodeSigningState,
  frostKeygen,
  frostSigning,
  type KeygenResult,
} from "../../src/protocol/index.js";
import {
  contextOf,
  hex,
  othersOf,
  runKeygen,
  runSigning,
  seededRandom,
  sessionFixture,
} from "./helpers.js";

describe("secret state", () => {
  const fixture = sessionFixture(3, 4);
  const keygen = runKeygen(fixture, "state");
  const message = new Uint8Array(32).fill(0x42);
  const signers = [4, 2, 1];
  const signing = runSigning(keygen, signers, message);

  describe("encodings", () => {
    it("round-trip every party's key-generation state after rounds 1 and 2", () => {
      for (const round of [0, 1]) {
        for (const bytes of keygen.states[round]!.values()) {
          const state = decodeKeygenState(bytes);
          expect(state.round).to.equal(round + 1);
          expect(hex(encodeKeygenState(state))).to.equal(hex(bytes));
        }
      }
    });

    it("round-trip every key share", () => {
      for (const { keyShare } of keygen.results.values()) {
        expect(hex(encodeKeyShare(decodeKeyShare(keyShare)))).to.equal(hex(keyShare));
      }
    });

    it("round-trip fresh and consumed signing states", () => {
      for (const round of [0, 1]) {
        for (const bytes of signing.states[round]!.values()) {
          const state = decodeSigningState(bytes);
          expect(state.consumed).to.equal(round === 1);
          expect(hex(encodeSigningState(state))).to.equal(hex(bytes));
        }
      }
    });

    it("size the key-generation state after round 2 as 38 + 32·t + 32 + 32·(n-1) bytes", () => {
      expect(keygen.states[1]!.get(1)).to.have.length(38 + 32 * 3 + 32 + 32 * 3);
      expect(keygen.states[0]!.get(1)).to.have.length(38 + 32 * 3);
    });

    it("size a key share as 38 + 33·(t+n) bytes", () => {
      expect(keygen.results.get(1)!.keyShare).to.have.length(38 + 33 * (3 + 4));
    });
  });

  describe("resuming key generation", () => {
    const resume = (party: number, fromRound: 1 | 2) => {
      const input = {
        context: contextOf(fixture, party),
        params: {},
        secrets: { encryptionSecretKey: fixture.keys.secret[party - 1]! },
        random: seededRandom("resumed"),
      };
      let state = keygen.states[fromRound - 1]!.get(party)!;
      const payloads: Uint8Array[] = [];
      let result: KeygenResult | undefined;
      for (let round = fromRound + 1; round <= 3; round++) {
        const out = frostKeygen.next({
          ...input,
          state,
          round,
          received: keygen.payloads.slice(0, round - 1).map((all) => othersOf(all, party)),
        });
        if (out.kind === "blame") return expect.fail("unexpected blame");
        payloads.push(out.payload);
        state = out.state;
        if (out.kind === "result") result = out.result;
      }
      return { payloads, result: result! };
    };

    it("from the state persisted after round 1 repeats round 2's payload and the result", () => {
      for (let party = 1; party <= 4; party++) {
        const { payloads, result } = resume(party, 1);
        expect(hex(payloads[0]!)).to.equal(hex(keygen.payloads[1]!.get(party)!));
        expect(hex(result.groupPublicKey)).to.equal(hex(keygen.results.get(party)!.groupPublicKey));
        expect(hex(result.keyShare)).to.equal(hex(keygen.results.get(party)!.keyShare));
      }
    });

    it("from the state persisted after round 2 yields the same key share and group key", () => {
      for (let party = 1; party <= 4; party++) {
        const { result } = resume(party, 2);
        expect(hex(result.keyShare)).to.equal(hex(keygen.results.get(party)!.keyShare));
      }
    });
  });

  describe("resuming signing", () => {
    const signingFixture = {
      ...fixture,
      sessionId: 99n,
      parties: 3,
      threshold: 3,
      keys: { secret: [], public: signers.map((i) => fixture.keys.public[i - 1]!) },
    };
    const next = (party: number, round: 2 | 3) =>
      frostSigning.next({
        context: contextOf(signingFixture, party),
        params: {
          signerIdentifiers: signers,
          messageDigest: message,
          groupPublicKey: keygen.results.get(1)!.groupPublicKey,
        },
        secrets: { keyShare: keygen.results.get(signers[party - 1]!)!.keyShare },
        random: seededRandom("resumed-signing"),
        state: signing.states[round - 2]!.get(party)!,
        round,
        received: signing.payloads.slice(0, round - 1).map((all) => othersOf(all, party)),
      });

    it("from the fresh nonce state (a crash before round 2 was persisted) repeats the same share", () => {
      for (let party = 1; party <= 3; party++) {
        const out = next(party, 2);
        expect(out.kind).to.equal("payload");
        if (out.kind === "blame") return;
        expect(hex(out.payload)).to.equal(hex(signing.payloads[1]!.get(party)!));
        expect(hex(out.state)).to.equal(hex(signing.states[1]!.get(party)!));
      }
    });

    it("from the consumed state yields the same signature", () => {
      for (let party = 1; party <= 3; party++) {
        const out = next(party, 3);
        expect(out.kind).to.equal("result");
        if (out.kind !== "result") return;
        expect(hex(out.result.signature)).to.equal(hex(signing.signatures.get(party)!));
      }
    });
  });
});
