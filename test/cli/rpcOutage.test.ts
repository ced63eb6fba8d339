// A party whose RPC provider goes away mid-session: real `roundtable party run` processes, a real
// local chain, and a TCP proxy in front of it that the test stops and starts again.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import type { Hex } from "viem";
import { type PausableProxy, startPausableProxy } from "../helpers/pausableProxy.js";
import {
  bin,
  type CliRun,
  createKeygenViaCli,
  expectExit,
  jsonOf,
  runCli,
  type TestAccount,
  tempDir,
  testAccount,
} from "./helpers.js";
import { type AnvilTestChain, startAnvilTestChain } from "./newcomerChain.js";

/** A running CLI process whose stderr the test can wait on. */
type Watched = { stderrNow(): string; done: Promise<CliRun> };

function watchCli(args: readonly string[], env: Record<string, string>): Watched {
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("ROUNDTABLE_")),
      ),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { stderrNow: () => stderr, done };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("roundtable CLI: an RPC outage during party run", function () {
  this.timeout(120_000);
  let chain: AnvilTestChain;
  let proxy: PausableProxy;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];

  before(async () => {
    directory = await tempDir("outage");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startAnvilTestChain([initiator, ...parties].map((a) => a.address));
    proxy = await startPausableProxy(chain.rpcUrl);
  });

  after(async () => {
    await proxy?.stop();
    await chain?.stop();
  });

  const create = (...extra: string[]) =>
    createKeygenViaCli(chain.env, initiator, parties, ...extra);

  function partyArgs(party: TestAccount, sessionId: string, fingerprint: Hex): string[] {
    return [
      "party",
      "run",
      "--session",
      sessionId,
      "--key-file",
      party.keyFile,
      "--password-file",
      party.passwordFile,
      "--store",
      join(directory, `store-${party.address}`),
      "--store-password-file",
      storePasswordFile,
      "--yes",
      "--expect-session",
      fingerprint,
      "--json",
    ];
  }

  it("rides out a 10-second outage mid-session and finishes the key generation without a restart", async () => {
    const { sessionId, fingerprint } = await create();
    const [a, b, c] = parties as [TestAccount, TestAccount, TestAccount];
    // Party c reads and sends only through the proxy; a and b talk to the node directly.
    const viaProxy = watchCli(partyArgs(c, sessionId, fingerprint), {
      ...chain.env,
      ROUNDTABLE_RPC_URL: proxy.url,
    });
    await waitFor("party c's acceptance", () =>
      viaProxy.stderrNow().includes("accepted and registered an encryption key"),
    );
    await proxy.stop();
    const outageStarted = Date.now();
    const direct = [a, b].map((party) =>
      runCli(partyArgs(party, sessionId, fingerprint), chain.env),
    );
    // a and b go on into round 1 (and submit) while c cannot reach the chain.
    await sleep(10_000);
    const retriesDuringOutage = viaProxy.stderrNow();
    await proxy.start();
    const outageMs = Date.now() - outageStarted;

    const runs = [await viaProxy.done, ...(await Promise.all(direct))];
    for (const run of runs) expectExit(run, 0);
    const keys = runs.map((run) => jsonOf(run).groupPublicKey);
    expect(keys[0]).to.match(/^0x[0-9a-f]{64}$/);
    expect(new Set(keys).size).to.equal(1);

    // While it was down, c said so, naming the provider, and kept retrying with a growing wait.
    const port = new URL(proxy.url).port;
    const retries = [
      ...retriesDuringOutage.matchAll(
        new RegExp(
          `the RPC provider http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\) for [\\d.]+s; retrying in ([\\d.]+)s, until the deadline`,
          "g",
        ),
      ),
    ].map((match) => Number(match[1]));
    expect(retries.length, retriesDuringOutage).to.be.greaterThan(2);
    expect(retries.at(-1)).to.be.greaterThan(retries[0] ?? 0);
    const after = (await viaProxy.done).stderr;
    expect(after).to.include("the RPC provider answers again; carrying on");
    expect(after).not.to.match(/^error:/m);
    console.log(
      `      outage ${(outageMs / 1000).toFixed(1)}s; retry waits printed: ${retries.join(", ")}s`,
    );
  });

  it("gives up at the deadline by the chain's clock, saying to run again; a second run resumes", async () => {
    // Long enough for a loaded machine to start the party and accept (its key file's scrypt,
    // Node's start); the offline party then counts the rest down from the last block it saw.
    const { sessionId, fingerprint } = await create("--acceptance", "20");
    const c = parties[2] as TestAccount;
    const args = partyArgs(c, sessionId, fingerprint);
    const first = watchCli(args, { ...chain.env, ROUNDTABLE_RPC_URL: proxy.url });
    await waitFor("party c's acceptance", () =>
      first.stderrNow().includes("accepted and registered an encryption key"),
    );
    await proxy.stop();
    const run = await first.done;
    expectExit(run, 4);
    expect(run.stderr).to.match(
      new RegExp(
        `error: Could not read session ${sessionId}: the RPC provider http://127\\.0\\.0\\.1:\\d+ has not answered for [\\d.]+s \\(ECONNREFUSED\\), and the deadline \\S+ has passed by the chain's clock\\. Run again to resume; nothing is lost\\.`,
      ),
    );
    const json = jsonOf(run) as { error: { retryable: boolean } };
    expect(json.error.retryable).to.equal(true);

    // Back again: the same command picks the session up where the chain is (expired, as a and b
    // never accepted) and ends it, blaming them.
    await proxy.start();
    await chain.advance(1);
    const again = await runCli(args, { ...chain.env, ROUNDTABLE_RPC_URL: proxy.url });
    expectExit(again, 1);
    const ended = jsonOf(again) as { status: string; reason: string; blame: number[] };
    expect(ended).to.deep.include({ status: "aborted", reason: "expired" });
    expect(ended.blame).to.have.length(2);
  });
});
