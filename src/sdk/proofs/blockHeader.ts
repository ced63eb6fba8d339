import { RLP } from "@ethereumjs/rlp";
import { type Address, bytesToHex, type Hex, hexToBytes, isHex, keccak256 } from "viem";
import { describeBlock, ProofError } from "./ProofError.js";

/** A quantity as JSON-RPC gives it (hex) or as viem formats it (bigint). */
type Quantity = Hex | bigint | number;

/**
 * The header fields of a block as `eth_getBlockByNumber` / `eth_getBlockByHash` answer them (raw hex),
 * or as viem's `getBlock` formats them (bigint quantities). Other fields (transactions, size,
 * totalDifficulty, withdrawals) are ignored: they are not part of the header.
 */
export type BlockHeaderFields = {
  hash: Hex | null;
  parentHash: Hex;
  sha3Uncles: Hex;
  miner: Address;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex | null;
  difficulty: Quantity;
  number: Quantity | null;
  gasLimit: Quantity;
  gasUsed: Quantity;
  timestamp: Quantity;
  extraData: Hex;
  mixHash: Hex;
  nonce: Hex | null;
  /** London (EIP-1559). */
  baseFeePerGas?: Quantity | null | undefined;
  /** Shanghai (EIP-4895). */
  withdrawalsRoot?: Hex | null | undefined;
  /** Cancun (EIP-4844). */
  blobGasUsed?: Quantity | null | undefined;
  /** Cancun (EIP-4844). */
  excessBlobGas?: Quantity | null | undefined;
  /** Cancun (EIP-4788). */
  parentBeaconBlockRoot?: Hex | null | undefined;
  /** Prague (EIP-7685). */
  requestsHash?: Hex | null | undefined;
};

/**
 * A header whose fields hash to `hash`: every value here is bound by that hash. It is verified on
 * its own; whether `hash` is on the chain you trust is the header chain's question
 * ({@link import("./headerChain.js").createHeaderChain}).
 */
export type VerifiedHeader = {
  hash: Hex;
  number: bigint;
  parentHash: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  timestamp: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  miner: Address;
  baseFeePerGas: bigint | undefined;
};

/**
 * The optional fields in the order the forks appended them to the header. A header carries a prefix
 * of this list: a later field without an earlier one is no header of any fork.
 */
const optionalFields = [
  ["baseFeePerGas", "quantity"],
  ["withdrawalsRoot", "bytes"],
  ["blobGasUsed", "quantity"],
  ["excessBlobGas", "quantity"],
  ["parentBeaconBlockRoot", "bytes"],
  ["requestsHash", "bytes"],
] as const;

function malformed(block: BlockHeaderFields, what: string): ProofError {
  return new ProofError({
    failure: "malformed",
    block: { number: quantityOrUndefined(block.number), hash: block.hash ?? undefined },
    shortMessage: `The provider's header is malformed: ${what}.`,
    metaMessages: ["A header needs every field of eth_getBlockByNumber's answer, in hex."],
  });
}

function quantityOrUndefined(value: Quantity | null | undefined): bigint | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return BigInt(value);
  } catch {
    return undefined;
  }
}

/** An RLP integer: big-endian without leading zeros, zero as the empty string. */
function quantityBytes(block: BlockHeaderFields, name: string, value: Quantity): Uint8Array {
  const n = quantityOrUndefined(value);
  if (n === undefined || n < 0n)
    throw malformed(block, `${name} is ${String(value)}, not a quantity`);
  if (n === 0n) return new Uint8Array();
  const hex = n.toString(16);
  return hexToBytes(`0x${hex.length % 2 === 1 ? "0" : ""}${hex}`);
}

function dataBytes(
  block: BlockHeaderFields,
  name: string,
  value: Hex | null | undefined,
): Uint8Array {
  if (typeof value !== "string" || !isHex(value) || value.length % 2 !== 0) {
    throw malformed(block, `${name} is ${String(value)}, not hex bytes`);
  }
  return hexToBytes(value);
}

/**
 * The header as consensus RLP-encodes it, in the Yellow Paper's order with each fork's fields appended.
 *
 * Written by hand on purpose: viem does not hash headers, and @ethereumjs/block does but needs a
 * whole chain configuration (a Common with its hardfork schedule) to decide which fields exist. Here
 * the provider's answer says which fields exist, and the hash check proves that it said right.
 */
export function encodeBlockHeader(block: BlockHeaderFields): Uint8Array {
  const fields: Uint8Array[] = [
    dataBytes(block, "parentHash", block.parentHash),
    dataBytes(block, "sha3Uncles", block.sha3Uncles),
    dataBytes(block, "miner", block.miner),
    dataBytes(block, "stateRoot", block.stateRoot),
    dataBytes(block, "transactionsRoot", block.transactionsRoot),
    dataBytes(block, "receiptsRoot", block.receiptsRoot),
    dataBytes(block, "logsBloom", block.logsBloom),
    quantityBytes(block, "difficulty", block.difficulty),
    quantityBytes(block, "number", block.number ?? -1),
    quantityBytes(block, "gasLimit", block.gasLimit),
    quantityBytes(block, "gasUsed", block.gasUsed),
    quantityBytes(block, "timestamp", block.timestamp),
    dataBytes(block, "extraData", block.extraData),
    dataBytes(block, "mixHash", block.mixHash),
    dataBytes(block, "nonce", block.nonce),
  ];
  let absent: string | undefined;
  for (const [name, kind] of optionalFields) {
    const value = block[name];
    if (value === null || value === undefined) {
      absent ??= name;
      continue;
    }
    if (absent !== undefined) throw malformed(block, `it has ${name} but not ${absent}`);
    fields.push(
      kind === "quantity"
        ? quantityBytes(block, name, value as Quantity)
        : dataBytes(block, name, value as Hex),
    );
  }
  return RLP.encode(fields);
}

/** keccak256 of the header's RLP: the block hash its fields imply. */
export function hashBlockHeader(block: BlockHeaderFields): Hex {
  return keccak256(encodeBlockHeader(block));
}

/**
 * Recomputes a block's hash from its header fields and checks it equals the `hash` the provider gave,
 * so every field returned is bound by that hash. Works on the raw `eth_getBlockByNumber` answer and on
 * viem's `getBlock` result; London to Prague fields are included when present.
 *
 * @throws {ProofError} `header-hash` when the fields do not hash to `hash`, `malformed` when a field is
 * missing or not hex.
 *
 * @example
 * const block = await publicClient.request({ method: "eth_getBlockByNumber", params: ["latest", false] });
 * const header = verifyBlockHeader(block); // header.receiptsRoot, header.stateRoot are now bound to block.hash
 */
export function verifyBlockHeader(block: BlockHeaderFields): VerifiedHeader {
  if (block.hash === null || block.number === null) throw malformed(block, "it is a pending block");
  const number = quantityOrUndefined(block.number);
  if (number === undefined) throw malformed(block, `number is ${String(block.number)}`);
  const computed = hashBlockHeader(block);
  if (computed !== block.hash.toLowerCase()) {
    throw new ProofError({
      failure: "header-hash",
      block: { number, hash: block.hash },
      shortMessage: `The header of ${describeBlock({ number, hash: block.hash })} hashes to ${computed}, not to its hash: the provider altered a field.`,
      metaMessages: ["Do not use this provider's answer for this block; ask another provider."],
    });
  }
  const quantity = (name: string, value: Quantity) => {
    const n = quantityOrUndefined(value);
    if (n === undefined) throw malformed(block, `${name} is ${String(value)}`);
    return n;
  };
  return {
    hash: computed,
    number,
    parentHash: bytesToHex(dataBytes(block, "parentHash", block.parentHash)),
    stateRoot: bytesToHex(dataBytes(block, "stateRoot", block.stateRoot)),
    transactionsRoot: bytesToHex(dataBytes(block, "transactionsRoot", block.transactionsRoot)),
    receiptsRoot: bytesToHex(dataBytes(block, "receiptsRoot", block.receiptsRoot)),
    logsBloom: bytesToHex(dataBytes(block, "logsBloom", block.logsBloom)),
    timestamp: quantity("timestamp", block.timestamp),
    gasLimit: quantity("gasLimit", block.gasLimit),
    gasUsed: quantity("gasUsed", block.gasUsed),
    miner: bytesToHex(dataBytes(block, "miner", block.miner)),
    baseFeePerGas: quantityOrUndefined(block.baseFeePerGas),
  };
}
