// Verify, don't believe: before the runner acts on what an RPC provider served, every party action
// in it must be signed by its party (or its delegate), the transcript the runner recomputes from
// those actions must equal the contract's, and the configuration must be the one this party
// accepted. A provider that swaps an encryption key, invents a share or a complaint, or drops an
// action then stops the run here, before anything depends on it.
import { type Address, bytesToHex, type Hex, keccak256 } from "viem";
import { decodeKeyShare, groupPublicKey } from "../protocol/index.js";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { transcriptOf } from "../sdk/transcript.js";
import { type ReportedAction, verifyActionOrigin } from "../sdk/verifyActionOrigin.js";
import type { SessionView, SigningKeyView } from "./sessionView.js";

/** Actions already verified in this run, by transaction and position, so each is checked once. */
export type VerifiedActions = Set<string>;

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
 * undefined. Costs one `eth_getTransactionByHash` per action the first time it is seen.
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
  const problems = await Promise.all(
    view.actions.map(async (action) => {
      const key = actionKey(action);
      if (verified.has(key)) return undefined;
      const origin = await verifyActionOrigin({
        publicClient,
        chainId: view.chainId,
        contract: view.contract,
        sessionId: view.sessionId,
        action,
        delegate: delegateFor(view, action),
      });
      if ("verified" in origin) return origin.reason;
      verified.add(key);
      return undefined;
    }),
  );
  const forged = problems.filter((p): p is string => p !== undefined);
  if (forged.length > 0) {
    return {
      what: `${forged.length} action${forged.length === 1 ? "" : "s"} in the provider's logs ${forged.length === 1 ? "is" : "are"} not signed by ${forged.length === 1 ? "its party" : "their parties"}`,
      metaMessages: forged,
    };
  }
  const recomputed = transcriptOf({
    sessionId: view.sessionId,
    actions: view.actions,
    configHash: view.configHash,
  });
  if (recomputed.toLowerCase() !== view.transcript.toLowerCase()) {
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

/** Everything the transcript folds of an action: a changed byte is a new action to verify. */
function actionKey(action: ReportedAction): string {
  return [
    action.transactionHash,
    action.kind,
    action.party,
    action.round,
    keccak256(action.data),
    action.commitment ?? "",
    action.accused ?? "",
    action.delegate ?? "",
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
