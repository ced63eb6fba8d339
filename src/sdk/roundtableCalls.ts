// What a transaction asked the Roundtable contract to do, decoded from its calldata, and whether
// a signed batch item is the action an event recorded. The auditor and the party runner both
// judge actions from the transaction that carried them, never from the event alone.
import {
  type Address,
  decodeFunctionData,
  getAbiItem,
  type Hex,
  isAddressEqual,
  type Transaction,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import { unpackBatchItems } from "./batchCall.js";
import { type AcceptData, decodeAcceptData } from "./eip712.js";
import { roundtableAbi } from "./generated/roundtableAbi.js";
import type { TranscriptAction } from "./transcript.js";
import { ActionType, type SignedAction } from "./types.js";

/** A Roundtable call: a party's direct action, signed actions (one or a batch), or anything else. */
export type DecodedCall =
  | { kind: "direct"; functionName: string; args: readonly unknown[] }
  | { kind: "signed"; route: "applySigned" | "batch"; items: readonly SignedAction[] }
  | { kind: "other" };

/** Decodes `tx`'s calldata if it calls `contract`; `other` for anything else or undecodable. */
export function decodeRoundtableCall(
  tx: Pick<Transaction, "to" | "input">,
  contract: Address,
): DecodedCall {
  if (tx.to === null || tx.to === undefined || !isAddressEqual(tx.to, contract)) {
    return { kind: "other" };
  }
  try {
    const { functionName, args } = decodeFunctionData({ abi: roundtableAbi, data: tx.input });
    if (functionName === "applySigned") {
      return { kind: "signed", route: "applySigned", items: [args[0] as SignedAction] };
    }
    if (functionName === "batch") {
      return { kind: "signed", route: "batch", items: unpackBatchItems(args[0] as Hex) };
    }
    return { kind: "direct", functionName, args: args ?? [] };
  } catch {
    return { kind: "other" };
  }
}

/**
 * Every `applySigned` call whose calldata sits anywhere inside `input` (the outer call of a
 * forwarder, a multicall or a smart account carries it as it is): its signed action. A match
 * proves nothing by itself: the caller checks the item's signature.
 */
export function findEmbeddedApplySigned(input: Hex): SignedAction[] {
  const selector = toFunctionSelector(getAbiItem({ abi: roundtableAbi, name: "applySigned" }))
    .slice(2)
    .toLowerCase();
  const hex = input.toLowerCase();
  const found: SignedAction[] = [];
  // Hex digits come in pairs: only selector positions on a byte boundary count.
  for (let at = hex.indexOf(selector, 2); at !== -1; at = hex.indexOf(selector, at + 1)) {
    if (at % 2 !== 0) continue;
    try {
      const { functionName, args } = decodeFunctionData({
        abi: roundtableAbi,
        data: `0x${hex.slice(at)}`,
      });
      if (functionName === "applySigned") found.push(args[0] as SignedAction);
    } catch {
      // Not a call there: the selector's bytes were part of something else.
    }
  }
  return found;
}

/** The contract's action type of each kind. */
export const actionTypes = {
  accept: ActionType.Accept,
  commit: ActionType.Commit,
  submit: ActionType.Submit,
  complain: ActionType.Complain,
} as const;

/** The direct function of each action kind. */
export const directFunctions = {
  accept: "accept",
  commit: "commit",
  submit: "submit",
  complain: "complain",
} as const;

/** Whether a signed batch item is the action an event recorded (same kind, session, party, contents). */
export function signedItemMatches(
  item: SignedAction,
  sessionId: bigint,
  action: TranscriptAction,
): boolean {
  if (
    item.action !== actionTypes[action.kind] ||
    item.sessionId !== sessionId ||
    item.party !== action.party
  ) {
    return false;
  }
  switch (action.kind) {
    case "accept": {
      // The item carries key | key proof | optional delegate; the event, the key and the delegate.
      let parts: AcceptData;
      try {
        parts = decodeAcceptData(item.data);
      } catch {
        return false;
      }
      return (
        sameHex(parts.encryptionKey, action.data) &&
        sameHex(parts.delegate, action.delegate ?? zeroAddress)
      );
    }
    case "commit":
      return item.round === action.round && sameHex(item.word, action.commitment ?? "0x");
    case "submit":
      return item.round === action.round && sameHex(item.data, action.data);
    case "complain":
      return (
        item.round === action.round &&
        item.accused === action.accused &&
        sameHex(item.data, action.data)
      );
  }
}

/** Whether a direct call's arguments are the action an event recorded. */
export function directCallMatches(
  call: Extract<DecodedCall, { kind: "direct" }>,
  sessionId: bigint,
  action: TranscriptAction,
): boolean {
  if (call.functionName !== directFunctions[action.kind]) return false;
  const args = call.args;
  if (args[0] !== sessionId || args[1] !== action.party) return false;
  switch (action.kind) {
    case "accept":
      return (
        sameHex(args[3] as Hex, action.data) &&
        sameHex(args[5] as Hex, action.delegate ?? zeroAddress)
      );
    case "commit":
      return args[2] === action.round && sameHex(args[3] as Hex, action.commitment ?? "0x");
    case "submit":
      return args[2] === action.round && sameHex(args[3] as Hex, action.data);
    case "complain":
      return (
        args[2] === action.round &&
        args[3] === action.accused &&
        sameHex(args[4] as Hex, action.data)
      );
  }
}

function sameHex(a: Hex, b: Hex): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
