import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import {
  type AcceptSession,
  actionBody,
  createAcceptSessions,
  eoaParties,
  type RelayerChain,
  type RelayerProcess,
  startRelayerChain,
  startRelayerProcess,
  tempDir,
} from "./helpers.js";

const runs = 12_000;
/** Requests before memory is first sampled: enough to fill pools, JIT caches and allocator arenas. */
const warmUp = 6_000;
const bodyLimit = 64 * 1024;

/** The resident set of process `pid`, from /proc (Linux), in bytes. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

type Request = { contentType: string | undefined; body: string };

/** Field values a hostile client might put anywhere: wrong types, huge numbers, odd hex. */
const hostileValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(
    -1,
    255,
    256,
    1e308,
    Number.MAX_SAFE_INTEGER,
    1.5,
    "0x",
    "0x0",
    "0xzz",
    "-1",
    "1e3",
    `0x${"f".repeat(65)}`,
    `${2n ** 256n}`,
    `${2n ** 256n - 1n}`,
    "",
    null,
    true,
    [],
    {},
  ),
  fc.bigInt({ min: 0n, max: 2n ** 300n }).map((n) => n.toString()),
  fc
    .string({ unit: fc.constantFrom(..."0123456789abcdefxX"), maxLength: 140 })
    .map((s) => `0x${s}`),
);

function requests(valid: Record<string, unknown>): fc.Arbitrary<Request> {
  const json = "application/json";
  const validText = JSON.stringify(valid);
  const keys = Object.keys(valid);
  return fc.oneof(
    // Anything JSON at all.
    fc.jsonValue().map((v) => ({ contentType: json, body: JSON.stringify(v) ?? "null" })),
    // A valid action with fields replaced, removed or added.
    fc
      .record({
        replace: fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: 3 }),
        remove: fc.subarray(keys, { maxLength: 2 }),
        extra: fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 2 }),
      })
      .map(({ replace, remove, extra }) => {
        const body: Record<string, unknown> = { ...valid, ...replace };
        for (const key of remove) delete body[key];
        return { contentType: json, body: JSON.stringify({ ...extra, ...body }) ?? "" };
      }),
    // Truncated or corrupted JSON.
    fc.nat(validText.length).map((n) => ({ contentType: json, body: validText.slice(0, n) })),
    fc
      .tuple(fc.nat(validText.length - 1), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([n, s]) => ({
        contentType: json,
        body: validText.slice(0, n) + s + validText.slice(n + 1),
      })),
    // Other content types, or none.
    fc
      .constantFrom(
        undefined,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "multipart/form-data; boundary=x",
      )
      .map((contentType) => ({ contentType, body: validText })),
    // Bodies around and far over the cap.
    fc
      .constantFrom(60_000, 66_000, 200_000, 1_000_000)
      .map((size) => ({ contentType: json, body: `{"data":"0x${"ab".repeat(size / 2)}"}` })),
    // Random bytes.
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({
      contentType: json,
      body: Buffer.from(bytes).toString("latin1"),
    })),
  );
}

describe("Relayer", () => {
  describe("hostile HTTP (R4)", () => {
    let chain: RelayerChain;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let relayer: RelayerProcess;
    let sessions: AcceptSession[];

    before(async () => {
      chain = await startRelayerChain();
      dir = await tempDir();
      sessions = await createAcceptSessions({ chain, parties: eoaParties("hostile", 3), count: 1 });
      // Its own process, so that its memory is measured apart from this client's.
      relayer = await startRelayerProcess([
        ...["--rpc-url", chain.anvil.rpcUrl, "--contract", chain.contract, "--port", "0"],
        ...["--db", join(dir.path, "relayer.sqlite"), "--log-level", "error"],
        ...["--client-rate", "1000000", "--client-burst", "1000000"],
        ...["--party-rate", "1000000", "--party-burst", "1000000"],
      ]);
    });

    after(async () => {
      if (relayer && relayer.child.exitCode === null) {
        relayer.child.kill("SIGTERM");
        await relayer.exited;
      }
      await chain?.stop();
      await dir?.remove();
    });

    it(`answers ${runs} random and mutated bodies with 2xx or 4xx only, stays up, and its memory levels off`, async function () {
      this.timeout(240_000);
      const valid = actionBody(sessions[0]!.accepts[0]!);
      const statuses = new Map<number, number>();
      const pid = relayer.child.pid!;
      let warmed = 0;
      let before = 0;
      let peak = 0;
      await fc.assert(
        fc.asyncProperty(requests(valid), async ({ contentType, body }) => {
          let status: number;
          try {
            const response = await fetch(`${relayer.url}/v1/actions`, {
              method: "POST",
              headers: contentType === undefined ? {} : { "content-type": contentType },
              body,
            });
            await response.arrayBuffer();
            status = response.status;
          } catch (error) {
            // A body over the cap is answered 413 and the connection closed at once, so a
            // client still writing it may see the socket closed (EPIPE) instead: a refusal too.
            if (Buffer.byteLength(body) <= bodyLimit) throw error;
            status = 413;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          // Sampled after a warm-up, once the code paths, caches and connection pools exist.
          warmed += 1;
          if (warmed === warmUp) before = await rssOf(pid);
          if (warmed % 100 === 0) peak = Math.max(peak, await rssOf(pid));
          return status >= 200 && status < 500;
        }),
        { numRuns: runs },
      );
      const health = await fetch(`${relayer.url}/healthz`);
      expect(health.status).to.equal(200);
      expect(relayer.child.exitCode).to.equal(null);
      const after = await rssOf(pid);
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      console.log(
        `      relayer RSS: ${mib(before)} after ${warmUp} requests, ${mib(after)} after ${runs} (peak ${mib(peak)}); statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
      // What a request leaves behind is bounded: the limiter and party-cache maps have a size
      // cap, a body is read only up to 64 KiB (a larger one is refused before it is read) and
      // dropped once answered, and what passed every check goes to SQLite, not the heap. The
      // relayer's RSS rises over its first few thousand requests (JIT code, connection pools,
      // V8 sizing its heap, allocator arenas) and then levels off. Measured while writing this
      // test, over requests 6,000 to 12,000: +5, +30 and +37 MiB in three runs, with the heap in
      // use (its /metrics) flat at 34–36 MiB all along; one run went on to 16,000 requests and
      // stayed within 8 MiB of its size at 6,000. The bound, 64 MiB over the last 6,000
      // requests, fails for a leak of 11 KiB per request or more.
      expect(after - before, `RSS grew from ${mib(before)} to ${mib(after)}`).to.be.lessThan(
        64 * 2 ** 20,
      );
      expect([...statuses.keys()].every((s) => s < 500)).to.equal(true);
      expect(statuses.get(400)).to.be.greaterThan(0);
      expect(statuses.get(413)).to.be.greaterThan(0);
      expect(statuses.get(415)).to.be.greaterThan(0);
    });
  });
});
