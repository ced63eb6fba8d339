// Several JSON-RPC providers as one viem transport that trusts none of them alone: every read a
// decision rests on is asked of all and the answer given by a quorum wins; writes go to all; the
// rest goes to the first provider that answers. See issue 11 and THREATS.md N4.
import {
  createTransport,
  type EIP1193RequestFn,
  http,
  keccak256,
  RpcRequestError,
  type Transport,
  type TransportConfig,
  webSocket,
} from "viem";
import {
  canonicalError,
  canonicalResult,
  decisionMethods,
  firstDifference,
  shortValue,
  stableText,
  valueAt,
} from "./canonicalAnswer.js";
import { redactUrl } from "./redactUrl.js";
import {
  isDown,
  type ProviderFailure,
  RpcDisagreementError,
  RpcQuorumUnavailableError,
  reasonOf,
  rpcErrorOf,
} from "./rpcErrors.js";

/** One provider: a URL (shown redacted), or a viem transport with the name messages use for it. */
export type QuorumProvider =
  | string
  | { url: string; name?: string }
  | { transport: Transport; name: string };

/** One request to one provider, for counting and benchmarks. */
export type QuorumRequestEvent = {
  provider: string;
  method: string;
  /** `answer`: a result or a JSON-RPC error; `down`: no answer (refused, timed out, broken). */
  outcome: "answer" | "down";
  milliseconds: number;
};

/** Requests per provider since the transport was made. */
export type QuorumStats = Record<string, { requests: number; down: number }>;

export type QuorumTransportParameters = {
  providers: readonly QuorumProvider[];
  /** How many providers must give the same answer. @default providers.length (all) */
  quorum?: number | undefined;
  /** Milliseconds before a URL provider's request counts as down. @default 10_000 */
  timeout?: number | undefined;
  /** Retries of a URL provider's request before it counts as down. @default 1 */
  retryCount?: number | undefined;
  /**
   * Milliseconds a common head (see below) is reused by later reads; reads made at the same time
   * always share one. @default 0
   */
  headCacheTime?: number | undefined;
  /**
   * Milliseconds a provider that was down is left out of reads, so that every read does not wait
   * for its timeout again; it is asked anyway when the others alone cannot reach the quorum.
   * @default 5_000
   */
  downTime?: number | undefined;
  /** Called after every request to every provider. */
  onRequest?: ((event: QuorumRequestEvent) => void) | undefined;
  key?: string | undefined;
  name?: string | undefined;
};

export type QuorumTransportValue = {
  /** The providers' names, in order. */
  providers: readonly string[];
  quorum: number;
  /** Requests (and failed ones) per provider so far. */
  stats(): QuorumStats;
};

export type QuorumTransport = Transport<"quorum", QuorumTransportValue>;

export type QuorumTransportErrorType = RpcDisagreementError | RpcQuorumUnavailableError;

/** Reads that may rightly be `null` while a provider lags (not mined or not seen yet). */
const nullableMethods = new Set([
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getBlockReceipts",
]);

/** Filters live in one provider's memory: refused, so that viem polls with eth_getLogs instead. */
const filterMethods = new Set([
  "eth_newFilter",
  "eth_newBlockFilter",
  "eth_newPendingTransactionFilter",
  "eth_getFilterChanges",
  "eth_getFilterLogs",
  "eth_uninstallFilter",
]);

/** Where each decision read carries its block: `[index, inside a filter object]`. */
const blockParameter: Record<string, { index: number; filter?: true }> = {
  eth_call: { index: 1 },
  eth_getCode: { index: 1 },
  eth_getStorageAt: { index: 2 },
  eth_getProof: { index: 2 },
  eth_getBlockByNumber: { index: 0 },
  eth_getLogs: { index: 0, filter: true },
};

/** Tags that each provider resolves to its own head; pinned to the common head instead. */
const headTags = new Set([undefined, null, "latest", "pending"]);

type Answer =
  | { provider: string; kind: "result"; value: unknown }
  | { provider: string; kind: "error"; error: Error; code: number; data: unknown }
  | { provider: string; kind: "down"; error: Error; reason: string };

type Instance = { name: string; request: EIP1193RequestFn };

/**
 * A viem transport over several providers that act as a quorum, not a list.
 *
 * - Reads a decision rests on (`eth_chainId`, `eth_getLogs`, `eth_call`, `eth_getCode`,
 *   `eth_getStorageAt`, `eth_getProof`, transactions, receipts, blocks) go to every provider;
 *   their canonical forms are compared, and the answer of `quorum` providers wins, else
 *   {@link RpcDisagreementError}. A JSON-RPC error (a revert) is an answer too.
 * - Honest providers lag: `latest` (or no block) is pinned to the common head, the highest
 *   block that `quorum` providers have, whose hash they must agree on; `eth_blockNumber` answers
 *   it. A transaction, receipt or block that agreeing providers have but fewer than `quorum` yet
 *   is `null` (not yet confirmed).
 * - Providers that are down are skipped while the others still reach the quorum; below it,
 *   {@link RpcQuorumUnavailableError} names who failed and why.
 * - `eth_sendRawTransaction` goes to every provider (each returned hash is checked against the
 *   transaction's); everything else (fees, nonces, estimates) to the first that answers.
 * - With one provider it is that provider's transport, with a counter.
 *
 * @example
 * ```ts
 * const client = createPublicClient({
 *   transport: quorumTransport({ providers: [urlA, urlB, urlC], quorum: 2 }),
 * });
 * const logs = await client.getLogs({ address }); // what 2 of the 3 providers say
 * client.transport.stats(); // { "https://a.example/…": { requests: 3, down: 0 }, … }
 * ```
 */
export function quorumTransport({
  providers,
  quorum: quorumOption,
  timeout = 10_000,
  retryCount = 1,
  headCacheTime = 0,
  downTime = 5_000,
  onRequest,
  key = "quorum",
  name = "Quorum JSON-RPC",
}: QuorumTransportParameters): QuorumTransport {
  if (providers.length === 0) throw new RangeError("quorumTransport needs at least one provider");
  const quorum = quorumOption ?? providers.length;
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > providers.length) {
    throw new RangeError(
      `The quorum must be a whole number from 1 to ${providers.length} (the number of providers), not ${quorum}`,
    );
  }
  const named = uniqueNames(
    providers.map((p) => {
      if (typeof p === "string")
        return { name: redactUrl(p), transport: transportFor(p, timeout, retryCount) };
      if ("url" in p) {
        return {
          name: p.name ?? redactUrl(p.url),
          transport: transportFor(p.url, timeout, retryCount),
        };
      }
      return p;
    }),
  );
  const names = named.map((p) => p.name);
  const stats: QuorumStats = Object.fromEntries(names.map((n) => [n, { requests: 0, down: 0 }]));
  const count = (event: QuorumRequestEvent) => {
    const entry = stats[event.provider];
    if (entry !== undefined) {
      entry.requests += 1;
      if (event.outcome === "down") entry.down += 1;
    }
    onRequest?.(event);
  };
  const value: QuorumTransportValue = {
    providers: names,
    quorum,
    stats: () => structuredClone(stats),
  };

  if (named.length === 1) {
    const [only] = named as [{ name: string; transport: Transport }];
    // One provider: its own transport (retries, batching, errors) unchanged, only counted.
    return ((config) => {
      const inner = only.transport(config);
      const request: EIP1193RequestFn = async (args, options) => {
        const started = Date.now();
        let outcome: QuorumRequestEvent["outcome"] = "answer";
        try {
          return await inner.request(args, options);
        } catch (error) {
          if (isDown(error)) outcome = "down";
          throw error;
        } finally {
          count({
            provider: only.name,
            method: args.method,
            outcome,
            milliseconds: Date.now() - started,
          });
        }
      };
      // Its config (type "http" or "webSocket") and value (subscriptions) are kept as they are,
      // so that viem treats it as it treats that provider.
      return {
        ...inner,
        request,
        value: { ...inner.value, ...value },
      } as unknown as ReturnType<QuorumTransport>;
    }) as QuorumTransport;
  }

  return ((config) => {
    const instances: Instance[] = named.map(({ name: provider, transport }) => ({
      name: provider,
      request: transport({ chain: config.chain, pollingInterval: config.pollingInterval }).request,
    }));
    const total = instances.length;
    let head: { at: number; value: Promise<bigint> } | undefined;
    const downSince = new Map<string, number>();

    const recentlyDown = (instance: Instance) =>
      Date.now() - (downSince.get(instance.name) ?? Number.NEGATIVE_INFINITY) <= downTime;

    /**
     * Every provider's answer to one request; those down recently are asked only when the others
     * do not reach the quorum without them.
     */
    async function askAll(method: string, params: unknown): Promise<Answer[]> {
      const skipped = instances.filter(recentlyDown);
      const first = instances.filter((i) => !recentlyDown(i));
      const answers = await Promise.all(first.map((i) => ask(i, method, params)));
      if (answers.filter((a) => a.kind !== "down").length >= quorum || skipped.length === 0) {
        return answers;
      }
      return [...answers, ...(await Promise.all(skipped.map((i) => ask(i, method, params))))];
    }

    async function ask(instance: Instance, method: string, params: unknown): Promise<Answer> {
      const started = Date.now();
      try {
        const result = await instance.request({ method, params } as never);
        downSince.delete(instance.name);
        count({
          provider: instance.name,
          method,
          outcome: "answer",
          milliseconds: Date.now() - started,
        });
        return { provider: instance.name, kind: "result", value: result };
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        const rpc = isDown(error) ? undefined : rpcErrorOf(error);
        count({
          provider: instance.name,
          method,
          outcome: rpc === undefined ? "down" : "answer",
          milliseconds: Date.now() - started,
        });
        if (rpc === undefined) {
          downSince.set(instance.name, Date.now());
          return { provider: instance.name, kind: "down", error, reason: reasonOf(error) };
        }
        downSince.delete(instance.name);
        return { provider: instance.name, kind: "error", error, ...rpc };
      }
    }

    /** Every provider's answer, settled by the quorum. */
    async function decide(method: string, params: unknown): Promise<unknown> {
      const answers = await askAll(method, params);
      return settle(method, params, answers);
    }

    function settle(method: string, params: unknown, answers: readonly Answer[]): unknown {
      const healthy = answers.filter((a) => a.kind !== "down");
      const groups = new Map<string, { canonical: unknown; answers: Answer[] }>();
      for (const answer of healthy) {
        const canonical =
          answer.kind === "result"
            ? canonicalResult(method, answer.value)
            : canonicalError(answer.code, answer.data);
        const text = stableText(canonical);
        const group = groups.get(text) ?? { canonical, answers: [] };
        group.answers.push(answer);
        groups.set(text, group);
      }
      const ranked = [...groups.values()].sort((a, b) => b.answers.length - a.answers.length);
      const best = ranked[0];
      if (best !== undefined && best.answers.length >= quorum) return unwrap(best.answers[0]!);
      const nonNull = ranked.filter((g) => g.canonical !== null);
      const disagree = () => {
        const reference = (nonNull[0] ?? ranked[0])!.canonical;
        const other = ranked.find((g) => g.canonical !== reference) ?? ranked[0]!;
        const key = firstDifference(reference, other.canonical) ?? "";
        return new RpcDisagreementError({
          method,
          request: describeRequest(method, params),
          key,
          answers: answers.map((a) => ({
            provider: a.provider,
            value:
              a.kind === "down"
                ? `no answer (${a.reason})`
                : shortValue(
                    valueAt(
                      a.kind === "result"
                        ? canonicalResult(method, a.value)
                        : canonicalError(a.code, a.data),
                      key,
                    ),
                  ),
          })),
          quorum,
          total,
        });
      };
      if (healthy.length < quorum) {
        if (nonNull.length > 1) throw disagree();
        throw unavailable(method, answers, healthy.length);
      }
      // Agreeing providers have it, the others not yet: not confirmed by the quorum.
      if (nullableMethods.has(method) && nonNull.length <= 1) return null;
      throw disagree();
    }

    function unavailable(method: string, answers: readonly Answer[], answered: number) {
      const down = answers.filter((a) => a.kind === "down");
      const failures: ProviderFailure[] = down.map((a) => ({
        provider: a.provider,
        reason: a.reason,
      }));
      return new RpcQuorumUnavailableError({
        method,
        failures,
        answered,
        quorum,
        total,
        cause: down[0]?.error,
      });
    }

    /** The highest block `quorum` providers have, its hash agreed by the quorum. */
    function commonHead(): Promise<bigint> {
      const now = Date.now();
      if (head !== undefined && now - head.at <= headCacheTime) return head.value;
      const value = (async () => {
        const answers = await askAll("eth_blockNumber", []);
        const heights = answers
          .flatMap((a) =>
            a.kind === "result" && typeof a.value === "string" ? [BigInt(a.value)] : [],
          )
          .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
        const height = heights[quorum - 1];
        if (height === undefined) throw unavailable("eth_blockNumber", answers, heights.length);
        // The block at that height must be one block for the quorum, not one per provider.
        await decide("eth_getBlockByNumber", [`0x${height.toString(16)}`, false]).then((block) => {
          if (block === null) throw unavailable("eth_getBlockByNumber", answers, heights.length);
        });
        return height;
      })();
      head = { at: now, value };
      // A failure is not reused: the next read asks again.
      value.catch(() => {
        if (head?.value === value) head = undefined;
      });
      return value;
    }

    async function pinned(method: string, params: unknown): Promise<unknown> {
      const where = blockParameter[method];
      if (where === undefined || !Array.isArray(params)) return params;
      if (where.filter) {
        const filter = params[where.index] as Record<string, unknown> | undefined;
        if (filter === undefined || filter.blockHash !== undefined) return params;
        const pinFrom = headTags.has(filter.fromBlock as string);
        const pinTo = headTags.has(filter.toBlock as string);
        if (!pinFrom && !pinTo) return params;
        const at = `0x${(await commonHead()).toString(16)}`;
        const copy = [...params];
        copy[where.index] = {
          ...filter,
          ...(pinFrom ? { fromBlock: at } : {}),
          ...(pinTo ? { toBlock: at } : {}),
        };
        return copy;
      }
      if (!headTags.has(params[where.index] as string)) return params;
      const copy = [...params];
      while (copy.length < where.index) copy.push(null);
      copy[where.index] = `0x${(await commonHead()).toString(16)}`;
      return copy;
    }

    /** Every provider is offered the transaction; it is sent if one accepts it. */
    async function broadcast(params: unknown): Promise<unknown> {
      const raw = (params as unknown[])[0] as `0x${string}`;
      const hash = keccak256(raw);
      const answers = await askAll("eth_sendRawTransaction", params);
      if (
        answers.some(
          (a) =>
            a.kind === "result" && typeof a.value === "string" && a.value.toLowerCase() === hash,
        )
      ) {
        return hash;
      }
      const refused = answers.find((a) => a.kind === "error");
      if (refused?.kind === "error") throw refused.error;
      const lied = answers.filter((a) => a.kind === "result");
      if (lied.length > 0) {
        throw new RpcDisagreementError({
          method: "eth_sendRawTransaction",
          request: `eth_sendRawTransaction of transaction ${hash}`,
          key: "",
          answers: answers.map((a) => ({
            provider: a.provider,
            value:
              a.kind === "result"
                ? `${shortValue(a.value)} (not ${hash})`
                : a.kind === "down"
                  ? `no answer (${a.reason})`
                  : `refused (${reasonOf(a.error)})`,
          })),
          quorum: 1,
          total,
        });
      }
      throw unavailable("eth_sendRawTransaction", answers, 0);
    }

    /** The first provider that answers; the next ones only when it is down. */
    async function first(method: string, params: unknown): Promise<unknown> {
      const answers: Answer[] = [];
      const ordered = [
        ...instances.filter((i) => !recentlyDown(i)),
        ...instances.filter(recentlyDown),
      ];
      for (const instance of ordered) {
        const answer = await ask(instance, method, params);
        if (answer.kind !== "down") return unwrap(answer);
        answers.push(answer);
      }
      throw unavailable(method, answers, 0);
    }

    const request = (async ({ method, params }: { method: string; params?: unknown }) => {
      if (method === "eth_blockNumber") return `0x${(await commonHead()).toString(16)}`;
      if (decisionMethods.has(method)) return decide(method, await pinned(method, params));
      if (method === "eth_sendRawTransaction") return broadcast(params);
      if (filterMethods.has(method)) {
        throw new RpcRequestError({
          body: { method, params },
          error: {
            code: -32601,
            message: `${method} is not offered by a quorum of providers (filters live in one provider); poll with eth_getLogs`,
          },
          url: "quorum",
        });
      }
      return first(method, params);
    }) as EIP1193RequestFn;

    return createTransport(
      {
        key,
        name,
        type: "quorum",
        request,
        retryCount: 0,
        timeout,
      } satisfies TransportConfig<"quorum">,
      value,
    );
  }) as QuorumTransport;
}

function transportFor(url: string, timeout: number, retryCount: number): Transport {
  return url.startsWith("ws")
    ? webSocket(url, { timeout, retryCount })
    : http(url, { timeout, retryCount });
}

/** Two providers behind one redacted name (two keys at one host) get `#2`, `#3`. */
function uniqueNames<T extends { name: string }>(providers: T[]): T[] {
  const seen = new Map<string, number>();
  return providers.map((p) => {
    const n = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, n);
    return n === 1 ? p : { ...p, name: `${p.name} #${n}` };
  });
}

function unwrap(answer: Answer): unknown {
  if (answer.kind === "result") return answer.value;
  throw answer.error;
}

/** The request, short, for messages. */
function describeRequest(method: string, params: unknown): string {
  const text = stableText(params ?? []);
  return `${method} ${text.length > 200 ? `${text.slice(0, 197)}…` : text}`;
}
