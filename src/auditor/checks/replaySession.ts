// The contract's phase machine, replayed from the session's configuration and its recorded actions
// alone: which phase each action fell in, which deadline applied, which phases should have opened
// and when, and how the session should have ended. The checks compare this with what the chain
// recorded; nothing here trusts the PhaseOpened events.
import { isAddressEqual } from "viem";
import { Phase } from "../../sdk/types.js";
import type { ChainPosition, RecordedAction, SessionRecord } from "../types.js";

type Step = "accept" | "commit" | "reveal" | "submit" | "agree";

const stepPhase: Record<Step, number> = {
  accept: Phase.Accepting,
  commit: Phase.Committing,
  reveal: Phase.Revealing,
  submit: Phase.Submitting,
  agree: Phase.Agreeing,
};

/** One action outside the rules, with where it is. */
export type RuleViolation = { at: ChainPosition; party: number | undefined; message: string };

/** An action after its phase's deadline. */
export type LateAction = {
  at: ChainPosition;
  party: number;
  kind: RecordedAction["kind"];
  round: number;
  deadline: bigint;
};

/** The replay's account of the session. */
export type SessionReplay = {
  violations: RuleViolation[];
  late: LateAction[];
  /** Phases the contract should have announced, in order. */
  expectedPhases: { round: number; phase: number; deadline: bigint }[];
  /** Where the replay stands after the last action. */
  round: number;
  step: Step;
  deadline: bigint;
  /** Parties that acted in the current phase. */
  acted: Set<number>;
  /** How the actions alone end the session: by the last agreement, by a complaint, or not at all. */
  concluded: "agreement" | "complaint" | undefined;
  /** The phase `sessionState` should report at a block of time `now`. */
  phaseAt(now: bigint): number;
};

/**
 * Replays the session's recorded actions through the contract's rules.
 * @example
 * ```ts
 * const replay = replaySession(record);
 * if (replay.violations.length > 0) console.log(replay.violations[0].message);
 * ```
 */
export function replaySession(record: SessionRecord): SessionReplay {
  const violations: RuleViolation[] = [];
  const late: LateAction[] = [];
  const expectedPhases: SessionReplay["expectedPhases"] = [];
  const created = record.created;
  const replay: SessionReplay = {
    violations,
    late,
    expectedPhases,
    round: 0,
    step: "accept",
    deadline: created?.acceptanceDeadline ?? 0n,
    acted: new Set(),
    concluded: undefined,
    phaseAt(now) {
      const end = record.end;
      if (end?.kind === "finalized") return Phase.Finalized;
      if (end?.kind === "aborted") return Phase.Aborted;
      if (end?.kind === "cancelled") return Phase.Cancelled;
      if (now > replay.deadline) return Phase.Expired;
      return stepPhase[replay.step];
    },
  };
  if (created === undefined) return replay;
  const { config } = created;
  const n = config.parties.length;
  const roundCount = config.rounds.length;
  const durationOf = (round: number) => BigInt(config.rounds[round - 1]?.duration ?? 0);

  for (const action of record.actions) {
    const where = { at: action.at, party: action.party };
    if (replay.concluded !== undefined || (record.end?.at && before(record.end.at, action.at))) {
      violations.push({
        ...where,
        message: `party ${action.party}'s ${action.kind} came after the session ended`,
      });
      continue;
    }
    const account = config.parties[action.party];
    if (account === undefined) {
      violations.push({
        ...where,
        message: `party index ${action.party} is not one of the ${n} parties`,
      });
      continue;
    }
    if (!isAddressEqual(account, action.account)) {
      violations.push({
        ...where,
        message: `the event names ${action.account} for party ${action.party}, whose account is ${account}`,
      });
    }
    if (action.at.time > replay.deadline) {
      late.push({
        at: action.at,
        party: action.party,
        kind: action.kind,
        round: action.round,
        deadline: replay.deadline,
      });
    }
    if (action.kind === "complain") {
      if (replay.round === 0) {
        violations.push({
          ...where,
          message: `party ${action.party} complained during acceptance`,
        });
      } else if (action.round !== replay.round) {
        violations.push({
          ...where,
          message: `party ${action.party} complained for round ${action.round} during round ${replay.round}`,
        });
      }
      if (action.accused === action.party || (action.accused ?? n) >= n) {
        violations.push({
          ...where,
          message: `party ${action.party} accused party ${action.accused}, which the contract refuses`,
        });
      }
      replay.concluded = "complaint";
      continue;
    }
    const expected =
      replay.step === "accept" ? "accept" : replay.step === "commit" ? "commit" : "submit";
    if (action.kind !== expected) {
      violations.push({
        ...where,
        message: `party ${action.party}'s ${action.kind} came during ${phaseLabel(replay.step)} of round ${replay.round}`,
      });
      continue;
    }
    if (action.kind !== "accept" && action.round !== replay.round) {
      violations.push({
        ...where,
        message: `party ${action.party} acted for round ${action.round} during round ${replay.round}`,
      });
    }
    if (replay.acted.has(action.party)) {
      violations.push({
        ...where,
        message: `party ${action.party} acted twice in ${phaseLabel(replay.step)} of round ${replay.round}`,
      });
      continue;
    }
    replay.acted.add(action.party);
    if (replay.acted.size < n) continue;
    // Every party has acted: the contract opens the next phase in the same transaction.
    const now = action.at.time;
    if (replay.step === "agree") {
      replay.concluded = "agreement";
      continue;
    }
    replay.acted = new Set();
    if (replay.step === "commit") {
      replay.step = "reveal";
    } else {
      replay.round += 1;
      replay.step = config.rounds[replay.round - 1]?.commitReveal
        ? "commit"
        : replay.round === roundCount
          ? "agree"
          : "submit";
    }
    replay.deadline = now + durationOf(replay.round);
    expectedPhases.push({
      round: replay.round,
      phase: stepPhase[replay.step],
      deadline: replay.deadline,
    });
  }
  return replay;
}

/** Whether position `a` comes before `b` on the chain. */
export function before(a: ChainPosition, b: ChainPosition): boolean {
  return a.blockNumber === b.blockNumber ? a.logIndex < b.logIndex : a.blockNumber < b.blockNumber;
}

export function phaseLabel(step: Step): string {
  return {
    accept: "acceptance",
    commit: "the commit phase",
    reveal: "the reveal phase",
    submit: "the submit phase",
    agree: "agreement",
  }[step];
}
