// Whether an action an RPC provider reports really comes from its party. Every party action on
// chain is signed by its party: the transaction's own signature for a direct action, the EIP-712
// signature for a relayed one (or the party's ERC-1271 wallet's verdict). A provider can invent
// logs, transactions and `from` fields, but not those signatures, so recovering them from the
// provider's own data exposes a forged acceptance, payload, agreement or complaint.
import {
  type Address,
  encodeFunctionData,
  type Hash,
  hashTypedData,
  isAddressEqual,
  recoverAddress,
  sliceHex,
  type Transaction,
} from "viem";
import type { RoundtablePublicClient } from "./actions/internal.js";
import { actionTypedData, roundtableDomain } from "./eip712.js";
import { recoverTransactionSender } from "./recoverTransactionSender.js";
import { decodeRoundtableCall, directCallMatches, signedItemMatches } from "./roundtableCalls.js";
import type { TranscriptAction } from "./transcript.js";

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
};

/** The answer when the check fails: why, in words that name the transaction. */
export type UnverifiedOrigin = { verified: false; reason: string };

/** ERC-1271's magic value and the gas the contract gives a wallet (Roundtable's ERC1271_GAS). */
const ERC1271_MAGIC = "0x1626ba7e";
const ERC1271_GAS = 500_000n;
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
}: VerifyActionOriginParameters): Promise<VerifiedOrigin | UnverifiedOrigin> {
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
  if (call.kind === "other") {
    return {
      verified: false,
      reason: `${where}: the transaction does not call the contract ${contract}`,
    };
  }
  const item = call.items.find((candidate) => signedItemMatches(candidate, sessionId, action));
  if (item === undefined) {
    return {
      verified: false,
      reason: `${where}: no signed item in the transaction is this action`,
    };
  }
  const digest = hashTypedData(actionTypedData(roundtableDomain(chainId, contract), item));
  let recovered: Address | undefined;
  try {
    recovered = await recoverAddress({ hash: digest, signature: item.signature });
  } catch {
    recovered = undefined;
  }
  if (recovered !== undefined && isAddressEqual(recovered, action.account)) {
    return { route: call.route, signer: recovered, by: "account" };
  }
  if (recovered !== undefined && mayDelegate && isAddressEqual(recovered, delegate)) {
    return { route: call.route, signer: recovered, by: "delegate" };
  }
  // A contract wallet answers for itself, at the block the action was recorded.
  try {
    const { data } = await publicClient.call({
      to: action.account,
      data: encodeFunctionData({
        abi: erc1271Abi,
        functionName: "isValidSignature",
        args: [digest, item.signature],
      }),
      blockNumber: action.blockNumber,
      gas: ERC1271_GAS,
    });
    const answer = data === undefined ? "0x" : sliceHex(data, 0, 4);
    if (answer.toLowerCase() === ERC1271_MAGIC) {
      return { route: call.route, signer: action.account, by: "erc1271" };
    }
  } catch {
    // Not a wallet, or it refused: not authorized.
  }
  return {
    verified: false,
    reason: `${where}: its signature recovers to ${recovered ?? "nothing"}, not to the party's account ${action.account}${mayDelegate ? ` or its delegate ${delegate}` : ""}`,
  };
}

function shortReason(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "error") : String(error);
}
