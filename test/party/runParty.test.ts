// Whole sessions through runParty on Hardhat's in-process chain, every party in this process:
// key generation then signing (both ciphersuites), the initiator idle after creation (S6), and
// the runs that must send nothing: a non-party, a refusal, a finished session.

import { schnorr, secp256k1_FROST } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { type Hex, hexToBytes, keccak256, stringToHex } from "viem";
import { PartyError } from "../../src/party/errors.js";
import {
  ENCRYPTION_KEY_RECORD,
  KEY_SHARE_RECORD,
  roundRecordName,
} from "../../src/party/records.js";
import type { AcceptanceSummary, PartyOutcome, PartyProgress } from "../../src/party/runParty.js";
import { RFC9591_CIPHERSUITE } from "../../src/protocol/index.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
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
  newParty,
  payloadsByParty,
  recording,
  run,
  runAll,
  type TestParty,
} from "./fixtures/parties.js";

const message = keccak256(stringToHex("Roundtable party runner test"));

function finalized(outcome: PartyOutcome | undefined) {
  if (outcome?.status !== "finalized")
    expect.fail(
      `expected finalized, got ${JSON.stringify(outcome, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`,
    );
  return outcome;
}

async function expectPartyError(
  promise: Promise<unknown>,
  code: PartyError["code"],
): Promise<PartyError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PartyError);
    expect((error as PartyError).code).to.equal(code);
    return error as PartyError;
  }
  return expect.fail(`expected PartyError ${code}`);
}

describe("runParty", () => {
  let d: Deployment;
  let parties: TestParty[];
  let keySession: bigint;
  let keygen: PartyOutcome[];
  const summaries: AcceptanceSummary[] = [];
  const progress: PartyProgress[] = [];
  let initiatorNonceAfterCreation: number;

  before(async () => {
    d = await deploy();
    parties = await newParties(d, "e2e", 3);
    keySession = await create(
      d,
      keygenConfig({ parties: parties.map((p) => p.address), threshold: 2, commitReveal: true }),
    );
    initiatorNonceAfterCreation = await d.publicClient.getTransactionCount({
      address: d.initiator.account.address,
    });
    keygen = await runAll(d, parties, keySession, () => ({
      confirm: async (summary) => {
        summaries.push(summary);
        return true;
      },
      onProgress: (p) => progress.push(p),
    }));
  });

  after(cleanUp);

  describe("key generation (2 of 3, BIP-340 suite)", () => {
    it("finalizes, every party returning the one group key the contract stores", async () => {
      const result = await d.publicClient.readContract({
        address: d.address,
        abi: roundtableAbi,
        functionName: "resultOf",
        args: [keySession],
      });
      for (const outcome of keygen) {
        const done = finalized(outcome);
        expect(done.result).to.equal(result);
        expect(done.groupPublicKey).to.equal(result);
      }
      expect(hexToBytes(result)).to.have.length(32);
    });

    it("keeps each party's key share under the key session's binding, and drops round secrets", async () => {
      for (const [index, party] of parties.entries()) {
        const binding = {
          chainId: 31337,
          contract: d.address,
          sessionId: keySession,
          party: index,
        };
        expect(await party.store.get(binding, KEY_SHARE_RECORD), party.label).to.be.instanceOf(
          Uint8Array,
        );
        for (const name of [
          ENCRYPTION_KEY_RECORD,
          roundRecordName(1),
          roundRecordName(2),
          roundRecordName(3),
        ]) {
          expect(await party.store.get(binding, name), `${party.label} ${name}`).to.equal(
            undefined,
          );
        }
      }
    });

    it("asks each party once, with a summary of exactly the configuration on-chain", async () => {
      expect(summaries).to.have.length(3);
      const config = keygenConfig({
        parties: parties.map((p) => p.address),
        threshold: 2,
        commitReveal: true,
      });
      for (const summary of summaries) {
        expect(summary).to.deep.include({
          sessionId: keySession,
          chainId: 31337,
          contract: d.address,
          kind: "key-generation",
          protocol: "frost-keygen",
          ciphersuite: "FROST-secp256k1-SHA256-TR-v1",
          threshold: 2,
          configHash: hashSessionConfig(config),
        });
        expect(summary.parties).to.deep.equal(config.parties);
        expect(summary.rounds).to.deep.equal(config.rounds);
        expect(summary.acceptanceDeadline.getTime()).to.be.greaterThan(Date.now() - 60_000);
      }
      expect(summaries.map((s) => s.partyIndex).sort()).to.deep.equal([0, 1, 2]);
    });

    it("shows in the summary the EIP-712 digest the contract computes for the Accept sent", async () => {
      const events = await eventsOf(d, keySession);
      for (const summary of summaries) {
        const accepted = events.find(
          (e) => e.eventName === "PartyAccepted" && e.args.index === summary.partyIndex,
        );
        if (accepted?.eventName !== "PartyAccepted") return expect.fail("no PartyAccepted");
        const digest = await d.publicClient.readContract({
          address: d.address,
          abi: roundtableAbi,
          functionName: "digestOf",
          args: [
            {
              action: ActionType.Accept,
              sessionId: keySession,
              party: summary.partyIndex,
              round: 0,
              accused: 0,
              word: summary.configHash,
              // The digest covers the key and the delegate, not the key proof: any 64 bytes do.
              data: encodeAcceptData({
                encryptionKey: accepted.args.encryptionKey,
                keyProof: `0x${"00".repeat(64)}`,
                delegate: accepted.args.delegate,
              }),
              signature: "0x",
            },
          ],
        });
        expect(summary.acceptDigest).to.equal(digest);
      }
    });

    it("reports progress through every phase, and never a secret in a note", async () => {
      const phases = new Set(progress.map((p) => p.phase));
      for (const phase of [
        "Accepting",
        "Committing",
        "Revealing",
        "Submitting",
        "Agreeing",
        "Finalized",
      ]) {
        expect(phases, phase).to.include(phase);
      }
      for (const p of progress) {
        expect(p.partyCount).to.equal(3);
        expect(p.deadline).to.be.instanceOf(Date);
        // Notes are words and indexes: no key, share, nonce or payload bytes.
        expect(p.note ?? "").not.to.match(/[0-9a-f]{32}/i);
      }
    });
  });

  describe("S6: the initiator has no role after creation", () => {
    it("sends nothing after creating the session, and the parties finish", async () => {
      expect(
        await d.publicClient.getTransactionCount({ address: d.initiator.account.address }),
      ).to.equal(initiatorNonceAfterCreation);
      for (const outcome of keygen) finalized(outcome);
    });
  });

  describe("signing (2 of the 3 key holders)", () => {
    let signature: Hex;
    let groupKey: Hex;

    before(async () => {
      groupKey = finalized(keygen[0]).result;
      const signers = [parties[2]!, parties[0]!];
      const sessionId = await create(
        d,
        signingConfig({
          keySession,
          signers: signers.map((p) => p.address),
          threshold: 2,
          message,
        }),
      );
      const outcomes = await runAll(d, signers, sessionId);
      signature = finalized(outcomes[0]).result;
      for (const outcome of outcomes) {
        expect(finalized(outcome)).to.deep.include({ signature, groupPublicKey: groupKey });
      }
    });

    it("produces a BIP-340 signature that schnorr.verify accepts under the x-only group key", () => {
      expect(hexToBytes(signature)).to.have.length(64);
      expect(
        schnorr.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(groupKey)),
      ).to.equal(true);
    });

    it("a signature over another message does not verify (the check is not vacuous)", () => {
      const other = hexToBytes(keccak256(stringToHex("another message")));
      expect(schnorr.verify(hexToBytes(signature), other, hexToBytes(groupKey))).to.equal(false);
    });

    it("refuses to accept a signing session for a holder whose store lost its key share", async () => {
      const [a, , c] = parties;
      const stranger = await newParty(d, "e2e/empty-store");
      // Same account as holder c, but a fresh store: it holds no key share.
      const sessionId = await create(
        d,
        signingConfig({ keySession, signers: [a!.address, c!.address], threshold: 2, message }),
      );
      const sent: UnsignedAction[] = [];
      const error = await expectPartyError(
        run(d, { ...c!, store: stranger.store }, sessionId, {
          transports: [recording(direct(d, c!), sent)],
        }),
        "STORE",
      );
      expect(error.shortMessage).to.contain(`key session ${keySession}`);
      expect(sent).to.deep.equal([]);
    });
  });

  describe("RFC 9591 ciphersuite", () => {
    it("runs key generation and signing; secp256k1_FROST.verify accepts the signature", async () => {
      const holders = await newParties(d, "rfc9591", 3);
      const keyId = await create(
        d,
        keygenConfig({
          parties: holders.map((p) => p.address),
          threshold: 2,
          ciphersuite: RFC9591_CIPHERSUITE,
        }),
      );
      const keyOutcomes = await runAll(d, holders, keyId);
      const groupKey = finalized(keyOutcomes[0]).result;
      expect(hexToBytes(groupKey)).to.have.length(33);
      const signers = [holders[0]!, holders[1]!];
      const signId = await create(
        d,
        signingConfig({
          keySession: keyId,
          signers: signers.map((p) => p.address),
          threshold: 2,
          message,
          ciphersuite: RFC9591_CIPHERSUITE,
        }),
      );
      const signature = finalized((await runAll(d, signers, signId))[1]).result;
      expect(hexToBytes(signature)).to.have.length(65);
      expect(
        secp256k1_FROST.verify(hexToBytes(signature), hexToBytes(message), hexToBytes(groupKey)),
      ).to.equal(true);
    });
  });

  describe("runs that send nothing", () => {
    it("a finished session returns its outcome without asking or sending", async () => {
      const sent: UnsignedAction[] = [];
      let asked = false;
      const outcome = await run(d, parties[1]!, keySession, {
        transports: [recording(direct(d, parties[1]!), sent)],
        confirm: async () => {
          asked = true;
          return true;
        },
      });
      expect(outcome).to.deep.equal(keygen[1]);
      expect(sent).to.deep.equal([]);
      expect(asked).to.equal(false);
    });

    it("a non-party gets NOT_A_PARTY, naming the account and the session", async () => {
      const outsider = await newParty(d, "e2e/outsider");
      const sent: UnsignedAction[] = [];
      const sessionId = await create(
        d,
        keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 }),
      );
      const error = await expectPartyError(
        run(d, outsider, sessionId, { transports: [recording(direct(d, outsider), sent)] }),
        "NOT_A_PARTY",
      );
      expect(error.shortMessage).to.equal(
        `Account ${outsider.address} is not a party of session ${sessionId}. Run it with the account of one of its 3 parties, or check the session id and the contract address.`,
      );
      expect(error.sessionId).to.equal(sessionId);
      expect(sent).to.deep.equal([]);
    });

    it("refusing the confirmation throws REFUSED, sends nothing and stores nothing", async () => {
      const sent: UnsignedAction[] = [];
      const party = parties[0]!;
      const sessionId = await create(
        d,
        keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 }),
      );
      const error = await expectPartyError(
        run(d, party, sessionId, {
          confirm: async () => false,
          transports: [recording(direct(d, party), sent)],
        }),
        "REFUSED",
      );
      expect(error.shortMessage).to.contain(`Session ${sessionId} was declined: nothing was sent.`);
      expect(error.party).to.equal(0);
      expect(error.phase).to.equal("Accepting");
      expect(sent).to.deep.equal([]);
      const binding = { chainId: 31337, contract: d.address, sessionId, party: 0 };
      expect(await party.store.get(binding, ENCRYPTION_KEY_RECORD)).to.equal(undefined);
      expect((await eventsOf(d, sessionId)).map((e) => e.eventName)).not.to.include(
        "PartyAccepted",
      );
    });

    it("a store that cannot write stops the run with STORE before anything that needs it is sent", async () => {
      const sent: UnsignedAction[] = [];
      const party = parties[2]!;
      const sessionId = await create(
        d,
        keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 }),
      );
      const error = await expectPartyError(
        run(d, party, sessionId, {
          store: {
            get: (binding, name) => party.store.get(binding, name),
            delete: (binding, name) => party.store.delete(binding, name),
            put: () => Promise.reject(new Error("ENOSPC: no space left on device")),
          },
          transports: [recording(direct(d, party), sent)],
        }),
        "STORE",
      );
      expect(error.shortMessage).to.equal(
        `The secret store failed to write encryption-key for session ${sessionId}: ENOSPC: no space left on device`,
      );
      expect(sent).to.deep.equal([]);
    });

    it("a session of an unknown protocol is refused as UNSUPPORTED before confirmation", async () => {
      const config = {
        ...keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 }),
        protocol: stringToHex("frost-keygen-v9", { size: 32 }),
      };
      const sessionId = await create(d, config);
      let asked = false;
      const error = await expectPartyError(
        run(d, parties[0]!, sessionId, {
          confirm: async () => {
            asked = true;
            return true;
          },
        }),
        "UNSUPPORTED",
      );
      expect(error.shortMessage).to.contain('names "frost-keygen-v9"');
      expect(asked).to.equal(false);
    });
  });

  describe("events", () => {
    it("holds one acceptance and one payload per round from each party", async () => {
      const events = await eventsOf(d, keySession);
      expect(events.filter((e) => e.eventName === "PartyAccepted")).to.have.length(3);
      const payloads = payloadsByParty(events, 3);
      for (const rounds of payloads) expect(rounds.filter(Boolean)).to.have.length(3);
    });
  });
});
