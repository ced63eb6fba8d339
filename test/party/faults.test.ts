// Parties that fail or cheat: a silent party is blamed alone at expiry (S3, C5) and the others
// start again without it; a courier that drops a party's actions is bypassed by going direct
// (S3); a party that sends a wrong share is convicted by its victim's complaint.

import { expect } from "chai";
import { bytesToHex, hexToBytes } from "viem";
import { PartyError } from "../../src/party/errors.js";
import type { PartyOutcome } from "../../src/party/runParty.js";
import type { Transport } from "../../src/party/transport.js";
import {
  ciphertextSlot,
  decodePublicFaultEvidence,
  judgeComplaint,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { ActionType, Phase, type UnsignedAction } from "../../src/sdk/types.js";
import {
  cleanUp,
  create,
  type Deployment,
  deploy,
  direct,
  eventsOf,
  eventually,
  networkHelpers,
  newParties,
  recording,
  run,
  runAll,
  stateOf,
  type TestParty,
} from "./fixtures/parties.js";

/** A transport that refuses round `round`'s payload, as a party that went silent. */
function silentFrom(inner: Transport, round: number): Transport {
  return {
    name: "silent",
    submit(action) {
      if (action.action === ActionType.Submit && action.round === round) {
        return Promise.reject(new Error("this party went silent"));
      }
      return inner.submit(action);
    },
  };
}

const addresses = (parties: readonly TestParty[]) => parties.map((p) => p.address);

describe("runParty › faults", () => {
  let d: Deployment;
  let parties: TestParty[];

  before(async () => {
    d = await deploy();
    parties = await newParties(d, "faults", 3);
  });

  after(cleanUp);

  describe("S3 / C5: a silent party", () => {
    let outcomes: PartyOutcome[];
    let silentError: unknown;

    before(async () => {
      const sessionId = await create(
        d,
        keygenConfig({ parties: addresses(parties), threshold: 2 }),
      );
      const [a, b, c] = parties as [TestParty, TestParty, TestParty];
      // c accepts and plays round 1, then never sends its round-2 payload.
      const silent = run(d, c, sessionId, { transports: [silentFrom(direct(d, c), 2)] }).catch(
        (error: unknown) => {
          silentError = error;
        },
      );
      const running = Promise.all([run(d, a, sessionId), run(d, b, sessionId)]);
      await eventually(async () => {
        const state = await stateOf(d, sessionId);
        return state.round === 2 && state.acted === 0b011n;
      }, "a and b to submit round 2");
      await silent;
      // Past round 2's one-hour deadline: the waiting runners expire the session.
      await networkHelpers.time.increase(3_601);
      outcomes = await running;
    });

    it("stops the silent party's run with SUBMIT, naming the round", () => {
      expect(silentError).to.be.instanceOf(PartyError);
      expect((silentError as PartyError).code).to.equal("SUBMIT");
      expect((silentError as PartyError).shortMessage).to.contain("round-2 payload");
    });

    it("aborts at expiry, blaming the silent party alone", () => {
      for (const outcome of outcomes) {
        expect(outcome).to.deep.include({ status: "aborted", reason: "expired", blame: [2] });
      }
    });

    it("lets the others run a new key generation without it", async () => {
      const rest = parties.slice(0, 2);
      const sessionId = await create(d, keygenConfig({ parties: addresses(rest), threshold: 2 }));
      const again = await runAll(d, rest, sessionId);
      expect(again.map((o) => o.status)).to.deep.equal(["finalized", "finalized"]);
    });
  });

  describe("S3: a courier that drops a party", () => {
    it("falls back to the next transport, and the session completes", async () => {
      const sessionId = await create(
        d,
        keygenConfig({ parties: addresses(parties), threshold: 2, commitReveal: true }),
      );
      const dropped: UnsignedAction[] = [];
      const dropper: Transport = {
        name: "dropping relayer",
        submit(action) {
          dropped.push(action);
          return Promise.reject(new Error("503 Service Unavailable"));
        },
      };
      const outcomes = await runAll(d, parties, sessionId, (_, i) =>
        i === 2 ? { transports: [dropper, direct(d, parties[2]!)] } : {},
      );
      expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
      // accept, commit, reveal, round 2, agreement: each tried on the relayer first (some twice,
      // when the direct send lost a gas-estimate race and was retried).
      expect([...new Set(dropped.map((a) => `${a.action}/${a.round}`))]).to.deep.equal([
        "0/0",
        "1/1",
        "2/1",
        "2/2",
        "2/3",
      ]);
    });

    it("counts an action the contract already holds as delivered", async () => {
      const sessionId = await create(
        d,
        keygenConfig({ parties: addresses(parties), threshold: 2 }),
      );
      // A courier that lands the action, then loses the answer: the direct retry is told
      // RoundtableAlreadyActed, which is success.
      const outcomes = await runAll(d, parties, sessionId, (party) => {
        const inner = direct(d, party);
        const lossy: Transport = {
          name: "lossy relayer",
          async submit(action) {
            await inner.submit(action);
            throw new Error("connection reset after sending");
          },
        };
        return { transports: [lossy, inner] };
      });
      expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    });
  });

  describe("a wrong share", () => {
    let outcomes: PartyOutcome[];
    let sessionId: bigint;
    const cheater = 0;
    const victim = 2;
    const sentByVictim: UnsignedAction[] = [];

    before(async () => {
      sessionId = await create(d, keygenConfig({ parties: addresses(parties), threshold: 2 }));
      outcomes = await runAll(d, parties, sessionId, (party, i) => {
        if (i === victim) return { transports: [recording(direct(d, party), sentByVictim)] };
        if (i !== cheater) return {};
        const inner = direct(d, party);
        const corrupting: Transport = {
          name: "corrupting",
          submit(action) {
            if (action.action !== ActionType.Submit || action.round !== 2)
              return inner.submit(action);
            // Flip one byte of the ciphertext meant for the victim (1-based indexes in slots).
            const payload = hexToBytes(action.data);
            const slot = ciphertextSlot(cheater + 1, victim + 1);
            const at = 2 + 48 * slot + 5;
            payload[at] = payload[at]! ^ 0x01;
            return inner.submit({ ...action, data: bytesToHex(payload) });
          },
        };
        return { transports: [corrupting] };
      });
    });

    it("the victim complains in the agreement round, against the cheater", () => {
      const complaints = sentByVictim.filter((a) => a.action === ActionType.Complain);
      expect(complaints).to.have.length(1);
      expect(complaints[0]).to.deep.include({ round: 3, accused: cheater, party: victim });
      expect(sentByVictim.some((a) => a.action === ActionType.Submit && a.round === 3)).to.equal(
        false,
      );
    });

    it("every runner returns the session aborted by complaint, blaming the cheater, with its finding", async () => {
      for (const outcome of outcomes) {
        expect(outcome).to.deep.equal({
          status: "aborted",
          sessionId,
          reason: "complaint",
          blame: [cheater],
          finding: `the complaint holds: The share from party ${cheater + 1} to party ${victim + 1} does not decrypt in this session`,
        });
      }
      expect((await stateOf(d, sessionId)).phase).to.equal(Phase.Aborted);
    });

    it("the evidence convicts the cheater when judged from the chain alone", async () => {
      const events = await eventsOf(d, sessionId);
      const keys = new Map<number, Uint8Array>();
      const payloads = new Map<string, Uint8Array>();
      let evidence: Uint8Array | undefined;
      for (const e of events) {
        if (e.eventName === "PartyAccepted")
          keys.set(e.args.index, hexToBytes(e.args.encryptionKey));
        if (e.eventName === "PayloadSubmitted") {
          payloads.set(`${e.args.index}/${e.args.round}`, hexToBytes(e.args.payload));
        }
        if (e.eventName === "ComplaintFiled") evidence = hexToBytes(e.args.evidence);
      }
      // The judge takes the whole record, parties counted from 1 (the chain counts from 0).
      const rounds = [1, 2, 3].map(
        (round) =>
          new Map(
            [0, 1, 2]
              .filter((i) => payloads.has(`${i}/${round}`))
              .map((i) => [i + 1, payloads.get(`${i}/${round}`)!] as const),
          ),
      );
      const verdict = judgeComplaint(
        {
          protocol: "frost-keygen",
          context: {
            ciphersuite: TAPROOT_CIPHERSUITE,
            chainId: 31337n,
            contractAddress: d.address,
            sessionId,
            encryptionKeys: [0, 1, 2].map((i) => keys.get(i)!),
            threshold: 2,
          },
          payloads: rounds,
        },
        { accuser: victim + 1, accused: cheater + 1, round: 3, evidence: evidence! },
      );
      expect(verdict).to.deep.include({ role: "accused", faulty: cheater + 1 });
      expect(verdict.reason.code).to.equal("DECRYPTION_FAILED");
    });
  });
  describe("a public fault", () => {
    it("blames a broken proof of knowledge with public-fault evidence that points at the cheater's payload", async () => {
      const sessionId = await create(
        d,
        keygenConfig({ parties: addresses(parties), threshold: 2, commitReveal: false }),
      );
      const cheater = 1;
      const outcomes = await runAll(d, parties, sessionId, (party, i) => {
        if (i !== cheater) return {};
        const inner = direct(d, party);
        const corrupting: Transport = {
          name: "corrupting",
          submit(action) {
            if (action.action !== ActionType.Submit || action.round !== 1)
              return inner.submit(action);
            // Flip a bit of z, the proof's last scalar: still well formed, no longer valid.
            const payload = hexToBytes(action.data);
            payload[payload.length - 1] = payload[payload.length - 1]! ^ 0x01;
            return inner.submit({ ...action, data: bytesToHex(payload) });
          },
        };
        return { transports: [corrupting] };
      });
      for (const outcome of outcomes) {
        expect(outcome).to.deep.include({
          status: "aborted",
          reason: "complaint",
          blame: [cheater],
        });
      }
      const events = await eventsOf(d, sessionId);
      const complaints = events.filter((e) => e.eventName === "ComplaintFiled");
      expect(complaints).to.have.length(1);
      const [complaint] = complaints;
      const published = events.find(
        (e) => e.eventName === "PayloadSubmitted" && e.args.index === cheater && e.args.round === 1,
      );
      if (
        complaint?.eventName !== "ComplaintFiled" ||
        published?.eventName !== "PayloadSubmitted"
      ) {
        return expect.fail("missing events");
      }
      expect(complaint.args).to.deep.include({ round: 2, accusedIndex: cheater });
      // The payload is already on chain: the evidence names it (accuser, accused, round; 1-based).
      expect(decodePublicFaultEvidence(hexToBytes(complaint.args.evidence))).to.deep.equal({
        accuser: complaint.args.accuserIndex + 1,
        accused: cheater + 1,
        round: published.args.round,
      });
    });
  });
});
