// The parts of a JSON-RPC answer that a decision rests on, in one canonical form, so that two
// providers are compared on what matters and not on client-specific extras (a `blockTimestamp` on
// logs, `totalDifficulty` on blocks, hex with or without leading zeros, address case).

type Raw = Record<string, unknown>;

/** A quantity as a decimal string (`0x0a` and `0xa` are equal), or null. */
function quantity(value: unknown): string | null {
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value).toString();
  if (typeof value === "number" || typeof value === "bigint") return value.toString();
  return value === undefined || value === null ? null : String(value);
}

/** Data (hashes, addresses, bytes) in lower case, or null. */
function data(value: unknown): string | null {
  if (typeof value === "string") return value.toLowerCase();
  return value === undefined || value === null ? null : String(value);
}

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list<T>(value: unknown, each: (item: unknown) => T): T[] | null {
  return Array.isArray(value) ? value.map(each) : null;
}

/** A log: where it is, who emitted it and what it says. */
function canonicalLog(log: unknown): unknown {
  if (!isObject(log)) return log ?? null;
  return {
    blockHash: data(log.blockHash),
    blockNumber: quantity(log.blockNumber),
    transactionHash: data(log.transactionHash),
    transactionIndex: quantity(log.transactionIndex),
    logIndex: quantity(log.logIndex),
    address: data(log.address),
    topics: list(log.topics, data),
    data: data(log.data),
    removed: log.removed === true,
  };
}

/** A transaction: its sender, content, signature and place. */
function canonicalTransaction(tx: unknown): unknown {
  if (typeof tx === "string") return data(tx);
  if (!isObject(tx)) return tx ?? null;
  return {
    hash: data(tx.hash),
    from: data(tx.from),
    to: data(tx.to),
    input: data(tx.input),
    nonce: quantity(tx.nonce),
    value: quantity(tx.value),
    blockHash: data(tx.blockHash),
    blockNumber: quantity(tx.blockNumber),
    type: quantity(tx.type),
    chainId: quantity(tx.chainId),
    v: quantity(tx.v),
    r: quantity(tx.r),
    s: quantity(tx.s),
    yParity: quantity(tx.yParity),
  };
}

/** A receipt: whether it succeeded, where, and its logs. */
function canonicalReceipt(receipt: unknown): unknown {
  if (!isObject(receipt)) return receipt ?? null;
  return {
    status: quantity(receipt.status),
    blockHash: data(receipt.blockHash),
    blockNumber: quantity(receipt.blockNumber),
    transactionHash: data(receipt.transactionHash),
    gasUsed: quantity(receipt.gasUsed),
    logs: list(receipt.logs, canonicalLog),
  };
}

/** A block header (and its transactions, as hashes or in full). */
function canonicalBlock(block: unknown): unknown {
  if (!isObject(block)) return block ?? null;
  return {
    hash: data(block.hash),
    number: quantity(block.number),
    parentHash: data(block.parentHash),
    timestamp: quantity(block.timestamp),
    stateRoot: data(block.stateRoot),
    receiptsRoot: data(block.receiptsRoot),
    transactionsRoot: data(block.transactionsRoot),
    transactions: list(block.transactions, canonicalTransaction),
  };
}

function canonicalProof(proof: unknown): unknown {
  if (!isObject(proof)) return proof ?? null;
  return {
    address: data(proof.address),
    balance: quantity(proof.balance),
    codeHash: data(proof.codeHash),
    nonce: quantity(proof.nonce),
    storageHash: data(proof.storageHash),
    accountProof: list(proof.accountProof, data),
    storageProof: list(proof.storageProof, (item) =>
      isObject(item)
        ? { key: quantity(item.key), value: quantity(item.value), proof: list(item.proof, data) }
        : item,
    ),
  };
}

const canonicalizers: Record<string, (result: unknown) => unknown> = {
  eth_chainId: quantity,
  eth_blockNumber: quantity,
  eth_getLogs: (result) => list(result, canonicalLog) ?? result,
  eth_call: data,
  eth_getCode: data,
  eth_getStorageAt: quantity,
  eth_getProof: canonicalProof,
  eth_getTransactionByHash: canonicalTransaction,
  eth_getTransactionReceipt: canonicalReceipt,
  eth_getBlockByNumber: canonicalBlock,
  eth_getBlockByHash: canonicalBlock,
  eth_getBlockReceipts: (result) => list(result, canonicalReceipt) ?? result,
};

/** The methods whose answers a decision rests on: asked of every provider and compared. */
export const decisionMethods: ReadonlySet<string> = new Set(Object.keys(canonicalizers));

/** The canonical form of `method`'s result. */
export function canonicalResult(method: string, result: unknown): unknown {
  const canonicalize = canonicalizers[method];
  return canonicalize === undefined ? result : canonicalize(result ?? null);
}

/** A JSON-RPC error as an answer: its code and data (messages differ between clients). */
export function canonicalError(code: number, errorData: unknown): unknown {
  return {
    error: { code, data: typeof errorData === "string" ? data(errorData) : (errorData ?? null) },
  };
}

/** A stable text of a canonical value, for grouping equal answers. */
export function stableText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (isObject(v)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, v[k]]),
      );
    }
    return v;
  });
}

/** The path to the first place where `a` and `b` differ, such as `[2].data`; "" when they are the values themselves. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (stableText(a) === stableText(b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return `${path}.length`;
      const inner = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (inner !== undefined) return inner;
    }
    return path;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const inner = firstDifference(a[key], b[key], `${path}.${key}`);
      if (inner !== undefined) return inner;
    }
  }
  return path;
}

/** The value at a path made by {@link firstDifference}. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const [, key, index] of path.matchAll(/\.([A-Za-z_]+)|\[(\d+)\]/g)) {
    if (key === "length") return Array.isArray(current) ? current.length : undefined;
    if (index !== undefined) current = Array.isArray(current) ? current[Number(index)] : undefined;
    else if (key !== undefined) current = isObject(current) ? current[key] : undefined;
  }
  return current;
}

/** A value cut short for a message: long data keeps its start and its length. */
export function shortValue(value: unknown): string {
  if (value === undefined) return "(nothing)";
  if (typeof value === "string") {
    return value.length > 66
      ? `${value.slice(0, 18)}…${value.slice(-8)} (${(value.length - 2) / 2} bytes)`
      : value;
  }
  const text = stableText(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
