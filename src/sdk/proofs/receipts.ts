import { createMPT } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import {
  type Address,
  bytesToHex,
  concatBytes,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
  type Log,
  toHex,
} from "viem";
import type { VerifiedHeader } from "./blockHeader.js";
import type { HeaderChain, ProofClient } from "./headerChain.js";
import { describeBlock, ProofError } from "./ProofError.js";

export type RpcLog = {
  address: Address;
  topics: Hex[];
  data: Hex;
  logIndex: Hex | null;
  transactionIndex?: Hex | null;
  transactionHash?: Hex | null;
  blockHash?: Hex | null;
  blockNumber?: Hex | null;
};

export type RpcReceipt = {
  type?: Hex | undefined;
  status?: Hex | null | undefined;
  /** Before Byzantium, the post-transaction state root instead of a status. */
  root?: Hex | null | undefined;
  cumulativeGasUsed: Hex;
  logsBloom: Hex;
  logs: RpcLog[];
  transactionHash: Hex;
  transactionIndex: Hex;
  blockHash?: Hex | undefined;
  /** OP Stack deposit receipts (type 0x7e) add these to the consensus encoding. */
  depositNonce?: Hex | null | undefined;
  depositReceiptVersion?: Hex | null | undefined;
};

/** A log of a receipt whose block's receiptsRoot was proven. */
export type ProvenLog = Log<bigint, number, false>;

/** A receipt proven against its block's receiptsRoot, with its logs' block-wide indexes. */
export type ProvenReceipt = {
  transactionIndex: number;
  /**
   * The transaction's hash as the provider's receipt gives it. The receipts root does not cover it
   * (consensus receipts carry no hash; the transactions root would): see the limits in `verifiedGetLogs`.
   */
  transactionHash: Hex;
  status: "success" | "reverted";
  logs: ProvenLog[];
};

export type VerifyBlockReceiptsParameters = {
  publicClient: ProofClient;
  /** A header from a {@link HeaderChain} (or `verifyBlockHeader` if you trust its hash otherwise). */
  header: VerifiedHeader;
};

export type VerifyBlockLogsParameters = VerifyBlockReceiptsParameters & {
  /** Logs the provider returned for this block (viem's `Log`, or raw JSON-RPC logs). */
  logs: readonly LogLike[];
};

/** A log as viem or JSON-RPC gives it: only the fields proofs compare are needed. */
export type LogLike = {
  address: Address;
  topics: readonly Hex[];
  data: Hex;
  logIndex: number | Hex | null;
  transactionIndex?: number | Hex | null | undefined;
  transactionHash?: Hex | null | undefined;
  blockHash?: Hex | null | undefined;
  blockNumber?: bigint | Hex | null | undefined;
};

/** Clients known to lack eth_getBlockReceipts (Hardhat's EDR): skip the failing call next time. */
const noBlockReceipts = new WeakSet<ProofClient>();

async function fetchReceipts(
  client: ProofClient,
  header: VerifiedHeader,
): Promise<{ receipts: RpcReceipt[]; requests: number }> {
  const request = client.request as (args: {
    method: string;
    params: unknown[];
  }) => Promise<unknown>;
  let requests = 0;
  if (!noBlockReceipts.has(client)) {
    requests++;
    try {
      const receipts = (await request({ method: "eth_getBlockReceipts", params: [header.hash] })) as
        | RpcReceipt[]
        | null;
      if (receipts !== null) return { receipts, requests };
    } catch {
      noBlockReceipts.add(client);
    }
  }
  // The transaction list is the provider's word, but any change to it changes the receipts root.
  const block = (await request({ method: "eth_getBlockByHash", params: [header.hash, false] })) as {
    transactions: Hex[];
  } | null;
  if (block === null) {
    throw new ProofError({
      failure: "malformed",
      block: header,
      shortMessage: `The provider has no ${describeBlock(header)} to read its receipts from.`,
    });
  }
  const receipts = (await Promise.all(
    block.transactions.map((hash) =>
      request({ method: "eth_getTransactionReceipt", params: [hash] }),
    ),
  )) as (RpcReceipt | null)[];
  if (receipts.some((r) => r === null)) {
    throw new ProofError({
      failure: "malformed",
      block: header,
      shortMessage: `The provider has no receipt for some transactions of ${describeBlock(header)}.`,
    });
  }
  return { receipts: receipts as RpcReceipt[], requests: requests + 1 + block.transactions.length };
}

/** An RLP integer: big-endian without leading zeros, zero as the empty string. */
function quantity(value: Hex): Uint8Array {
  const n = BigInt(value);
  if (n === 0n) return new Uint8Array();
  const hex = n.toString(16);
  return hexToBytes(`0x${hex.length % 2 === 1 ? "0" : ""}${hex}`);
}

/**
 * A receipt as consensus encodes it (EIP-2718): legacy receipts are RLP([status, cumulativeGasUsed,
 * logsBloom, logs]); typed ones are the type byte followed by that RLP. Before Byzantium the first
 * field was the post-state root.
 */
export function encodeReceipt(receipt: RpcReceipt): Uint8Array {
  const first = receipt.root ? hexToBytes(receipt.root) : quantity(receipt.status ?? "0x0");
  const fields: (Uint8Array | Uint8Array[] | (Uint8Array | Uint8Array[])[][])[] = [
    first,
    quantity(receipt.cumulativeGasUsed),
    hexToBytes(receipt.logsBloom),
    receipt.logs.map((log) => [
      hexToBytes(log.address),
      log.topics.map((t) => hexToBytes(t)),
      hexToBytes(log.data),
    ]),
  ];
  const type = Number(receipt.type ?? "0x0");
  if (type === 0x7e) {
    if (receipt.depositNonce) fields.push(quantity(receipt.depositNonce));
    if (receipt.depositReceiptVersion) fields.push(quantity(receipt.depositReceiptVersion));
  }
  const body = RLP.encode(fields);
  return type === 0 ? body : concatBytes([Uint8Array.of(type), body]);
}

/** The root of the trie that maps RLP(transaction index) to each encoded receipt. */
export async function receiptsRoot(receipts: readonly RpcReceipt[]): Promise<Hex> {
  const trie = await createMPT();
  for (const [index, receipt] of receipts.entries()) {
    await trie.put(RLP.encode(index), encodeReceipt(receipt));
  }
  return bytesToHex(trie.root());
}

/**
 * Fetches a block's receipts (eth_getBlockReceipts, or eth_getTransactionReceipt per transaction where
 * the node lacks it), rebuilds the receipts trie and checks its root equals the verified header's
 * receiptsRoot. Returns the receipts in transaction order, each log with its block-wide index.
 *
 * @throws {ProofError} `receipts-root` when the receipts do not hash to the header's root.
 */
export async function verifyBlockReceipts({
  publicClient,
  header,
}: VerifyBlockReceiptsParameters): Promise<{ receipts: ProvenReceipt[]; requests: number }> {
  const { receipts: raw, requests } = await fetchReceipts(publicClient, header);
  const receipts = [...raw].sort((a, b) =>
    Number(BigInt(a.transactionIndex) - BigInt(b.transactionIndex)),
  );
  if (receipts.some((r, i) => BigInt(r.transactionIndex) !== BigInt(i))) {
    throw new ProofError({
      failure: "malformed",
      block: header,
      shortMessage: `The receipts of ${describeBlock(header)} do not have transaction indexes 0 to ${receipts.length - 1}.`,
    });
  }
  const root = await receiptsRoot(receipts);
  if (root !== header.receiptsRoot) {
    throw new ProofError({
      failure: "receipts-root",
      block: header,
      shortMessage: `The receipts of ${describeBlock(header)} hash to ${root}, not to its receiptsRoot ${header.receiptsRoot}: the provider altered, added or left out a receipt or a log.`,
      metaMessages: ["Do not use this provider's logs for this block; ask another provider."],
    });
  }
  let logIndex = 0;
  const proven = receipts.map(
    (receipt, transactionIndex): ProvenReceipt => ({
      transactionIndex,
      transactionHash: receipt.transactionHash,
      status: receipt.root || BigInt(receipt.status ?? "0x0") === 1n ? "success" : "reverted",
      logs: receipt.logs.map((log) => ({
        address: getAddress(log.address),
        topics: log.topics.map((t) => t.toLowerCase() as Hex) as ProvenLog["topics"],
        data: log.data.toLowerCase() as Hex,
        blockHash: header.hash,
        blockNumber: header.number,
        transactionHash: receipt.transactionHash,
        transactionIndex,
        logIndex: logIndex++,
        removed: false,
      })),
    }),
  );
  return { receipts: proven, requests };
}

function sameLog(given: LogLike, proven: ProvenLog): string | undefined {
  if (given.address.toLowerCase() !== proven.address.toLowerCase())
    return `address ${given.address}, proven ${proven.address}`;
  if (
    given.topics.length !== proven.topics.length ||
    given.topics.some((t, i) => t.toLowerCase() !== proven.topics[i])
  ) {
    return `topics [${given.topics.join(", ")}], proven [${proven.topics.join(", ")}]`;
  }
  if (given.data.toLowerCase() !== proven.data) return `data ${given.data}, proven ${proven.data}`;
  if (
    given.transactionIndex !== undefined &&
    given.transactionIndex !== null &&
    Number(given.transactionIndex) !== proven.transactionIndex
  ) {
    return `transactionIndex ${Number(given.transactionIndex)}, proven ${proven.transactionIndex}`;
  }
  if (
    given.transactionHash &&
    given.transactionHash.toLowerCase() !== proven.transactionHash.toLowerCase()
  ) {
    return `transactionHash ${given.transactionHash}, the receipt's ${proven.transactionHash}`;
  }
  if (given.blockHash && given.blockHash.toLowerCase() !== proven.blockHash)
    return `blockHash ${given.blockHash}, proven ${proven.blockHash}`;
  if (
    given.blockNumber !== undefined &&
    given.blockNumber !== null &&
    BigInt(given.blockNumber) !== proven.blockNumber
  ) {
    return `blockNumber ${BigInt(given.blockNumber)}, proven ${proven.blockNumber}`;
  }
  return undefined;
}

/**
 * Proves that every given log is exactly one of the logs of its block's receipts, whose root is
 * checked against the verified header's receiptsRoot: same address, topics and data at the same
 * block-wide logIndex, in the same transaction. Returns the proven logs (in the order given).
 *
 * @throws {ProofError} `receipts-root` when the receipts fail their root, `log-mismatch` when a log is
 * not the proven one at its index (altered address, topics, data, index or transaction) or is given twice.
 *
 * @example
 * const header = await headerChain.verifiedHeader(log.blockHash);
 * const [proven] = await verifyBlockLogs({ publicClient, header, logs: [log] });
 */
export async function verifyBlockLogs({
  publicClient,
  header,
  logs,
}: VerifyBlockLogsParameters): Promise<ProvenLog[]> {
  const { receipts } = await verifyBlockReceipts({ publicClient, header });
  return matchLogs(header, receipts, logs);
}

function matchLogs(
  header: VerifiedHeader,
  receipts: readonly ProvenReceipt[],
  logs: readonly LogLike[],
): ProvenLog[] {
  const all = receipts.flatMap((r) => r.logs);
  const seen = new Set<number>();
  return logs.map((log) => {
    const index = log.logIndex === null ? Number.NaN : Number(log.logIndex);
    const proven = all[index];
    const mismatch = (what: string) =>
      new ProofError({
        failure: "log-mismatch",
        block: header,
        shortMessage: `The log at index ${index} of ${describeBlock(header)} is not in its proven receipts: ${what}.`,
        metaMessages: [
          "The provider forged or altered it. Do not act on it; ask another provider.",
        ],
      });
    if (proven === undefined) throw mismatch(`the block's receipts have ${all.length} logs`);
    if (seen.has(index)) throw mismatch("it was given twice");
    seen.add(index);
    const difference = sameLog(log, proven);
    if (difference !== undefined) throw mismatch(difference);
    return proven;
  });
}

/** The filter of `eth_getLogs`: one address, topics by position (null: any; array: any of). */
export type VerifiedGetLogsParameters = {
  publicClient: ProofClient;
  headerChain: HeaderChain;
  address: Address;
  topics?: readonly (Hex | readonly Hex[] | null)[] | undefined;
  fromBlock: bigint;
  toBlock: bigint;
  /**
   * Also prove that the provider left no matching log out (default true): every block in the range
   * whose verified logsBloom may hold the address (and first topic) has its receipts proven and
   * searched. Costs the headers of the whole range (the chain verifies them anyway) and one receipts
   * read per block the bloom flags.
   */
  checkOmissions?: boolean | undefined;
};

export type VerifiedGetLogsReturnType = {
  logs: ProvenLog[];
  /** RPC requests this call sent (headers included), for cost reports. */
  requests: number;
  /** Blocks whose receipts were proven. */
  blocksProven: number;
};

function matchesFilter(
  log: ProvenLog,
  address: Address,
  topics: VerifiedGetLogsParameters["topics"],
): boolean {
  if (log.address.toLowerCase() !== address.toLowerCase()) return false;
  for (const [i, wanted] of (topics ?? []).entries()) {
    if (wanted === null) continue;
    const topic = log.topics[i];
    if (topic === undefined) return false;
    const options = typeof wanted === "string" ? [wanted] : wanted;
    if (options.length > 0 && !options.some((o) => o.toLowerCase() === topic)) return false;
  }
  return true;
}

/** Whether a 2048-bit logs bloom may contain `item` (Yellow Paper §4.3.1: three 11-bit indexes of its keccak). */
export function bloomMayContain(bloom: Hex, item: Hex): boolean {
  const bits = hexToBytes(bloom);
  const hash = hexToBytes(keccak256(item));
  for (let i = 0; i < 6; i += 2) {
    const bit = (((hash[i] as number) << 8) | (hash[i + 1] as number)) & 2047;
    const byte = bits[255 - Math.floor(bit / 8)] as number;
    if ((byte & (1 << (bit % 8))) === 0) return false;
  }
  return true;
}

/**
 * `eth_getLogs` for one contract, every returned log proven against its block's receipts root, each
 * block header verified by the header chain back to the trusted block; and, with `checkOmissions`,
 * every block of the range whose verified bloom may hold a matching log searched in its proven
 * receipts, so a provider that leaves a log out is caught.
 *
 * What it cannot catch: a provider that forges a whole chain from the trusted block on (every header
 * and receipt consistent); one that answers a `toBlock` it holds back (logs after the newest block it
 * admits to are not "omitted", they are "not yet"); a reorganisation of blocks already verified
 * (reported as `broken-link`, not resolved). Transaction hashes are the receipts' own claim: the
 * receipts root covers each log's transaction index, not the transaction's hash.
 *
 * @example
 * const { logs } = await verifiedGetLogs({ publicClient, headerChain, address, fromBlock, toBlock });
 * const events = parseEventLogs({ abi: roundtableAbi, logs });
 */
export async function verifiedGetLogs({
  publicClient,
  headerChain,
  address,
  topics,
  fromBlock,
  toBlock,
  checkOmissions = true,
}: VerifiedGetLogsParameters): Promise<VerifiedGetLogsReturnType> {
  const headerRequestsBefore = headerChain.requests;
  const given = (await publicClient.request({
    method: "eth_getLogs",
    params: [
      {
        address,
        topics: topics as Hex[] | undefined,
        fromBlock: toHex(fromBlock),
        toBlock: toHex(toBlock),
      },
    ],
  })) as unknown as RpcLog[];
  let requests = 1;
  const byBlock = new Map<bigint, RpcLog[]>();
  for (const log of given) {
    if (!log.blockNumber) {
      throw new ProofError({
        failure: "malformed",
        shortMessage: "The provider returned a pending log (no block number).",
      });
    }
    const number = BigInt(log.blockNumber);
    if (number < fromBlock || number > toBlock) {
      throw new ProofError({
        failure: "log-mismatch",
        block: { number },
        shortMessage: `The provider returned a log of block ${number}, outside the range ${fromBlock}–${toBlock} asked for.`,
      });
    }
    byBlock.set(number, [...(byBlock.get(number) ?? []), log]);
  }
  const blocks = new Set(byBlock.keys());
  if (checkOmissions) {
    const headers = await headerChain.verifiedRange(fromBlock, toBlock);
    const topic0 = topics?.[0];
    const firstTopics =
      topic0 === undefined || topic0 === null ? [] : typeof topic0 === "string" ? [topic0] : topic0;
    for (const header of headers) {
      const mayHold =
        bloomMayContain(header.logsBloom, address) &&
        (firstTopics.length === 0 || firstTopics.some((t) => bloomMayContain(header.logsBloom, t)));
      if (mayHold) blocks.add(header.number);
    }
  }
  const proven: ProvenLog[] = [];
  for (const number of [...blocks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const header = await headerChain.verifiedHeader(number);
    const { receipts, requests: receiptRequests } = await verifyBlockReceipts({
      publicClient,
      header,
    });
    requests += receiptRequests;
    const ofBlock = matchLogs(header, receipts, byBlock.get(number) ?? []);
    if (checkOmissions) {
      const returned = new Set(ofBlock.map((l) => l.logIndex));
      const left = receipts
        .flatMap((r) => r.logs)
        .find((l) => matchesFilter(l, address, topics) && !returned.has(l.logIndex));
      if (left !== undefined) {
        throw new ProofError({
          failure: "log-omitted",
          block: header,
          shortMessage: `The provider left out log ${left.logIndex} of ${describeBlock(header)} (transaction ${left.transactionIndex}), which matches the filter and is in the proven receipts.`,
          metaMessages: ["Do not use this provider's logs; ask another provider."],
        });
      }
    }
    proven.push(...ofBlock);
  }
  return {
    logs: proven,
    requests: requests + headerChain.requests - headerRequestsBefore,
    blocksProven: blocks.size,
  };
}
