// The contract's `batch` packing, built and read in one place: the relayer, the SDK, the runner
// and the auditor must agree byte for byte with Roundtable._unpackItem on what a batch carries.
// Each item, big-endian: a 16-byte head (a byte holding the action type in its two low bits and
// the wallet allowance in its six high bits; party, round, accused: one byte each; the session id:
// 8 bytes; the data's and the signature's lengths: 2 bytes each), then the 32-byte word for an
// acceptance or a commitment, then the data, then the signature. Written by hand: the layout is
// the contract's own, and ABI encoding would pad every field to 32 bytes.
import {
  bytesToHex,
  concatHex,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  numberToHex,
  size,
  zeroHash,
} from "viem";
import { roundtableAbi } from "./generated/roundtableAbi.js";
import { ActionType, type SignedAction } from "./types.js";

const HEAD_BYTES = 16;
const MAX_SESSION_ID = 2n ** 64n - 1n;
const MAX_LENGTH = 0xffff;
/** Roundtable.WALLET_GAS_UNIT and ERC1271_GAS: an item's wallet allowance is a count of units, 0 meaning the most. */
export const WALLET_GAS_UNIT = 8_000;
export const MAX_WALLET_GAS = 500_000;
const MAX_WALLET_UNITS = 0x3f;

/**
 * A batch item: a signed action and, for one a contract wallet's ERC-1271 check authorizes, the
 * gas that check gets (`walletGas`, rounded up to {@link WALLET_GAS_UNIT}; absent: the most,
 * {@link MAX_WALLET_GAS}). A relayer sets it from the check it traced, so that a wallet that
 * spends everything it is given at inclusion costs it that much; too little fails only that item.
 */
export type BatchItem = SignedAction & { walletGas?: number | undefined };

/** The head's wallet allowance for `walletGas`: units of {@link WALLET_GAS_UNIT}, 0 for the most. */
function walletUnits(walletGas: number | undefined, index: number): number {
  if (walletGas === undefined) return 0;
  if (!Number.isSafeInteger(walletGas) || walletGas <= 0) {
    throw new Error(
      `Batch item ${index}: walletGas ${walletGas} is not a positive whole amount of gas; leave it out for the most (${MAX_WALLET_GAS})`,
    );
  }
  const units = Math.ceil(walletGas / WALLET_GAS_UNIT);
  return units * WALLET_GAS_UNIT >= MAX_WALLET_GAS ? 0 : Math.min(units, MAX_WALLET_UNITS);
}

const carriesWord = (action: number) =>
  action === ActionType.Accept || action === ActionType.Commit;

/** Why a signed action cannot be packed into a batch, or undefined when it can. */
export function batchItemProblem(action: SignedAction): string | undefined {
  if (action.sessionId > MAX_SESSION_ID) {
    return `session id ${action.sessionId} does not fit a batch item's 8 bytes: send the action with applySigned`;
  }
  if (size(action.data) > MAX_LENGTH) {
    return `data of ${size(action.data)} bytes does not fit a batch item (at most ${MAX_LENGTH})`;
  }
  if (size(action.signature) > MAX_LENGTH) {
    return `a signature of ${size(action.signature)} bytes does not fit a batch item (at most ${MAX_LENGTH})`;
  }
  return undefined;
}

/** The `items` argument of `batch` for these signed actions, in order. */
export function packBatchItems(actions: readonly BatchItem[]): Hex {
  const parts: Hex[] = [];
  for (const [index, action] of actions.entries()) {
    const problem = batchItemProblem(action);
    if (problem !== undefined) throw new Error(`Batch item ${index}: ${problem}`);
    parts.push(
      concatHex([
        numberToHex(action.action | (walletUnits(action.walletGas, index) << 2), { size: 1 }),
        numberToHex(action.party, { size: 1 }),
        numberToHex(action.round, { size: 1 }),
        numberToHex(action.accused, { size: 1 }),
        numberToHex(action.sessionId, { size: 8 }),
        numberToHex(size(action.data), { size: 2 }),
        numberToHex(size(action.signature), { size: 2 }),
        carriesWord(action.action) ? action.word : "0x",
        action.data,
        action.signature,
      ]),
    );
  }
  return concatHex(parts);
}

/**
 * The signed actions a `batch` call's `items` carries, read exactly as the contract reads them,
 * with each item's wallet allowance when it names one.
 * @throws when the packing is malformed (the contract reverts such a batch as a whole).
 */
export function unpackBatchItems(items: Hex): BatchItem[] {
  const bytes = hexToBytes(items);
  const actions: BatchItem[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < HEAD_BYTES)
      throw new Error(`Malformed batch: item at byte ${at} is cut short`);
    const head = bytes.subarray(at, at + HEAD_BYTES);
    const action = head[0]! & 0x03;
    const units = head[0]! >> 2;
    const view = new DataView(head.buffer, head.byteOffset, HEAD_BYTES);
    const sessionId = view.getBigUint64(4);
    const dataLength = view.getUint16(12);
    const signatureLength = view.getUint16(14);
    const wordLength = carriesWord(action) ? 32 : 0;
    const dataStart = at + HEAD_BYTES + wordLength;
    const signatureStart = dataStart + dataLength;
    const next = signatureStart + signatureLength;
    if (next > bytes.length)
      throw new Error(`Malformed batch: item at byte ${at} runs past the end`);
    actions.push({
      action,
      sessionId,
      party: head[1]!,
      round: head[2]!,
      accused: head[3]!,
      word: wordLength === 0 ? zeroHash : bytesToHex(bytes.subarray(dataStart - 32, dataStart)),
      data: bytesToHex(bytes.subarray(dataStart, signatureStart)),
      signature: bytesToHex(bytes.subarray(signatureStart, next)),
      // What the contract gives: at most MAX_WALLET_GAS (63 units would be 504,000).
      ...(units === 0 ? {} : { walletGas: Math.min(units * WALLET_GAS_UNIT, MAX_WALLET_GAS) }),
    });
    at = next;
  }
  return actions;
}

/** What identifies a batch item before its lengths: its head's first 12 bytes. */
export type PackedItemProbe = Pick<
  SignedAction,
  "action" | "sessionId" | "party" | "round" | "accused"
>;

/**
 * Every well-formed packed item for `probe` found anywhere in `bytes`: for signed actions carried
 * inside another call (a forwarder, a multicall, a smart account), where the batch's bytes sit
 * within the outer calldata. A match proves nothing by itself: the caller checks its signature.
 * The first byte matches on its action bits only: the wallet allowance above them may be anything.
 */
export function findPackedItems(bytes: Hex, probe: PackedItemProbe): BatchItem[] {
  if (probe.sessionId > MAX_SESSION_ID) return [];
  const haystack = hexToBytes(bytes);
  const needle = hexToBytes(
    concatHex([
      numberToHex(probe.action, { size: 1 }),
      numberToHex(probe.party, { size: 1 }),
      numberToHex(probe.round, { size: 1 }),
      numberToHex(probe.accused, { size: 1 }),
      numberToHex(probe.sessionId, { size: 8 }),
    ]),
  );
  const found: BatchItem[] = [];
  // Anchored on the party byte (the second), which the allowance bits do not touch.
  for (
    let at = haystack.indexOf(needle[1]!, 1) - 1;
    at >= 0;
    at = haystack.indexOf(needle[1]!, at + 2) - 1
  ) {
    if (at + HEAD_BYTES > haystack.length) break;
    if ((haystack[at]! & 0x03) !== needle[0]) continue;
    if (!needle.every((b, i) => i === 0 || haystack[at + i] === b)) continue;
    const view = new DataView(haystack.buffer, haystack.byteOffset + at, HEAD_BYTES);
    const end =
      at +
      HEAD_BYTES +
      (carriesWord(probe.action) ? 32 : 0) +
      view.getUint16(12) +
      view.getUint16(14);
    if (end > haystack.length) continue;
    found.push(...unpackBatchItems(bytesToHex(haystack.subarray(at, end))));
  }
  return found;
}

/** Calldata of `batch` carrying these signed actions. */
export function encodeBatchCall(actions: readonly BatchItem[]): Hex {
  return encodeFunctionData({
    abi: roundtableAbi,
    functionName: "batch",
    args: [packBatchItems(actions)],
  });
}
