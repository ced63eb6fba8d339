// The runner's decision, as a pure function: from what the chain says (the session view) and what
// the local store holds, the one next step. No I/O, so every phase × store combination is tested
// without a chain, and a restarted runner decides exactly as the crashed one would have.

import type { Hex } from "viem";
import { Phase } from "../sdk/types.js";
import type { PartyErrorCode } from "./errors.js";
import type { SessionView } from "./sessionView.js";
import type { PartyOutcome } from "./types.js";

/** The part of a {@link SessionView} the plan reads. */
export type PlanView = Pick<
  SessionView,
  | "sessionId"
  | "kind"
  | "self"
  | "phase"
  | "round"
  | "acted"
  | "encryptionKeys"
  | "result"
  | "abort"
  | "signing"
>;

/** A round record as the plan sees it: its secrets stay in the store. */
export type LocalRound = { kind: "payload" } | { kind: "blame"; accused: number; evidence: Hex };

/** What the local store (and this run) says. */
export type LocalProgress = {
  /** The public key of the stored encryption secret key, if one is stored. */
  encryptionKey: Hex | undefined;
  /** The stored round records, by round. */
  rounds: ReadonlyMap<number, LocalRound>;
  /** Signing only: whether the store holds the key share this party signs with. */
  hasKeyShare: boolean;
  /** Whether the user confirmed the session in this run already. */
  confirmed: boolean;
};

/** The next thing to do. */
export type PartyStep =
  | { kind: "not-a-party" }
  | { kind: "done"; outcome: PartyOutcome }
  /** The phase's deadline passed: end the session (anyone may), blaming who did not act. */
  | { kind: "expire"; blame: number[] }
  /** Accept: ask for confirmation first unless given in this run; make a key unless stored. */
  | { kind: "accept"; needsConfirmation: boolean; newEncryptionKey: boolean }
  /**
   * Act in `round`: commit to, reveal or submit its payload. `stored`: the payload is in the store
   * and must be re-sent as is; otherwise compute it, store it, then send it.
   */
  | { kind: "send"; round: number; action: "commit" | "reveal" | "submit"; stored: boolean }
  | { kind: "complain"; round: number; accused: number; evidence: Hex }
  /** Nothing to do until the parties in `waitingFor` act or the deadline passes. */
  | { kind: "wait"; waitingFor: number[] }
  /** The store and the chain disagree in a way the runner cannot repair. */
  | { kind: "blocked"; code: PartyErrorCode; reason: string };

const roundPhases: readonly number[] = [
  Phase.Committing,
  Phase.Revealing,
  Phase.Submitting,
  Phase.Agreeing,
];

/**
 * Decides the next step.
 * @example
 * ```ts
 * const step = planStep(view, { encryptionKey, rounds, hasKeyShare: false, confirmed: false });
 * if (step.kind === "send") console.log(`round ${step.round}: ${step.action}`);
 * ```
 */
export function planStep(view: PlanView, local: LocalProgress): PartyStep {
  const { self, round, sessionId } = view;
  if (self === undefined) return { kind: "not-a-party" };

  switch (view.phase) {
    case Phase.Finalized:
      return { kind: "done", outcome: finalized(view) };
    case Phase.Aborted: {
      const abort = view.abort ?? { reason: "expired", blame: [] };
      return {
        kind: "done",
        outcome: { status: "aborted", sessionId, reason: abort.reason, blame: [...abort.blame] },
      };
    }
    case Phase.Cancelled:
      return { kind: "done", outcome: { status: "cancelled", sessionId } };
  }

  // A blame record is only ever written for the round in progress, which cannot close without
  // this party: one for any other round comes from another run of this session.
  for (const [r, record] of local.rounds) {
    if (record.kind === "blame" && r !== round) {
      return blocked(
        "WRONG_PHASE",
        `the store holds a complaint for round ${r}, but the session is in round ${round}`,
      );
    }
  }

  if (view.phase === Phase.Expired) {
    return { kind: "expire", blame: notActed(view) };
  }

  const acted = view.acted[self] === true;
  const registered = view.encryptionKeys[self];
  // Key generation decrypts its shares with the registered key: without its secret this party
  // cannot finish, so stop early and say so rather than stall to expiry.
  const keyProblem =
    view.kind === "key-generation" && registered !== undefined
      ? encryptionKeyProblem(registered, local.encryptionKey)
      : undefined;

  if (view.phase === Phase.Accepting) {
    if (acted) {
      return keyProblem === undefined ? wait(view) : blocked("STORE", keyProblem);
    }
    if (view.kind === "signing" && !local.hasKeyShare) return blocked("STORE", noKeyShare(view));
    return {
      kind: "accept",
      needsConfirmation: !local.confirmed,
      newEncryptionKey: local.encryptionKey === undefined,
    };
  }

  if (!roundPhases.includes(view.phase)) {
    return blocked("WRONG_PHASE", `the session is in an unknown phase (#${view.phase})`);
  }
  if (keyProblem !== undefined) return blocked("STORE", keyProblem);

  const mine = local.rounds.get(round);
  if (mine?.kind === "blame") {
    return { kind: "complain", round, accused: mine.accused, evidence: mine.evidence };
  }
  if (acted) return wait(view);

  const stored = mine !== undefined;
  if (view.phase === Phase.Revealing) {
    if (!stored) {
      return blocked(
        "STORE",
        `this party committed in round ${round}, but the store has no round-${round} payload to reveal; the session will expire and blame this party`,
      );
    }
    return { kind: "send", round, action: "reveal", stored };
  }
  if (!stored) {
    if (round > 1 && local.rounds.get(round - 1)?.kind !== "payload") {
      return blocked(
        "STORE",
        `the store has no state of round ${round - 1}, which round ${round} is computed from`,
      );
    }
    if (view.kind === "signing" && !local.hasKeyShare) return blocked("STORE", noKeyShare(view));
  }
  return {
    kind: "send",
    round,
    action: view.phase === Phase.Committing ? "commit" : "submit",
    stored,
  };
}

function finalized(view: PlanView): PartyOutcome {
  const result = view.result ?? "0x";
  if (view.kind === "signing") {
    return {
      status: "finalized",
      sessionId: view.sessionId,
      result,
      signature: result,
      ...(view.signing === undefined ? {} : { groupPublicKey: view.signing.groupPublicKey }),
    };
  }
  return { status: "finalized", sessionId: view.sessionId, result, groupPublicKey: result };
}

function notActed(view: PlanView): number[] {
  return view.acted.flatMap((acted, i) => (acted ? [] : [i]));
}

function wait(view: PlanView): PartyStep {
  return { kind: "wait", waitingFor: notActed(view) };
}

function blocked(code: PartyErrorCode, reason: string): PartyStep {
  return { kind: "blocked", code, reason };
}

function encryptionKeyProblem(registered: Hex, stored: Hex | undefined): string | undefined {
  if (stored === undefined) {
    return "this party registered an encryption key, but the store does not hold its secret key, so the shares sent to it cannot be decrypted; restore the store from a backup";
  }
  if (stored.toLowerCase() !== registered.toLowerCase()) {
    return `the store's encryption key ${stored} is not the one this party registered (${registered}); use the store this party accepted with`;
  }
  return undefined;
}

function noKeyShare(view: PlanView): string {
  const keySession = view.signing?.keySession;
  const where =
    keySession === undefined
      ? "the key session"
      : `key session ${keySession} (party ${view.signing?.keyIndex ?? "?"})`;
  return `the store holds no key share of ${where}; run with the store used in that key generation`;
}
