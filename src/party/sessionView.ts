// What the runner knows about a session, read from the chain at one block: the configuration the
// parties signed, this party's place in it, the phase, every registered encryption key, and every
// payload of every round from the PayloadSubmitted events. Nothing here is secret or local.

import { type Address, type Hex, isAddressEqual, zeroAddress } from "viem";
import { getSessionEvents } from "../sdk/actions/getSessionEvents.js";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { readSession } from "../sdk/actions/readSession.js";
import type { TranscriptAction } from "../sdk/transcript.js";
import { AbortReason, Phase, type SessionConfig, SessionKind } from "../sdk/types.js";
import type { ReportedAction } from "../sdk/verifyActionOrigin.js";

/** Why a session ended without a result. */
export type AbortCause = "expired" | "complaint" | "disagreement";

/** A complaint from the log. Indexes are 0-based, as the contract numbers parties. */
export type FiledComplaint = {
  accuser: number;
  accused: number;
  round: number;
  evidence: Hex;
};

/** For a signing session: the key it signs with, read from its key-generation session. */
export type SigningKeyView = {
  keySession: bigint;
  /** The agreed group key (the key session's result): 32 bytes x-only, or 33 compressed. */
  groupPublicKey: Hex;
  /** The key session's parties, in index order. */
  keyParties: readonly Address[];
  /** The key session's configuration hash (its parties and threshold are checked against it). */
  keyConfigHash: Hex;
  /** `signerIdentifiers[i]` is signer i's FROST identifier: its 1-based index in the key session. */
  signerIdentifiers: readonly number[];
  /** This party's 0-based index in the key session, where its key share is stored. */
  keyIndex: number | undefined;
};

/**
 * One session as the runner sees it. Party indexes are 0-based (the contract's); the protocol
 * layer's 1-based index of party i is i + 1.
 */
export type SessionView = {
  sessionId: bigint;
  chainId: number;
  contract: Address;
  /** The block every value was read at. */
  blockNumber: bigint;
  /** The block that created the session, where its log starts. */
  createdAtBlock: bigint;
  config: SessionConfig;
  configHash: Hex;
  kind: "key-generation" | "signing";
  parties: readonly Address[];
  /** The account the view was read for. */
  account: Address;
  /** The account's index in `parties`, or undefined if it is not a party. */
  self: number | undefined;
  /** A `Phase` value (time-derived: Expired once the deadline passed). */
  phase: number;
  phaseName: string;
  /** 0 while accepting, then 1..roundCount. */
  round: number;
  roundCount: number;
  /** Unix seconds when the current phase closes. */
  deadline: number;
  /** `acted[i]`: party i has acted in the current phase. */
  acted: readonly boolean[];
  /** Each party's registered encryption key (33 bytes compressed), once it accepted. */
  encryptionKeys: readonly (Hex | undefined)[];
  /** `commitments[r - 1]`: party index → commitment, for commit-then-reveal round r. */
  commitments: readonly ReadonlyMap<number, Hex>[];
  /** `payloads[r - 1]`: party index → payload submitted in round r (reveals included). */
  payloads: readonly ReadonlyMap<number, Hex>[];
  /** The agreed result, once finalized. */
  result: Hex | undefined;
  /** The contract's running transcript hash at `blockNumber`. */
  transcript: Hex;
  /** Every accepted party action the logs report, in log order, as the transcript folds them. */
  actions: readonly ReportedAction[];
  /** The delegate each party's acceptance named, if any. */
  delegates: readonly (Address | undefined)[];
  /** Where two reads of this view contradict each other (a provider answering queries differently). */
  inconsistencies: readonly string[];
  abort: { reason: AbortCause; blame: number[] } | undefined;
  complaint: FiledComplaint | undefined;
  signing: SigningKeyView | undefined;
};

export type ReadSessionViewParameters = {
  publicClient: RoundtablePublicClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** The party's account. */
  account: Address;
  /** The chain id, if the caller already knows it (saves a request). */
  chainId?: number | undefined;
  /** Reuse what never changes (the key session of a signing session) from an earlier view. */
  previous?: SessionView | undefined;
};

const abortCauses: Record<number, AbortCause> = {
  [AbortReason.Expired]: "expired",
  [AbortReason.Complaint]: "complaint",
  [AbortReason.Disagreement]: "disagreement",
};

/**
 * Reads a session for one account: `readSession` for the configuration (checked against the
 * stored hash), state and keys, then its events up to the same block for the payloads, and for a
 * signing session the key session's group key and parties.
 * @example
 * ```ts
 * const view = await readSessionView({ publicClient, address, sessionId, account: me });
 * if (view.self === undefined) console.log("not a party");
 * ```
 */
export async function readSessionView({
  publicClient,
  address,
  sessionId,
  account,
  chainId,
  previous,
}: ReadSessionViewParameters): Promise<SessionView> {
  const earlier = previous?.sessionId === sessionId ? previous : undefined;
  const [session, resolvedChainId] = await Promise.all([
    readSession({
      publicClient,
      address,
      sessionId,
      // The creation block never changes: knowing it saves a request per read.
      ...(earlier === undefined ? {} : { fromBlock: earlier.createdAtBlock }),
    }),
    chainId === undefined ? publicClient.getChainId() : Promise.resolve(chainId),
  ]);
  const events = await getSessionEvents({
    publicClient,
    address,
    sessionId,
    fromBlock: session.createdAt.blockNumber,
    toBlock: session.blockNumber,
  });

  const roundCount = session.config.rounds.length;
  const parties = session.parties;
  const commitments = Array.from({ length: roundCount }, () => new Map<number, Hex>());
  const payloads = Array.from({ length: roundCount }, () => new Map<number, Hex>());
  const delegates: (Address | undefined)[] = parties.map(() => undefined);
  // The keys come from the same logs as the actions the runner verifies (signatures, transcript),
  // never from a separate query a provider could answer differently.
  const encryptionKeys: (Hex | undefined)[] = parties.map(() => undefined);
  const actions: ReportedAction[] = [];
  let complaint: FiledComplaint | undefined;
  const record = (
    action: TranscriptAction,
    event: { transactionHash: Hex; blockNumber: bigint },
  ): void => {
    // The account comes from the configuration, never from the event.
    const account = parties[action.party];
    if (account === undefined) return;
    actions.push({
      ...action,
      account,
      transactionHash: event.transactionHash,
      blockNumber: event.blockNumber,
    });
  };
  for (const event of events) {
    if (event.eventName === "PartyAccepted") {
      const { index, encryptionKey, delegate } = event.args;
      if (delegate !== zeroAddress) delegates[index] = delegate;
      if (index < encryptionKeys.length) encryptionKeys[index] = encryptionKey;
      record({ kind: "accept", party: index, round: 0, data: encryptionKey, delegate }, event);
    } else if (event.eventName === "CommitmentSubmitted") {
      const { index, round, commitment } = event.args;
      commitments[round - 1]?.set(index, commitment);
      record({ kind: "commit", party: index, round, data: "0x", commitment }, event);
    } else if (event.eventName === "PayloadSubmitted") {
      const { index, round, payload } = event.args;
      payloads[round - 1]?.set(index, payload);
      record({ kind: "submit", party: index, round, data: payload }, event);
    } else if (event.eventName === "ComplaintFiled") {
      const { accuserIndex, accusedIndex, round, evidence } = event.args;
      complaint = { accuser: accuserIndex, accused: accusedIndex, round, evidence };
      record(
        { kind: "complain", party: accuserIndex, round, data: evidence, accused: accusedIndex },
        event,
      );
    }
  }

  const index = parties.findIndex((party) => isAddressEqual(party, account));
  const self = index < 0 ? undefined : index;
  const kind = session.config.kind === SessionKind.Signing ? "signing" : "key-generation";
  let abort: SessionView["abort"];
  if (session.abort !== undefined) {
    const reason = abortCauses[session.abort.reason] ?? "expired";
    abort = {
      reason,
      // The contract records blame only for expiry; a complaint names its accused.
      blame:
        reason === "complaint" && complaint !== undefined
          ? [complaint.accused]
          : session.abort.blame,
    };
  }
  const acted = parties.map((_, i) => ((session.state.acted >> BigInt(i)) & 1n) === 1n);

  return {
    sessionId,
    chainId: resolvedChainId,
    contract: address,
    blockNumber: session.blockNumber,
    createdAtBlock: session.createdAt.blockNumber,
    config: session.config,
    configHash: session.configHash,
    kind,
    parties,
    account,
    self,
    phase: session.state.phase,
    phaseName: session.phase,
    round: session.state.round,
    roundCount: session.state.roundCount,
    deadline: session.state.deadline,
    acted,
    encryptionKeys,
    inconsistencies: [
      ...parties.flatMap((_, i) => {
        const fromState = session.encryptionKeys[i]?.toLowerCase();
        const fromLogs = encryptionKeys[i]?.toLowerCase();
        return fromState === fromLogs
          ? []
          : [
              `party ${i}'s encryption key is ${fromState ?? "missing"} in one log query and ${fromLogs ?? "missing"} in another`,
            ];
      }),
      ...stateAgainstLogs(
        session.state.phase,
        session.state.round,
        acted,
        session.config.rounds.map((r) => r.commitReveal),
        { encryptionKeys, commitments, payloads },
      ),
    ],
    commitments,
    payloads,
    result: session.result,
    transcript: session.transcript,
    actions,
    delegates,
    abort,
    complaint,
    signing:
      kind === "signing"
        ? (earlier?.signing ??
          (await readSigningKey(publicClient, address, session.config, parties, account)))
        : undefined,
  };
}

/**
 * What the contract's state at a block says was logged by then, and was not: a node that answers
 * a read at a block whose logs (or state) it has not fully written yet serves a view that can pass
 * the transcript check and still lack an acceptance. Such a view is re-read, never acted on.
 */
function stateAgainstLogs(
  phase: number,
  round: number,
  acted: readonly boolean[],
  commitReveal: readonly boolean[],
  logged: {
    encryptionKeys: readonly (Hex | undefined)[];
    commitments: readonly Map<number, Hex>[];
    payloads: readonly Map<number, Hex>[];
  },
): string[] {
  const problems: string[] = [];
  const pastAccepting = phase > Phase.Accepting && phase < Phase.Expired;
  // A phase opens only once every party acted in the one before: every earlier round is complete
  // on chain (its commitments too when it was commit-then-reveal), and so are this round's
  // commitments once it reveals.
  if (pastAccepting) {
    for (let r = 1; r <= round; r++) {
      const closed = r < round;
      const needCommitments = commitReveal[r - 1] === true && (closed || phase === Phase.Revealing);
      acted.forEach((_, i) => {
        if (needCommitments && !logged.commitments[r - 1]?.has(i)) {
          problems.push(`round ${r} is past its commitments, but party ${i}'s is not logged`);
        }
        if (closed && !logged.payloads[r - 1]?.has(i)) {
          problems.push(`round ${r} is closed, but party ${i}'s payload for it is not logged`);
        }
      });
    }
  }
  acted.forEach((hasActed, i) => {
    if ((pastAccepting || (phase === Phase.Accepting && hasActed)) && !logged.encryptionKeys[i]) {
      problems.push(`the state has party ${i} accepted, but no acceptance of it is logged`);
    }
    if (!hasActed || round < 1) return;
    const inRound =
      phase === Phase.Committing
        ? logged.commitments[round - 1]
        : phase === Phase.Revealing || phase === Phase.Submitting || phase === Phase.Agreeing
          ? logged.payloads[round - 1]
          : undefined;
    if (inRound !== undefined && !inRound.has(i)) {
      problems.push(
        `the state has party ${i} acted in round ${round}, but its action is not logged`,
      );
    }
  });
  return problems;
}

async function readSigningKey(
  publicClient: RoundtablePublicClient,
  address: Address,
  config: SessionConfig,
  signers: readonly Address[],
  account: Address,
): Promise<SigningKeyView> {
  const key = await readSession({ publicClient, address, sessionId: config.keySession });
  // The contract only creates a signing session over a finalized key generation whose parties
  // include every signer, so both lookups below succeed on an honest node.
  const groupPublicKey = key.result ?? "0x";
  const keyParties = key.parties;
  const signerIdentifiers = signers.map(
    (signer) => keyParties.findIndex((holder) => isAddressEqual(holder, signer)) + 1,
  );
  const keyIndex = keyParties.findIndex((holder) => isAddressEqual(holder, account));
  return {
    keySession: config.keySession,
    groupPublicKey,
    keyParties,
    keyConfigHash: key.configHash,
    signerIdentifiers,
    keyIndex: keyIndex < 0 ? undefined : keyIndex,
  };
}
