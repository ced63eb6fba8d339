// A session's end as the runner reads it: whether it is confirmed well enough to forget the round
// secrets, and, for an abort, who is to blame by the judge rather than by the accusation.

import { bytesToHex } from "viem";
import { decodeKeyShare, type KeyShare } from "../protocol/index.js";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { Status } from "../sdk/types.js";
import type { ChainProofs } from "./chainProofs.js";
import type { PartyError } from "./errors.js";
import { judgeAbort } from "./judgeOutcome.js";
import type { SessionProtocol } from "./protocolRound.js";
import { ENCRYPTION_KEY_RECORD, KEY_SHARE_RECORD } from "./records.js";
import type { RunStore } from "./runStore.js";
import type { SecretBinding } from "./secretStore.js";
import type { SessionView } from "./sessionView.js";
import type { PartyOutcome } from "./types.js";

export type SessionEndParameters = {
  publicClient: RoundtablePublicClient;
  /** Storage proofs against the trusted block, when one is given. */
  proofs: ChainProofs | undefined;
  secrets: RunStore;
  /** The binding of a session's party on the chain read. */
  binding: (sessionId: bigint, party: number) => SecretBinding;
  /** The session's protocol plug-in. */
  protocolOf: (view: SessionView) => SessionProtocol;
  /** A PartyError UNTRUSTED_READ for this run with this message. */
  untrusted: (shortMessage: string) => PartyError;
};

/** Checks a session's end before the run acts on it. */
export class SessionEnd {
  readonly #p: SessionEndParameters;

  constructor(p: SessionEndParameters) {
    this.#p = p;
  }

  /**
   * Round secrets go only at a verified end: a finalized result must be the one this party
   * computed itself (its stored agreement payload), so a provider that fakes "finalized" with
   * another result, or before this party's own agreement landed, cannot make it forget anything.
   */
  async confirmed(view: SessionView, outcome: PartyOutcome): Promise<boolean> {
    if (view.self === undefined) return true;
    // A complaint or a disagreement ends a session by signed, verified actions; an expiry or a
    // cancellation by nothing a party signed, so one provider's word is not enough to forget.
    if (outcome.status === "cancelled") return this.corroborated(view);
    if (outcome.status === "aborted") {
      return outcome.reason === "expired" ? this.corroborated(view) : true;
    }
    const secrets = this.#p.secrets;
    const binding = this.#p.binding(view.sessionId, view.self);
    const own = await secrets.record(view, binding, view.roundCount);
    const mine = view.payloads[view.roundCount - 1]?.get(view.self);
    const computed = own?.kind === "payload" ? bytesToHex(own.payload) : undefined;
    const problems: string[] = [];
    if (computed === undefined) {
      // Already cleaned up by an earlier run: nothing left to lose.
      if ((await secrets.get(view, binding, ENCRYPTION_KEY_RECORD)) === undefined) return true;
      problems.push("this party has not computed a result, so the session cannot have finalized");
    } else if (computed.toLowerCase() !== outcome.result.toLowerCase()) {
      problems.push(`the result served is ${outcome.result}, but this party computed ${computed}`);
    } else if (mine === undefined || mine.toLowerCase() !== computed.toLowerCase()) {
      problems.push("the logs do not hold this party's own agreement");
    }
    if (problems.length === 0) return true;
    throw this.#p.untrusted(
      `Session ${view.sessionId} is reported finalized, but ${problems.join("; ")}. Nothing was deleted from the store. Check the session through another provider, or several (--rpc-url more than once), and run again.`,
    );
  }

  /**
   * Whether an end that no party signed (an expiry, a cancellation) is confirmed by more than one
   * provider's word: several providers in quorum, or the session's stored status proven against a
   * header linked to the trusted block.
   */
  async corroborated(view: SessionView): Promise<boolean> {
    const transport = this.#p.publicClient.transport as { quorum?: unknown };
    if (typeof transport.quorum === "number" && transport.quorum >= 2) return true;
    const status = await this.#p.proofs?.status(view.sessionId, view.blockNumber);
    return status === Status.Aborted || status === Status.Cancelled;
  }

  /** An aborted outcome with its culprits judged from the record, as the auditor judges them. */
  async judged(view: SessionView, outcome: PartyOutcome): Promise<PartyOutcome> {
    if (outcome.status !== "aborted" || outcome.reason === "expired") return outcome;
    let keyShare: KeyShare | undefined;
    if (view.kind === "signing") {
      const bytes = await this.#p.secrets.keyShare(view);
      try {
        keyShare = bytes === undefined ? undefined : decodeKeyShare(bytes);
      } catch (error) {
        throw this.#p.secrets.storeError(view, `decode ${KEY_SHARE_RECORD}`, error);
      }
    }
    const { blame, finding } = judgeAbort(view, this.#p.protocolOf(view), keyShare);
    return { ...outcome, blame, ...(finding === undefined ? {} : { finding }) };
  }
}
