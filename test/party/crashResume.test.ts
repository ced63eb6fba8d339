// R8: a party killed at every round boundary resumes and never sends two different payloads for
// one round. A "crash" ends the run at once (its AbortSignal fires and the failing call throws),
// so nothing after it runs; a NEW runParty call with the same store then picks up. Every party
// crashes at every point once: before each store write lands, before each action is sent, and
// right after each action landed.

import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { hexToBytes, keccak256, stringToHex } from "viem";
import { PartyError } from "../../src/party/errors.js";
import type { PartyOutcome } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import type { Transport } from "../../src/party/transport.js";
import { verifyKeyPossession } from "../../src/protocol/index.js";
import { decodeAcceptData } from "../../src/sdk/eip712.js";
import { keyProofDigest } from "../../src/sdk/encryptionKeyProof.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { ActionType, type UnsignedAction } from "../../src/sdk/types.js";
import {
  cleanUp,
  create,
  type Deployment,
  deploy,
  direct,
  eventsOf,
  newParties,
  run,
  type TestParty,
} from "./fixtures/parties.js";

class Crash extends Error {
  override name = "Crash";
}

/** One party that crashes once at every point, and everything it tried to send. */
type Crashing = {
  party: TestParty;
  attempts: UnsignedAction[];
  crashes: string[];
  /** The current run's kill switch. */
  current: AbortController;
};

function crash(c: Crashing, where: string): never {
  c.crashes.push(where);
  const error = new Crash(`crash ${where}`);
  c.current.abort(error);
  throw error;
}

/**
 * First attempt of each action: crash before sending. The first that lands: crash right after.
 * (A send may also fail by itself, as when a gas estimate races another party's action.)
 */
function crashingTransport(c: Crashing, inner: Transport): Transport {
  const crashed = new Set<string>();
  return {
    name: "crashing",
    async submit(action) {
      const key = `${action.action}/${action.round}`;
      c.attempts.push(action);
      if (!crashed.has(`before ${key}`)) {
        crashed.add(`before ${key}`);
        crash(c, `before sending ${key}`);
      }
      const result = await inner.submit(action);
      if (!crashed.has(`after ${key}`)) {
        crashed.add(`after ${key}`);
        crash(c, `after sending ${key}`);
      }
      return result;
    },
  };
}

/** The first write of each record fails before it lands. */
function crashingStore(c: Crashing, inner: SecretStore): SecretStore {
  const written = new Set<string>();
  return {
    get: (binding, name) => inner.get(binding, name),
    delete: (binding, name) => inner.delete(binding, name),
    async put(binding, name, value) {
      const key = `${binding.sessionId}/${name}`;
      if (!written.has(key)) {
        written.add(key);
        crash(c, `before storing ${name}`);
      }
      await inner.put(binding, name, value);
    },
  };
}

/** Runs `c` until its session ends, starting a new run after every crash. */
async function runThroughCrashes(
  d: Deployment,
  c: Crashing,
  sessionId: bigint,
): Promise<PartyOutcome> {
  const transport = crashingTransport(c, direct(d, c.party));
  const store = crashingStore(c, c.party.store);
  for (let runs = 0; runs < 40; runs++) {
    c.current = new AbortController();
    try {
      return await run(d, { ...c.party, store }, sessionId, {
        transports: [transport],
        signal: c.current.signal,
      });
    } catch (error) {
      if (!(error instanceof PartyError && c.current.signal.reason instanceof Crash)) throw error;
    }
  }
  return expect.fail(`${c.party.label} never finished`);
}

function crashing(party: TestParty): Crashing {
  return { party, attempts: [], crashes: [], current: new AbortController() };
}

/**
 * What an attempt commits the party to: its signed fields. An Accept's key proof is outside the
 * signed struct (and the transcript) and BIP-340 proofs are randomized, so a resumed party may
 * prove the same key afresh; what it signs (configuration, key, delegate) must not change.
 */
function signedPart(action: UnsignedAction): string {
  if (action.action !== ActionType.Accept) return `${action.word}/${action.data}`;
  const { encryptionKey, delegate } = decodeAcceptData(action.data);
  return `${action.word}/${encryptionKey}/${delegate}`;
}

/** Every attempt at one (action, round) carried the same signed content. */
function expectOneVersionPerSlot(c: Crashing): void {
  const bySlot = new Map<string, Set<string>>();
  for (const action of c.attempts) {
    const key = `${action.action}/${action.round}`;
    const versions = bySlot.get(key) ?? new Set<string>();
    versions.add(signedPart(action));
    bySlot.set(key, versions);
  }
  for (const [slot, versions] of bySlot) {
    expect(versions.size, `${c.party.label}: versions of ${slot}`).to.equal(1);
  }
}

describe("runParty › R8: crash and resume", () => {
  let d: Deployment;
  let parties: TestParty[];
  let holders: Crashing[];
  let keySession: bigint;
  let keyOutcomes: PartyOutcome[];

  before(async () => {
    d = await deploy();
    parties = await newParties(d, "crash", 3);
    holders = parties.map(crashing);
    keySession = await create(
      d,
      keygenConfig({ parties: parties.map((p) => p.address), threshold: 2, commitReveal: true }),
    );
    keyOutcomes = await Promise.all(holders.map((c) => runThroughCrashes(d, c, keySession)));
  });

  after(cleanUp);

  describe("key generation (commit-reveal round 1, shares, agreement)", () => {
    it("crashes every party at every point: 6 writes, 5 actions before and after sending", () => {
      for (const c of holders) {
        // One write more than before the runner pinned the accepted configuration hash.
        expect(c.crashes, c.party.label).to.have.length(16);
        expect(c.crashes.filter((w) => w.startsWith("before storing"))).to.have.length(6);
        expect(c.crashes.filter((w) => w.startsWith("before sending"))).to.have.length(5);
        expect(c.crashes.filter((w) => w.startsWith("after sending"))).to.have.length(5);
      }
    });

    it("finishes with one group key, the one on-chain", async () => {
      const keys = new Set(
        keyOutcomes.map((o) => (o.status === "finalized" ? o.groupPublicKey : o.status)),
      );
      expect(keys.size).to.equal(1);
      expect(keyOutcomes[0]?.status).to.equal("finalized");
    });

    it("re-sends exactly the stored bytes: every attempt at a slot carried the same action", () => {
      for (const c of holders) expectOneVersionPerSlot(c);
    });

    it("leaves one acceptance, one commitment and one payload per round per party on-chain, as attempted", async () => {
      const events = await eventsOf(d, keySession);
      for (const [index, c] of holders.entries()) {
        const mine = events.filter((e) => "index" in e.args && e.args.index === index);
        const accepted = mine.filter((e) => e.eventName === "PartyAccepted");
        expect(accepted, c.party.label).to.have.length(1);
        expect(mine.filter((e) => e.eventName === "CommitmentSubmitted")).to.have.length(1);
        for (const round of [1, 2, 3]) {
          const sent = mine.filter(
            (e) => e.eventName === "PayloadSubmitted" && e.args.round === round,
          );
          expect(sent, `${c.party.label} round ${round}`).to.have.length(1);
          const attempted = c.attempts.find(
            (a) => a.action === ActionType.Submit && a.round === round,
          );
          const [event] = sent;
          if (event?.eventName !== "PayloadSubmitted") return expect.fail("no payload");
          expect(event.args.payload).to.equal(attempted?.data);
        }
        const [acceptance] = accepted;
        if (acceptance?.eventName !== "PartyAccepted") return expect.fail("no acceptance");
        const acceptAttempts = c.attempts.filter((a) => a.action === ActionType.Accept);
        expect(acceptAttempts.length).to.be.at.least(2);
        for (const attempt of acceptAttempts) {
          const { encryptionKey, keyProof } = decodeAcceptData(attempt.data);
          expect(encryptionKey).to.equal(acceptance.args.encryptionKey);
          // A fresh proof on each attempt, but each one valid for this session and party.
          const digest = keyProofDigest({
            chainId: await d.publicClient.getChainId(),
            contract: d.address,
            sessionId: keySession,
            party: index,
            encryptionKey,
          });
          expect(
            verifyKeyPossession(
              hexToBytes(encryptionKey),
              hexToBytes(digest),
              hexToBytes(keyProof),
            ),
          ).to.equal(true);
        }
      }
    });
  });

  describe("signing (nonces)", () => {
    it("crashes both signers everywhere; one nonce commitment each, and the signature verifies", async () => {
      const message = keccak256(stringToHex("crash and resume"));
      const signers = [crashing(parties[0]!), crashing(parties[1]!)];
      const sessionId = await create(
        d,
        signingConfig({
          keySession,
          signers: signers.map((c) => c.party.address),
          threshold: 2,
          message,
        }),
      );
      const outcomes = await Promise.all(signers.map((c) => runThroughCrashes(d, c, sessionId)));
      for (const c of signers) {
        expect(c.crashes, c.party.label).to.have.length(13);
        expectOneVersionPerSlot(c);
      }
      const events = await eventsOf(d, sessionId);
      for (const index of [0, 1]) {
        const commitments = events.filter(
          (e) => e.eventName === "PayloadSubmitted" && e.args.index === index && e.args.round === 1,
        );
        expect(commitments).to.have.length(1);
      }
      const [first] = outcomes;
      if (first?.status !== "finalized" || first.signature === undefined) {
        return expect.fail("not finalized");
      }
      const groupKey = keyOutcomes[0]?.status === "finalized" ? keyOutcomes[0].result : "0x";
      expect(
        schnorr.verify(hexToBytes(first.signature), hexToBytes(message), hexToBytes(groupKey)),
      ).to.equal(true);
    });
  });

  describe("stopping", () => {
    it("a run stopped by its AbortSignal while waiting ends with STOPPED; a new run finishes", async () => {
      const [a, b, c] = parties;
      const sessionId = await create(
        d,
        keygenConfig({ parties: parties.map((p) => p.address), threshold: 2, commitReveal: true }),
      );
      const controller = new AbortController();
      let waiting!: () => void;
      const reachedWait = new Promise<void>((resolve) => {
        waiting = resolve;
      });
      const stopped = run(d, a!, sessionId, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.note?.startsWith("waiting")) waiting();
        },
      });
      await reachedWait;
      controller.abort();
      try {
        await stopped;
        expect.fail("the run did not stop");
      } catch (error) {
        expect(error).to.be.instanceOf(PartyError);
        expect((error as PartyError).code).to.equal("STOPPED");
        expect((error as PartyError).shortMessage).to.contain(
          "Nothing is lost: run again with the same store to resume",
        );
      }
      const outcomes = await Promise.all([
        run(d, a!, sessionId),
        run(d, b!, sessionId),
        run(d, c!, sessionId),
      ]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    });
  });
});
