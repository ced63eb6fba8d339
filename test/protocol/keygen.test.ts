import { expect } from "chai";
import {
  decodeGroupKey,
  decodeKeygenRound1,
  decodeKeyShare,
  encodeKeygenRound1,
  frostKeygen,
  type KeygenParams,
  type KeygenSecrets,
  type NextInput,
  RFC9591_CIPHERSUITE,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import {
  contextOf,
  expectProtocolError,
  hex,
  othersOf,
  runKeygen,
  seededRandom,
  sessionFixture,
} from "./helpers.js";

describe("frostKeygen", () => {
  describe("runs", () => {
    it("(3, 5) with the RFC 9591 suite: every party agrees on one 33-byte compressed key", () => {
      const run = runKeygen(sessionFixture(3, 5, RFC9591_CIPHERSUITE));
      const keys = new Set([...run.results.values()].map((r) => hex(r.groupPublicKey)));
      expect(keys.size).to.equal(1);
      const key = run.results.get(1)!.groupPublicKey;
      expect(key).to.have.length(33);
      expect(hex(decodeGroupKey(key, { ciphersuite: RFC9591_CIPHERSUITE }))).to.equal(hex(key));
    });

    it("gives each party a key share with its own index and everyone's verifying shares", () => {
      const run = runKeygen(sessionFixture(3, 5));
      for (const [party, result] of run.results) {
        const share = decodeKeyShare(result.keyShare);
        expect(share.identifier).to.equal(party);
        expect(share.threshold).to.equal(3);
        expect(share.commitments).to.have.length(3);
        expect(share.verifyingShares).to.have.length(5);
      }
      const first = decodeKeyShare(run.results.get(1)!.keyShare);
      const second = decodeKeyShare(run.results.get(2)!.keyShare);
      expect(second.verifyingShares.map(hex)).to.deep.equal(first.verifyingShares.map(hex));
    });

    it("is deterministic given the random source", () => {
      const a = runKeygen(sessionFixture(2, 3), "same-seed");
      const b = runKeygen(sessionFixture(2, 3), "same-seed");
      for (const round of [0, 1, 2]) {
        expect([...a.payloads[round]!.values()].map(hex)).to.deep.equal(
          [...b.payloads[round]!.values()].map(hex),
        );
      }
    });

    it("produces payloads of the sizes the contract's gas was designed for", () => {
      const t = 3;
      const n = 5;
      const taproot = runKeygen(sessionFixture(t, n));
      // commitments, proof of knowledge, session-binding signature (64)
      expect(taproot.payloads[0]!.get(1)).to.have.length(2 + 33 * t + 64 + 64);
      expect(taproot.payloads[1]!.get(1)).to.have.length(2 + 48 * (n - 1));
      expect(taproot.payloads[2]!.get(1)).to.have.length(32);
      const rfc = runKeygen(sessionFixture(t, n, RFC9591_CIPHERSUITE));
      expect(rfc.payloads[0]!.get(1)).to.have.length(2 + 33 * t + 65 + 64);
      expect(rfc.payloads[2]!.get(1)).to.have.length(33);
    });
  });

  describe("inputs", () => {
    const fixture = sessionFixture(2, 3);
    const start = (overrides: Partial<Parameters<typeof frostKeygen.start>[0]> = {}) =>
      frostKeygen.start({
        context: contextOf(fixture, 1),
        params: {},
        secrets: { encryptionSecretKey: fixture.keys.secret[0]! },
        random: seededRandom("inputs"),
        ...overrides,
      });

    it("rejects a threshold of 1 (noble's FROST needs t >= 2)", () => {
      expectProtocolError(
        () => start({ context: { ...contextOf(fixture, 1), threshold: 1 } }),
        "INVALID_CONTEXT",
        { field: "context.threshold" },
      );
    });

    it("rejects a threshold above the number of parties", () => {
      expectProtocolError(
        () => start({ context: { ...contextOf(fixture, 1), threshold: 4 } }),
        "INVALID_CONTEXT",
        { field: "context.threshold" },
      );
    });

    it("rejects an unknown ciphersuite", () => {
      const context = { ...contextOf(fixture, 1), ciphersuite: "FROST-ED25519-SHA512-v1" };
      expectProtocolError(
        () => start({ context: context as unknown as ReturnType<typeof contextOf> }),
        "UNSUPPORTED_CIPHERSUITE",
      );
    });

    it("rejects a party index outside the session", () => {
      expectProtocolError(() => start({ context: contextOf(fixture, 4) }), "INVALID_CONTEXT", {
        field: "context.partyIndex",
      });
    });

    it("rejects two parties with the same encryption key, naming the second", () => {
      const keys = [fixture.keys.public[0]!, fixture.keys.public[1]!, fixture.keys.public[0]!];
      expectProtocolError(
        () => start({ context: { ...contextOf(fixture, 1), encryptionKeys: keys } }),
        "INVALID_CONTEXT",
        { party: 3, field: "context.encryptionKeys[2]" },
      );
    });

    it("rejects an encryption key that is not a compressed point", () => {
      const keys = [
        fixture.keys.public[0]!,
        Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)),
        fixture.keys.public[2]!,
      ];
      expectProtocolError(
        () => start({ context: { ...contextOf(fixture, 1), encryptionKeys: keys } }),
        "INVALID_CONTEXT",
        { party: 2 },
      );
    });

    it("rejects a malformed contract address", () => {
      expectProtocolError(
        () => start({ context: { ...contextOf(fixture, 1), contractAddress: "0x1234" } }),
        "INVALID_CONTEXT",
        { field: "context.contractAddress" },
      );
    });

    it("rejects a session id outside uint256", () => {
      expectProtocolError(
        () => start({ context: { ...contextOf(fixture, 1), sessionId: 1n << 256n } }),
        "INVALID_CONTEXT",
        { field: "context.sessionId" },
      );
    });

    it("rejects an encryption secret key that is not the party's registered one", () => {
      expectProtocolError(
        () => start({ secrets: { encryptionSecretKey: fixture.keys.secret[1]! } }),
        "INVALID_INPUT",
        { field: "secrets.encryptionSecretKey", party: 1 },
      );
    });

    it("rejects a random source that returns the wrong number of bytes", () => {
      expectProtocolError(() => start({ random: () => new Uint8Array(7) }), "INVALID_INPUT", {
        field: "random",
      });
    });
  });

  describe("rounds", () => {
    const fixture = sessionFixture(2, 3);
    const run = runKeygen(fixture, "rounds");
    const next = (
      party: number,
      round: number,
      overrides: Partial<NextInput<KeygenParams, KeygenSecrets>> = {},
    ) =>
      frostKeygen.next({
        context: contextOf(fixture, party),
        params: {},
        secrets: { encryptionSecretKey: fixture.keys.secret[party - 1]! },
        random: seededRandom("rounds-next"),
        state: run.states[round - 2]!.get(party)!,
        round,
        received: run.payloads.slice(0, round - 1).map((all) => othersOf(all, party)),
        ...overrides,
      });

    it("refuses a round that does not follow the state's round", () => {
      expectProtocolError(() => next(1, 2, { round: 3 }), "UNEXPECTED_ROUND", { field: "round" });
    });

    it("refuses a received list that does not cover the earlier rounds", () => {
      expectProtocolError(
        () => next(1, 3, { received: [othersOf(run.payloads[0]!, 1)] }),
        "UNEXPECTED_ROUND",
        {
          field: "received",
        },
      );
    });

    it("refuses to run before every other party's payload is in, naming the missing party", () => {
      const partial = new Map([[2, run.payloads[0]!.get(2)!]]);
      expectProtocolError(() => next(1, 2, { received: [partial] }), "MISSING_PAYLOAD", {
        party: 3,
      });
    });

    it("refuses this party's own payload among the received ones", () => {
      expectProtocolError(() => next(1, 2, { received: [run.payloads[0]!] }), "UNEXPECTED_PARTY", {
        party: 1,
      });
    });

    it("refuses a state from another session", () => {
      const other = { ...contextOf(fixture, 1), sessionId: 8n };
      expectProtocolError(() => next(1, 2, { context: other }), "STATE_MISMATCH", {
        field: "state",
      });
    });

    it("refuses another party's state", () => {
      expectProtocolError(() => next(1, 2, { state: run.states[0]!.get(2)! }), "STATE_MISMATCH");
    });

    it("refuses round-1 payloads at round 3 that differ from those answered in round 2", () => {
      const forged = runKeygen(fixture, "other-run");
      const received = [othersOf(forged.payloads[0]!, 1), othersOf(run.payloads[1]!, 1)];
      expectProtocolError(() => next(1, 3, { received }), "TRANSCRIPT_MISMATCH", {
        field: "received[0]",
      });
    });
  });

  describe("misbehaving parties", () => {
    const fixture = sessionFixture(2, 3);
    const run = runKeygen(fixture, "blame");
    const round2For = (party: number, round1: Map<number, Uint8Array>) =>
      frostKeygen.next({
        context: contextOf(fixture, party),
        params: {},
        secrets: { encryptionSecretKey: fixture.keys.secret[party - 1]! },
        random: seededRandom("blame-next"),
        state: run.states[0]!.get(party)!,
        round: 2,
        received: [othersOf(round1, party)],
      });

    it("blames a party whose round-1 payload is malformed, naming it and the field", () => {
      const round1 = new Map(run.payloads[0]!);
      round1.set(3, round1.get(3)!.subarray(0, 40));
      const out = round2For(1, round1);
      expect(out.kind).to.equal("blame");
      if (out.kind !== "blame") return;
      expect(out.accusations).to.have.length(1);
      expect(out.accusations[0]!.accused).to.equal(3);
      expect(out.accusations[0]!.reason.code).to.equal("INVALID_LENGTH");
      expect(out.accusations[0]!.reason.field).to.match(/^keygenRound1\./);
      // Public-fault evidence: 01 32 · accuser 1 · accused 3 · round 1.
      expect(out.accusations[0]!.evidence).to.deep.equal(Uint8Array.of(1, 0x32, 1, 3, 1));
    });

    it("blames a party whose proof of knowledge does not verify", () => {
      const round1 = new Map(run.payloads[0]!);
      const decoded = decodeKeygenRound1(round1.get(2)!, {
        ciphersuite: TAPROOT_CIPHERSUITE,
        threshold: 2,
      });
      // Swap in party 3's proof: well formed, but not for party 2's secret.
      const other = decodeKeygenRound1(round1.get(3)!, {
        ciphersuite: TAPROOT_CIPHERSUITE,
        threshold: 2,
      });
      round1.set(2, encodeKeygenRound1({ ...decoded, proofOfKnowledge: other.proofOfKnowledge }));
      const out = round2For(1, round1);
      expect(out.kind).to.equal("blame");
      if (out.kind !== "blame") return;
      expect(out.accusations.map((a) => [a.accused, a.reason.code])).to.deep.equal([
        [2, "INVALID_PROOF_OF_KNOWLEDGE"],
      ]);
    });

    it("blames a party whose round-1 package is copied from another session (THREATS B8)", () => {
      const other = runKeygen({ ...fixture, sessionId: fixture.sessionId + 1n }, "blame");
      const round1 = new Map(run.payloads[0]!);
      round1.set(2, other.payloads[0]!.get(2)!);
      const out = round2For(1, round1);
      expect(out.kind).to.equal("blame");
      if (out.kind !== "blame") return;
      expect(out.accusations.map((a) => [a.accused, a.reason.code])).to.deep.equal([
        [2, "INVALID_SESSION_BINDING"],
      ]);
      expect(out.accusations[0]!.evidence).to.deep.equal(Uint8Array.of(1, 0x32, 1, 2, 1));
    });

    it("blames a party whose binding signature is altered, though its proof verifies", () => {
      const round1 = new Map(run.payloads[0]!);
      const decoded = decodeKeygenRound1(round1.get(3)!, {
        ciphersuite: TAPROOT_CIPHERSUITE,
        threshold: 2,
      });
      const bindingSignature = decoded.bindingSignature.slice();
      bindingSignature[63] = bindingSignature[63]! ^ 1;
      round1.set(3, encodeKeygenRound1({ ...decoded, bindingSignature }));
      const out = round2For(1, round1);
      if (out.kind !== "blame") return expect.fail("no blame");
      expect(out.accusations.map((a) => [a.accused, a.reason.code])).to.deep.equal([
        [3, "INVALID_SESSION_BINDING"],
      ]);
    });

    it("blames a party that replays another party's round-1 payload (the proof binds the identifier)", () => {
      const round1 = new Map(run.payloads[0]!);
      round1.set(3, round1.get(2)!);
      const out = round2For(1, round1);
      expect(out.kind).to.equal("blame");
      if (out.kind !== "blame") return;
      expect(out.accusations.map((a) => a.accused)).to.deep.equal([3]);
    });
  });
});
