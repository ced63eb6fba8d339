// The shapes an audit produces: a session rebuilt from chain events, the result of each named
// check, and what a session's audit reports. Party indexes are the contract's (0-based).
import type { Address, Hash, Hex } from "viem";
import type { SigningKeyMaterial } from "../protocol/index.js";
import type { SessionConfig } from "../sdk/types.js";
import type { ReadDisagreement } from "./readChain.js";

/** How an action reached the contract. */
export type ActionRoute = "direct" | "applySigned" | "batch" | "unknown";

/** Who stands behind one action: the transaction's sender and, for relayed actions, the signer. */
export type ActionOrigin = {
  route: ActionRoute;
  /** The transaction's sender (`from`). */
  submitter: Address;
  /**
   * Relayed: the address recovered from the EIP-712 signature; ERC-1271: the wallet (its contract
   * checked the signature); direct: the sender. Undefined when the call came through another
   * contract and its calldata cannot be read.
   */
  signer: Address | undefined;
  signature: "ecdsa" | "erc1271" | "sender" | "unknown";
  /**
   * Whose authority `signer` is: the party's account (its key, or its ERC-1271 wallet), or the
   * delegate the party's acceptance in this session named (never for an acceptance). Undefined
   * when the signer is neither (the signer check flags it) or unknown.
   */
  signedBy?: "account" | "delegate" | undefined;
  /** Accept only: the configuration hash the party signed or sent, from the calldata. */
  signedConfigHash: Hex | undefined;
};

/** Where one event is on the chain. */
export type ChainPosition = {
  blockNumber: bigint;
  blockHash: Hash;
  logIndex: number;
  transactionHash: Hash;
  /** The block's timestamp (seconds). */
  time: bigint;
};

/** A party action the contract recorded (and folded into the transcript). */
export type RecordedAction = {
  kind: "accept" | "commit" | "submit" | "complain";
  party: number;
  /** The account the event names. */
  account: Address;
  /** Commit, submit, complain: the round given. Accept: 0. */
  round: number;
  /** Accept: the encryption key. Submit: the payload. Complain: the evidence. */
  data: Hex;
  /** Commit: the commitment. */
  commitment: Hex | undefined;
  /** Complain: the accused party. */
  accused: number | undefined;
  /** Accept: the delegate the acceptance named (zero address for none). */
  delegate?: Address | undefined;
  at: ChainPosition;
  origin: ActionOrigin;
};

/** Any event of the session, for the timeline. */
export type TimelineEntry = {
  event: string;
  at: ChainPosition;
  party: number | undefined;
  round: number | undefined;
  /** One line for people. */
  summary: string;
  submitter: Address | undefined;
  signer: Address | undefined;
  /** Whether `signer` is the party's account or its session delegate (see ActionOrigin). */
  signedBy?: "account" | "delegate" | undefined;
};

/** How the session ended, as the chain recorded it (or that it has not ended). */
export type RecordedEnd =
  | { kind: "finalized"; result: Hex; transcript: Hash; at: ChainPosition }
  | {
      kind: "aborted";
      reason: "expired" | "complaint" | "disagreement" | "unknown";
      blame: number[];
      transcript: Hash;
      at: ChainPosition;
    }
  | { kind: "cancelled"; at: ChainPosition };

/** A phase the contract announced. */
export type RecordedPhase = { round: number; phase: number; deadline: bigint; at: ChainPosition };

/** A session rebuilt from its events and the transactions that carried them. */
export type SessionRecord = {
  sessionId: bigint;
  chainId: number;
  contract: Address;
  created:
    | {
        initiator: Address;
        configHash: Hash;
        acceptanceDeadline: bigint;
        config: SessionConfig;
        at: ChainPosition;
      }
    | undefined;
  invited: { party: number; account: Address }[];
  actions: RecordedAction[];
  phases: RecordedPhase[];
  end: RecordedEnd | undefined;
  /** Batch items the contract skipped or rejected for this session (not actions). */
  refused: { event: "ActionSkipped" | "ActionRejected"; party: number; at: ChainPosition }[];
  /** More than one end event, or events after the end: kept for the checks to flag. */
  extraEnds: ChainPosition[];
  timeline: TimelineEntry[];
};

export type CheckStatus = "pass" | "fail" | "not-applicable";

/** One named check's result. `evidence` names blocks, transactions, parties and values. */
export type CheckResult = {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  evidence: Record<string, unknown>;
};

/** Misbehaviour the audit attributes to one party (the session may still have ended correctly). */
export type Finding = {
  /** The check that found it. */
  check: CheckId;
  party: number;
  account: Address | undefined;
  kind:
    | "invalid-proof-of-knowledge"
    | "invalid-share"
    | "malformed-payload"
    | "false-complaint"
    | "disagreeing-agreement"
    | "invalid-signature"
    | "silent";
  summary: string;
};

/** The stable ids of every check (JSON and docs use them). */
export const checkIds = [
  "config.hash",
  "acceptance.config-hash",
  "acceptance.signer",
  "action.signer",
  "reveal.matches-commitment",
  "action.in-phase",
  "action.before-deadline",
  "expiry.blame",
  "transcript.matches-contract",
  "state.matches-contract",
  "keygen.proof-of-knowledge",
  "keygen.group-key",
  "keygen.agreement",
  "complaint.verdict",
  "signing.signers-hold-key",
  "signing.message-matches-preimage",
  "signing.signature",
  "signing.agreement",
  "rpc.cross-check",
  "chain.block-hashes",
] as const;

export type CheckId = (typeof checkIds)[number];

/** What the contract says at the report block, read for the comparison checks. */
export type ContractView = {
  configHash: Hash;
  transcript: Hash;
  /** With a trusted block: the transcript from a storage proof, or why it did not prove. */
  provenTranscript?: { value: Hash } | { failure: string } | undefined;
  state: {
    phase: number;
    round: number;
    roundCount: number;
    partyCount: number;
    deadline: bigint;
    acted: bigint;
  };
};

/** The key-generation session a signing session signs with, as far as the audit needs it. */
export type KeySessionSummary = {
  sessionId: bigint;
  /** Whether the key session's own SessionCreated was found. */
  found: boolean;
  kind: number | undefined;
  ciphersuite: Hex | undefined;
  parties: Address[];
  threshold: number | undefined;
  /** The agreed group key, if the key session finalized (and when). */
  groupKey: Hex | undefined;
  finalizedAt: bigint | undefined;
  /**
   * The key as the key session's public round-1 commitments imply it (group key and every
   * holder's verifying share), recomputed by the auditor: never the stored result taken on trust.
   */
  material: SigningKeyMaterial | undefined;
  /** Why the key session's record implies no key, when it does not. */
  materialError: string | undefined;
};

/** How the session stands or ended, reported apart from the verdict. */
export type SessionOutcome = {
  status: "active" | "expired" | "finalized" | "aborted" | "cancelled" | "unknown";
  reason: "expired" | "complaint" | "disagreement" | "unknown" | undefined;
  /** Parties the chain's record blames (expiry), or that the audit found at fault. */
  blame: number[];
  result: Hex | undefined;
};

/** The audit of one session. */
export type SessionAudit = {
  sessionId: bigint;
  verdict: "pass" | "fail";
  outcome: SessionOutcome;
  record: SessionRecord;
  checks: CheckResult[];
  findings: Finding[];
  disagreements: ReadDisagreement[];
};
