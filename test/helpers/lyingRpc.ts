// A lying JSON-RPC provider for tests: a proxy on 127.0.0.1 in front of a real node, whose lies
// each test sets. It answers as the node does until told otherwise.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One JSON-RPC call as the proxy received it. */
export type RpcCall = { id: unknown; method: string; params: unknown[] };

/** What the proxy does with one call instead of forwarding it as it is. */
export type RpcInterception =
  /** Close the connection without an answer (the client sees a network error). */
  | { drop: true }
  /** Wait this long, then go on (forward, or the other fields of this value). */
  | { delay: number }
  /** Answer with this JSON-RPC error, without asking the node. */
  | { error: { code: number; message: string; data?: unknown } }
  /** Answer with this HTTP status and no JSON-RPC body (a broken or rate-limiting gateway). */
  | { status: number };

/** The lies of a {@link LyingRpc}; each is optional and can be changed at any time with `lie`. */
export type LyingRpcHooks = {
  /**
   * Replaces the node's result of a call: return `result` to keep it. Not called for calls the
   * node answered with an error.
   */
  rewrite?: ((method: string, params: unknown[], result: unknown) => unknown) | undefined;
  /** Decides, before forwarding, whether to drop, delay or fail the call (undefined: forward it). */
  intercept?:
    | ((call: RpcCall) => RpcInterception | undefined | Promise<RpcInterception | undefined>)
    | undefined;
};

export type LyingRpc = {
  /** The proxy's URL, such as `http://127.0.0.1:40123`. */
  url: string;
  /** Every call received, in order (cleared by `reset`). */
  calls: RpcCall[];
  /** How many calls of `method` were received (every method: omit it). */
  count(method?: string): number;
  /** Replaces the lies (an empty object: honest again). */
  lie(hooks: LyingRpcHooks): void;
  /** Honest again, and `calls` emptied. */
  reset(): void;
  /** Closes the proxy and every open connection; the URL then refuses connections. */
  stop(): Promise<void>;
};

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

type RpcAnswer = { jsonrpc: "2.0"; id: unknown; result?: unknown; error?: unknown };

/**
 * Starts a JSON-RPC proxy on 127.0.0.1 (a free port) in front of `target`. Batches are
 * answered item by item, so a lie about one call leaves the others true.
 * @example
 * ```ts
 * const liar = await startLyingRpc({ target: anvil.rpcUrl });
 * liar.lie({ rewrite: (method, _params, result) => (method === "eth_call" ? `0x${"00".repeat(32)}` : result) });
 * liar.lie({ intercept: () => ({ drop: true }) }); // now it is down
 * await liar.stop();
 * ```
 */
export async function startLyingRpc({
  target,
  ...initial
}: { target: string } & LyingRpcHooks): Promise<LyingRpc> {
  let hooks: LyingRpcHooks = initial;
  const calls: RpcCall[] = [];
  const sockets = new Set<Socket>();

  async function forward(call: RpcCall): Promise<RpcAnswer> {
    const upstream = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", ...call }),
    });
    return (await upstream.json()) as RpcAnswer;
  }

  /** One call's answer, `"drop"`, or an HTTP status to answer the whole request with. */
  async function answer(call: RpcCall): Promise<RpcAnswer | "drop" | number> {
    calls.push(call);
    const { rewrite, intercept } = hooks;
    const action = await intercept?.(call);
    if (action !== undefined) {
      if ("delay" in action) await sleep(action.delay);
      if ("drop" in action) return "drop";
      if ("status" in action) return action.status;
      if ("error" in action) return { jsonrpc: "2.0", id: call.id, error: action.error };
    }
    const reply = await forward(call);
    if (rewrite !== undefined && "result" in reply && reply.error === undefined) {
      reply.result = rewrite(call.method, call.params ?? [], reply.result);
    }
    return reply;
  }

  const server = createServer((request, response) => {
    void (async () => {
      const parsed = JSON.parse(await bodyOf(request)) as RpcCall | RpcCall[];
      const batch = Array.isArray(parsed) ? parsed : [parsed];
      const replies = await Promise.all(batch.map(answer));
      if (replies.includes("drop")) {
        request.socket.destroy();
        return;
      }
      const status = replies.find((r): r is number => typeof r === "number");
      if (status !== undefined) {
        response.writeHead(status, { "content-type": "text/plain" });
        response.end(`HTTP ${status} from the lying proxy`);
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(Array.isArray(parsed) ? replies : replies[0]));
    })().catch((error: unknown) => {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end(String(error));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (method) =>
      method === undefined ? calls.length : calls.filter((c) => c.method === method).length,
    lie(next) {
      hooks = next;
    },
    reset() {
      hooks = {};
      calls.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
