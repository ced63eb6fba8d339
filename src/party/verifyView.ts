// Verify, don't believe: before the runner acts on what an RPC provider served, every party action
// in it must be signed by its party (or its delegate), the transcript the runner recomputes from
// those actions must equal the contract's, and the configuration must be the one this party
// accepted. A provider that swaps an encryption key, invents a share or a complaint, or drops an
// action then stops the run here, before anything depends on it.
import { type Address, bytesToHex, type Hash, type Hex, zeroHash } from "viem";
import { decodeKeyShare, groupPublicKey } from "../protocol/index.js";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { actionStructHash, foldTranscript } from "../sdk/transcript.js";
import {
  type CallTraces,
  type ReportedAction,
  verifyActionOrigin,
} from "../sdk/verifyActionOrigin.js";
import type { SessionView, SigningKeyView } from "./sessionView.js";

/**
 * What one run already checked, kept between its polls: a poll re-reads the whole session, and
 * without this every action seen before would cost a keccak of its payload (its struct hash) and a
 * fold step again, on every poll. An action is found again only when every byte the signature
 * check and the transcript depend on is the same (a provider may change an old log between polls:
 * the changed action is then checked again, as a new one). Holds the last checked view's actions,
 * so it is bounded by the session's log, and dies with the run.
 */
export class VerifiedActions {
  /** Everything of an action but its payload → the payload (compared in full) and struct hash. */
  #checked = new Map<string, CheckedAction>();
  /** The last view's transcript after each of its actions, to fold only what follows a change. */
  #folded: { action: CheckedAction; transcript: Hash }[] = [];
  /** Actions checked (signature, struct hash) and found already checked: for tests and profiles. */
  readonly counts = { checked: 0, reused: 0, folded: 0 };

  /** The checked action this one is, byte for byte, or undefined. */
  find(key: string, data: Hex): CheckedAction | undefined {
    const known = this.#checked.get(key);
    // Comparing the payload strings costs far less than hashing them.
    return known !== undefined && known.data === data ? known : undefined;
  }

  /**
   * Remembers `actions`, checked; with `only`, forgets every other (a view that checked out: what
   * it no longer holds is not worth keeping).
   */
  remember(actions: readonly CheckedAction[], only: boolean): void {
    if (only) this.#checked = new Map();
    for (const action of actions) this.#checked.set(action.key, action);
  }

  /**
   * The transcript of `actions` in this order, as the contract folds it: the last view's fold is
   * reused up to the first action that is not the same checked action at the same place.
   */
  transcript(actions: readonly CheckedAction[]): Hash {
    let same = 0;
    while (same < actions.length && this.#folded[same]?.action === actions[same]) same++;
    const folded = this.#folded.slice(0, same);
    let transcript: Hash = folded.at(-1)?.transcript ?? zeroHash;
    for (const action of actions.slice(same)) {
      transcript = foldTranscript(transcript, action.party, action.structHash);
      folded.push({ action, transcript });
      this.counts.folded++;
    }
    this.#folded = folded;
    return transcript;
  }
}

/** An action whose signature checked out, with what the transcript folds of it. */
type CheckedAction = { key: string; data: Hex; party: number; structHash: Hash };

/** What does not check out, in words; undefined when everything does. */
export type ViewProblem = { what: string; metaMessages: string[] };

export type VerifyViewParameters = {
  publicClient: RoundtablePublicClient;
  view: SessionView;
  verified: VerifiedActions;
  /** The configuration hash this party pinned when it accepted, if it has. */
  pinnedConfigHash?: Hex | undefined;
};

/**
 * Checks a session view against what no provider can forge. Returns the first problem found, or
 * undefined. Costs one `eth_getTransactionByHash` and one struct hash per action the first time
 * it is seen (in `verified`), one `debug_traceTransaction` per transaction with a contract
 * wallet's signature, and one fold step per action after the first change in the log.
 */
export async function verifyView({
  publicClient,
  view,
  verified,
  pinnedConfigHash,
}: VerifyViewParameters): Promise<ViewProblem | undefined> {
  if (
    pinnedConfigHash !== undefined &&
    pinnedConfigHash.toLowerCase() !== view.configHash.toLowerCase()
  ) {
    return {
      what: `the configuration served now hashes to ${view.configHash}, but this party accepted ${pinnedConfigHash}`,
      metaMessages: ["A configuration never changes on chain: the provider is lying."],
    };
  }
  if (view.inconsistencies.length > 0) {
    return {
      what: "the provider's answers about one block disagree (its state, its logs, or two log queries)",
      metaMessages: [...view.inconsistencies],
    };
  }
  // A batch carrying several wallet parties' items is traced once for all of them.
  const traces: CallTraces = new Map();
  const checked = await Promise.all(
    view.actions.map(async (action): Promise<CheckedAction | string> => {
      const delegate = delegateFor(view, action);
      const key = actionKey(view, action, delegate);
      const known = verified.find(key, action.data);
      if (known !== undefined) {
        verified.counts.reused++;
        return known;
      }
      const origin = await verifyActionOrigin({
        publicClient,
        chainId: view.chainId,
        contract: view.contract,
        sessionId: view.sessionId,
        action,
        delegate,
        traces,
      });
      if ("verified" in origin) return origin.reason;
      verified.counts.checked++;
      const { sessionId, configHash } = view;
      const structHash = actionStructHash({ sessionId, action, configHash });
      return { key, data: action.data, party: action.party, structHash };
    }),
  );
  const good = checked.filter((c): c is CheckedAction => typeof c !== "string");
  const forged = checked.filter((c): c is string => typeof c === "string");
  if (forged.length > 0) {
    verified.remember(good, false);
    return {
      what: `${forged.length} action${forged.length === 1 ? "" : "s"} in the provider's logs ${forged.length === 1 ? "is" : "are"} not signed by ${forged.length === 1 ? "its party" : "their parties"}`,
      metaMessages: forged,
    };
  }
  // Folded from the struct hashes checked above (cached or new), compared on every read.
  const recomputed = verified.transcript(good);
  const matches = recomputed.toLowerCase() === view.transcript.toLowerCase();
  verified.remember(good, matches);
  if (!matches) {
    return {
      what: `the transcript recomputed from the provider's ${view.actions.length} logged actions is ${recomputed}, but the contract's transcriptOf answers ${view.transcript}`,
      metaMessages: ["Logs were dropped, added, reordered or altered on the way."],
    };
  }
  return undefined;
}

function delegateFor(view: SessionView, action: ReportedAction): Address | undefined {
  return action.kind === "accept" ? undefined : view.delegates[action.party];
}

/**
 * Everything but the payload that the signature check and the struct hash depend on (the payload
 * is compared separately, in full): a changed byte is a new action to check.
 */
function actionKey(
  view: SessionView,
  action: ReportedAction,
  delegate: Address | undefined,
): string {
  return [
    view.chainId,
    view.contract,
    view.sessionId,
    view.configHash,
    action.transactionHash,
    action.blockNumber,
    action.account,
    action.kind,
    action.party,
    action.round,
    action.commitment ?? "",
    action.accused ?? "",
    action.delegate ?? "",
    delegate ?? "",
  ].join("/");
}

/**
 * A signing session signs with the key this party helped generate: the group key served must be
 * the one its own key share implies, and the key session's configuration the one it accepted.
 * @throws when the stored key share does not decode (the caller reports a store error).
 */
export function signingKeyProblem(
  signing: SigningKeyView,
  pinnedKeyConfigHash: Uint8Array | undefined,
  keyShare: Uint8Array | undefined,
): ViewProblem | undefined {
  if (
    pinnedKeyConfigHash !== undefined &&
    bytesToHex(pinnedKeyConfigHash) !== signing.keyConfigHash.toLowerCase()
  ) {
    return {
      what: `key session ${signing.keySession}'s configuration is served as ${signing.keyConfigHash}, but this party accepted ${bytesToHex(pinnedKeyConfigHash)}`,
      metaMessages: [],
    };
  }
  if (keyShare === undefined) return undefined;
  const own = bytesToHex(groupPublicKey(decodeKeyShare(keyShare)));
  if (own === signing.groupPublicKey.toLowerCase()) return undefined;
  return {
    what: `key session ${signing.keySession}'s group key is served as ${signing.groupPublicKey}, but this party's key share belongs to ${own}`,
    metaMessages: [],
  };
}
