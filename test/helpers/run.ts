import type { Hex, TransactionReceipt } from "viem";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import type { SessionState, UnsignedAction } from "../../src/sdk/types.js";
import {
  acceptAction,
  acceptDirect,
  blockTime,
  commitAction,
  commitDirect,
  type Deployment,
  partyAt,
  relay,
  type Session,
  signFor,
  stateOf,
  submitAction,
  submitDirect,
} from "./roundtable.js";

/** One phase of a session: acceptance, or one step of a round. */
export type PhaseStep =
  | { kind: "accept" }
  | { kind: "commit" | "reveal" | "submit"; round: number };

/** How parties act: each sends its own transactions, or a relayer carries their signed actions in one batch. */
export type Mode = "direct" | "batch";

/** One transaction of a run, the session's state right after it, and its block's time. */
export type Step = {
  phase: PhaseStep;
  /** The acting party (direct mode); undefined for a batch. */
  party: number | undefined;
  receipt: TransactionReceipt;
  state: SessionState;
  timestamp: bigint;
};

/** The phases of `session` in order: acceptance, then each round (commit and reveal where configured). */
export function phasesOf(session: Session): PhaseStep[] {
  const phases: PhaseStep[] = [{ kind: "accept" }];
  session.config.rounds.forEach((spec, i) => {
    const round = i + 1;
    if (spec.commitReveal) phases.push({ kind: "commit", round }, { kind: "reveal", round });
    else phases.push({ kind: "submit", round });
  });
  return phases;
}

function payloadAt(payloads: readonly (readonly Hex[])[], round: number, party: number): Hex {
  const payload = payloads[round - 1]?.[party];
  if (payload === undefined) throw new RangeError(`no payload for round ${round}, party ${party}`);
  return payload;
}

/** The unsigned action `party` takes in `phase`. */
export function actionFor(
  session: Session,
  phase: PhaseStep,
  party: number,
  payloads: readonly (readonly Hex[])[],
): UnsignedAction {
  if (phase.kind === "accept") return acceptAction(session, party);
  const payload = payloadAt(payloads, phase.round, party);
  if (phase.kind === "commit") {
    const commitment = commitmentOf(
      session.id,
      phase.round,
      partyAt(session, party).address,
      payload,
    );
    return commitAction(session.id, party, phase.round, commitment);
  }
  return submitAction(session.id, party, phase.round, payload);
}

/** `party` acts in `phase` with its own transaction. */
export function actDirect(
  d: Deployment,
  session: Session,
  phase: PhaseStep,
  party: number,
  payloads: readonly (readonly Hex[])[],
): Promise<TransactionReceipt> {
  if (phase.kind === "accept") return acceptDirect(d, session, party);
  const action = actionFor(session, phase, party, payloads);
  return phase.kind === "commit"
    ? commitDirect(d, session, party, phase.round, action.word)
    : submitDirect(d, session, party, phase.round, action.data);
}

/** Every party of `parties` acts in `phase`: each directly, or all in one relayed batch. */
export async function runPhase(
  d: Deployment,
  session: Session,
  phase: PhaseStep,
  payloads: readonly (readonly Hex[])[],
  mode: Mode,
  parties: readonly number[] = session.parties.map((_, i) => i),
): Promise<Step[]> {
  const record = async (receipt: TransactionReceipt, party: number | undefined): Promise<Step> => ({
    phase,
    party,
    receipt,
    state: await stateOf(d, session),
    timestamp: await blockTime(d, receipt),
  });
  if (mode === "batch") {
    const signed = await Promise.all(
      parties.map((p) => signFor(d, session, actionFor(session, phase, p, payloads))),
    );
    return [await record(await relay(d, signed), undefined)];
  }
  const steps: Step[] = [];
  for (const party of parties)
    steps.push(await record(await actDirect(d, session, phase, party, payloads), party));
  return steps;
}

/** Drives `session` through every phase with `payloads` (`[round - 1][party]`). */
export async function runSession(
  d: Deployment,
  session: Session,
  payloads: readonly (readonly Hex[])[],
  mode: Mode,
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const phase of phasesOf(session))
    steps.push(...(await runPhase(d, session, phase, payloads, mode)));
  return steps;
}
