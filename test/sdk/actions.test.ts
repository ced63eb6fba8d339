import { expect } from "chai";
import { getAddress, type Hex, keccak256, stringToHex, toHex, zeroAddress, zeroHash } from "viem";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import { cancelSession } from "../../src/sdk/actions/cancelSession.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { expireSession } from "../../src/sdk/actions/expireSession.js";
import { fileComplaint } from "../../src/sdk/actions/fileComplaint.js";
import { findInvitations } from "../../src/sdk/actions/findInvitations.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import { readSession } from "../../src/sdk/actions/readSession.js";
import { submitCommitment } from "../../src/sdk/actions/submitCommitment.js";
import { submitPayload } from "../../src/sdk/actions/submitPayload.js";
import { submitSignedActions } from "../../src/sdk/actions/submitSignedActions.js";
import { type SessionPhaseChange, watchSession } from "../../src/sdk/actions/watchSession.js";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { RoundtableContractError } from "../../src/sdk/errors.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { signAction } from "../../src/sdk/signAction.js";
import { AbortReason, ActionType, Phase } from "../../src/sdk/types.js";
import {
  acceptAll,
  createdSessionFixture,
  deployFixture,
  eventually,
  keyProofFor,
  networkHelpers,
  recordingClient,
  type SdkParty,
  startedSessionFixture,
} from "./fixtures.js";

type Session = Awaited<ReturnType<typeof createdSessionFixture>>;

/** Each party's payload for a round: distinct per party and round, like real protocol messages. */
function payloadOf(party: number, round: number): Hex {
  return keccak256(stringToHex(`party ${party} round ${round}`));
}

const groupKey: Hex = `0x03${"ab".repeat(32)}`;

/** Drives a started session through its three rounds to agreement, with the SDK's actions only. */
async function runRounds(s: Session): Promise<void> {
  const base = { publicClient: s.publicClient, address: s.address, sessionId: s.sessionId };
  for (const [i, p] of s.parties.entries()) {
    await submitCommitment({
      ...base,
      walletClient: p.walletClient,
      round: 1,
      payload: payloadOf(i, 1),
    });
  }
  for (const [i, p] of s.parties.entries()) {
    await submitPayload({
      ...base,
      walletClient: p.walletClient,
      round: 1,
      payload: payloadOf(i, 1),
    });
  }
  for (const [i, p] of s.parties.entries()) {
    await submitPayload({
      ...base,
      walletClient: p.walletClient,
      round: 2,
      payload: payloadOf(i, 2),
    });
  }
  for (const p of s.parties) {
    await submitPayload({ ...base, walletClient: p.walletClient, round: 3, payload: groupKey });
  }
}

/** Party `party`'s acceptance (its own key and proof) signed by `signer`, rightly or not. */
function acceptAction(s: Session, party: number, signer: SdkParty) {
  const owner = s.parties[party];
  if (!owner) throw new Error(`fixture has no party ${party}`);
  return signAction({
    account: signer.account,
    chainId: s.publicClient.chain.id,
    contract: s.address,
    action: {
      action: ActionType.Accept,
      sessionId: s.sessionId,
      party,
      round: 0,
      accused: 0,
      word: s.configHash,
      data: encodeAcceptData({
        ...keyProofFor(s, s.sessionId, party, owner),
        delegate: zeroAddress,
      }),
    },
  });
}

describe("SDK actions", () => {
  describe("createSession", () => {
    it("returns the session id, configuration hash, deadline and gas from SessionCreated", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const block = await s.publicClient.getBlock({ blockNumber: s.blockNumber });
      expect(s.sessionId).to.equal(1n);
      expect(s.configHash).to.equal(hashSessionConfig(s.config));
      expect(s.acceptanceDeadline).to.equal(Number(block.timestamp) + 3600);
      expect(s.gasUsed > 0n).to.equal(true);
      expect(s.events.map((e) => e.eventName)).to.deep.equal([
        "SessionCreated",
        "PartyInvited",
        "PartyInvited",
        "PartyInvited",
      ]);
    });

    it("numbers sessions sequentially", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const second = await createSession({
        publicClient: s.publicClient,
        walletClient: s.initiator,
        address: s.address,
        config: s.config,
      });
      expect(second.sessionId).to.equal(2n);
    });
  });

  describe("findInvitations", () => {
    it("finds each party's session and index by its address", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      for (const [index, party] of s.parties.entries()) {
        const invitations = await findInvitations({
          publicClient: s.publicClient,
          address: s.address,
          party: party.address,
        });
        expect(invitations.map(({ sessionId, index }) => ({ sessionId, index }))).to.deep.equal([
          { sessionId: 1n, index },
        ]);
        expect(invitations[0]?.transactionHash).to.equal(s.transactionHash);
      }
    });

    it("finds nothing for an account that no session invites", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const invitations = await findInvitations({
        publicClient: s.publicClient,
        address: s.address,
        party: s.outsider.address,
      });
      expect(invitations).to.deep.equal([]);
    });
  });

  describe("readSession", () => {
    it("reads a new session: its configuration, hash, initiator and phase Accepting, no keys yet", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const session = await readSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(session.config).to.deep.equal(s.config);
      expect(session.configHash).to.equal(s.configHash);
      expect(session.initiator).to.equal(getAddress(s.initiator.account.address));
      expect(session.phase).to.equal("Accepting");
      expect(session.state.phase).to.equal(Phase.Accepting);
      expect(session.state.deadline).to.equal(s.acceptanceDeadline);
      expect(session.parties).to.deep.equal(s.parties.map((p) => p.address));
      expect(session.threshold).to.equal(2);
      expect(session.transcript).to.equal(zeroHash);
      expect(session.result).to.equal(undefined);
      expect(session.encryptionKeys).to.deep.equal([undefined, undefined, undefined]);
      expect(session.createdAt).to.deep.equal({
        blockNumber: s.blockNumber,
        transactionHash: s.transactionHash,
      });
    });

    it("reports the keys of the parties that accepted, by index", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const [, second] = s.parties;
      if (!second) throw new Error("fixture has three parties");
      await acceptSession({
        publicClient: s.publicClient,
        walletClient: second.walletClient,
        address: s.address,
        sessionId: s.sessionId,
        configHash: s.configHash,
        ...keyProofFor(s, s.sessionId, 1, second),
      });
      const session = await readSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(session.encryptionKeys).to.deep.equal([undefined, second.encryptionKey, undefined]);
      expect(session.state.acted).to.equal(0b010n);
    });
  });

  describe("a whole session", () => {
    it("runs a 3-party key generation to a finalized result through the SDK alone", async () => {
      const deployed = await networkHelpers.loadFixture(deployFixture);
      const { publicClient, address, parties } = deployed;
      const config = {
        kind: 0,
        protocol: stringToHex("FROST-DKG", { size: 32 }),
        ciphersuite: stringToHex("schnorr_FROST", { size: 32 }),
        parties: parties.map((p) => p.address),
        threshold: 2,
        rounds: [
          { duration: 600, commitReveal: true },
          { duration: 600, commitReveal: false },
          { duration: 600, commitReveal: false },
        ],
        acceptanceDuration: 600,
        keySession: 0n,
        message: zeroHash,
        params: "0x",
      } as const;
      const created = await createSession({
        publicClient,
        walletClient: deployed.initiator,
        address,
        config,
      });

      // Each party finds its invitation, reads and checks the configuration, and accepts what it checked.
      for (const party of parties) {
        const [invitation] = await findInvitations({ publicClient, address, party: party.address });
        if (!invitation) throw new Error("no invitation");
        const session = await readSession({
          publicClient,
          address,
          sessionId: invitation.sessionId,
        });
        expect(session.parties[invitation.index]).to.equal(party.address);
        const accepted = await acceptSession({
          publicClient,
          walletClient: party.walletClient,
          address,
          sessionId: invitation.sessionId,
          configHash: hashSessionConfig(session.config),
          ...keyProofFor(deployed, invitation.sessionId, invitation.index, party),
        });
        expect(accepted.party).to.equal(invitation.index);
      }
      const started = await readSession({ publicClient, address, sessionId: created.sessionId });
      expect(started.phase).to.equal("Committing");
      expect(started.state.round).to.equal(1);

      await runRounds({ ...deployed, ...created, config });

      const done = await readSession({ publicClient, address, sessionId: created.sessionId });
      expect(done.phase).to.equal("Finalized");
      expect(done.state.phase).to.equal(Phase.Finalized);
      expect(done.result).to.equal(groupKey);
      expect(done.encryptionKeys).to.deep.equal(parties.map((p) => p.encryptionKey));
      expect(done.transcript).to.not.equal(zeroHash);
      expect(done.abort).to.equal(undefined);
    });

    it("reports a commitment computed beforehand, and the events a completing action emits", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      const base = { publicClient: s.publicClient, address: s.address, sessionId: s.sessionId };
      let last: Awaited<ReturnType<typeof submitCommitment>> | undefined;
      for (const [i, p] of s.parties.entries()) {
        const commitment = commitmentOf(s.sessionId, 1, p.address, payloadOf(i, 1));
        last = await submitCommitment({
          ...base,
          walletClient: p.walletClient,
          round: 1,
          commitment,
        });
        expect(last.commitment).to.equal(commitment);
      }
      // The third commitment completes the phase: the same transaction opens Revealing.
      expect(last?.events.map((e) => e.eventName)).to.deep.equal([
        "CommitmentSubmitted",
        "PhaseOpened",
      ]);
    });
  });

  describe("watchSession", () => {
    it("reports every phase change of a session, in order, and each of its events", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const changes: SessionPhaseChange[] = [];
      const events: string[] = [];
      const errors: unknown[] = [];
      const unwatch = watchSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: s.sessionId,
        pollingInterval: 10,
        onEvent: (event) => events.push(event.eventName),
        onPhaseChange: (change) => changes.push(change),
        onError: (error) => errors.push(error),
      });
      try {
        await eventually(() => changes.length === 1, "the first phase report");
        await acceptAll(s, s.sessionId, s.config);
        await runRounds(s);
        await eventually(() => changes.at(-1)?.phase === Phase.Finalized, "Finalized");
      } finally {
        unwatch();
      }
      expect(errors).to.deep.equal([]);
      expect(changes.map(({ phase, round }) => [phase, round])).to.deep.equal([
        [Phase.Accepting, 0],
        [Phase.Committing, 1],
        [Phase.Revealing, 1],
        [Phase.Submitting, 2],
        [Phase.Agreeing, 3],
        [Phase.Finalized, 3],
      ]);
      expect(changes[0]?.previous).to.equal(undefined);
      expect(changes[1]?.previous).to.deep.equal({ phase: Phase.Accepting, round: 0 });
      expect(changes[1]?.deadline).to.be.a("number");
      expect(changes[5]?.deadline).to.equal(undefined);
      expect(events.filter((name) => name === "PartyAccepted")).to.have.length(3);
      expect(events.filter((name) => name === "PayloadSubmitted")).to.have.length(9);
      expect(events.at(-1)).to.equal("SessionFinalized");
    });

    it("replays from fromBlock, then reports Expired (which no event announces) and Aborted", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const changes: SessionPhaseChange[] = [];
      const events: string[] = [];
      const unwatch = watchSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: s.sessionId,
        fromBlock: s.blockNumber,
        pollingInterval: 10,
        onEvent: (event) => events.push(event.eventName),
        onPhaseChange: (change) => changes.push(change),
      });
      try {
        await eventually(() => changes.length === 1, "the replayed creation");
        await networkHelpers.time.increaseTo(s.acceptanceDeadline + 1);
        await eventually(() => changes.length === 2, "Expired");
        await expireSession({
          publicClient: s.publicClient,
          walletClient: s.outsider.walletClient,
          address: s.address,
          sessionId: s.sessionId,
        });
        await eventually(() => changes.length === 3, "Aborted");
      } finally {
        unwatch();
      }
      expect(changes.map(({ phase }) => phase)).to.deep.equal([
        Phase.Accepting,
        Phase.Expired,
        Phase.Aborted,
      ]);
      expect(events).to.deep.equal([
        "SessionCreated",
        "PartyInvited",
        "PartyInvited",
        "PartyInvited",
        "SessionAborted",
      ]);
    });

    it("stops polling once unwatched", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      let requests = 0;
      const publicClient = recordingClient(s.publicClient.chain, () => {
        requests++;
      });
      const unwatch = watchSession({
        publicClient,
        address: s.address,
        sessionId: 1n,
        pollingInterval: 5,
      });
      await eventually(() => requests > 0, "a first poll");
      unwatch();
      await new Promise((resolve) => setTimeout(resolve, 30));
      const after = requests;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(requests).to.equal(after);
    });
  });

  describe("getSessionEvents", () => {
    it("returns one session's events only, decoded and in chain order", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      await createSession({
        publicClient: s.publicClient,
        walletClient: s.initiator,
        address: s.address,
        config: s.config,
      });
      const events = await getSessionEvents({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(events.map((e) => e.eventName)).to.deep.equal([
        "SessionCreated",
        "PartyInvited",
        "PartyInvited",
        "PartyInvited",
        "PartyAccepted",
        "PartyAccepted",
        "PartyAccepted",
        "PhaseOpened",
      ]);
      expect(events.every((e) => e.args.sessionId === 1n)).to.equal(true);
    });

    it("pages over block ranges: a page size of 1 asks once per block and returns the same events", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      await runRounds(s);
      const ranges: [bigint, bigint][] = [];
      const publicClient = recordingClient(s.publicClient.chain, (method, params) => {
        if (method !== "eth_getLogs") return;
        const [filter] = params as [{ fromBlock: Hex; toBlock: Hex }];
        ranges.push([BigInt(filter.fromBlock), BigInt(filter.toBlock)]);
      });
      const whole = await getSessionEvents({ publicClient, address: s.address, sessionId: 1n });
      expect(ranges).to.have.length(1);
      ranges.length = 0;
      const head = await s.publicClient.getBlockNumber({ cacheTime: 0 });
      const paged = await getSessionEvents({
        publicClient,
        address: s.address,
        sessionId: 1n,
        pageSize: 1n,
      });
      expect(paged).to.deep.equal(whole);
      expect(whole).to.have.length(4 + 3 + 1 + 3 + 1 + 3 + 1 + 3 + 1 + 3 + 1);
      // By default the scan starts at the session's creation block.
      const created = await s.publicClient.readContract({
        address: s.address,
        abi: roundtableAbi,
        functionName: "creationBlockOf",
        args: [1n],
      });
      expect(created > 0n).to.equal(true);
      expect(ranges).to.deep.equal(
        Array.from({ length: Number(head - created) + 1 }, (_, i) => [
          created + BigInt(i),
          created + BigInt(i),
        ]),
      );
    });

    it("scans only [fromBlock, toBlock] in pages of pageSize", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      const ranges: [bigint, bigint][] = [];
      const publicClient = recordingClient(s.publicClient.chain, (method, params) => {
        if (method !== "eth_getLogs") return;
        const [filter] = params as [{ fromBlock: Hex; toBlock: Hex }];
        ranges.push([BigInt(filter.fromBlock), BigInt(filter.toBlock)]);
      });
      const events = await getSessionEvents({
        publicClient,
        address: s.address,
        sessionId: 1n,
        fromBlock: s.blockNumber + 1n,
        toBlock: s.blockNumber + 3n,
        pageSize: 2n,
      });
      expect(ranges).to.deep.equal([
        [s.blockNumber + 1n, s.blockNumber + 2n],
        [s.blockNumber + 3n, s.blockNumber + 3n],
      ]);
      // One block per transaction: three acceptances, the last of which opens round 1.
      expect(events.map((e) => e.eventName)).to.deep.equal([
        "PartyAccepted",
        "PartyAccepted",
        "PartyAccepted",
        "PhaseOpened",
      ]);
    });

    it("halves the page when the RPC refuses a range, and grows it back", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      await runRounds(s);
      const requested: bigint[] = [];
      const publicClient = recordingClient(s.publicClient.chain, (method, params) => {
        if (method !== "eth_getLogs") return;
        const [filter] = params as [{ fromBlock: Hex; toBlock: Hex }];
        const size = BigInt(filter.toBlock) - BigInt(filter.fromBlock) + 1n;
        requested.push(size);
        if (size > 3n)
          throw Object.assign(new Error("query exceeds max block range 3"), { code: -32005 });
      });
      const whole = await getSessionEvents({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      const capped = await getSessionEvents({
        publicClient,
        address: s.address,
        sessionId: 1n,
        pageSize: 8n,
      });
      expect(capped).to.deep.equal(whole);
      // 8 and 4 refused, 2 served, then 4 tried again (and refused) before 2 is served again.
      expect(requested.slice(0, 5)).to.deep.equal([8n, 4n, 2n, 4n, 2n]);
    });
  });

  describe("submitSignedActions", () => {
    it("applies one signed action through applySigned", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const [first] = s.parties;
      if (!first) throw new Error("fixture has three parties");
      const signed = await acceptAction(s, 0, first);
      const { outcomes, events } = await submitSignedActions({
        publicClient: s.publicClient,
        walletClient: s.outsider.walletClient,
        address: s.address,
        actions: [signed],
      });
      expect(outcomes).to.deep.equal([{ item: 0, sessionId: 1n, party: 0, status: "applied" }]);
      expect(events.map((e) => e.eventName)).to.deep.equal(["PartyAccepted"]);
    });

    it("reports an applied, a skipped and a rejected item of one batch", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const [a, b, c] = s.parties;
      if (!a || !b || !c) throw new Error("fixture has three parties");
      // Party 0 goes direct first, so its relayed copy is skipped; party 1's action is signed by the wrong key.
      await acceptSession({
        publicClient: s.publicClient,
        walletClient: a.walletClient,
        address: s.address,
        sessionId: s.sessionId,
        configHash: s.configHash,
        ...keyProofFor(s, s.sessionId, 0, a),
      });
      const actions = [
        await acceptAction(s, 0, a),
        await acceptAction(s, 1, c),
        await acceptAction(s, 2, c),
      ];
      const { outcomes } = await submitSignedActions({
        publicClient: s.publicClient,
        walletClient: s.initiator,
        address: s.address,
        actions,
      });
      expect(outcomes.map(({ item, party, status }) => ({ item, party, status }))).to.deep.equal([
        { item: 0, party: 0, status: "skipped" },
        { item: 1, party: 1, status: "rejected" },
        { item: 2, party: 2, status: "applied" },
      ]);
      const rejected = outcomes[1];
      if (rejected?.status !== "rejected") throw new Error("item 1 was not rejected");
      expect(rejected.error).to.be.instanceOf(RoundtableContractError);
      expect(rejected.error.shortMessage).to.equal(
        `Session 1: the signature on party 1's action is not valid for its account ${b.address} (for a contract wallet: its ERC-1271 check refused it). Sign the action again with that account, for this chain, contract, session and round.`,
      );
      expect(rejected.error.metaMessages).to.include("Batch item: 1");
      const session = await readSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(session.state.acted).to.equal(0b101n);
    });
  });

  describe("expireSession", () => {
    it("aborts a session past its deadline and blames the parties that did not act", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const [, second] = s.parties;
      if (!second) throw new Error("fixture has three parties");
      await acceptSession({
        publicClient: s.publicClient,
        walletClient: second.walletClient,
        address: s.address,
        sessionId: s.sessionId,
        configHash: s.configHash,
        ...keyProofFor(s, s.sessionId, 1, second),
      });
      await networkHelpers.time.increaseTo(s.acceptanceDeadline + 1);
      const expired = await expireSession({
        publicClient: s.publicClient,
        walletClient: s.outsider.walletClient,
        address: s.address,
        sessionId: s.sessionId,
      });
      expect(expired.blame).to.deep.equal([0, 2]);
      const session = await readSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(session.phase).to.equal("Aborted");
      expect(session.abort).to.deep.equal({ reason: AbortReason.Expired, blame: [0, 2] });
      expect(expired.transcript).to.equal(session.transcript);
    });
  });

  describe("cancelSession", () => {
    it("lets the initiator cancel a session that has not started", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const { events } = await cancelSession({
        publicClient: s.publicClient,
        walletClient: s.initiator,
        address: s.address,
        sessionId: s.sessionId,
      });
      expect(events.map((e) => e.eventName)).to.deep.equal(["SessionCancelled"]);
      const session = await readSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(session.phase).to.equal("Cancelled");
    });
  });

  describe("fileComplaint", () => {
    it("aborts the session with the evidence in the log", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      const [accuser] = s.parties;
      if (!accuser) throw new Error("fixture has three parties");
      const evidence = toHex("share from party 2 does not verify");
      const { events, party } = await fileComplaint({
        publicClient: s.publicClient,
        walletClient: accuser.walletClient,
        address: s.address,
        sessionId: s.sessionId,
        round: 1,
        accused: 2,
        evidence,
      });
      expect(party).to.equal(0);
      const filed = events[0];
      if (filed?.eventName !== "ComplaintFiled") throw new Error("no ComplaintFiled event");
      expect(filed.args.evidence).to.equal(evidence);
      expect(filed.args.accusedIndex).to.equal(2);
      const session = await readSession({
        publicClient: s.publicClient,
        address: s.address,
        sessionId: 1n,
      });
      expect(session.state.phase).to.equal(Phase.Aborted);
      expect(session.abort).to.deep.equal({ reason: AbortReason.Complaint, blame: [] });
    });
  });
});
