// Slow and idle connections (threat R12), with real sockets (node:net) against a real relayer:
// header-trickling and body-trickling sockets are closed within the configured timeouts, sockets
// over the per-address cap are closed at once, and an honest client is served while 200 slow
// sockets are held open from other addresses.

import { connect, type Socket } from "node:net";
import { expect } from "chai";
import type { Relayer } from "../../src/relayer/server.js";
import {
  type AcceptSession,
  actionBody,
  createAcceptSessions,
  eoaParties,
  postJsonFrom,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
} from "./helpers.js";

type Slow = { socket: Socket; opened: number; closedAt: Promise<number> };

/** A socket from `localAddress` that sends `head` and then one byte of `trickle` every `everyMs`. */
function slowSocket(
  url: string,
  localAddress: string,
  head: string,
  everyMs: number,
): Promise<Slow> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress });
    const opened = Date.now();
    const closedAt = new Promise<number>((done) => socket.once("close", () => done(Date.now())));
    socket.on("error", () => {});
    socket.once("connect", () => {
      socket.write(head);
      const timer = setInterval(() => {
        if (!socket.destroyed) socket.write("a");
      }, everyMs);
      socket.once("close", () => clearInterval(timer));
      resolve({ socket, opened, closedAt });
    });
    socket.once("error", reject);
  });
}

const headerTrickle = "POST /v1/actions HTTP/1.1\r\nHost: relayer\r\nX-Slow: ";
const bodyTrickle =
  "POST /v1/actions HTTP/1.1\r\nHost: relayer\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n";

describe("Relayer › slow sockets", function () {
  this.timeout(60_000);
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let relayer: Relayer;
  let session: AcceptSession;
  const sockets: Socket[] = [];

  before(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
    [session] = (await createAcceptSessions({
      chain,
      parties: eoaParties("slow", 3),
      count: 1,
    })) as [AcceptSession];
    relayer = await startTestRelayer(chain, dir.path, {
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      maxConnectionsPerIp: 64,
      maxConnections: 1_024,
    });
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
    await dir?.remove();
  });

  it("closes a header-trickling socket within the headers timeout", async () => {
    const slow = await slowSocket(relayer.url, "127.0.0.5", headerTrickle, 100);
    sockets.push(slow.socket);
    const held = (await slow.closedAt) - slow.opened;
    // 1 s, plus Node's check interval (250 ms here) and slack for a busy machine.
    expect(held).to.be.within(900, 2_000);
  });

  it("closes a body-trickling socket within the request timeout", async () => {
    const slow = await slowSocket(relayer.url, "127.0.0.6", bodyTrickle, 100);
    sockets.push(slow.socket);
    const held = (await slow.closedAt) - slow.opened;
    expect(held).to.be.within(1_900, 3_200);
  });

  it("closes a socket over the per-address cap at once", async () => {
    const slows = await Promise.all(
      Array.from({ length: 65 }, () => slowSocket(relayer.url, "127.0.0.7", headerTrickle, 200)),
    );
    sockets.push(...slows.map((s) => s.socket));
    const early = await Promise.race([
      Promise.any(slows.map((s) => s.closedAt.then((t) => t - s.opened))),
      new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 700)),
    ]);
    expect(early).to.be.lessThan(500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slows.filter((s) => s.socket.destroyed)).to.have.length(1);
  });

  it("serves an honest request while 200 slow sockets are open, then closes them in time", async () => {
    const addresses = ["127.0.0.10", "127.0.0.11", "127.0.0.12", "127.0.0.13"];
    const slows = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        slowSocket(relayer.url, addresses[i % 4]!, i % 2 === 0 ? headerTrickle : bodyTrickle, 150),
      ),
    );
    sockets.push(...slows.map((s) => s.socket));
    const started = Date.now();
    const honest = await postJsonFrom(relayer.url, "127.0.0.1", actionBody(session.accepts[0]!));
    expect(honest.status).to.equal(202);
    expect(Date.now() - started).to.be.lessThan(1_000);
    expect(slows.filter((s) => s.socket.destroyed)).to.have.length(0);
    const closed = await Promise.all(slows.map((s) => s.closedAt.then((t) => t - s.opened)));
    expect(Math.max(...closed)).to.be.lessThan(3_200);
  });
});
