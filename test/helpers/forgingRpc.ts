// A forging JSON-RPC provider for tests: like lyingRpc.ts, a proxy on 127.0.0.1 in front of a real
// node, but its lies may be asynchronous (to recompute what a forgery needs, such as the transcript
// the forged logs imply) and it can answer a call itself without forwarding it (a swallowed
// transaction). It answers as the node does until told otherwise.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One JSON-RPC call as the proxy received it. */
export type ForgedCall = { id: unknown; method: string; params: unknown[] };

export type ForgingRpcHooks = {
  /** Answers a call without the node: return `{ result }` or `{ error }`, or undefined to forward. */
  answer?:
    | ((
        call: ForgedCall,
      ) =>
        | { result: unknown }
        | { error: { code: number; message: string } }
        | undefined
        | Promise<{ result: unknown } | { error: { code: number; message: string } } | undefined>)
    | undefined;
  /** Replaces the node's successful result (return `result` to keep it). */
  rewrite?: ((call: ForgedCall, result: unknown) => unknown | Promise<unknown>) | undefined;
};

export type ForgingRpc = {
  url: string;
  /** Every call received, in order. */
  calls: ForgedCall[];
  /** Calls of `method` received (all: omit it). */
  count(method?: string): number;
  /** Replaces the lies (an empty object: honest again). */
  lie(hooks: ForgingRpcHooks): void;
  /** Honest again, `calls` emptied. */
  reset(): void;
  stop(): Promise<void>;
};

type Answer = { jsonrpc: "2.0"; id: unknown; result?: unknown; error?: unknown };

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts a forging proxy in front of `target`; batches are answered item by item. */
export async function startForgingRpc({ target }: { target: string }): Promise<ForgingRpc> {
  let hooks: ForgingRpcHooks = {};
  const calls: ForgedCall[] = [];
  const sockets = new Set<Socket>();

  async function one(call: ForgedCall): Promise<Answer> {
    calls.push(call);
    const { answer, rewrite } = hooks;
    const own = await answer?.(call);
    if (own !== undefined) return { jsonrpc: "2.0", id: call.id, ...own };
    const upstream = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", ...call }),
    });
    const reply = (await upstream.json()) as Answer;
    if (rewrite !== undefined && "result" in reply && reply.error === undefined) {
      reply.result = await rewrite({ ...call, params: call.params ?? [] }, reply.result);
    }
    return reply;
  }

  const server = createServer((request, response) => {
    void (async () => {
      const parsed = JSON.parse(await bodyOf(request)) as ForgedCall | ForgedCall[];
      const batch = Array.isArray(parsed) ? parsed : [parsed];
      const replies = await Promise.all(batch.map(one));
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
