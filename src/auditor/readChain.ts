// Reading the chain for an audit, trusting no single RPC: every log and block hash can be asked of
// several providers and compared, log scans page by block range and split a page when a provider
// refuses its size, logs are keyed by (block hash, log index) with removed ones dropped, and block
// hashes are read again before a verdict so that a reorganisation shows up as a finding.
import {
  type Address,
  BaseError,
  type Block,
  type Chain,
  createPublicClient,
  formatLog,
  type Hash,
  type Hex,
  HttpRequestError,
  http,
  type Log,
  type LogTopic,
  numberToHex,
  type PublicClient,
  RpcRequestError,
  type Transaction,
  type Transport,
} from "viem";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { createHeaderChain, type TrustedBlock } from "../sdk/proofs/headerChain.js";
import { ProofError } from "../sdk/proofs/ProofError.js";
import { transcriptSlot, verifyStorageSlot } from "../sdk/proofs/storage.js";

/** One RPC endpoint as the report names it: never with what may be an API key in its URL. */
export type RpcEndpoint = {
  /** The URL to connect to. */
  url: string;
  /** The URL as shown in reports (path and query hidden when they may hold a key). */
  shown: string;
  /**
   * A viem transport to read through instead of `http(url)`: the web client's own client (a
   * browser wallet's provider, or one already made for the page). Its requests are not batched.
   */
  transport?: Transport | undefined;
};

/** A disagreement between providers, or between a provider and itself over time. */
export type ReadDisagreement = {
  /**
   * What was compared: a log, a block hash, a transaction, a contract read, a block's timestamp
   * (deadlines are judged by it), or the report block (its number, hash and timestamp).
   */
  subject: "log" | "block-hash" | "transaction" | "contract-read" | "block-time" | "report-block";
  /** Which value, such as `block 12 log 3` or `transcriptOf(7)`. */
  key: string;
  /** What each provider answered (`null` for nothing). */
  answers: { rpc: string; value: string | null }[];
};

/** A block hash found again, or not, when re-read before the verdict. */
export type BlockRecheck = {
  blockNumber: bigint;
  /** The hash the logs (or the report block) carried. */
  expected: Hash;
  /** What each provider answers now. */
  answers: { rpc: string; hash: Hash | null }[];
};

/** The block every contract read is made at, and the verdict speaks for. */
export type ReportBlock = { number: bigint; hash: Hash; timestamp: bigint };

/** Where the report block is: `latest`, `latest − N`, or the chain's `finalized` tag. */
export type ReportBlockChoice =
  | { kind: "latest" }
  | { kind: "confirmations"; confirmations: bigint }
  | { kind: "finalized" };

export type CreateChainReaderParameters = {
  /** One or more providers; the first is the one whose answers are audited, the others cross-check it. */
  endpoints: readonly RpcEndpoint[];
  contract: Address;
  /** Blocks per `eth_getLogs` request at most. @default 5000n */
  pageSize?: bigint | undefined;
  /** Milliseconds before a request counts as failed (a timeout halves a log page). @default 20000 */
  timeout?: number | undefined;
  /** Transactions and block times kept in memory, most recent first. @default 256 */
  cacheSize?: number | undefined;
  /**
   * Blocks by which the providers' heads (or finalized blocks) may differ before the report block
   * counts as disputed: honest providers lag each other by a block or two; a provider that shows
   * an old head (a finished session as still active) does not. @default 2n
   */
  headTolerance?: bigint | undefined;
  /**
   * A block the auditor trusts: each session's transcript is then read from a storage proof
   * against the report block's header, linked by parent hashes to this block, so one provider
   * cannot make a forged session pass without forging the chain itself.
   */
  trustedBlock?: TrustedBlock | undefined;
};

/** A transcript read from a storage proof, or why it could not be proven. */
export type ProvenTranscript = { value: Hash } | { failure: string };

/** A chain reader: shared caches and clients; per-session {@link ReadScope}s collect what differed. */
export type ChainReader = {
  readonly chainId: number;
  readonly endpoints: readonly RpcEndpoint[];
  readonly contract: Address;
  /**
   * Resolves the report block on the first provider, and checks it against every other: their
   * heads (or finalized blocks) within `headTolerance`, and the same hash and timestamp at that
   * number. What differs goes into every later {@link ReadScope}'s disagreements.
   */
  reportBlock(choice: ReportBlockChoice): Promise<ReportBlock>;
  /** The disagreements found about the report block (also in every scope made after it). */
  readonly reportDisagreements: readonly ReadDisagreement[];
  /** A scope for one session (or one discovery scan): disagreements and block hashes seen. */
  scope(): ReadScope;
  /** With a trusted block: `transcriptOf(sessionId)` at the report block, proven. */
  proveTranscript?:
    | ((sessionId: bigint, reportBlock: ReportBlock) => Promise<ProvenTranscript>)
    | undefined;
};

/** Reads made for one session; what they found suspicious is kept here, not in the shared reader. */
export type ReadScope = {
  /** Every disagreement found so far by this scope's reads. */
  readonly disagreements: ReadDisagreement[];
  /** Block number → hash of every log this scope read, for {@link ReadScope.recheckBlocks}. */
  readonly blocks: Map<bigint, Hash>;
  /** Contract logs matching `topics` over [fromBlock, toBlock], in chain order, cross-checked. */
  getLogs(params: { topics: LogTopic[]; fromBlock: bigint; toBlock: bigint }): Promise<Log[]>;
  /** A transaction by hash (cached), cross-checked for its sender and input. */
  getTransaction(hash: Hash): Promise<Transaction>;
  /** A block's timestamp by hash (cached), cross-checked: deadlines are judged by it. */
  getBlockTime(hash: Hash): Promise<bigint>;
  /** A Roundtable view at `blockNumber`, cross-checked. */
  readContract<T>(params: {
    functionName: ReadableFunction;
    args: readonly unknown[];
    blockNumber: bigint;
  }): Promise<T>;
  /** Whether `address` held code at `blockNumber` (an ERC-1271 wallet). */
  hasCode(address: Address, blockNumber: bigint): Promise<boolean>;
  /** Reads every block hash in {@link ReadScope.blocks} (and `extra`) again from every provider. */
  recheckBlocks(extra?: ReadonlyMap<bigint, Hash>): Promise<BlockRecheck[]>;
};

/** The contract's views an audit reads. */
export type ReadableFunction =
  | "transcriptOf"
  | "configHashOf"
  | "sessionState"
  | "sessionCount"
  | "creationBlockOf"
  | "resultOf";

/**
 * Why an audit could not run at all (no answer, or an answer that is not JSON-RPC): the CLI exits 2.
 * Disagreements and reorganisations are findings, never this error.
 */
export class ChainReadError extends Error {
  override name = "ChainReadError";
  readonly rpc: string;
  constructor(rpc: string, message: string, cause?: unknown) {
    super(`${message} (RPC ${rpc})`, cause === undefined ? undefined : { cause });
    this.rpc = rpc;
  }
}

/**
 * Creates a reader over one or more providers. Requests to one provider are batched (viem's http
 * `batch`), so the many small reads of an audit travel in few HTTP requests.
 * @example
 * ```ts
 * const reader = await createChainReader({ endpoints: [{ url, shown: url }], contract });
 * const block = await reader.reportBlock({ kind: "latest" });
 * const scope = reader.scope();
 * const logs = await scope.getLogs({ topics: [], fromBlock: 0n, toBlock: block.number });
 * ```
 */
export async function createChainReader({
  endpoints,
  contract,
  pageSize = 5_000n,
  timeout = 20_000,
  cacheSize = 256,
  headTolerance = 2n,
  trustedBlock,
}: CreateChainReaderParameters): Promise<ChainReader> {
  if (endpoints.length === 0) throw new RangeError("createChainReader needs at least one RPC");
  const clients = endpoints.map((endpoint) => ({
    endpoint,
    client: createPublicClient({
      transport:
        endpoint.transport ??
        http(endpoint.url, {
          batch: { batchSize: 200, wait: 0 },
          retryCount: 1,
          retryDelay: 100,
          timeout,
        }),
    }) as PublicClient<Transport, Chain | undefined>,
  }));
  const primary = clients[0]!;
  const chainIds = await Promise.all(
    clients.map(({ endpoint, client }) =>
      guard(endpoint, "eth_chainId", () => client.getChainId()),
    ),
  );
  const chainId = chainIds[0]!;
  chainIds.forEach((id, i) => {
    if (id !== chainId) {
      throw new ChainReadError(
        clients[i]!.endpoint.shown,
        `This RPC serves chain ${id}, the first --rpc-url serves chain ${chainId}; every --rpc-url must serve the same chain`,
      );
    }
  });
  const transactions = new Lru<Hash, Promise<Transaction>>(cacheSize);
  // A block's time with what the providers said when they differed: the cache is shared by every
  // scope, and each scope that uses the time must report the disagreement too.
  const blockTimes = new Lru<
    Hash,
    Promise<{ timestamp: bigint; disagreement: ReadDisagreement | undefined }>
  >(cacheSize);
  const reportDisagreements: ReadDisagreement[] = [];
  const codes = new Lru<string, Promise<boolean>>(cacheSize);

  async function logsFrom(
    { endpoint, client }: (typeof clients)[number],
    topics: LogTopic[],
    fromBlock: bigint,
    toBlock: bigint,
  ): Promise<Log[]> {
    const logs: Log[] = [];
    let size = pageSize;
    let from = fromBlock;
    while (from <= toBlock) {
      const to = from + size - 1n < toBlock ? from + size - 1n : toBlock;
      let page: Log[];
      try {
        const raw = await client.request({
          method: "eth_getLogs",
          params: [
            { address: contract, topics, fromBlock: numberToHex(from), toBlock: numberToHex(to) },
          ],
        });
        if (!Array.isArray(raw)) throw new Error("eth_getLogs answered with something else");
        page = raw.map((log) => formatLog(log));
      } catch (error) {
        // A provider that refuses a range or a result size takes a smaller one; a single block
        // that still fails, or a refused connection, cannot be read at all.
        if (from === to || !mayBeRangeError(error)) {
          throw new ChainReadError(
            endpoint.shown,
            `eth_getLogs over blocks ${from}–${to} failed: ${shortMessage(error)}`,
            error,
          );
        }
        size = (to - from + 1n) / 2n;
        continue;
      }
      logs.push(...page);
      from = to + 1n;
      size = size * 2n < pageSize ? size * 2n : pageSize;
    }
    return canonicalLogs(logs);
  }

  function scope(): ReadScope {
    const disagreements: ReadDisagreement[] = [...reportDisagreements];
    const blocks = new Map<bigint, Hash>();
    return {
      disagreements,
      blocks,
      async getLogs({ topics, fromBlock, toBlock }) {
        const answers = await Promise.all(
          clients.map((c) => logsFrom(c, topics, fromBlock, toBlock)),
        );
        const logs = answers[0]!;
        if (answers.length > 1) {
          compareLogs(
            clients.map((c) => c.endpoint.shown),
            answers,
            disagreements,
          );
        }
        for (const log of logs) blocks.set(log.blockNumber!, log.blockHash!);
        return logs;
      },
      getTransaction(hash) {
        let cached = transactions.get(hash);
        if (cached === undefined) {
          cached = (async () => {
            const all = await Promise.all(
              clients.map(({ endpoint, client }) =>
                guard(endpoint, `eth_getTransactionByHash ${hash}`, () =>
                  client.getTransaction({ hash }),
                ),
              ),
            );
            const [first] = all;
            const shown = (tx: Transaction) => `${tx.from} ${tx.blockHash} ${tx.input}`;
            if (all.some((tx) => shown(tx) !== shown(first!))) {
              disagreements.push({
                subject: "transaction",
                key: hash,
                answers: all.map((tx, i) => ({
                  rpc: clients[i]!.endpoint.shown,
                  value: `from ${tx.from} in block ${tx.blockHash}, ${tx.input.length / 2 - 1} bytes of input`,
                })),
              });
            }
            return first!;
          })();
          // A failed read is not cached: the next session may ask again.
          cached.catch(() => transactions.delete(hash));
          transactions.set(hash, cached);
        }
        return cached;
      },
      async getBlockTime(hash) {
        let cached = blockTimes.get(hash);
        if (cached === undefined) {
          cached = (async () => {
            const blocks = await Promise.all(
              clients.map(({ endpoint, client }) =>
                guard(endpoint, `eth_getBlockByHash ${hash}`, () =>
                  blockOrNull(client, { blockHash: hash }),
                ),
              ),
            );
            const first = blocks[0];
            if (first === null || first === undefined) {
              throw new ChainReadError(primary.endpoint.shown, `Block ${hash} was not found`);
            }
            const differs = blocks.some((b) => b?.timestamp !== first.timestamp);
            return {
              timestamp: first.timestamp,
              disagreement: differs
                ? {
                    subject: "block-time" as const,
                    key: `block ${first.number} (${hash})`,
                    answers: blocks.map((b, i) => ({
                      rpc: clients[i]!.endpoint.shown,
                      value: b === null ? null : timeText(b.timestamp),
                    })),
                  }
                : undefined,
            };
          })();
          // A failed read is not cached: the next session may ask again.
          cached.catch(() => blockTimes.delete(hash));
          blockTimes.set(hash, cached);
        }
        const { timestamp, disagreement } = await cached;
        if (disagreement !== undefined && !disagreements.includes(disagreement)) {
          disagreements.push(disagreement);
        }
        return timestamp;
      },
      async readContract<T>({
        functionName,
        args,
        blockNumber,
      }: {
        functionName: ReadableFunction;
        args: readonly unknown[];
        blockNumber: bigint;
      }): Promise<T> {
        const key = `${functionName}(${args.map(String).join(", ")}) at block ${blockNumber}`;
        const all = await Promise.all(
          clients.map(({ endpoint, client }) =>
            guard(endpoint, key, () =>
              client.readContract({
                address: contract,
                abi: roundtableAbi,
                functionName,
                args: args as never,
                blockNumber,
              } as Parameters<typeof client.readContract>[0]),
            ),
          ),
        );
        const shown = all.map((value) => stringify(value));
        if (shown.some((s) => s !== shown[0])) {
          disagreements.push({
            subject: "contract-read",
            key,
            answers: shown.map((value, i) => ({ rpc: clients[i]!.endpoint.shown, value })),
          });
        }
        return all[0] as T;
      },
      hasCode(address, blockNumber) {
        const key = `${address}@${blockNumber}`;
        let cached = codes.get(key);
        if (cached === undefined) {
          cached = guard(primary.endpoint, `eth_getCode ${address}`, async () => {
            const code = await primary.client.getCode({ address, blockNumber });
            return code !== undefined && code !== "0x";
          });
          codes.set(key, cached);
        }
        return cached;
      },
      async recheckBlocks(extra) {
        const wanted = new Map(blocks);
        for (const [n, h] of extra ?? []) wanted.set(n, h);
        const numbers = [...wanted.keys()];
        const answers = await Promise.all(
          clients.map(({ endpoint, client }) =>
            Promise.all(
              numbers.map((blockNumber) =>
                guard(endpoint, `eth_getBlockByNumber ${blockNumber}`, async () => {
                  try {
                    const block: Block = await client.getBlock({ blockNumber });
                    return block.hash;
                  } catch (error) {
                    // A block the provider does not have (yet) is a disagreement, not an outage.
                    if (/not found|could not be found/i.test(shortMessage(error))) return null;
                    throw error;
                  }
                }),
              ),
            ),
          ),
        );
        const mismatches: BlockRecheck[] = [];
        numbers.forEach((blockNumber, k) => {
          const expected = wanted.get(blockNumber)!;
          const now = answers.map((list, i) => ({
            rpc: clients[i]!.endpoint.shown,
            hash: list[k] ?? null,
          }));
          if (now.some((a) => a.hash !== expected)) {
            mismatches.push({ blockNumber, expected, answers: now });
          }
        });
        return mismatches;
      },
    };
  }

  /** Every other provider's head (or finalized block) and block at `chosen`, compared with it. */
  async function crossCheckReportBlock(choice: ReportBlockChoice, chosen: Block): Promise<void> {
    if (clients.length < 2 || chosen.number === null) return;
    const number = chosen.number;
    const [heads, blocks] = await Promise.all([
      Promise.all(
        clients.map(({ endpoint, client }) =>
          guard(endpoint, "the head block", async () =>
            choice.kind === "finalized"
              ? ((await blockOrNull(client, { blockTag: "finalized" }))?.number ?? null)
              : client.getBlockNumber({ cacheTime: 0 }),
          ),
        ),
      ),
      Promise.all(
        clients.map(({ endpoint, client }) =>
          guard(endpoint, `eth_getBlockByNumber ${number}`, () =>
            blockOrNull(client, { blockNumber: number }),
          ),
        ),
      ),
    ]);
    const rpc = (i: number) => clients[i]!.endpoint.shown;
    const known = heads
      .filter((h): h is bigint => h !== null)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const spread = known.length === 0 ? 0n : known.at(-1)! - known[0]!;
    const which = choice.kind === "finalized" ? "finalized block" : "latest block";
    if (spread > headTolerance || known.length < heads.length) {
      reportDisagreements.push({
        subject: "report-block",
        key: `${which} (${spread} blocks apart, ${headTolerance} allowed)`,
        answers: heads.map((h, i) => ({ rpc: rpc(i), value: h === null ? null : `block ${h}` })),
      });
    }
    const shown = (b: Block | null) =>
      b === null ? null : `hash ${b.hash}, time ${timeText(b.timestamp)}`;
    if (blocks.some((b) => shown(b) !== shown(chosen))) {
      reportDisagreements.push({
        subject: "report-block",
        key: `block ${number}`,
        answers: blocks.map((b, i) => ({ rpc: rpc(i), value: shown(b) })),
      });
    }
  }

  const headers =
    trustedBlock === undefined
      ? undefined
      : createHeaderChain({ publicClient: primary.client, trusted: trustedBlock });
  return {
    chainId,
    endpoints,
    contract,
    reportDisagreements,
    ...(headers === undefined
      ? {}
      : {
          async proveTranscript(sessionId: bigint, reportBlock: ReportBlock) {
            try {
              const header = await headers.verifiedHeader(reportBlock.number);
              if (header.hash.toLowerCase() !== reportBlock.hash.toLowerCase()) {
                return {
                  failure: `the report block ${reportBlock.number} is ${reportBlock.hash}, but the chain linked to the trusted block has ${header.hash} there`,
                };
              }
              const { value } = await verifyStorageSlot({
                publicClient: primary.client,
                header,
                address: contract,
                slot: transcriptSlot(sessionId),
              });
              return { value: value as Hash };
            } catch (error) {
              if (error instanceof ProofError) return { failure: error.shortMessage };
              throw error;
            }
          },
        }),
    async reportBlock(choice) {
      const block = await guard(primary.endpoint, "the report block", async () => {
        let block: Block;
        if (choice.kind === "finalized") {
          block = await primary.client.getBlock({ blockTag: "finalized" });
        } else {
          const latest = await primary.client.getBlockNumber({ cacheTime: 0 });
          const depth = choice.kind === "confirmations" ? choice.confirmations : 0n;
          if (depth > latest) {
            throw new ChainReadError(
              primary.endpoint.shown,
              `--confirmations ${depth} reaches before the first block (the chain is at block ${latest}); use a smaller number`,
            );
          }
          block = await primary.client.getBlock({ blockNumber: latest - depth });
        }
        if (block.number === null || block.hash === null) {
          throw new ChainReadError(primary.endpoint.shown, "The report block is still pending");
        }
        return block;
      });
      reportDisagreements.length = 0;
      await crossCheckReportBlock(choice, block);
      return { number: block.number!, hash: block.hash!, timestamp: block.timestamp };
    },
    scope,
  };
}

/** A block, or null where the provider does not have it (yet). */
async function blockOrNull(
  client: PublicClient<Transport, Chain | undefined>,
  at: { blockHash: Hash } | { blockNumber: bigint } | { blockTag: "finalized" },
): Promise<Block | null> {
  try {
    return await client.getBlock(at);
  } catch (error) {
    if (/not found|could not be found/i.test(shortMessage(error))) return null;
    throw error;
  }
}

/** A block time for a report: seconds and the UTC time they stand for. */
function timeText(timestamp: bigint): string {
  const date = new Date(Number(timestamp) * 1000);
  return `${timestamp} (${Number.isNaN(date.getTime()) ? "invalid" : date.toISOString()})`;
}

/** Logs deduplicated by (block hash, log index), removed ones dropped, in chain order. */
function canonicalLogs(logs: readonly Log[]): Log[] {
  const byKey = new Map<string, Log>();
  for (const log of logs) {
    if (log.removed || log.blockHash === null || log.blockNumber === null) continue;
    byKey.set(logKey(log), log);
  }
  return [...byKey.values()].sort((a, b) =>
    a.blockNumber === b.blockNumber
      ? (a.logIndex ?? 0) - (b.logIndex ?? 0)
      : a.blockNumber! < b.blockNumber!
        ? -1
        : 1,
  );
}

function logKey(log: Log): string {
  return `${log.blockHash}:${log.logIndex}`;
}

function logContent(log: Log): string {
  return `${log.transactionHash} ${log.topics.join(",")} ${log.data}`;
}

/** Every log any provider returned, compared by key and content with the first provider's. */
function compareLogs(rpcs: string[], answers: Log[][], out: ReadDisagreement[]): void {
  const maps = answers.map((logs) => new Map(logs.map((log) => [logKey(log), log])));
  const keys = new Set(maps.flatMap((m) => [...m.keys()]));
  for (const key of keys) {
    const seen = maps.map((m) => m.get(key));
    const contents = seen.map((log) => (log === undefined ? null : logContent(log)));
    if (contents.every((c) => c === contents[0])) continue;
    const any = seen.find((log) => log !== undefined)!;
    out.push({
      subject: "log",
      key: `block ${any.blockNumber} (${any.blockHash}) log ${any.logIndex}, transaction ${any.transactionHash}`,
      answers: contents.map((value, i) => ({
        rpc: rpcs[i]!,
        value: value === null ? null : summarizeLog(seen[i]!),
      })),
    });
  }
}

function summarizeLog(log: Log): string {
  const data =
    log.data.length > 42
      ? `${log.data.slice(0, 42)}… (${(log.data.length - 2) / 2} bytes)`
      : log.data;
  return `topic ${log.topics[0]?.slice(0, 10) ?? "none"}…, data ${data}, data hash ${hashOf(log.data)}`;
}

/** A short, stable fingerprint of hex data (FNV-1a), to tell two payloads apart in a report. */
function hashOf(data: Hex): string {
  let h = 0x811c9dc5;
  for (let i = 2; i < data.length; i++) {
    h ^= data.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Whether a failed `eth_getLogs` may succeed over fewer blocks (a provider's range or size cap). */
function mayBeRangeError(error: unknown): boolean {
  if (!(error instanceof BaseError)) return true;
  const cause = error.walk((e) => e instanceof HttpRequestError || e instanceof RpcRequestError);
  if (cause instanceof RpcRequestError && cause.code === 429) return false;
  if (cause instanceof HttpRequestError) {
    // No status: the connection itself failed (refused, reset), which a smaller page does not fix.
    return cause.status !== undefined && ![401, 403, 429].includes(cause.status);
  }
  return true;
}

async function guard<T>(endpoint: RpcEndpoint, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ChainReadError) throw error;
    throw new ChainReadError(
      endpoint.shown,
      `Reading ${what} failed: ${shortMessage(error)}`,
      error,
    );
  }
}

function shortMessage(error: unknown): string {
  if (error instanceof BaseError) {
    const details =
      error.details && error.details !== error.shortMessage ? ` (${error.details})` : "";
    return `${error.shortMessage}${details}`.split("\n")[0]!;
  }
  return error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
}

function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** A small least-recently-used map: audits of many sessions keep memory flat. */
class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }
  delete(key: K): void {
    this.#map.delete(key);
  }
}
