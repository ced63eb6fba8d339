// The runner's words: how a phase, a list of parties, an action and an outcome read in progress
// notes and error messages.

import { ActionType, type UnsignedAction } from "../sdk/types.js";
import type { SessionView } from "./sessionView.js";
import type { PartyOutcome } from "./types.js";

/** Said when an end is not confirmed: the round secrets stay (encrypted) in the store. */
export const unconfirmedNote =
  "the end is one provider's word: round secrets are kept in the store; run again with several --rpc-url or --trusted-block to confirm it and delete them";

export function phaseLabel(view: SessionView): string {
  return view.round === 0 ? view.phaseName : `${view.phaseName} (round ${view.round})`;
}

export function partyList(parties: readonly number[]): string {
  if (parties.length === 0) return "nobody";
  return `part${parties.length === 1 ? "y" : "ies"} ${parties.join(", ")}`;
}

export function describeOutcome(outcome: PartyOutcome): string {
  switch (outcome.status) {
    case "finalized":
      return "finalized: every party agreed on the result";
    case "cancelled":
      return "cancelled by its initiator";
    case "aborted":
      return outcome.reason === "expired"
        ? `aborted at the deadline; blamed ${partyList(outcome.blame)}`
        : outcome.reason === "complaint"
          ? `aborted by a complaint; the evidence names ${partyList(outcome.blame)}${outcome.finding === undefined ? "" : ` (${outcome.finding})`}`
          : `aborted: the parties' results disagree; wrong: ${partyList(outcome.blame)}`;
  }
}

/** An action in words, for messages. */
export function actionLabel(action: UnsignedAction): string {
  switch (action.action) {
    case ActionType.Accept:
      return "acceptance";
    case ActionType.Commit:
      return `round-${action.round} commitment`;
    case ActionType.Submit:
      return `round-${action.round} payload`;
    default:
      return `complaint against party ${action.accused}`;
  }
}
