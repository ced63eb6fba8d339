// `party run --wait-for-invitation`: real `roundtable party run` processes started before the
// initiator creates the session, on a real anvil node (a block per transaction, so the chain's
// clock moves only when the test moves it: the bound is shown to be counted in chain time).
import { type ChildProcess, spawn } from "node:child_process";
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import {
  bin,
  type CliRun,
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  type TestAccount,
  tempDir,
  testAccount,
} from "./helpers.js";
import { type AnvilTestChain, startAnvilTestChain } from "./newcomerChain.js";

const started: ChildProcess[] = [];

/** Ctrl-C in the terminal: SIGINT to the process group. */
function interrupt(child: ChildProcess): void {
  process.kill(-(child.pid as number), "SIGINT");
}

/** A running CLI process whose stderr the test can wait on. */
type Watched = { child: ChildProcess; stderrNow(): string; done: Promise<CliRun> };

function watchCli(args: readonly string[], env: Record<string, string>): Watched {
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("ROUNDTABLE_")),
      ),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, as a terminal gives a command: Ctrl-C reaches the launcher and the
    // CLI it starts (bin/roundtable.js leaves SIGINT to the CLI).
    detached: true,
  });
  started.push(child);
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
  return { child, stderrNow: () => stderr, done };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("roundtable CLI: party run waiting for its invitation", function () {
  this.timeout(180_000);
  let chain: AnvilTestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let parties: TestAccount[];
  let outsider: TestAccount;
  /** Sessions created so far on this chain: the next one gets `created + 1`. */
  let created = 0;

  before(async () => {
    directory = await tempDir("wait");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    outsider = await testAccount(directory, "outsider");
    chain = await startAnvilTestChain([initiator, outsider, ...parties].map((a) => a.address));
  });

  after(async () => {
    // A failed test may leave a waiting party behind: stop what this file started.
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(-(child.pid as number), "SIGTERM");
    }
    await chain?.stop();
  });

  const storeOf = (party: TestAccount) => join(directory, `store-${party.address}`);

  function partyArgs(party: TestAccount, sessionId: string, ...extra: string[]): string[] {
    return [
      "party",
      "run",
      "--session",
      sessionId,
      ...keyFlags(party),
      "--store",
      storeOf(party),
      "--store-password-file",
      storePasswordFile,
      ...extra,
      "--json",
    ];
  }

  /** `session create` of a 2-of-3 key generation among the parties: its id and config hash. */
  async function createSession(): Promise<{ sessionId: string; configHash: string }> {
    const run = await runCli(
      [
        "session",
        "create",
        ...keyFlags(initiator),
        "--parties",
        parties.map((p) => p.address).join(","),
        "--threshold",
        "2",
        "--json",
      ],
      chain.env,
    );
    expectExit(run, 0);
    created += 1;
    const json = jsonOf(run);
    expect(json.sessionId).to.equal(String(created));
    return { sessionId: json.sessionId as string, configHash: json.configHash as string };
  }

  it("waits for a session not created yet, says so once, then runs it to the end", async () => {
    // The initiator announced the configuration (and so its hash) ahead: a first session with it.
    const { configHash } = await createSession();
    const next = String(created + 1);
    const started = Date.now();
    const runs = parties.map((party) =>
      watchCli(
        partyArgs(
          party,
          next,
          "--wait-for-invitation",
          "10m",
          "--yes",
          "--expect-config-hash",
          configHash,
        ),
        chain.env,
      ),
    );
    for (const run of runs) {
      await waitFor("the waiting line", () => run.stderrNow().includes("does not exist yet"));
    }
    const waitingLine = `Session ${next} does not exist yet (the contract has ${created} session${created === 1 ? "" : "s"}): waiting for the initiator to create it, which invites its parties, for up to 10m by the chain's clock. Ctrl-C stops; nothing has been sent.`;
    expect(runs[0]!.stderrNow().split("\n")).to.include(waitingLine);
    // Still waiting a moment later, having said nothing more, its store not yet created.
    await sleep(1_500);
    for (const run of runs) {
      expect(run.child.exitCode).to.equal(null);
      expect(
        run
          .stderrNow()
          .split("\n")
          .filter((l) => l.includes(`ession ${next}`)),
      ).to.deep.equal([waitingLine]);
    }
    expect(await exists(storeOf(parties[0]!))).to.equal(false);

    await createSession();
    const done = await Promise.all(runs.map((run) => run.done));
    for (const run of done) expectExit(run, 0);
    const keys = done.map((run) => jsonOf(run).groupPublicKey);
    expect(keys[0]).to.match(/^0x[0-9a-f]{64}$/);
    expect(new Set(keys).size).to.equal(1);
    for (const run of done) {
      expect(run.stderr).to.match(
        new RegExp(`Session ${next} was created \\(after \\d+s of chain time\\)\\.`),
      );
    }
    console.log(
      `      three parties waited, then finished session ${next} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
  });

  it("gives up when the bound passes by the chain's clock (exit 2, not retryable), with a reminder on the way", async () => {
    const far = String(created + 5);
    // A fresh block first: on anvil (a block per transaction) the chain's clock is the last
    // block's time, and the wait counts from it.
    await chain.advance(0);
    const args = partyArgs(parties[0]!, far, "--wait-for-invitation", "2m");
    args[args.indexOf("--store") + 1] = join(directory, "store-gave-up");
    const run = watchCli(args, chain.env);
    await waitFor("the waiting line", () => run.stderrNow().includes("does not exist yet"));
    // The chain's clock runs ahead of the local one: 61 s, a reminder; 60 s more, the end.
    await chain.advance(61);
    await waitFor("the reminder", () => run.stderrNow().includes("Still waiting"));
    expect(run.stderrNow()).to.match(
      new RegExp(
        `Still waiting for session ${far}: 1m \\d+s of 2m \\(chain time\\), ${created} sessions? so far\\.`,
      ),
    );
    await chain.advance(60);
    const ended = await run.done;
    expectExit(ended, 2);
    expect(ended.stderr).to.match(
      new RegExp(
        `error: Session ${far} still does not exist after waiting 2m \\d+s \\(chain time; --wait-for-invitation 2m\\): the contract has ${created} sessions?\\. Check the id and --contract with the initiator, or wait longer\\.`,
      ),
    );
    const error = (jsonOf(ended) as { error: { exitCode: number; retryable: boolean } }).error;
    expect(error).to.deep.include({ exitCode: 2, retryable: false });
    expect(await exists(join(directory, "store-gave-up"))).to.equal(false);
  });

  it("Ctrl-C stops the wait cleanly: exit 130, nothing sent, no store created", async () => {
    const far = String(created + 3);
    const party = parties[1]!;
    const args = partyArgs(party, far, "--wait-for-invitation", "1h");
    args[args.indexOf("--store") + 1] = join(directory, "store-interrupted");
    const run = watchCli(args, chain.env);
    await waitFor("the waiting line", () => run.stderrNow().includes("does not exist yet"));
    interrupt(run.child);
    const ended = await run.done;
    expectExit(ended, 130);
    expect(ended.stderr).to.include(
      `error: Stopped waiting for session ${far} after 0s (chain time); nothing was sent.`,
    );
    expect(await exists(join(directory, "store-interrupted"))).to.equal(false);
    expect((jsonOf(ended) as { error: { exitCode: number } }).error.exitCode).to.equal(130);
  });

  it("without the flag, a session that does not exist still fails at once (exit 2)", async () => {
    const started = Date.now();
    const run = await runCli(partyArgs(parties[0]!, String(created + 9)), chain.env);
    expectExit(run, 2);
    expect(run.stderr).to.include(`Session ${created + 9} does not exist on this contract.`);
    expect(run.stderr).to.not.include("waiting");
    expect(Date.now() - started).to.be.lessThan(30_000);
  });

  it("an existing session without this account fails at once even when waiting (exit 6); a bad duration is named (exit 2)", async () => {
    const run = await runCli(partyArgs(outsider, "1", "--wait-for-invitation", "10m"), chain.env);
    expectExit(run, 6);
    expect(run.stderr).to.include(`Account ${outsider.address} is not a party of session 1`);
    expect(run.stderr).to.not.include("waiting");
    for (const bad of ["10x", "0", "-5m", "8d", "m"]) {
      const refused = await runCli(
        partyArgs(outsider, "1", `--wait-for-invitation=${bad}`),
        chain.env,
      );
      expectExit(refused, 2);
      expect(refused.stderr).to.include(`Invalid --wait-for-invitation "${bad}"`);
    }
  });
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
