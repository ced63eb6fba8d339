// What the runner knows about a session, read from the chain at one block: the configuration the
// parties signed, this party's place in it, the phase, every registered encryption key, and every
// payload of every round from the PayloadSubmitted events. Nothing here is secret or local.

import { type Address, type Hex, isAddressEqual } from "viem";
import { getSessionEvents } from "../sdk/actions/getSessionEvents.js";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { readSession } from "../sdk/actions/readSession.js";
import { AbortReason, type SessionConfig, SessionKind } from "../sdk/types.js";

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
  const commitments = Array.from({ length: roundCount }, () => new Map<number, Hex>());
  const payloads = Array.from({ length: roundCount }, () => new Map<number, Hex>());
  let complaint: FiledComplaint | undefined;
  for (const event of events) {
    if (event.eventName === "CommitmentSubmitted") {
      commitments[event.args.round - 1]?.set(event.args.index, event.args.commitment);
    } else if (event.eventName === "PayloadSubmitted") {
      payloads[event.args.round - 1]?.set(event.args.index, event.args.payload);
    } else if (event.eventName === "ComplaintFiled") {
      complaint = {
        accuser: event.args.accuserIndex,
        accused: event.args.accusedIndex,
        round: event.args.round,
        evidence: event.args.evidence,
      };
    }
  }

  const parties = session.parties;
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
    encryptionKeys: session.encryptionKeys,
    commitments,
    payloads,
    result: session.result,
    abort,
    complaint,
    signing:
      kind === "signing"
        ? (earlier?.signing ??
          (await readSigningKey(publicClient, address, session.config, parties, account)))
        : undefined,
  };
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
    signerIdentifiers,
    keyIndex: keyIndex < 0 ? undefined : keyIndex,
  };
}
