// `roundtable audit` as a user runs it (bin/roundtable.js): exit codes 0 (pass), 1 (a check
// failed) and 2 (could not audit), one JSON object with --json, a self-contained HTML page whose
// chain-supplied strings are escaped, and several --rpc-url cross-checked.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { encodeEventTopics, stringToHex } from "viem";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { closedPort, expectExit, jsonOf, runCli, tempDir } from "../cli/helpers.js";
import { type CorpusChain, partyAccounts, runKeygens, startCorpusChain } from "./corpus.js";
import { type RpcProxy, startRpcProxy } from "./helpers.js";

const [partyAccepted] = encodeEventTopics({ abi: roundtableAbi, eventName: "PartyAccepted" });

describe("roundtable audit", () => {
  let chain: CorpusChain;
  let directory: string;
  let liar: RpcProxy;
  let env: Record<string, string>;
  const hostile = "<script>alert(1)</script>";

  before(async function () {
    this.timeout(120_000);
    chain = await startCorpusChain();
    directory = await tempDir("audit");
    const parties = partyAccounts("cli", 3);
    await runKeygens(chain, [
      { parties, threshold: 2 },
      { parties, threshold: 2, fault: { kind: "silent", party: 0, round: 1 } },
    ]);
    // A session whose protocol id is markup: the HTML report must show it as text.
    const wallet = chain.anvil.walletClient(0);
    const hash = await wallet.writeContract({
      address: chain.contract,
      abi: roundtableAbi,
      functionName: "createSession",
      args: [
        {
          ...keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 }),
          protocol: stringToHex(hostile, { size: 32 }),
        },
      ],
    });
    await chain.anvil.publicClient.waitForTransactionReceipt({ hash });
    liar = await startRpcProxy({
      target: chain.anvil.rpcUrl,
      rewrite(call, result) {
        // Drops the first PartyAccepted log of every answer.
        if (call.method !== "eth_getLogs" || !Array.isArray(result)) return undefined;
        const logs = result as { topics: string[] }[];
        const index = logs.findIndex((log) => log.topics[0] === partyAccepted);
        return index < 0 ? undefined : logs.filter((_, i) => i !== index);
      },
    });
    env = { ROUNDTABLE_DEPLOYMENTS_DIR: directory, ROUNDTABLE_CONTRACT: chain.contract };
  });

  after(async () => {
    await liar?.stop();
    await chain?.stop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("exits 0 and prints one versioned JSON object when every session passes", async function () {
    this.timeout(60_000);
    const run = await runCli(["audit", "--rpc-url", chain.anvil.rpcUrl, "--json"], env);
    expectExit(run, 0);
    const report = jsonOf(run);
    expect(report).to.include({ version: 1, verdict: "pass" });
    expect(Object.keys(report)).to.deep.equal([
      "version",
      "chainId",
      "contract",
      "reportBlock",
      "rpcs",
      "sessions",
      "summary",
      "verdict",
    ]);
    const sessions = report.sessions as {
      sessionId: string;
      verdict: string;
      outcome: { status: string; blame: number[] };
      findings: { kind: string; party: number }[];
      checks: { id: string; status: string }[];
    }[];
    expect(sessions.map((s) => s.sessionId)).to.deep.equal(["1", "2", "3"]);
    expect(sessions[1]?.outcome).to.deep.include({ status: "aborted", blame: [0] });
    expect(sessions[1]?.findings.map((f) => [f.kind, f.party])).to.deep.equal([["silent", 0]]);
    expect(sessions[0]?.checks.map((c) => c.id)).to.include.members([
      "config.hash",
      "transcript.matches-contract",
      "chain.block-hashes",
    ]);
  });

  it("prints a readable report of one session and its verdict", async function () {
    this.timeout(60_000);
    const run = await runCli(["audit", "1", "--rpc-url", chain.anvil.rpcUrl], env);
    expectExit(run, 0);
    expect(run.stdout).to.match(/^Session 1: PASS — outcome finalized$/m);
    expect(run.stdout).to.match(/PASS {2}transcript\.matches-contract/);
    expect(run.stdout).to.match(/submitter 0x[0-9a-fA-F]{40}, signer 0x[0-9a-fA-F]{40}/);
    expect(run.stdout).to.match(/^Verdict: PASS — 1 session audited, 0 failed$/m);
  });

  it("exits 1 when a lying RPC hides a log", async function () {
    this.timeout(60_000);
    const run = await runCli(["audit", "1", "--rpc-url", liar.url, "--json"], env);
    expectExit(run, 1);
    const report = jsonOf(run);
    expect(report.verdict).to.equal("fail");
    const [session] = report.sessions as { checks: { id: string; status: string }[] }[];
    expect(session?.checks.filter((c) => c.status === "fail").map((c) => c.id)).to.include(
      "transcript.matches-contract",
    );
  });

  it("cross-checks every --rpc-url, also from a comma-separated ROUNDTABLE_RPC_URL", async function () {
    this.timeout(60_000);
    const run = await runCli(["audit", "1", "--json"], {
      ...env,
      ROUNDTABLE_RPC_URL: `${chain.anvil.rpcUrl},${liar.url}`,
    });
    expectExit(run, 1);
    const report = jsonOf(run);
    expect(report.rpcs).to.deep.equal([chain.anvil.rpcUrl, liar.url]);
    const [session] = report.sessions as { checks: { id: string; status: string }[] }[];
    expect(session?.checks.find((c) => c.id === "rpc.cross-check")?.status).to.equal("fail");
  });

  it("exits 2 for a session the contract does not know", async function () {
    this.timeout(60_000);
    const run = await runCli(["audit", "99", "--rpc-url", chain.anvil.rpcUrl], env);
    expectExit(run, 2);
    expect(run.stderr).to.match(
      /^error: Session 99 does not exist at block \d+: the contract has 3 sessions/,
    );
    expect(run.stdout).to.equal("");
  });

  it("exits 2 when the RPC is unreachable", async function () {
    this.timeout(60_000);
    const run = await runCli(
      ["audit", "--rpc-url", `http://127.0.0.1:${await closedPort()}`, "--json"],
      env,
    );
    expectExit(run, 2);
    expect((jsonOf(run).error as { exitCode: number }).exitCode).to.equal(2);
  });

  it("reports at latest − N with --confirmations, and exits 2 when N reaches before genesis", async function () {
    this.timeout(60_000);
    const latest = await chain.anvil.publicClient.getBlockNumber();
    const run = await runCli(
      ["audit", "1", "--confirmations", "2", "--json", "--rpc-url", chain.anvil.rpcUrl],
      env,
    );
    expectExit(run, 0);
    expect(jsonOf(run).reportBlock).to.deep.include({
      number: String(latest - 2n),
      choice: "latest-2",
    });
    const tooDeep = await runCli(
      ["audit", "1", "--confirmations", "100000", "--rpc-url", chain.anvil.rpcUrl],
      env,
    );
    expectExit(tooDeep, 2);
    expect(tooDeep.stderr).to.contain("--confirmations 100000 reaches before the first block");
  });

  it("exits 2 for session ids together with a block range", async function () {
    this.timeout(60_000);
    const run = await runCli(
      ["audit", "1", "--from-block", "3", "--rpc-url", chain.anvil.rpcUrl],
      env,
    );
    expectExit(run, 2);
    expect(run.stderr).to.contain("Give session ids or --from-block/--to-block, not both");
  });

  it("writes one self-contained HTML page that shows chain data as text", async function () {
    this.timeout(60_000);
    const file = join(directory, "report.html");
    const run = await runCli(["audit", "--rpc-url", chain.anvil.rpcUrl, "--html", file], env);
    expectExit(run, 0);
    const html = await readFile(file, "utf8");
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.contain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).to.not.match(/<script|<link|src=/i);
    expect(html).to.contain('id="session-3"');
  });
});
