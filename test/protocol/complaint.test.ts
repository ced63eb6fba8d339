import { secp256k1 } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { proveDleq, verifyDleq } from "../../src/protocol/dleq.js";
import {
  createComplaint,
  decodeComplaintEvidence,
  decodeKeygenRound2,
  encodeComplaintEvidence,
  encodeKeygenRound2,
  encryptShare,
  frostKeygen,
  judgeComplaint,
  type PublicRecord,
  type PublicSessionContext,
} from "../../src/protocol/index.js";
import {
  contextOf,
  expectProtocolError,
  fromHex,
  othersOf,
  runKeygen,
  seededRandom,
  sessionFixture,
} from "./helpers.js";

const Point = secp256k1.Point;

describe("complaints", () => {
  const fixture = sessionFixture(2, 3);
  const honest = runKeygen(fixture, "complaints");
  const { partyIndex: _, ...publicContext } = contextOf(fixture, 1);
  const context: PublicSessionContext = publicContext;

  /** The public record after round 2, with party 2's payloads replaced where given. */
  const recordWith = (from2: { round1?: Uint8Array; round2?: Uint8Array } = {}): PublicRecord => {
    const round1 = new Map(honest.payloads[0]!);
    const round2 = new Map(honest.payloads[1]!);
    if (from2.round1) round1.set(2, from2.round1);
    if (from2.round2) round2.set(2, from2.round2);
    return { protocol: "frost-keygen", context, payloads: [round1, round2] };
  };
  /** Party 1's complaint against party 2, filed in round 3. */
  const against2 = (evidence: Uint8Array, accuser = 1) => ({
    accuser,
    accused: 2,
    round: 3,
    evidence,
  });

  /** Party 2's round-2 payload with the ciphertext for party 1 replaced. */
  const withCiphertextFor1 = (ciphertext: Uint8Array) => {
    const payload = decodeKeygenRound2(honest.payloads[1]!.get(2)!, { parties: 3 });
    const ciphertexts = [ciphertext, ...payload.ciphertexts.slice(1)];
    return encodeKeygenRound2({ ciphertexts });
  };

  /** Party 1's round 3 when party 2's round-2 payload is `round2From2`. */
  const round3Of1 = (round2From2: Uint8Array) => {
    const round2 = new Map(honest.payloads[1]!);
    round2.set(2, round2From2);
    return frostKeygen.next({
      context: contextOf(fixture, 1),
      params: {},
      secrets: { encryptionSecretKey: fixture.keys.secret[0]! },
      random: seededRandom("complaint-evidence"),
      state: honest.states[1]!.get(1)!,
      round: 3,
      received: [othersOf(honest.payloads[0]!, 1), othersOf(round2, 1)],
    });
  };

  const accusationOf = (out: ReturnType<typeof round3Of1>) => {
    expect(out.kind).to.equal("blame");
    if (out.kind !== "blame") return expect.fail("no blame");
    expect(out.accusations).to.have.length(1);
    const accusation = out.accusations[0]!;
    expect(accusation.evidence).to.be.instanceOf(Uint8Array);
    return { ...accusation, evidence: accusation.evidence! };
  };

  describe("a wrong share", () => {
    const wrongShare = fromHex("1111111111111111111111111111111111111111111111111111111111111111");
    const badPayload = withCiphertextFor1(
      encryptShare({
        context: contextOf(fixture, 2),
        recipient: 1,
        encryptionSecretKey: fixture.keys.secret[1]!,
        share: wrongShare,
      }),
    );

    it("makes the victim's round 3 accuse the sender with evidence instead of agreeing", () => {
      const accusation = accusationOf(round3Of1(badPayload));
      expect(accusation.accused).to.equal(2);
      expect(accusation.reason.code).to.equal("INVALID_SHARE");
      expect(accusation.evidence).to.have.length(101);
    });

    it("convicts the sender from public data and the evidence", () => {
      const { evidence } = accusationOf(round3Of1(badPayload));
      const verdict = judgeComplaint(recordWith({ round2: badPayload }), against2(evidence));
      expect(verdict).to.include({ role: "accused", faulty: 2, accuser: 1, accused: 2 });
      expect(verdict.reason.code).to.equal("INVALID_SHARE");
    });
  });

  describe("a share that does not decrypt", () => {
    const garbage = withCiphertextFor1(new Uint8Array(48).fill(7));

    it("makes the victim accuse the sender of DECRYPTION_FAILED", () => {
      const accusation = accusationOf(round3Of1(garbage));
      expect(accusation.accused).to.equal(2);
      expect(accusation.reason.code).to.equal("DECRYPTION_FAILED");
    });

    it("convicts the sender", () => {
      const { evidence } = accusationOf(round3Of1(garbage));
      const verdict = judgeComplaint(recordWith({ round2: garbage }), against2(evidence));
      expect(verdict).to.include({ role: "accused", faulty: 2 });
      expect(verdict.reason.code).to.equal("DECRYPTION_FAILED");
    });
  });

  describe("a false complaint", () => {
    const evidence = createComplaint({
      context: contextOf(fixture, 1),
      accused: 2,
      encryptionSecretKey: fixture.keys.secret[0]!,
      random: seededRandom("false"),
    });
    const judge = (bytes: Uint8Array, accuser = 1) =>
      judgeComplaint(recordWith(), against2(bytes, accuser));

    it("against an honest sender convicts the accuser", () => {
      const verdict = judge(evidence);
      expect(verdict).to.include({ role: "accuser", faulty: 1 });
      expect(verdict.reason.code).to.equal("FALSE_COMPLAINT");
    });

    it("with a forged DLEQ proof convicts the accuser", () => {
      const decoded = decodeComplaintEvidence(evidence);
      const proof = decoded.proof.slice();
      proof[40] = proof[40]! ^ 1;
      const verdict = judge(encodeComplaintEvidence({ ...decoded, proof }));
      expect(verdict).to.include({ role: "accuser", faulty: 1 });
      expect(verdict.reason.code).to.equal("INVALID_DLEQ_PROOF");
    });

    it("revealing another point than the pair's shared point convicts the accuser", () => {
      const decoded = decodeComplaintEvidence(evidence);
      const sharedPoint = Point.BASE.multiply(12345n).toBytes(true);
      const verdict = judge(encodeComplaintEvidence({ ...decoded, sharedPoint }));
      expect(verdict.reason.code).to.equal("INVALID_DLEQ_PROOF");
      expect(verdict.faulty).to.equal(1);
    });

    it("made by a third party in another's name fails the proof (it lacks that party's key)", () => {
      const byThree = decodeComplaintEvidence(
        createComplaint({
          context: contextOf(fixture, 3),
          accused: 2,
          encryptionSecretKey: fixture.keys.secret[2]!,
          random: seededRandom("third"),
        }),
      );
      const verdict = judge(encodeComplaintEvidence({ ...byThree, accuser: 1 }), 3);
      expect(verdict).to.include({ role: "accuser", faulty: 3 });
      expect(verdict.reason.code).to.equal("INVALID_COMPLAINT");
      expect(verdict.reason.party).to.equal(3);
      expect(judge(encodeComplaintEvidence({ ...byThree, accuser: 1 })).reason.code).to.equal(
        "INVALID_DLEQ_PROOF",
      );
    });

    it("with malformed evidence convicts the accuser", () => {
      const verdict = judge(evidence.subarray(0, 100));
      expect(verdict).to.include({ role: "accuser", faulty: 1 });
      expect(verdict.reason).to.include({
        code: "INVALID_LENGTH",
        field: "complaintEvidence.body",
      });
    });

    it("naming a party outside the session convicts the accuser", () => {
      const decoded = decodeComplaintEvidence(evidence);
      const verdict = judge(encodeComplaintEvidence({ ...decoded, accused: 4 }));
      expect(verdict).to.include({ role: "accuser", faulty: 1 });
      expect(verdict.reason.code).to.equal("INVALID_COMPLAINT");
    });

    it("filed before the round-2 payloads exist convicts the accuser", () => {
      const verdict = judgeComplaint(recordWith(), { ...against2(evidence), round: 1 });
      expect(verdict).to.include({ role: "accuser", faulty: 1 });
      expect(verdict.reason).to.include({ code: "INVALID_COMPLAINT", field: "evidence.round" });
    });

    it("cannot be judged when the on-chain complaint names a party outside the session", () => {
      expectProtocolError(
        () => judgeComplaint(recordWith(), { ...against2(evidence), accused: 4 }),
        "INVALID_INPUT",
        { field: "complaint.accused" },
      );
    });
  });

  it("convicts the accused when its round-2 payload is malformed, whatever the evidence", () => {
    const evidence = createComplaint({
      context: contextOf(fixture, 1),
      accused: 2,
      encryptionSecretKey: fixture.keys.secret[0]!,
      random: seededRandom("malformed"),
    });
    const verdict = judgeComplaint(
      recordWith({ round2: honest.payloads[1]!.get(2)!.subarray(0, 50) }),
      against2(evidence),
    );
    expect(verdict).to.include({ role: "accused", faulty: 2 });
    expect(verdict.reason.code).to.equal("WRONG_COUNT");
    expect(verdict.reason.party).to.equal(2);
  });

  describe("DLEQ proofs", () => {
    const x = 0xc0ffeen;
    const base = Point.BASE.multiply(777n);
    const binding = Uint8Array.of(1, 2, 3);
    const { shared, proof } = proveDleq({
      secret: x,
      base,
      binding,
      randomness: new Uint8Array(32),
    });
    const publicKey = Point.BASE.multiply(x);

    it("verify for x·G and x·B", () => {
      expect(shared.equals(base.multiply(x))).to.equal(true);
      expect(verifyDleq({ publicKey, base, shared, proof, binding })).to.equal(true);
    });

    it("do not verify under another binding", () => {
      expect(
        verifyDleq({ publicKey, base, shared, proof, binding: Uint8Array.of(1, 2, 4) }),
      ).to.equal(false);
    });

    it("do not verify for another point", () => {
      expect(verifyDleq({ publicKey, base, shared: shared.double(), proof, binding })).to.equal(
        false,
      );
    });

    it("do not verify with scalars at or above the group order", () => {
      const big = Uint8Array.from([
        ...proof.subarray(0, 32),
        ...Point.Fn.toBytes(Point.Fn.ORDER - 1n),
      ]);
      big.set(new Uint8Array(32).fill(0xff), 32);
      expect(verifyDleq({ publicKey, base, shared, proof: big, binding })).to.equal(false);
    });
  });
});
