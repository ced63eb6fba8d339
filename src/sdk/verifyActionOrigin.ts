// Whether an action an RPC provider reports really comes from its party. Every party action on
// chain is signed by its party: the transaction's own signature for a direct action, the EIP-712
// signature for a relayed one (or the verdict the contract got from the party's ERC-1271 wallet in
// that transaction, read from its call trace). A provider can invent
// logs, transactions and `from` fields, but not those signatures, so recovering them from the
// provider's own data exposes a forged acceptance, payload, agreement or complaint.
import {
  type Address,
  encodeFunctionData,
  type Hash,
  type Hex,
  hashTypedData,
  isAddressEqual,
  recoverAddress,
  sliceHex,
  type Transaction,
} from "viem";
import type { RoundtablePublicClient } from "./actions/internal.js";
import { type BatchItem, findPackedItems, MAX_WALLET_GAS } from "./batchCall.js";
import { actionTypedData, roundtableDomain } from "./eip712.js";
import { recoverTransactionSender } from "./recoverTransactionSender.js";
import {
  actionTypes,
  decodeRoundtableCall,
  directCallMatches,
  findEmbeddedApplySigned,
  signedItemMatches,
} from "./roundtableCalls.js";
import type { TranscriptAction } from "./transcript.js";
import type { SignedAction } from "./types.js";

/** An action as an event reported it, with where it was recorded. */
export type ReportedAction = TranscriptAction & {
  /** The party's account, from the session's configuration (not from the event). */
  account: Address;
  transactionHash: Hash;
  blockNumber: bigint;
};

/** Who authorized an action, once verified. */
export type VerifiedOrigin = {
  route: "direct" | "applySigned" | "batch";
  /** The address whose signature authorized it: the account, its delegate, or the ERC-1271 wallet. */
  signer: Address;
  by: "account" | "delegate" | "erc1271";
};

export type VerifyActionOriginParameters = {
  publicClient: RoundtablePublicClient;
  chainId: number;
  /** The Roundtable contract. */
  contract: Address;
  sessionId: bigint;
  action: ReportedAction;
  /** The delegate the party's acceptance named, if any (never for an acceptance itself). */
  delegate?: Address | undefined;
  /**
   * Call traces already fetched, by transaction, shared by the checks of one read so that a
   * batch carrying several parties' items is traced once. Omitted: a trace per call.
   */
  traces?: CallTraces | undefined;
};

/** A transaction's call trace (`callTracer`), or undefined when the provider cannot trace. */
export type CallTraces = Map<Hash, Promise<CallFrame | undefined>>;

/** The answer when the check fails: why, in words that name the transaction. */
export type UnverifiedOrigin = { verified: false; reason: string };

/** ERC-1271's magic value. */
const ERC1271_MAGIC = "0x1626ba7e";
const erc1271Abi = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "", type: "bytes4" }],
  },
] as const;

/**
 * Checks that `action` was authorized by its party: fetches the transaction the event names,
 * decodes its call to the contract, finds the action in it, and recovers its signer.
 * @returns the verified origin, or `{ verified: false, reason }`.
 * @example
 * const origin = await verifyActionOrigin({ publicClient, chainId, contract, sessionId, action });
 * if ("verified" in origin) throw new Error(origin.reason);
 */
export async function verifyActionOrigin({
  publicClient,
  chainId,
  contract,
  sessionId,
  action,
  delegate,
  traces = new Map(),
}: VerifyActionOriginParameters): Promise<VerifiedOrigin | UnverifiedOrigin> {
  const trace = () => traceOf(publicClient, action.transactionHash, traces);
  const where = `party ${action.party}'s ${action.kind} in transaction ${action.transactionHash}`;
  let tx: Transaction;
  try {
    tx = await publicClient.getTransaction({ hash: action.transactionHash });
  } catch (error) {
    return {
      verified: false,
      reason: `${where}: the transaction cannot be read (${shortReason(error)})`,
    };
  }
  if (tx.blockNumber !== action.blockNumber) {
    return {
      verified: false,
      reason: `${where}: the event says block ${action.blockNumber}, the transaction block ${tx.blockNumber ?? "none"}`,
    };
  }
  const call = decodeRoundtableCall(tx, contract);
  const mayDelegate = action.kind !== "accept" && delegate !== undefined;
  if (call.kind === "direct") {
    if (!directCallMatches(call, sessionId, action)) {
      return { verified: false, reason: `${where}: the transaction's call is not this action` };
    }
    const sender = await recoverTransactionSender(tx);
    if (sender === undefined || !isAddressEqual(sender, tx.from)) {
      return {
        verified: false,
        reason: `${where}: the transaction's signature does not recover to its sender ${tx.from}`,
      };
    }
    if (isAddressEqual(sender, action.account))
      return { route: "direct", signer: sender, by: "account" };
    if (mayDelegate && isAddressEqual(sender, delegate)) {
      return { route: "direct", signer: sender, by: "delegate" };
    }
    return {
      verified: false,
      reason: `${where}: sent by ${sender}, not by the party's account ${action.account}`,
    };
  }
  let items: readonly SignedAction[];
  let route: VerifiedOrigin["route"];
  if (call.kind === "other") {
    // Anyone may carry signed actions through a contract of their own (a forwarder, a multicall,
    // a smart account): the Roundtable call is then inside the transaction. A batch's packed
    // items sit as they are inside the outer calldata, which the sender signed; else the
    // provider's call trace says where the call is. Either only says where to look: each item's
    // signature is checked below.
    const packed = findPackedItems(tx.input, {
      action: actionTypes[action.kind],
      sessionId,
      party: action.party,
      round: action.kind === "accept" ? 0 : action.round,
      accused: action.kind === "complain" ? (action.accused ?? 0) : 0,
    });
    const single = findEmbeddedApplySigned(tx.input);
    const matches = (list: readonly SignedAction[]) =>
      list.some((item) => signedItemMatches(item, sessionId, action));
    const inner = matches(packed)
      ? { items: packed, route: "batch" as const }
      : matches(single)
        ? { items: single, route: "applySigned" as const }
        : innerSignedCalls(await trace(), contract);
    if (inner === undefined) {
      return {
        verified: false,
        reason: `${where}: the transaction does not call the contract ${contract}, carries no packed item or applySigned call of this action, and the provider cannot trace it (debug_traceTransaction) to find the call inside`,
      };
    }
    items = inner.items;
    route = inner.route;
  } else {
    items = call.items;
    route = call.route;
  }
  // Every item with this action's content, not the first: anyone may put a copy with a bad
  // signature (or, for an acceptance, another configuration hash) ahead of the real one, which the
  // contract rejects while it records the real one. Only the party can sign, so the item whose
  // signature checks out is the one the contract recorded.
  const candidates = items.filter((candidate) => signedItemMatches(candidate, sessionId, action));
  if (candidates.length === 0) {
    return {
      verified: false,
      reason: `${where}: no signed item in the transaction is this action`,
    };
  }
  let firstProblem: string | undefined;
  for (const item of candidates) {
    const verdict = await verifySignedItem({
      publicClient,
      chainId,
      contract,
      action,
      delegate: mayDelegate ? delegate : undefined,
      item,
      route,
      trace,
    });
    if (!("verified" in verdict)) return verdict;
    firstProblem ??= `${where}: ${verdict.reason}`;
  }
  return {
    verified: false,
    reason:
      candidates.length === 1
        ? (firstProblem ?? where)
        : `${firstProblem} (and no other of the ${candidates.length} items with this content is signed by the party)`,
  };
}

/** Whether one signed item is authorized by the party's account, its delegate or its wallet. */
async function verifySignedItem({
  publicClient,
  chainId,
  contract,
  action,
  delegate,
  item,
  route,
  trace,
}: {
  publicClient: RoundtablePublicClient;
  chainId: number;
  contract: Address;
  action: ReportedAction;
  delegate: Address | undefined;
  item: BatchItem;
  route: VerifiedOrigin["route"];
  trace: () => Promise<CallFrame | undefined>;
}): Promise<VerifiedOrigin | UnverifiedOrigin> {
  const digest = hashTypedData(actionTypedData(roundtableDomain(chainId, contract), item));
  let recovered: Address | undefined;
  try {
    recovered = await recoverAddress({ hash: digest, signature: item.signature });
  } catch {
    recovered = undefined;
  }
  if (recovered !== undefined && isAddressEqual(recovered, action.account)) {
    return { route, signer: recovered, by: "account" };
  }
  if (recovered !== undefined && delegate !== undefined && isAddressEqual(recovered, delegate)) {
    return { route, signer: recovered, by: "delegate" };
  }
  const notSigned = `its signature recovers to ${recovered ?? "nothing"}, not to the party's account ${action.account}${delegate !== undefined ? ` or its delegate ${delegate}` : ""}`;
  // A contract wallet answers for itself, and the answer that counts is the one the contract acted
  // on, inside this transaction: asked again later, a wallet that flipped its answer since (in the
  // same transaction, or later in the block) would make its own accepted action look forged.
  const query = encodeFunctionData({
    abi: erc1271Abi,
    functionName: "isValidSignature",
    args: [digest, item.signature],
  });
  const frame = await trace();
  if (
    frame !== undefined &&
    walletAgreedInTrace(frame, { contract, wallet: action.account, query })
  ) {
    return { route, signer: action.account, by: "erc1271" };
  }
  // No trace, or one without the verdict: the wallet is asked again, at the end of the action's
  // block. A trace comes from the first provider that answers, this call from a quorum of them
  // (src/sdk/rpc/quorumTransport.ts), so one provider serving a trace without the wallet's frame
  // cannot stop the runner on a wallet that still agrees.
  try {
    const { data } = await publicClient.call({
      to: action.account,
      data: query,
      blockNumber: action.blockNumber,
      gas: walletCallGas(item.walletGas, query),
    });
    const answer = data === undefined ? "0x" : sliceHex(data, 0, 4);
    if (answer.toLowerCase() === ERC1271_MAGIC) {
      return { route, signer: action.account, by: "erc1271" };
    }
  } catch {
    // Not a wallet, or it refused: not authorized.
  }
  return {
    verified: false,
    reason:
      frame !== undefined
        ? `${notSigned}, the transaction's call trace shows no successful isValidSignature call from the contract to ${action.account} answering ${ERC1271_MAGIC} for it, and the wallet does not answer it at the end of block ${action.blockNumber} either`
        : `${notSigned}, and ${action.account} does not answer ${ERC1271_MAGIC} to isValidSignature at the end of block ${action.blockNumber}; a wallet may have changed its answer within the block, and only the call trace (debug_traceTransaction, which this provider does not serve) shows the answer the contract acted on: read through a provider that serves it`,
  };
}

/**
 * The gas limit of an `eth_call` that starts the wallet with what the contract gave it: the item's
 * allowance (the most, without one) and the call's intrinsic cost (21,000, and 4 or 16 a calldata
 * byte), and never under EIP-7623's floor. Storage that an earlier item of the batch warmed is
 * cold here, so only the trace is exact; this keeps a wallet whose answer depends on its gas from
 * looking forged for that alone.
 */
function walletCallGas(walletGas: number | undefined, query: Hex): bigint {
  // EIP-7623 tokens: a zero byte is one, any other four.
  let tokens = 0n;
  for (let i = 2; i < query.length; i += 2) tokens += query.slice(i, i + 2) === "00" ? 1n : 4n;
  const intrinsic = 21_000n + 4n * tokens;
  const floor = 21_000n + 10n * tokens;
  const gas = BigInt(walletGas ?? MAX_WALLET_GAS) + intrinsic;
  return gas > floor ? gas : floor;
}

/** A frame of `debug_traceTransaction`'s `callTracer` (the fields read here). */
type CallFrame = {
  type?: string;
  from?: string;
  to?: string;
  input?: Hex;
  output?: Hex;
  error?: string;
  calls?: CallFrame[];
};

/** The transaction's call trace, fetched once per transaction into `traces`. */
function traceOf(
  publicClient: RoundtablePublicClient,
  hash: Hash,
  traces: CallTraces,
): Promise<CallFrame | undefined> {
  let trace = traces.get(hash);
  if (trace === undefined) {
    trace = (
      publicClient.request({
        method: "debug_traceTransaction",
        params: [hash, { tracer: "callTracer" }],
      } as never) as Promise<CallFrame>
    ).catch(() => undefined);
    traces.set(hash, trace);
  }
  return trace;
}

/**
 * Whether, in a successful part of the trace, the contract staticcalled `wallet` with exactly
 * `query` (isValidSignature of this digest and signature) and it answered the magic value in a
 * 32-byte word, as the contract requires. The contract gives the wallet a fixed allowance (per
 * item in a batch), so this is the verdict it acted on; its gas is not compared here.
 */
function walletAgreedInTrace(
  frame: CallFrame,
  { contract, wallet, query }: { contract: Address; wallet: Address; query: Hex },
): boolean {
  if (frame.error !== undefined) return false;
  // Compared as text, not with isAddressEqual: a provider's trace may hold anything.
  if (
    frame.type?.toUpperCase() === "STATICCALL" &&
    frame.from?.toLowerCase() === contract.toLowerCase() &&
    frame.to?.toLowerCase() === wallet.toLowerCase() &&
    frame.input?.toLowerCase() === query.toLowerCase() &&
    frame.output !== undefined &&
    frame.output.length >= 2 + 64 &&
    frame.output.slice(0, 10).toLowerCase() === ERC1271_MAGIC
  ) {
    return true;
  }
  return (frame.calls ?? []).some((child) =>
    walletAgreedInTrace(child, { contract, wallet, query }),
  );
}

/**
 * The signed items of every successful call to `contract` inside a transaction that does not
 * call it directly, from the provider's call trace; undefined when the provider cannot trace.
 * The trace only says where to look: each item's signature is still checked by the caller, so a
 * provider that invents a frame gains nothing.
 */
function innerSignedCalls(
  trace: CallFrame | undefined,
  contract: Address,
): { items: SignedAction[]; route: "applySigned" | "batch" } | undefined {
  if (trace === undefined) return undefined;
  const items: SignedAction[] = [];
  let route: "applySigned" | "batch" = "applySigned";
  const visit = (frame: CallFrame) => {
    if (frame.error !== undefined) return;
    if (frame.to !== undefined && frame.input !== undefined) {
      const call = decodeRoundtableCall({ to: frame.to as Address, input: frame.input }, contract);
      if (call.kind === "signed") {
        items.push(...call.items);
        if (call.route === "batch") route = "batch";
      }
    }
    for (const child of frame.calls ?? []) visit(child);
  };
  visit(trace);
  return { items, route };
}

function shortReason(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "error") : String(error);
}
