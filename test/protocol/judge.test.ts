import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { expect } from "chai";
import fc from "fast-check";
import {
  type CiphersuiteId,
  type Complaint,
  decodeKeyShare,
  encodePublicFaultEvidence,
  judgeAgreement,
  judgeComplaint,
  keyFromKeygenRecord,
  type PublicRecord,
  RFC9591_CIPHERSUITE,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import {
  type Deviation,
  keygenSetup,
  type Outcome,
  publicContext,
  type Setup,
  signingSetup,
  simulate,
} from "./deviation.js";
import {
  contextOf,
  expectProtocolError,
  hex,
  type KeygenRun,
  runKeygen,
  sessionFixture,
} from "./helpers.js";

const message = sha256(utf8ToBytes("Roundtable judges this"));
const suites: CiphersuiteId[] = [TAPROOT_CIPHERSUITE, RFC9591_CIPHERSUITE];

/** Every complaint is decided against the deviator, and judgeAgreement names no one else. */
function expectOnlyDeviatorNamed(outcome: Outcome, deviator: number): void {
  for (const complaint of outcome.complaints) {
    const verdict = judgeComplaint(outcome.record, complaint);
    expect(
      verdict.faulty,
      `${verdict.reason.message} (${JSON.stringify({ ...complaint, evidence: hex(complaint.evidence) })})`,
    ).to.equal(deviator);
    expect(verdict.reason.party).to.equal(deviator);
  }
  for (const party of judgeAgreement(outcome.record).faulty) expect(party).to.equal(deviator);
}

/** The deviator is named by at least one complaint. */
function expectConvicted(outcome: Outcome, deviator: number, code?: string): void {
  expect(outcome.complaints.length, "someone complained").to.be.greaterThan(0);
  expectOnlyDeviatorNamed(outcome, deviator);
  if (code !== undefined) {
    const codes = outcome.complaints.map((c) => judgeComplaint(outcome.record, c).reason.code);
    expect(codes).to.include(code);
  }
}

for (const ciphersuite of suites) {
  describe(`judge (${ciphersuite})`, () => {
    const fixture = sessionFixture(2, 3, ciphersuite);
    const keygen: KeygenRun = runKeygen(fixture, `judge-${ciphersuite}`);
    const keygenOf = (seed: string): Setup => keygenSetup(fixture, `judge-${ciphersuite}-${seed}`);
    const signing = signingSetup(keygen, [1, 2, 3], message, `sign-${ciphersuite}`);

    describe("keyFromKeygenRecord", () => {
      const key = keyFromKeygenRecord(publicContext(contextOf(fixture, 1)), keygen.payloads[0]!);

      it("equals the group key, commitments and verifying shares noble's DKG gave every party", () => {
        for (const [party, result] of keygen.results) {
          const share = decodeKeyShare(result.keyShare);
          expect(hex(key.groupPublicKey), `party ${party}`).to.equal(hex(result.groupPublicKey));
          expect(key.commitments.map(hex)).to.deep.equal(share.commitments.map(hex));
          expect(key.verifyingShares.map(hex)).to.deep.equal(share.verifyingShares.map(hex));
        }
      });

      it("names the party whose round-1 payload is copied from another session", () => {
        const round1 = new Map(keygen.payloads[0]!);
        round1.set(2, keygenOf("copy").otherSessionRound1!(2));
        expectProtocolError(
          () => keyFromKeygenRecord(publicContext(contextOf(fixture, 1)), round1),
          "INVALID_SESSION_BINDING",
          { party: 2 },
        );
      });

      it("names a party whose round-1 payload is missing", () => {
        const round1 = new Map(keygen.payloads[0]!);
        round1.delete(3);
        expectProtocolError(
          () => keyFromKeygenRecord(publicContext(contextOf(fixture, 1)), round1),
          "MISSING_PAYLOAD",
          { party: 3 },
        );
      });
    });

    describe("an honest session", () => {
      it("gives judgeAgreement the agreed key and names no one (key generation)", () => {
        const { record, complaints } = simulate(keygenOf("honest"), 1, { kind: "none" });
        const verdict = judgeAgreement(record);
        expect(complaints).to.deep.equal([]);
        expect(verdict.faulty).to.deep.equal([]);
        expect(hex(verdict.expected!)).to.equal(hex(record.payloads[2]!.get(1)!));
      });

      it("gives judgeAgreement the agreed signature and names no one (signing)", () => {
        const { record, complaints } = simulate(signing, 1, { kind: "none" });
        const verdict = judgeAgreement(record);
        expect(complaints).to.deep.equal([]);
        expect(verdict.faulty).to.deep.equal([]);
        expect(hex(verdict.expected!)).to.equal(hex(record.payloads[2]!.get(3)!));
      });

      it("convicts an accuser of a payload the record does not hold", () => {
        const { record } = simulate(keygenOf("honest"), 1, { kind: "none" });
        const payloads = record.payloads.map((round) => new Map(round));
        payloads[1]!.delete(3);
        const verdict = judgeComplaint(
          { ...record, payloads },
          {
            accuser: 1,
            accused: 3,
            round: 3,
            evidence: encodePublicFaultEvidence({ accuser: 1, accused: 3, round: 2 }),
          },
        );
        expect(verdict).to.include({ faulty: 1, role: "accuser" });
        expect(verdict.reason.code).to.equal("INVALID_COMPLAINT");
      });
    });

    describe("dependent checks", () => {
      // Party 3's nonce commitments are malformed: an honest party complains about them in
      // round 2. One that instead blames party 2's share in round 3 is the one at fault.
      const { record } = simulate(signing, 1, { kind: "none" });
      const payloads = record.payloads.map((round) => new Map(round));
      payloads[0]!.set(3, payloads[0]!.get(3)!.subarray(0, 10));
      const broken: PublicRecord = { ...record, payloads };
      const complaint = (
        accuser: number,
        accused: number,
        round: number,
        about: number,
      ): Complaint => ({
        accuser,
        accused,
        round,
        evidence: encodePublicFaultEvidence({ accuser, accused, round: about }),
      });

      it("convicts an accuser who blames a share that cannot be checked because of a third party", () => {
        const verdict = judgeComplaint(broken, complaint(1, 2, 3, 2));
        expect(verdict).to.include({ faulty: 1, role: "accuser" });
        expect(verdict.reason.code).to.equal("INVALID_COMPLAINT");
      });

      it("convicts the accused whose own nonce commitments are malformed", () => {
        const verdict = judgeComplaint(broken, complaint(1, 3, 3, 2));
        expect(verdict).to.include({ faulty: 3, role: "accused" });
        expect(verdict.reason.code).to.equal("INVALID_LENGTH");
      });

      it("leaves no implied signature and names everyone who agreed anyway", () => {
        const verdict = judgeAgreement(broken);
        expect(verdict.expected).to.equal(undefined);
        expect(verdict.faulty).to.deep.equal([1, 2, 3]);
      });
    });

    describe("names the one deviator in key generation", () => {
      const cases: [string, Deviation, string][] = [
        ["a wrong share to one party", { kind: "wrongShare", victim: 1 }, "INVALID_SHARE"],
        ["a malformed round-1 payload", { kind: "malformed", round: 1 }, "INVALID_LENGTH"],
        ["a malformed round-2 payload", { kind: "malformed", round: 2 }, "INVALID_LENGTH"],
        ["a malformed agreement", { kind: "malformed", round: 3 }, "AGREEMENT_MISMATCH"],
        ["a bad proof of knowledge", { kind: "badProof" }, "INVALID_PROOF_OF_KNOWLEDGE"],
        [
          "a round-1 package copied from another session",
          { kind: "copiedRound1" },
          "INVALID_SESSION_BINDING",
        ],
        ["a wrong agreement", { kind: "wrongAgreement" }, "AGREEMENT_MISMATCH"],
        [
          "a false public-fault complaint",
          { kind: "falseComplaint", round: 2, about: 1, victim: 3, share: false },
          "FALSE_COMPLAINT",
        ],
        [
          "a false share complaint",
          { kind: "falseComplaint", round: 3, about: 2, victim: 3, share: true },
          "FALSE_COMPLAINT",
        ],
        [
          "a complaint about a later round than its own",
          { kind: "falseComplaint", round: 2, about: 3, victim: 3, share: false },
          "INVALID_COMPLAINT",
        ],
        [
          "a complaint whose evidence names another accused",
          { kind: "wrongAccused", round: 3, victim: 3, named: 1, asAccuser: false },
          "INVALID_COMPLAINT",
        ],
        [
          "a complaint whose evidence names another accuser",
          { kind: "wrongAccused", round: 2, victim: 3, named: 1, asAccuser: true },
          "INVALID_COMPLAINT",
        ],
      ];
      for (const [name, deviation, code] of cases) {
        it(name, () => expectConvicted(simulate(keygenOf(name), 2, deviation), 2, code));
      }
    });

    describe("names the one deviator in signing", () => {
      const cases: [string, Deviation, string][] = [
        ["a malformed round-1 payload", { kind: "malformed", round: 1 }, "INVALID_LENGTH"],
        ["a malformed round-2 payload", { kind: "malformed", round: 2 }, "INVALID_LENGTH"],
        ["a bad signature share", { kind: "badSignatureShare" }, "INVALID_SIGNATURE_SHARE"],
        ["a wrong agreement", { kind: "wrongAgreement" }, "AGREEMENT_MISMATCH"],
        [
          "a false complaint about a signature share",
          { kind: "falseComplaint", round: 3, about: 2, victim: 1, share: false },
          "FALSE_COMPLAINT",
        ],
        [
          "share evidence in a signing session",
          { kind: "falseComplaint", round: 3, about: 2, victim: 1, share: true },
          "INVALID_COMPLAINT",
        ],
        [
          "a false complaint in round 1",
          { kind: "falseComplaint", round: 1, about: 1, victim: 3, share: false },
          "FALSE_COMPLAINT",
        ],
        [
          "a false complaint about an agreement",
          { kind: "falseComplaint", round: 3, about: 3, victim: 1, share: false },
          "FALSE_COMPLAINT",
        ],
        [
          "a complaint whose evidence names another accused",
          { kind: "wrongAccused", round: 3, victim: 1, named: 3, asAccuser: false },
          "INVALID_COMPLAINT",
        ],
      ];
      for (const [name, deviation, code] of cases) {
        it(name, () => expectConvicted(simulate(signing, 2, deviation), 2, code));
      }
    });
  });
}

describe("judge property (THREATS B10)", () => {
  const keygens = new Map(
    suites.map((suite) => {
      const fixture = sessionFixture(2, 3, suite);
      return [suite, { fixture, keygen: runKeygen(fixture, `property-${suite}`) }] as const;
    }),
  );

  /** One deviation of party `deviator` among 3, drawn over every kind, round and target. */
  const deviation = (protocol: Setup["protocol"], deviator: number): fc.Arbitrary<Deviation> => {
    const others = [1, 2, 3].filter((p) => p !== deviator);
    const round = fc.constantFrom<1 | 2 | 3>(1, 2, 3);
    const victim = fc.constantFrom(...others);
    const common: fc.Arbitrary<Deviation>[] = [
      round.map((r): Deviation => ({ kind: "malformed", round: r })),
      fc.constant<Deviation>({ kind: "wrongAgreement" }),
      fc
        .record({ round, about: round, victim, share: fc.boolean() })
        .map((d): Deviation => ({ kind: "falseComplaint", ...d })),
      fc.record({ round, victim, asAccuser: fc.boolean() }).map(
        (d): Deviation => ({
          kind: "wrongAccused",
          ...d,
          named: others.find((p) => p !== d.victim)!,
        }),
      ),
    ];
    const specific: fc.Arbitrary<Deviation>[] =
      protocol === "frost-keygen"
        ? [
            victim.map((v): Deviation => ({ kind: "wrongShare", victim: v })),
            fc.constant<Deviation>({ kind: "badProof" }),
            fc.constant<Deviation>({ kind: "copiedRound1" }),
          ]
        : [fc.constant<Deviation>({ kind: "badSignatureShare" })];
    return fc.oneof(...common, ...specific);
  };

  const scenario = fc
    .record({
      suite: fc.constantFrom(...suites),
      protocol: fc.constantFrom<Setup["protocol"]>("frost-keygen", "frost-signing"),
      deviator: fc.constantFrom(1, 2, 3),
      seed: fc.nat(1000),
    })
    .chain((s) => deviation(s.protocol, s.deviator).map((d) => ({ ...s, deviation: d })));

  it("names the one deviating party, and never an honest one", function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(scenario, ({ suite, protocol, deviator, seed, deviation }) => {
        const { fixture, keygen } = keygens.get(suite)!;
        const setup =
          protocol === "frost-keygen"
            ? keygenSetup(fixture, `property-${seed}`)
            : signingSetup(keygen, [3, 1, 2], message, `property-${seed}`);
        const outcome = simulate(setup, deviator, deviation);
        expectOnlyDeviatorNamed(outcome, deviator);
        const named =
          outcome.complaints.some((c) => judgeComplaint(outcome.record, c).faulty === deviator) ||
          judgeAgreement(outcome.record).faulty.includes(deviator);
        expect(named, `deviator ${deviator} named`).to.equal(true);
      }),
      { numRuns: 40, seed: 20261205 },
    );
  });
});
