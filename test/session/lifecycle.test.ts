import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, type Hex, parseEventLogs, zeroAddress } from "viem";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { Phase, type SessionState, Status } from "../../src/sdk/types.js";
import { eoaParties, type Party } from "../helpers/accounts.js";
import { keyGenerationConfig, schedule, signingConfig } from "../helpers/configs.js";
import {
  keyGenerationSizes,
  messageDigest,
  roundPayloads,
  SIGNING_SIZES,
} from "../helpers/payloads.js";
import {
  addressesOf,
  bitmap,
  createSession,
  type Deployment,
  deployRoundtable,
  fund,
  type Session,
  stateOf,
} from "../helpers/roundtable.js";
import { type Mode, type PhaseStep, phasesOf, runSession, type Step } from "../helpers/run.js";
import { auditTranscript } from "../helpers/transcript.js";

const { viem, networkHelpers } = await network.create();

/** A session run to its end, with the state right after creation and after every transaction. */
type Run = {
  d: Deployment;
  session: Session;
  payloads: Hex[][];
  initial: SessionState;
  steps: Step[];
};

const N = 3;
const T = 2;
const holders = eoaParties("lifecycle/holders", N);

async function run(d: Deployment, session: Session, payloads: Hex[][], mode: Mode): Promise<Run> {
  const initial = await stateOf(d, session);
  const steps = await runSession(d, session, payloads, mode);
  return { d, session, payloads, initial, steps };
}

async function keyGeneration(d: Deployment, mode: Mode, commitReveal: number[] = []): Promise<Run> {
  await fund(d, holders);
  const config = keyGenerationConfig(addressesOf(holders), T, {
    rounds: schedule(3, commitReveal),
  });
  const session = await createSession(d, config, holders);
  const payloads = roundPayloads(
    `lifecycle/keygen/${mode}/${commitReveal}`,
    N,
    keyGenerationSizes(N, T),
  );
  return run(d, session, payloads, mode);
}

async function signing(d: Deployment, mode: Mode): Promise<Run> {
  const keygen = await keyGeneration(d, "batch");
  const signers = [holders[0]!, holders[2]!];
  const config = signingConfig(
    keygen.session.id,
    addressesOf(signers),
    T,
    messageDigest("lifecycle/message"),
  );
  const session = await createSession(d, config, signers);
  return run(
    d,
    session,
    roundPayloads(`lifecycle/signing/${mode}`, signers.length, SIGNING_SIZES),
    mode,
  );
}

const keyGenerationDirect = async (c: Deployment["connection"]) =>
  keyGeneration(await deployRoundtable(c), "direct");
const keyGenerationBatched = async (c: Deployment["connection"]) =>
  keyGeneration(await deployRoundtable(c), "batch");
const signingDirect = async (c: Deployment["connection"]) =>
  signing(await deployRoundtable(c), "direct");
const signingBatched = async (c: Deployment["connection"]) =>
  signing(await deployRoundtable(c), "batch");
const commitRevealDirect = async (c: Deployment["connection"]) =>
  keyGeneration(await deployRoundtable(c), "direct", [1]);
const commitRevealBatched = async (c: Deployment["connection"]) =>
  keyGeneration(await deployRoundtable(c), "batch", [1]);

// ─────────────────────────────────────────────────────────────── expectations

function phaseOf(session: Session, step: PhaseStep): number {
  switch (step.kind) {
    case "accept":
      return Phase.Accepting;
    case "commit":
      return Phase.Committing;
    case "reveal":
      return Phase.Revealing;
    case "submit":
      return step.round === session.config.rounds.length ? Phase.Agreeing : Phase.Submitting;
  }
}

function roundOf(step: PhaseStep): number {
  return step.kind === "accept" ? 0 : step.round;
}

/**
 * The state the contract must report after each step, derived from the
 * configuration alone: acted bits accumulate within a phase; when the last
 * party acts the next phase opens with a deadline of that block's time plus the
 * round's duration, or the session is finalized.
 */
function expectedStates(r: Run): SessionState[] {
  const { session } = r;
  const phases = phasesOf(session);
  const common = { roundCount: session.config.rounds.length, partyCount: session.parties.length };
  let phase = 0;
  let acted = 0n;
  let deadline = Number(session.createdAt) + session.config.acceptanceDuration;
  return r.steps.map((step) => {
    acted |=
      step.party === undefined ? bitmap(...session.parties.map((_, i) => i)) : bitmap(step.party);
    if (acted === bitmap(...session.parties.map((_, i) => i))) {
      phase += 1;
      acted = 0n;
      const next = phases[phase];
      if (next === undefined)
        return { ...common, phase: Phase.Finalized, round: common.roundCount, deadline, acted };
      deadline = Number(step.timestamp) + session.config.rounds[roundOf(next) - 1]!.duration;
      return { ...common, phase: phaseOf(session, next), round: roundOf(next), deadline, acted };
    }
    const current = phases[phase]!;
    return {
      ...common,
      phase: phaseOf(session, current),
      round: roundOf(current),
      deadline,
      acted,
    };
  });
}

function eventsOf(steps: readonly Step[]) {
  return parseEventLogs({
    abi: roundtableAbi,
    logs: steps.flatMap((s) => s.receipt.logs),
    strict: true,
  });
}

/** What each party must have said in `kind` steps, in the order the parties acted. */
function expectedPayloads(r: Run) {
  return phasesOf(r.session)
    .filter(
      (p): p is Exclude<PhaseStep, { kind: "accept" }> =>
        p.kind === "reveal" || p.kind === "submit",
    )
    .flatMap(({ round }) =>
      r.session.parties.map((party, index) => ({
        sessionId: r.session.id,
        party: party.address,
        index,
        round,
        payload: r.payloads[round - 1]![index]!,
      })),
    );
}

function describeRun(
  title: string,
  fixture: (c: Deployment["connection"]) => Promise<Run>,
  mode: Mode,
  parties: number,
): void {
  describe(title, () => {
    it("opens acceptance at creation: round 0, nobody acted, deadline = creation time + acceptanceDuration", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      assert.deepEqual(r.initial, {
        phase: Phase.Accepting,
        round: 0,
        roundCount: 3,
        partyCount: parties,
        deadline: Number(r.session.createdAt) + r.session.config.acceptanceDuration,
        acted: 0n,
      });
    });

    it("reports phase, round, acted bitmap and deadline after every transaction", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      assert.deepEqual(
        r.steps.map((s) => s.state),
        expectedStates(r),
      );
    });

    it("records every acceptance with the party's index and its own encryption key", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      const accepted = eventsOf(r.steps).filter((e) => e.eventName === "PartyAccepted");
      assert.deepEqual(
        accepted.map((e) => e.args),
        r.session.parties.map((p: Party, index) => ({
          sessionId: r.session.id,
          party: p.address,
          index,
          encryptionKey: p.encryptionKey,
          delegate: zeroAddress,
        })),
      );
    });

    it("emits every payload exactly as sent, with its party, index and round", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      const submitted = eventsOf(r.steps).filter((e) => e.eventName === "PayloadSubmitted");
      assert.deepEqual(
        submitted.map((e) => e.args),
        expectedPayloads(r),
      );
    });

    it("opens each phase with PhaseOpened carrying its round, phase and deadline", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      const opened = eventsOf(r.steps).filter((e) => e.eventName === "PhaseOpened");
      const expected = expectedStates(r).filter(
        (s) => s.phase !== Phase.Finalized && s.acted === 0n,
      );
      assert.deepEqual(
        opened.map((e) => e.args),
        expected.map((s) => ({
          sessionId: r.session.id,
          round: s.round,
          phase: s.phase,
          deadline: s.deadline,
        })),
      );
    });

    it("finalizes with the agreed result, which resultOf returns", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      const agreed = r.payloads.at(-1)![0]!;
      const finalized = eventsOf(r.steps).filter((e) => e.eventName === "SessionFinalized");
      assert.equal(finalized.length, 1);
      assert.equal(finalized[0]?.args.result, agreed);
      assert.equal(await r.d.roundtable.read.resultOf([r.session.id]), agreed);
    });

    it("keeps a transcript equal to the one recomputed from its events (S5)", async () => {
      const r = await networkHelpers.loadFixture(fixture);
      const onChain = await r.d.roundtable.read.transcriptOf([r.session.id]);
      const finalized = eventsOf(r.steps).find((e) => e.eventName === "SessionFinalized");
      assert.equal(await auditTranscript(r.d, r.session.id), onChain);
      assert.equal(
        finalized?.eventName === "SessionFinalized" && finalized.args.transcript,
        onChain,
      );
    });

    if (mode === "direct") {
      it("is driven only by the parties' own transactions", async () => {
        const r = await networkHelpers.loadFixture(fixture);
        assert.deepEqual(
          r.steps.map((s) => getAddress(s.receipt.from)),
          r.steps.map((s) => r.session.parties[s.party!]!.address),
        );
      });
    } else {
      it("lands each phase in one batch from a non-party relayer, nothing skipped or rejected", async () => {
        const r = await networkHelpers.loadFixture(fixture);
        assert.equal(r.steps.length, phasesOf(r.session).length);
        assert.ok(r.steps.every((s) => getAddress(s.receipt.from) === r.d.relayer));
        const refused = eventsOf(r.steps).filter((e) =>
          ["ActionSkipped", "ActionRejected"].includes(e.eventName),
        );
        assert.deepEqual(refused, []);
      });

      it("attributes every relayed action to its party, not to the relayer", async () => {
        const r = await networkHelpers.loadFixture(fixture);
        const actors = eventsOf(r.steps).flatMap((e) =>
          e.eventName === "PartyAccepted" || e.eventName === "PayloadSubmitted"
            ? [e.args.party]
            : [],
        );
        assert.ok(actors.length > 0 && !actors.includes(r.d.relayer));
        assert.deepEqual(new Set(actors), new Set(r.session.parties.map((p) => p.address)));
      });
    }
  });
}

describe("Roundtable", () => {
  describe("lifecycle", () => {
    describeRun(
      "3-party key generation, each party sending its own transactions",
      keyGenerationDirect,
      "direct",
      N,
    );
    describeRun(
      "3-party key generation, relayed in one batch per phase",
      keyGenerationBatched,
      "batch",
      N,
    );
    describeRun(
      "2-of-3 signing, each signer sending its own transactions",
      signingDirect,
      "direct",
      T,
    );
    describeRun("2-of-3 signing, relayed in one batch per phase", signingBatched, "batch", T);
    describeRun(
      "key generation with a commit-then-reveal first round, direct",
      commitRevealDirect,
      "direct",
      N,
    );
    describeRun(
      "key generation with a commit-then-reveal first round, batched",
      commitRevealBatched,
      "batch",
      N,
    );

    describe("payload sizes", () => {
      it("carries FROST-sized key generation payloads: 195, 96 and 33 bytes for 2-of-3", async () => {
        const r = await networkHelpers.loadFixture(keyGenerationDirect);
        assert.deepEqual(
          r.payloads.map((round) => round.map((p) => (p.length - 2) / 2)),
          [
            [195, 195, 195],
            [96, 96, 96],
            [33, 33, 33],
          ],
        );
      });

      it("carries FROST-sized signing payloads: 66, 32 and 64 bytes", async () => {
        const r = await networkHelpers.loadFixture(signingDirect);
        assert.deepEqual(
          r.payloads.map((round) => round.map((p) => (p.length - 2) / 2)),
          [
            [66, 66],
            [32, 32],
            [64, 64],
          ],
        );
      });
    });

    describe("commit-then-reveal", () => {
      it("records each commitment as commitmentOf(session, round, party, payload)", async () => {
        const r = await networkHelpers.loadFixture(commitRevealDirect);
        const committed = eventsOf(r.steps).filter((e) => e.eventName === "CommitmentSubmitted");
        assert.deepEqual(
          committed.map((e) => e.args),
          r.session.parties.map((p, index) => ({
            sessionId: r.session.id,
            party: p.address,
            index,
            round: 1,
            commitment: commitmentOf(r.session.id, 1, p.address, r.payloads[0]![index]!),
          })),
        );
      });

      it("opens Revealing for the same round once every commitment is in", async () => {
        const r = await networkHelpers.loadFixture(commitRevealDirect);
        const lastCommit = r.steps.filter((s) => s.phase.kind === "commit").at(-1)!;
        assert.deepEqual(lastCommit.state, {
          phase: Phase.Revealing,
          round: 1,
          roundCount: 3,
          partyCount: N,
          deadline: Number(lastCommit.timestamp) + r.session.config.rounds[0]!.duration,
          acted: 0n,
        });
      });
    });

    describe("resultOf", () => {
      it("reverts with RoundtableNoResult while the session is active", async () => {
        const d = await networkHelpers.loadFixture(deployedOnly);
        const session = await createSession(
          d,
          keyGenerationConfig(addressesOf(holders), T),
          holders,
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.read.resultOf([session.id]),
          d.roundtable,
          "RoundtableNoResult",
          [session.id, Status.Active],
        );
      });

      it("reverts with RoundtableUnknownSession for a session that was never created", async () => {
        const d = await networkHelpers.loadFixture(deployedOnly);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.read.resultOf([1n]),
          d.roundtable,
          "RoundtableUnknownSession",
          [1n],
        );
      });
    });

    describe("session ids", () => {
      it("numbers sessions sequentially from 1", async () => {
        const r = await networkHelpers.loadFixture(signingDirect);
        assert.equal(r.session.id, 2n);
        assert.equal(await r.d.roundtable.read.sessionCount(), 2n);
      });
    });
  });
});

async function deployedOnly(c: Deployment["connection"]): Promise<Deployment> {
  return deployRoundtable(c);
}
