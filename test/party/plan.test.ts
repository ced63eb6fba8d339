// planStep without a chain: every phase against every state of the local store.

import { expect } from "chai";
import type { Hex } from "viem";
import {
  type LocalProgress,
  type LocalRound,
  type PlanView,
  planStep,
} from "../../src/party/plan.js";
import { Phase } from "../../src/sdk/types.js";

const KEY_0: Hex = `0x02${"11".repeat(32)}`;
const KEY_1: Hex = `0x03${"22".repeat(32)}`;
const KEY_2: Hex = `0x02${"33".repeat(32)}`;
const OTHER_KEY: Hex = `0x02${"44".repeat(32)}`;
const GROUP_KEY: Hex = `0x${"55".repeat(32)}`;
const SIGNATURE: Hex = `0x${"66".repeat(64)}`;
const EVIDENCE: Hex = "0x0131";

/** Party 0 of a 3-party key generation, in `phase` of `round`, nobody acted yet. */
function view(overrides: Partial<PlanView> = {}): PlanView {
  return {
    sessionId: 9n,
    kind: "key-generation",
    self: 0,
    phase: Phase.Submitting,
    round: 2,
    acted: [false, false, false],
    encryptionKeys: [KEY_0, KEY_1, KEY_2],
    result: undefined,
    abort: undefined,
    signing: undefined,
    ...overrides,
  };
}

const signingKey = {
  keySession: 4n,
  groupPublicKey: GROUP_KEY,
  keyParties: [],
  keyConfigHash: `0x${"4c".repeat(32)}`,
  signerIdentifiers: [1, 3, 4],
  keyIndex: 0,
} as const;

/** A store that holds the encryption key and the records of `rounds`. */
function local(
  rounds: readonly number[] = [],
  overrides: Partial<LocalProgress> = {},
): LocalProgress {
  return {
    encryptionKey: KEY_0,
    rounds: new Map<number, LocalRound>(rounds.map((r) => [r, { kind: "payload" }])),
    hasKeyShare: false,
    confirmed: false,
    ...overrides,
  };
}

const empty = local([], { encryptionKey: undefined });

describe("planStep", () => {
  describe("not a party", () => {
    it("says not-a-party whatever the phase", () => {
      for (const phase of Object.values(Phase)) {
        expect(planStep(view({ self: undefined, phase }), empty), `phase ${phase}`).to.deep.equal({
          kind: "not-a-party",
        });
      }
    });
  });

  describe("ended sessions", () => {
    it("returns a finalized key generation's group key", () => {
      expect(
        planStep(view({ phase: Phase.Finalized, result: GROUP_KEY }), local([1, 2, 3])),
      ).to.deep.equal({
        kind: "done",
        outcome: {
          status: "finalized",
          sessionId: 9n,
          result: GROUP_KEY,
          groupPublicKey: GROUP_KEY,
        },
      });
    });

    it("returns a finalized signing session's signature and its key", () => {
      const step = planStep(
        view({ kind: "signing", phase: Phase.Finalized, result: SIGNATURE, signing: signingKey }),
        local(),
      );
      expect(step).to.deep.equal({
        kind: "done",
        outcome: {
          status: "finalized",
          sessionId: 9n,
          result: SIGNATURE,
          signature: SIGNATURE,
          groupPublicKey: GROUP_KEY,
        },
      });
    });

    for (const reason of ["expired", "complaint", "disagreement"] as const) {
      it(`returns an aborted session's reason (${reason}) and blame`, () => {
        const step = planStep(
          view({
            phase: Phase.Aborted,
            abort: { reason, blame: reason === "disagreement" ? [] : [2] },
          }),
          local([1]),
        );
        expect(step).to.deep.equal({
          kind: "done",
          outcome: {
            status: "aborted",
            sessionId: 9n,
            reason,
            blame: reason === "disagreement" ? [] : [2],
          },
        });
      });
    }

    it("returns cancelled for a cancelled session, even one this party never accepted", () => {
      expect(planStep(view({ phase: Phase.Cancelled, round: 0 }), empty)).to.deep.equal({
        kind: "done",
        outcome: { status: "cancelled", sessionId: 9n },
      });
    });

    it("prefers the chain's end to a complaint still in the store", () => {
      const rounds = new Map<number, LocalRound>([
        [2, { kind: "blame", accused: 1, evidence: EVIDENCE }],
      ]);
      const step = planStep(
        view({ phase: Phase.Aborted, abort: { reason: "complaint", blame: [1] } }),
        local([], { rounds }),
      );
      expect(step.kind).to.equal("done");
    });
  });

  describe("expired deadlines", () => {
    it("expires the session, blaming exactly the parties that did not act", () => {
      expect(
        planStep(view({ phase: Phase.Expired, acted: [true, false, true] }), local([1, 2])),
      ).to.deep.equal({
        kind: "expire",
        blame: [1],
      });
    });

    it("expires during acceptance, blaming who did not accept", () => {
      expect(
        planStep(view({ phase: Phase.Expired, round: 0, acted: [true, true, false] }), local()),
      ).to.deep.equal({ kind: "expire", blame: [2] });
    });

    it("expires rather than complain once the deadline passed", () => {
      const rounds = new Map<number, LocalRound>([
        [2, { kind: "blame", accused: 1, evidence: EVIDENCE }],
      ]);
      expect(planStep(view({ phase: Phase.Expired }), local([], { rounds })).kind).to.equal(
        "expire",
      );
    });
  });

  describe("accepting", () => {
    const accepting = { phase: Phase.Accepting, round: 0 } as const;

    it("accepts with a new key, asking for confirmation, when nothing is stored", () => {
      expect(planStep(view(accepting), empty)).to.deep.equal({
        kind: "accept",
        needsConfirmation: true,
        newEncryptionKey: true,
      });
    });

    it("reuses a stored key (a run that stopped before its Accept landed)", () => {
      expect(planStep(view(accepting), local())).to.deep.equal({
        kind: "accept",
        needsConfirmation: true,
        newEncryptionKey: false,
      });
    });

    it("does not ask again once confirmed in this run", () => {
      expect(planStep(view(accepting), local([], { confirmed: true }))).to.deep.include({
        needsConfirmation: false,
      });
    });

    it("waits for the others once accepted", () => {
      expect(planStep(view({ ...accepting, acted: [true, false, true] }), local())).to.deep.equal({
        kind: "wait",
        waitingFor: [1],
      });
    });

    it("stops when it accepted but the store lost the encryption key", () => {
      const step = planStep(view({ ...accepting, acted: [true, false, false] }), empty);
      expect(step).to.include({ kind: "blocked", code: "STORE" });
    });

    it("stops when the store's key is not the one registered", () => {
      const step = planStep(
        view({ ...accepting, acted: [true, false, false] }),
        local([], { encryptionKey: OTHER_KEY }),
      );
      expect(step).to.include({ kind: "blocked", code: "STORE" });
      expect((step as { reason: string }).reason)
        .to.contain(OTHER_KEY)
        .and.contain(KEY_0);
    });

    it("compares registered keys without regard to letter case", () => {
      const step = planStep(
        view({ ...accepting, acted: [true, false, false] }),
        local([], { encryptionKey: KEY_0.toUpperCase().replace("0X", "0x") as Hex }),
      );
      expect(step.kind).to.equal("wait");
    });

    it("refuses to accept a signing session without the key share", () => {
      const step = planStep(view({ ...accepting, kind: "signing", signing: signingKey }), empty);
      expect(step).to.include({ kind: "blocked", code: "STORE" });
      expect((step as { reason: string }).reason).to.contain("key session 4");
    });

    it("accepts a signing session with the key share", () => {
      const step = planStep(
        view({ ...accepting, kind: "signing", signing: signingKey }),
        local([], { encryptionKey: undefined, hasKeyShare: true }),
      );
      expect(step.kind).to.equal("accept");
    });
  });

  describe("commit-then-reveal rounds", () => {
    it("commits, computing the payload when none is stored", () => {
      expect(planStep(view({ phase: Phase.Committing, round: 1 }), local())).to.deep.equal({
        kind: "send",
        round: 1,
        action: "commit",
        stored: false,
      });
    });

    it("commits to the stored payload after a restart", () => {
      expect(planStep(view({ phase: Phase.Committing, round: 1 }), local([1]))).to.deep.include({
        action: "commit",
        stored: true,
      });
    });

    it("waits once committed", () => {
      expect(
        planStep(
          view({ phase: Phase.Committing, round: 1, acted: [true, true, false] }),
          local([1]),
        ),
      ).to.deep.equal({ kind: "wait", waitingFor: [2] });
    });

    it("reveals the stored payload", () => {
      expect(planStep(view({ phase: Phase.Revealing, round: 1 }), local([1]))).to.deep.equal({
        kind: "send",
        round: 1,
        action: "reveal",
        stored: true,
      });
    });

    it("stops when there is nothing to reveal (a lost store): never computes a new payload", () => {
      const step = planStep(view({ phase: Phase.Revealing, round: 1 }), local());
      expect(step).to.include({ kind: "blocked", code: "STORE" });
    });

    it("waits once revealed", () => {
      expect(
        planStep(
          view({ phase: Phase.Revealing, round: 1, acted: [true, false, false] }),
          local([1]),
        ),
      ).to.deep.equal({ kind: "wait", waitingFor: [1, 2] });
    });
  });

  describe("plain rounds and agreement", () => {
    it("computes round 1 from nothing", () => {
      expect(planStep(view({ round: 1 }), local())).to.deep.equal({
        kind: "send",
        round: 1,
        action: "submit",
        stored: false,
      });
    });

    it("computes round r from the stored state of round r - 1", () => {
      expect(planStep(view({ round: 2 }), local([1]))).to.deep.include({ stored: false, round: 2 });
    });

    it("re-sends a stored round exactly (crash after storing, before or after sending)", () => {
      expect(planStep(view({ round: 2 }), local([1, 2]))).to.deep.include({
        stored: true,
        round: 2,
      });
    });

    it("submits the result in the agreement round", () => {
      expect(planStep(view({ phase: Phase.Agreeing, round: 3 }), local([1, 2]))).to.deep.equal({
        kind: "send",
        round: 3,
        action: "submit",
        stored: false,
      });
    });

    it("waits for the others once it acted", () => {
      expect(
        planStep(
          view({ phase: Phase.Agreeing, round: 3, acted: [true, false, true] }),
          local([1, 2, 3]),
        ),
      ).to.deep.equal({ kind: "wait", waitingFor: [1] });
    });

    it("stops when the state of the previous round is missing", () => {
      const step = planStep(view({ round: 3, phase: Phase.Agreeing }), local([1]));
      expect(step).to.include({ kind: "blocked", code: "STORE" });
      expect((step as { reason: string }).reason).to.contain("round 2");
    });

    it("stops in a key generation whose encryption key is gone", () => {
      expect(planStep(view({ round: 2 }), local([1], { encryptionKey: undefined }))).to.include({
        kind: "blocked",
        code: "STORE",
      });
    });

    it("lets a signing session go on without its encryption key (signing decrypts nothing)", () => {
      const step = planStep(
        view({ kind: "signing", signing: signingKey, round: 2 }),
        local([1], { encryptionKey: undefined, hasKeyShare: true }),
      );
      expect(step.kind).to.equal("send");
    });

    it("stops a signing round that has to be computed without the key share", () => {
      const step = planStep(view({ kind: "signing", signing: signingKey, round: 2 }), local([1]));
      expect(step).to.include({ kind: "blocked", code: "STORE" });
    });

    it("re-sends a stored signing round even without the key share", () => {
      const step = planStep(
        view({ kind: "signing", signing: signingKey, round: 2 }),
        local([1, 2]),
      );
      expect(step).to.deep.include({ kind: "send", stored: true });
    });
  });

  describe("complaints", () => {
    const blame = (round: number) =>
      new Map<number, LocalRound>([
        [1, { kind: "payload" }],
        [round, { kind: "blame", accused: 2, evidence: EVIDENCE }],
      ]);

    it("files the stored complaint in its round", () => {
      expect(
        planStep(view({ phase: Phase.Agreeing, round: 3 }), local([], { rounds: blame(3) })),
      ).to.deep.equal({
        kind: "complain",
        round: 3,
        accused: 2,
        evidence: EVIDENCE,
      });
    });

    it("files it even if others already acted in the round", () => {
      const step = planStep(
        view({ round: 2, acted: [false, true, true] }),
        local([], { rounds: blame(2) }),
      );
      expect(step.kind).to.equal("complain");
    });

    it("stops when the stored complaint is for another round (a store from another run)", () => {
      const step = planStep(
        view({ phase: Phase.Agreeing, round: 3 }),
        local([], { rounds: blame(2) }),
      );
      expect(step).to.include({ kind: "blocked", code: "WRONG_PHASE" });
    });
  });

  describe("unknown phases", () => {
    it("stops on a phase number this version does not know", () => {
      expect(planStep(view({ phase: 42 }), local([1]))).to.include({
        kind: "blocked",
        code: "WRONG_PHASE",
      });
    });
  });
});
