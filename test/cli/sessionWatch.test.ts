// `roundtable session watch`: real `roundtable` processes (the watcher and the parties) against a
// real anvil chain: the events it prints are the chain's, its countdown is the chain's clock, it
// ends with the session, and Ctrl-C stops it with exit 130.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import {
  bin,
  createKeygenViaCli,
  expectExit,
  keyFlags,
  runCli,
  type TestAccount,
  tempDir,
  testAccount,
} from "./helpers.js";
import { type AnvilTestChain, startAnvilTestChain } from "./newcomerChain.js";

/** A running `roundtable` whose output is read as it comes. */
type Watcher = {
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `pattern`; fails after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  exit: Promise<number | null>;
  /** Signals the launcher and the CLI together, as a terminal's Ctrl-C does. */
  kill(signal: NodeJS.Signals): void;
};

function startWatcher(args: readonly string[], env: Record<string, string>): Watcher {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that a signal reaches bin/roundtable.js and the CLI it starts.
    detached: true,
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const exit = new Promise<number | null>((resolve) => child.once("close", resolve));
  return {
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, ms = 30_000) {
      for (const start = Date.now(); !pattern.test(out); await sleep(50)) {
        if (Date.now() - start > ms || child.exitCode !== null) {
          throw new Error(`no ${pattern} in stdout:\n${out}\nstderr:\n${err}`);
        }
      }
    },
    exit,
    kill(signal) {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

describe("roundtable session watch", function () {
  this.timeout(120_000);
  let chain: AnvilTestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];
  const watchers: Watcher[] = [];

  before(async () => {
    directory = await tempDir("watch");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startAnvilTestChain([initiator, ...parties].map((a) => a.address));
  });

  afterEach(() => {
    for (const watcher of watchers.splice(0)) watcher.kill("SIGKILL");
  });

  after(async () => {
    await chain?.stop();
  });

  const create = (...extra: string[]) =>
    createKeygenViaCli(chain.env, initiator, parties, ...extra);

  function watch(...args: string[]): Watcher {
    const watcher = startWatcher(["session", "watch", ...args], chain.env);
    watchers.push(watcher);
    return watcher;
  }

  it("follows a key generation event by event to its end, then prints the final grid (exit 0)", async () => {
    const { sessionId, fingerprint } = await create();
    const human = watch(sessionId, "--interval", "0.3");
    const json = watch(sessionId, "--interval", "0.3", "--json");
    await human.waitFor(/Timeline \(/);
    expect(human.stdout()).to.match(new RegExp(`^Session ${sessionId} on chain 31337 `));
    expect(human.stdout()).to.match(/\n {2}kind +key-generation, initiator 0x/);
    expect(human.stdout()).to.match(/\n {2}phase +Accepting, 0 of 3 accepted, deadline in /);
    expect(human.stdout()).to.match(/\n {2}deadline +\S+ \(in .*, chain time\)/);

    const runs = await Promise.all(
      parties.map((party) =>
        runCli(
          [
            "party",
            "run",
            "--session",
            sessionId,
            ...keyFlags(party),
            "--store",
            join(directory, `store-${party.address}`),
            "--store-password-file",
            storePasswordFile,
            "--yes",
            "--expect-session",
            fingerprint,
          ],
          chain.env,
        ),
      ),
    );
    for (const run of runs) expectExit(run, 0);
    expect(await human.exit, human.stderr()).to.equal(0);
    expect(await json.exit, json.stderr()).to.equal(0);

    // Every event the chain holds for the session after the watcher's first block, in order.
    const lines = json
      .stdout()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = lines[0] as { type: string; blockNumber: string; phase: string };
    expect(first.type).to.equal("session");
    expect(first.phase).to.equal("Accepting");
    const last = lines.at(-1) as {
      type: string;
      phase: string;
      result: string;
      timeline: string[];
    };
    expect(last.type).to.equal("end");
    expect(last.phase).to.equal("Finalized");
    expect(last.result).to.match(/^0x([0-9a-f]{2})+$/);
    const events = lines.filter((line) => line.type === "event");
    const onChain = await getSessionEvents({
      publicClient: chain.anvil.publicClient,
      address: chain.contract,
      sessionId: BigInt(sessionId),
      fromBlock: BigInt(first.blockNumber) + 1n,
    });
    expect(events.map((e) => e.eventName)).to.deep.equal(onChain.map((e) => e.eventName));
    expect(events.map((e) => e.transactionHash)).to.deep.equal(
      onChain.map((e) => e.transactionHash),
    );
    expect(events.filter((e) => e.eventName === "PartyAccepted")).to.have.length(3);
    const finalized = onChain.at(-1);
    expect(finalized?.eventName).to.equal("SessionFinalized");
    if (finalized?.eventName === "SessionFinalized")
      expect(last.result).to.equal(finalized.args.result);

    // The human view: a line per event with the countdown, then the final grid.
    const text = human.stdout();
    const eventLines = text.split("\n").filter((line) => /^block \d+ \(\+\d+s\) {2}\w+/.test(line));
    expect(eventLines).to.have.length(onChain.length);
    expect(eventLines[0]).to.match(/PartyAccepted {2}party 0x[0-9a-fA-F]{40}, index \d/);
    // The state is the one at the poll that saw the event: on a loaded machine several
    // acceptances (or a whole phase) can land between two polls.
    expect(eventLines[0]).to.match(
      /\| (Accepting, [1-3] of 3 accepted|\w+ \(round \d of 3\), [0-3] of 3 acted), deadline in .*\(chain time\)$/,
    );
    expect(text).to.match(/\nblock \d+ \(\+\d+s\) {2}SessionFinalized {2}result 0x/);
    const ended = text.split(`Session ${sessionId} ended: Finalized`)[1] ?? "";
    const rows = ended.split("\n").filter((line) => /^ +party \d/.test(line));
    expect(rows).to.have.length(3);
    for (const row of rows) expect(row.match(/✓ \+\d+/g) ?? []).to.have.length(4);
  });

  it("counts down by the chain's clock, says when the deadline passed, and ends when the session is expired", async () => {
    const { sessionId } = await create("--acceptance", "600");
    const watcher = watch(sessionId, "--interval", "0.3");
    await watcher.waitFor(/Timeline \(/);
    const header = /\n {2}phase +Accepting, 0 of 3 accepted, deadline in (\d+)m( (\d+)s)?/.exec(
      watcher.stdout(),
    );
    expect(header, watcher.stdout()).to.not.equal(null);
    expect(Number(header?.[1]) * 60 + Number(header?.[3] ?? 0)).to.be.within(590, 600);

    // Only the chain's clock moves: the machine's says 10 minutes are left.
    await chain.advance(700);
    await watcher.waitFor(/\n {2}Expired: the deadline passed/);
    const expired = await runCli(["session", "expire", sessionId, ...keyFlags(initiator)], {
      ...chain.env,
    });
    expectExit(expired, 0);
    expect(await watcher.exit, watcher.stderr()).to.equal(0);
    expect(watcher.stdout()).to.match(/ {2}SessionAborted {2}reason 0, blame 7/);
    expect(watcher.stdout()).to.include(`Session ${sessionId} ended: Aborted`);
  });

  it("stops on Ctrl-C with exit 130", async () => {
    const { sessionId } = await create();
    const watcher = watch(sessionId, "--interval", "0.3");
    await watcher.waitFor(/Timeline \(/);
    watcher.kill("SIGINT");
    expect(await watcher.exit).to.equal(130);
    expect(watcher.stderr()).to.include(`Stopped watching session ${sessionId}.`);
  });

  it("refuses a bad --interval and a session that does not exist (exit 2)", async () => {
    const bad = await runCli(["session", "watch", "1", "--interval", "0"], chain.env);
    expectExit(bad, 2);
    expect(bad.stderr).to.include(
      'error: Invalid --interval "0": expected seconds between 0.1 and 3600, such as --interval 2.',
    );
    const missing = await runCli(["session", "watch", "99"], chain.env);
    expectExit(missing, 2);
    expect(missing.stderr).to.include("error: Session 99 does not exist on this contract.");
  });
});
