// A TCP proxy on 127.0.0.1 in front of a node, which a test stops (every connection cut, new ones
// refused: the provider is gone) and starts again on the same port, as an RPC outage looks to a
// client. It forwards bytes and knows nothing of JSON-RPC.
import { connect, createServer, type Server, type Socket } from "node:net";

export type PausableProxy = {
  /** The proxy's URL, such as `http://127.0.0.1:40123`; the same across stop and start. */
  url: string;
  /** Cuts every open connection and stops listening: the URL refuses connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Whether it listens now. */
  readonly running: boolean;
};

/** Starts a proxy to `target` (an http URL of a node on this machine) on a free port. */
export async function startPausableProxy(target: string): Promise<PausableProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  function listen(): Promise<void> {
    const next = createServer((client) => {
      const node = connect(Number(upstream.port), upstream.hostname);
      for (const socket of [client, node]) {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          node.destroy();
        });
      }
      client.pipe(node);
      node.pipe(client);
    });
    server = next;
    return new Promise((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        const address = next.address();
        if (address !== null && typeof address === "object") port = address.port;
        resolve();
      });
    });
  }

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    get running() {
      return server !== undefined;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (server === undefined) await listen();
    },
  };
}
