// Events (and the transactions that carried them) → one session's record: its definition, every
// party action with who submitted and who signed it, the phases, the end, and a timeline.
import {
  type Address,
  concatHex,
  domainSeparator,
  getAddress,
  type Hash,
  type Hex,
  isAddressEqual,
  keccak256,
  type Log,
  type Transaction,
  zeroAddress,
} from "viem";
import type { RoundtableEventLog } from "../sdk/actions/getSessionEvents.js";
import { decodeRoundtableLogs } from "../sdk/actions/internal.js";
import { roundtableDomain } from "../sdk/eip712.js";
import { recoverTransactionSender } from "../sdk/recoverTransactionSender.js";
import {
  type DecodedCall,
  decodeRoundtableCall,
  directCallMatches,
  directFunctions,
  signedItemMatches,
} from "../sdk/roundtableCalls.js";
import { actionStructHash } from "../sdk/transcript.js";
import { AbortReason, phaseName } from "../sdk/types.js";
import { createSignerRecovery, type SignerRecovery } from "./recoverSigner.js";
import type {
  ActionOrigin,
  ChainPosition,
  RecordedAction,
  SessionRecord,
  TimelineEntry,
} from "./types.js";

/** Where rebuildSession gets what logs do not carry. */
export type RebuildSources = {
  getTransaction(hash: Hash): Promise<Transaction>;
  getBlockTime(hash: Hash): Promise<bigint>;
  /** Whether an account held code at a block: its signatures are then ERC-1271. */
  hasCode(address: Address, blockNumber: bigint): Promise<boolean>;
  /** Decoded calldata by transaction hash, shared across sessions (a batch carries many). */
  calldata?: CalldataCache | undefined;
  /** Signer recovery, shared across sessions (a party signs many actions). */
  signers?: SignerRecovery | undefined;
};

export type RebuildSessionParameters = {
  sessionId: bigint;
  chainId: number;
  contract: Address;
  /** The session's raw logs (every topic-1 match), already in chain order. */
  logs: readonly Log[];
  sources: RebuildSources;
};

/** The calldata of a Roundtable transaction, decoded once. */
const defaultSigners = createSignerRecovery(64);

/** A bounded cache of decoded calldata, by transaction hash. */
export type CalldataCache = {
  get(hash: Hash): DecodedCall | undefined;
  set(hash: Hash, call: DecodedCall): void;
};

/** A calldata cache that keeps the `size` most recent transactions. */
export function createCalldataCache(size = 256): CalldataCache {
  const map = new Map<Hash, DecodedCall>();
  return {
    get: (hash) => map.get(hash),
    set(hash, call) {
      map.set(hash, call);
      if (map.size > size) map.delete(map.keys().next().value as Hash);
    },
  };
}

/**
 * Rebuilds a session from its logs alone, plus the transactions that carried its actions (for
 * submitter and signer). Nothing is judged here; the checks do that.
 * @example
 * ```ts
 * const record = await rebuildSession({ sessionId: 7n, chainId, contract, logs, sources });
 * console.log(record.actions.length, record.end?.kind);
 * ```
 */
export async function rebuildSession({
  sessionId,
  chainId,
  contract,
  logs,
  sources,
}: RebuildSessionParameters): Promise<SessionRecord> {
  const events = decodeRoundtableLogs([...logs]).filter(
    (event) => event.args.sessionId === sessionId,
  );
  const record: SessionRecord = {
    sessionId,
    chainId,
    contract,
    created: undefined,
    invited: [],
    actions: [],
    phases: [],
    end: undefined,
    refused: [],
    extraEnds: [],
    timeline: [],
  };
  const separator = domainSeparator({ domain: roundtableDomain(chainId, contract) });
  const calldata = sources.calldata ?? createCalldataCache(16);
  const times = await Promise.all(events.map((event) => sources.getBlockTime(event.blockHash)));
  /** The delegate each party's acceptance named, by party index. */
  const delegates = new Map<number, Address>();
  /** Batch items the contract skipped or rejected, by transaction: never the recorded one. */
  const refusedItems = new Map<Hash, Set<number>>();
  for (const event of events) {
    if (event.eventName !== "ActionSkipped" && event.eventName !== "ActionRejected") continue;
    const items = refusedItems.get(event.transactionHash) ?? new Set<number>();
    items.add(Number(event.args.item));
    refusedItems.set(event.transactionHash, items);
  }

  for (const [i, event] of events.entries()) {
    const at: ChainPosition = {
      blockNumber: event.blockNumber,
      blockHash: event.blockHash,
      logIndex: event.logIndex,
      transactionHash: event.transactionHash,
      time: times[i]!,
    };
    const entry = (
      party: number | undefined,
      round: number | undefined,
      summary: string,
      origin?: ActionOrigin,
    ): TimelineEntry => ({
      event: event.eventName,
      at,
      party,
      round,
      summary,
      submitter: origin?.submitter,
      signer: origin?.signer,
      signedBy: origin?.signedBy,
    });
    const action = actionOf(event, at);
    if (action !== undefined) {
      const origin = await originOf({
        sessionId,
        contract,
        separator,
        action,
        sources,
        calldata,
        refused: refusedItems.get(event.transactionHash),
        // Logs are in chain order: a party's acceptance, naming its delegate, precedes its rounds.
        delegate: action.kind === "accept" ? undefined : delegates.get(action.party),
      });
      if (
        action.kind === "accept" &&
        action.delegate !== undefined &&
        action.delegate !== zeroAddress
      ) {
        delegates.set(action.party, getAddress(action.delegate));
      }
      const full: RecordedAction = { ...action, origin };
      if (record.end !== undefined) record.extraEnds.push(at);
      record.actions.push(full);
      record.timeline.push(entry(full.party, full.round, describeAction(full), origin));
      continue;
    }
    switch (event.eventName) {
      case "SessionCreated": {
        const { initiator, configHash, acceptanceDeadline, config } = event.args;
        if (record.created !== undefined) {
          record.extraEnds.push(at);
          break;
        }
        record.created = {
          initiator,
          configHash,
          acceptanceDeadline: BigInt(acceptanceDeadline),
          config,
          at,
        };
        const submitter = await submitterOf(sources, event.transactionHash);
        record.timeline.push({
          ...entry(
            undefined,
            0,
            `created by ${initiator}: config hash ${configHash}, accept before ${isoTime(BigInt(acceptanceDeadline))}`,
          ),
          submitter,
          signer: initiator,
        });
        break;
      }
      case "PartyInvited":
        record.invited.push({ party: event.args.index, account: event.args.party });
        break;
      case "PhaseOpened": {
        const { round, phase, deadline } = event.args;
        record.phases.push({ round, phase, deadline: BigInt(deadline), at });
        record.timeline.push(
          entry(
            undefined,
            round,
            `${phaseName(phase)} opened for round ${round}, deadline ${isoTime(BigInt(deadline))}`,
          ),
        );
        break;
      }
      case "SessionFinalized":
        if (record.end !== undefined) record.extraEnds.push(at);
        else
          record.end = {
            kind: "finalized",
            result: event.args.result,
            transcript: event.args.transcript,
            at,
          };
        record.timeline.push(
          entry(undefined, undefined, `finalized with result ${event.args.result}`),
        );
        break;
      case "SessionAborted": {
        const reason =
          event.args.reason === AbortReason.Expired
            ? "expired"
            : event.args.reason === AbortReason.Complaint
              ? "complaint"
              : event.args.reason === AbortReason.Disagreement
                ? "disagreement"
                : "unknown";
        const blame = bitmapIndexes(event.args.blame);
        if (record.end !== undefined) record.extraEnds.push(at);
        else record.end = { kind: "aborted", reason, blame, transcript: event.args.transcript, at };
        const submitter = await submitterOf(sources, event.transactionHash);
        record.timeline.push({
          ...entry(
            undefined,
            undefined,
            `aborted (${reason})${blame.length > 0 ? `, blaming part${blame.length === 1 ? "y" : "ies"} ${blame.join(", ")}` : ""}`,
          ),
          submitter,
        });
        break;
      }
      case "SessionCancelled": {
        if (record.end !== undefined) record.extraEnds.push(at);
        else record.end = { kind: "cancelled", at };
        const submitter = await submitterOf(sources, event.transactionHash);
        record.timeline.push({
          ...entry(undefined, undefined, "cancelled by the initiator"),
          submitter,
        });
        break;
      }
      case "ActionSkipped":
      case "ActionRejected":
        record.refused.push({ event: event.eventName, party: event.args.party, at });
        record.timeline.push(
          entry(
            event.args.party,
            undefined,
            event.eventName === "ActionSkipped"
              ? `batch item ${event.args.item} skipped (already recorded)`
              : `batch item ${event.args.item} rejected by the contract`,
          ),
        );
        break;
      default:
        break;
    }
  }
  return record;
}

/** The party action an event records, without its origin. */
function actionOf(
  event: RoundtableEventLog,
  at: ChainPosition,
): Omit<RecordedAction, "origin"> | undefined {
  const base = { at, commitment: undefined, accused: undefined };
  switch (event.eventName) {
    case "PartyAccepted":
      return {
        ...base,
        kind: "accept",
        party: event.args.index,
        account: event.args.party,
        round: 0,
        data: event.args.encryptionKey,
        delegate: event.args.delegate,
      };
    case "CommitmentSubmitted":
      return {
        ...base,
        kind: "commit",
        party: event.args.index,
        account: event.args.party,
        round: event.args.round,
        data: "0x",
        commitment: event.args.commitment,
      };
    case "PayloadSubmitted":
      return {
        ...base,
        kind: "submit",
        party: event.args.index,
        account: event.args.party,
        round: event.args.round,
        data: event.args.payload,
      };
    case "ComplaintFiled":
      return {
        ...base,
        kind: "complain",
        party: event.args.accuserIndex,
        account: event.args.accuser,
        round: event.args.round,
        data: event.args.evidence,
        accused: event.args.accusedIndex,
      };
    default:
      return undefined;
  }
}

function describeAction(action: RecordedAction): string {
  const bytes = (hex: Hex) => `${(hex.length - 2) / 2} bytes`;
  switch (action.kind) {
    case "accept":
      return `party ${action.party} accepted, encryption key ${action.data}`;
    case "commit":
      return `party ${action.party} committed ${action.commitment} for round ${action.round}`;
    case "submit":
      return `party ${action.party} submitted its round-${action.round} payload (${bytes(action.data)}, keccak256 ${keccak256(action.data)})`;
    case "complain":
      return `party ${action.party} complained against party ${action.accused} in round ${action.round} (evidence ${bytes(action.data)})`;
  }
}

async function submitterOf(sources: RebuildSources, hash: Hash): Promise<Address> {
  return getAddress((await sources.getTransaction(hash)).from);
}

/**
 * Who submitted an action and who signed it. A relayed action's signer is recovered from the
 * signature over the EIP-712 digest the contract checks; a signature that recovers to another
 * address, from an account with code, is an ERC-1271 wallet's (the contract asked the wallet).
 */
async function originOf({
  sessionId,
  contract,
  separator,
  action,
  sources,
  calldata,
  refused,
  delegate,
}: {
  sessionId: bigint;
  contract: Address;
  separator: Hash;
  action: Omit<RecordedAction, "origin">;
  /** The delegate this party's acceptance named, for a round action. */
  delegate: Address | undefined;
  sources: RebuildSources;
  calldata: CalldataCache;
  /** Indexes of this transaction's batch items that the contract skipped or rejected. */
  refused: ReadonlySet<number> | undefined;
}): Promise<ActionOrigin> {
  const tx = await sources.getTransaction(action.at.transactionHash);
  // The sender is recovered from the transaction's own signature: a provider can write any
  // `from`, it cannot sign for an account it does not hold. An unrecoverable or mismatched
  // signature leaves the action with no signer, which the signer check reports.
  const recoveredSender = await recoverTransactionSender(tx);
  const from = getAddress(tx.from);
  const senderProven = recoveredSender !== undefined && isAddressEqual(recoveredSender, from);
  let call = calldata.get(tx.hash);
  if (call === undefined) {
    call = decodeRoundtableCall(tx, contract);
    calldata.set(tx.hash, call);
  }
  const unknown: ActionOrigin = {
    route: "unknown",
    submitter: from,
    signer: undefined,
    signature: "unknown",
    signedConfigHash: undefined,
  };
  if (call.kind === "direct") {
    if (call.functionName !== directFunctions[action.kind]) return unknown;
    // The call must be this action, and the sender proven: a provider's altered log, or a
    // transaction it forged, leaves the action with no signer.
    const genuine = senderProven && directCallMatches(call, sessionId, action);
    return {
      route: "direct",
      submitter: from,
      signer: genuine ? from : undefined,
      signature: genuine ? "sender" : "unknown",
      signedBy: genuine ? whose(from, action.account, delegate) : undefined,
      signedConfigHash: action.kind === "accept" ? (call.args[2] as Hex) : undefined,
    };
  }
  if (call.kind === "other") return unknown;
  // Every item with this action's content that the contract did not skip or reject: anyone may
  // put a copy with a bad signature (or, for an acceptance, another configuration hash) ahead of
  // the real one. The one whose signature checks out is the one the contract recorded; the
  // refused ones are left out first, so that a wallet party's acceptance (checked by ERC-1271,
  // not here) is read from the recorded item.
  const candidates = call.items.filter(
    (candidate, index) =>
      signedItemMatches(candidate, sessionId, action) && refused?.has(index) !== true,
  );
  if (candidates.length === 0) return { ...unknown, route: call.route };
  const signed = await Promise.all(
    candidates.map(async (item) => {
      const signedConfigHash = action.kind === "accept" ? item.word : undefined;
      const structHash = actionStructHash({
        sessionId,
        action,
        configHash: signedConfigHash ?? ("0x" as Hash),
      });
      const digest = keccak256(concatHex(["0x1901", separator, structHash]));
      const recovered = await (sources.signers ?? defaultSigners).recover(
        digest,
        item.signature,
        action.account,
      );
      return { signedConfigHash, recovered };
    }),
  );
  const first = signed[0]!;
  const byAccount = signed.find(
    (s) => s.recovered !== undefined && isAddressEqual(s.recovered, action.account),
  );
  if (byAccount !== undefined) {
    return {
      route: call.route,
      submitter: from,
      signer: byAccount.recovered,
      signature: "ecdsa",
      signedBy: "account",
      signedConfigHash: byAccount.signedConfigHash,
    };
  }
  // The delegate before ERC-1271, as the contract checks: a Safe's delegate signs for it.
  const byDelegate =
    delegate === undefined
      ? undefined
      : signed.find((s) => s.recovered !== undefined && isAddressEqual(s.recovered, delegate));
  if (byDelegate !== undefined) {
    return {
      route: call.route,
      submitter: from,
      signer: byDelegate.recovered,
      signature: "ecdsa",
      signedBy: "delegate",
      signedConfigHash: byDelegate.signedConfigHash,
    };
  }
  if (await sources.hasCode(action.account, action.at.blockNumber)) {
    return {
      route: call.route,
      submitter: from,
      signer: action.account,
      signature: "erc1271",
      signedBy: "account",
      signedConfigHash: first.signedConfigHash,
    };
  }
  return {
    route: call.route,
    submitter: from,
    signer: first.recovered,
    signature: "ecdsa",
    signedBy: undefined,
    signedConfigHash: first.signedConfigHash,
  };
}

/** Whether `signer` is the party's account, its delegate, or neither. */
function whose(
  signer: Address,
  account: Address,
  delegate: Address | undefined,
): "account" | "delegate" | undefined {
  if (isAddressEqual(signer, account)) return "account";
  if (delegate !== undefined && isAddressEqual(signer, delegate)) return "delegate";
  return undefined;
}

/** A block time (seconds) as ISO 8601, for people. */
function isoTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** The set bits of a bitmap, ascending. */
function bitmapIndexes(bits: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; bits >> BigInt(i) !== 0n; i++) if ((bits >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/** The delegate each party's acceptance named, by party index (parties without one are absent). */
export function namedDelegates(actions: readonly RecordedAction[]): Map<number, Address> {
  const delegates = new Map<number, Address>();
  for (const a of actions) {
    if (a.kind === "accept" && a.delegate !== undefined && a.delegate !== zeroAddress) {
      delegates.set(a.party, getAddress(a.delegate));
    }
  }
  return delegates;
}
