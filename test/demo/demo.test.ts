// The demo as a user runs it (`roundtable demo --json` in a child process), and the faults the demo
// is built to survive, across real processes: the initiator killed after creation (THREATS S6), a
// party SIGKILLed mid-run and restarted (R8), and a party that never starts, blamed by
// `roundtable session expire`. One local chain serves every test but the first, which starts its
// own through the demo.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import {
  type Address,
  decodeFunctionData,
  type Hex,
  hexToBytes,
  numberToHex,
  parseEther,
} from "viem";
import { type ChainConnection, connectChain } from "../../src/cli/connection.js";
import {
  createDemoParty,
  type DemoAccount,
  type DemoParty,
  fundAccounts,
  hardhatDevelopmentAccount,
  hardhatDevelopmentKey,
  writeDemoAccount,
} from "../../src/cli/demo/accounts.js";
import {
  type CliProcess,
  type CliProcessResult,
  childEnv,
  jsonOutput,
  spawnCli,
} from "../../src/cli/demo/cliProcess.js";
import {
  demoDurations,
  type PartyFinalized,
  partyFinalized,
  partyRunArgs,
  sessionCreateArgs,
} from "../../src/cli/demo/runDemo.js";
import { type LocalChain, startLocalChain } from "../../src/cli/localChain.js";
import { intentDigest } from "../../src/sdk/accountIntent.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { thresholdAccountAbi } from "../../src/sdk/generated/thresholdAccountAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import type { SessionConfig } from "../../src/sdk/types.js";
import { jsonRpc } from "../helpers/jsonRpc.js";

type Durations = { acceptance: number; rounds: number };

/** Where every test writes: key files, stores, the demo's working directories. Removed after. */
let testDir: string;

/**
 * The demo's stdout, which must be exactly one JSON object, and its exit code. Its progress lines
 * (stderr) are pushed to `stderr` when given.
 */
async function runDemoCli(
  args: readonly string[],
  stderr?: string[],
): Promise<Record<string, unknown>> {
  const result = await spawnCli({
    name: "demo",
    args: ["demo", ...args, "--json"],
    env: childEnv({ TMPDIR: testDir }),
  }).done;
  stderr?.push(result.stderr);
  expect(result.code, `stderr:\n${result.stderr}`).to.equal(0);
  const lines = result.stdout.split("\n").filter((line) => line !== "");
  expect(lines, `stdout: ${result.stdout}`).to.have.length(1);
  const summary = jsonOutput(result);
  expect(summary, `stdout: ${result.stdout}`).to.be.an("object");
  return summary as Record<string, unknown>;
}

const hex = (bytes: number) => new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`);

/** The summary's shape, and its signature checked here, independently of the demo. */
function checkSummary(summary: Record<string, unknown>, extra: readonly string[] = []): void {
  expect(Object.keys(summary)).to.have.members([
    "chainId",
    "contract",
    "keygenSession",
    "groupPublicKey",
    "signingSession",
    "message",
    "signature",
    "gas",
    "seconds",
    "audit",
    "signatures",
    "account",
    "browserParty",
    ...extra,
  ]);
  // Every party runs with a delegate by default: the auditor, reading the chain's transactions,
  // finds one action per session signed by each account (its acceptance), the rest by the delegate.
  const signatures = summary.signatures as {
    session: string;
    party: number;
    account: number;
    delegate: number;
  }[];
  expect(signatures.map((s) => s.session)).to.deep.equal([
    ...[0, 1, 2].map(() => summary.keygenSession),
    ...[0, 1].map(() => summary.signingSession),
    // Stage 6: the account's intent, signed by the same two.
    ...[0, 1].map(() => signatures[5]?.session),
  ]);
  expect(BigInt(signatures[5]!.session) > BigInt(summary.signingSession as string)).to.be.true;
  for (const s of signatures) {
    expect([s.account, s.delegate], JSON.stringify(s)).to.deep.equal([1, 3]);
  }
  expect(summary.chainId).to.equal(31337);
  expect(summary.contract).to.match(/^0x[0-9a-fA-F]{40}$/);
  // Session ids are decimal strings in every JSON output.
  expect(summary.keygenSession)
    .to.be.a("string")
    .and.match(/^[1-9][0-9]*$/);
  expect(summary.signingSession)
    .to.be.a("string")
    .and.match(/^[1-9][0-9]*$/);
  expect(BigInt(summary.signingSession as string) > BigInt(summary.keygenSession as string)).to.be
    .true;
  expect(summary.groupPublicKey).to.match(hex(32));
  expect(summary.message).to.match(hex(32));
  expect(summary.signature).to.match(hex(64));
  const valid = schnorr.verify(
    hexToBytes(summary.signature as Hex),
    hexToBytes(summary.message as Hex),
    hexToBytes(summary.groupPublicKey as Hex),
  );
  expect(valid, "schnorr.verify(signature, message, groupPublicKey)").to.equal(true);
  // Stage 6: the group's signature over the intent verifies under the group key; one on-chain
  // BIP-340 check (isValidSignature, execution only) costs what docs/gas.md reports, about 10,150.
  const account = summary.account as Record<string, unknown>;
  expect(Object.keys(account)).to.have.members([
    "address",
    "intentDigest",
    "signature",
    "executeTransaction",
    "verifyGas",
  ]);
  expect(account.address).to.match(/^0x[0-9a-fA-F]{40}$/);
  expect(account.intentDigest).to.match(hex(32));
  expect(account.executeTransaction).to.match(hex(32));
  expect(account.signature).to.match(hex(64));
  expect(
    schnorr.verify(
      hexToBytes(account.signature as Hex),
      hexToBytes(account.intentDigest as Hex),
      hexToBytes(summary.groupPublicKey as Hex),
    ),
    "schnorr.verify(account.signature, account.intentDigest, groupPublicKey)",
  ).to.equal(true);
  expect(account.verifyGas).to.be.a("number").and.be.within(6_000, 20_000);
  const gas = summary.gas as Record<string, unknown>;
  expect(Object.keys(gas)).to.have.members(["keygen", "signing"]);
  for (const value of Object.values(gas)) expect(value).to.be.a("number").and.be.greaterThan(0);
  const seconds = summary.seconds as Record<string, number>;
  expect(Object.keys(seconds)).to.have.members([
    "chain",
    "keygen",
    "signing",
    "verify",
    "account",
    "audit",
    "total",
  ]);
  for (const value of Object.values(seconds)) {
    expect(value).to.be.a("number").and.be.greaterThan(0);
  }
  expect(seconds.total).to.be.at.least((seconds.keygen ?? 0) + (seconds.signing ?? 0));
  // The demo's own auditor, a separate process, passed both sessions with no failed check.
  const audit = summary.audit as Record<string, unknown>;
  expect(audit.verdict).to.equal("pass");
  expect(audit.failed).to.equal(0);
  expect(audit.passed).to.be.a("number").and.be.greaterThan(10);
}

describe("roundtable demo", () => {
  before(async () => {
    testDir = await mkdtemp(join(tmpdir(), "roundtable-demo-test-"));
  });

  after(async () => {
    await rm(testDir, { recursive: true, force: true });
  });

  it("runs end to end on its own chain and prints one JSON summary whose signature verifies", async function () {
    // Six stages, each a few processes: about 90 s on an idle machine.
    this.timeout(300_000);
    const summary = await runDemoCli([]);
    checkSummary(summary);
    expect(summary.browserParty, "no party ran in a browser").to.equal(null);
  });

  describe("on a running chain", () => {
    let chain: LocalChain;
    let connection: ChainConnection;
    let initiator: DemoAccount;
    /** Processes a test started and did not wait for: stopped after each test. */
    const started = new Set<CliProcess>();

    /** Moves the chain's clock forward and mines a block. */
    async function advance(seconds: number): Promise<void> {
      for (const [method, params] of [
        ["evm_increaseTime", [numberToHex(seconds)]],
        ["evm_mine", []],
      ] as const) {
        await jsonRpc(chain.rpcUrl, method, [...params]);
      }
    }

    /** Three fresh, funded parties under their own directory. */
    async function newParties(label: string): Promise<DemoParty[]> {
      const directory = await mkdtemp(join(testDir, `${label}-`));
      const parties = await Promise.all(
        ["alice", "bob", "carol"].map((name) => createDemoParty(directory, name)),
      );
      await fundAccounts({
        publicClient: connection.publicClient,
        walletClient: connection.walletClient(hardhatDevelopmentAccount()),
        recipients: parties.map((p) => p.address),
      });
      return parties;
    }

    function keygen(
      parties: readonly DemoParty[],
      durations: Durations = demoDurations,
    ): SessionConfig {
      return keygenConfig({ parties: parties.map((p) => p.address), threshold: 2, durations });
    }

    function spawn(
      name: string,
      args: string[],
      hooks: { onStderrLine?: (line: string) => void; onStdoutLine?: (line: string) => void } = {},
    ): CliProcess {
      const child = spawnCli({ name, args, ...hooks });
      started.add(child);
      return child;
    }

    function createArgs(config: SessionConfig, durations: Durations = demoDurations): string[] {
      return sessionCreateArgs({
        initiator,
        config,
        durations,
        rpcUrl: chain.rpcUrl,
        contract: chain.contract,
      });
    }

    function runArgs(party: DemoParty, sessionId: bigint, configHash: Hex): string[] {
      return partyRunArgs({
        party,
        sessionId,
        configHash,
        chainId: 31337,
        rpcUrl: chain.rpcUrl,
        contract: chain.contract,
      });
    }

    /** `session create` to its end: the id, and the hash checked equal to the one computed here. */
    async function create(
      config: SessionConfig,
      durations: Durations = demoDurations,
    ): Promise<{ sessionId: bigint; configHash: Hex }> {
      const result = await spawn("initiator", createArgs(config, durations)).done;
      expect(result.code, result.stderr).to.equal(0);
      const created = jsonOutput(result) ?? {};
      expect(created.configHash).to.equal(hashSessionConfig(config));
      return {
        sessionId: BigInt(String(created.sessionId)),
        configHash: hashSessionConfig(config),
      };
    }

    function finalized(result: CliProcessResult): PartyFinalized {
      expect(result.code, `${result.name}: ${result.stderr}`).to.equal(0);
      return partyFinalized(result);
    }

    /** Every transaction `from` sent to the contract since `fromBlock`, decoded. */
    async function callsFrom(from: Address, fromBlock: bigint) {
      const latest = await connection.publicClient.getBlockNumber();
      const calls: { functionName: string; args: readonly unknown[]; status: string }[] = [];
      for (let number = fromBlock; number <= latest; number++) {
        const block = await connection.publicClient.getBlock({
          blockNumber: number,
          includeTransactions: true,
        });
        for (const tx of block.transactions) {
          if (tx.from.toLowerCase() !== from.toLowerCase()) continue;
          if (tx.to?.toLowerCase() !== chain.contract.toLowerCase()) continue;
          const receipt = await connection.publicClient.getTransactionReceipt({ hash: tx.hash });
          const { functionName, args } = decodeFunctionData({ abi: roundtableAbi, data: tx.input });
          calls.push({ functionName, args: args ?? [], status: receipt.status });
        }
      }
      return calls;
    }

    before(async () => {
      const deploymentsDir = await mkdtemp(join(testDir, "deployments-"));
      chain = await startLocalChain({ port: 0, deploymentsDir });
      connection = await connectChain(chain.rpcUrl);
      initiator = await writeDemoAccount(testDir, "initiator", hardhatDevelopmentKey);
    });

    afterEach(async () => {
      await Promise.all([...started].map((child) => child.stop(2_000)));
      started.clear();
    });

    after(async () => {
      await chain?.stop();
    });

    it("uses the chain and contract given, and leaves the chain running", async () => {
      const summary = await runDemoCli(["--rpc-url", chain.rpcUrl, "--contract", chain.contract]);
      checkSummary(summary);
      expect(summary.contract).to.equal(chain.contract);
      expect(await connection.publicClient.getChainId()).to.equal(31337);
      // Stage 6 on the chain that still runs: the execute transaction paid 0.25 ETH of the 1 ETH
      // the account received, and the intent it carried hashes to the digest the group signed.
      const account = summary.account as {
        address: Address;
        executeTransaction: Hex;
        intentDigest: Hex;
      };
      const { publicClient } = connection;
      const sent = await publicClient.getTransaction({ hash: account.executeTransaction });
      expect(sent.to?.toLowerCase()).to.equal(account.address.toLowerCase());
      const { functionName, args } = decodeFunctionData({
        abi: thresholdAccountAbi,
        data: sent.input,
      });
      expect(functionName).to.equal("execute");
      const [calls, deadline, signature] = args as readonly [
        readonly { target: Address; value: bigint; data: Hex }[],
        bigint,
        Hex,
      ];
      expect(signature).to.equal((summary.account as { signature: Hex }).signature);
      expect(calls).to.have.length(1);
      expect(calls[0]).to.include({ value: parseEther("0.25"), data: "0x" });
      expect(
        intentDigest({ account: account.address, chainId: 31337n, nonce: 0n, deadline, calls }),
      ).to.equal(account.intentDigest);
      expect(await publicClient.getBalance({ address: calls[0]!.target })).to.equal(
        parseEther("0.25"),
      );
      expect(await publicClient.getBalance({ address: account.address })).to.equal(
        parseEther("0.75"),
      );
    });

    it("--relayer: carries every party action through a relayer process; the parties hold no ether", async () => {
      const summary = await runDemoCli([
        "--rpc-url",
        chain.rpcUrl,
        "--contract",
        chain.contract,
        "--relayer",
      ]);
      checkSummary(summary, ["relayer"]);
      const relayer = summary.relayer as Record<string, unknown>;
      expect(relayer.address).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(relayer.partyBalancesWei).to.equal("0");
      // 12 key-generation and 8 signing actions, batched: fewer transactions, but at least one.
      expect(relayer.transactions).to.be.a("number").and.be.within(1, 20);
    });

    it("--web: alice runs in the web client in headless Chromium through every stage; keys, signatures and the audit agree", async function () {
      this.timeout(600_000);
      const logs: string[] = [];
      const summary = await runDemoCli(
        ["--rpc-url", chain.rpcUrl, "--contract", chain.contract, "--web"],
        logs,
      );
      // The demo's own checks held with a browser party: the signatures verify under the group
      // key the three agreed on (checkSummary), every session audited "pass", and each party,
      // the browser one included, signed one action per session with its account.
      checkSummary(summary);
      const log = logs.join("");
      const order = /parties by address, as the contract orders them: (.+)/.exec(log)?.[1] ?? "";
      const alice = /(\d) alice/.exec(order)?.[1];
      expect(alice, `party order in: ${order}`).to.be.a("string");
      expect(summary.browserParty).to.equal(Number(alice));
      // She ran in the page, never as a process: three sessions, each accepted after the page's
      // config hash matched the demo's, each finalized with what the page showed.
      expect(log).to.match(
        /\[alice \(browser\)\] runs in a headless browser at http:\/\/127\.0\.0\.1:\d+\/#\/session\?session=/,
      );
      expect(
        log.match(
          /\[alice \(browser\)\] the page computed config hash 0x[0-9a-f]{64}, as the demo did/g,
        ),
      ).to.have.length(3);
      expect(log.match(/\[alice \(browser\)\] finalized: /g)).to.have.length(3);
      expect(log).to.contain(`[alice (browser)] finalized: group key ${summary.groupPublicKey}`);
      expect(log).to.contain(`[alice (browser)] finalized: signature ${summary.signature}`);
      expect(log).to.not.match(/^\s*\[alice\] /m);
    });

    it("S6: the parties finish after the initiator's process is killed right after creating the session", async () => {
      const parties = await newParties("s6");
      const config = keygen(parties);
      let printed: string | undefined;
      const initiatorProcess: CliProcess = spawn("initiator", createArgs(config), {
        onStdoutLine: (line) => {
          if (printed !== undefined || line.trim() === "") return;
          printed = line;
          initiatorProcess.kill("SIGKILL");
        },
      });
      const ended = await initiatorProcess.done;
      expect(printed, ended.stderr).to.be.a("string");
      expect(initiatorProcess.running).to.equal(false);
      const created = JSON.parse(printed ?? "{}") as { sessionId: string; configHash: Hex };
      const configHash = hashSessionConfig(config);
      expect(created.configHash).to.equal(configHash);
      const sessionId = BigInt(created.sessionId);

      const outcomes = (
        await Promise.all(parties.map((p) => spawn(p.name, runArgs(p, sessionId, configHash)).done))
      ).map(finalized);
      expect(new Set(outcomes.map((o) => o.groupPublicKey)).size).to.equal(1);
      expect(outcomes[0]?.groupPublicKey).to.match(hex(32));

      // The initiator sent one transaction, the creation; every other one came from a party.
      const events = await getSessionEvents({
        publicClient: connection.publicClient,
        address: chain.contract,
        sessionId,
      });
      const creation = events.find((e) => e.eventName === "SessionCreated")?.transactionHash;
      const senders = await Promise.all(
        [...new Set(events.map((e) => e.transactionHash))].map(async (hash) => ({
          hash,
          from: (await connection.publicClient.getTransaction({ hash })).from.toLowerCase(),
        })),
      );
      const partyAddresses = parties.map((p) => p.address.toLowerCase());
      for (const { hash, from } of senders) {
        if (hash === creation) expect(from).to.equal(initiator.address.toLowerCase());
        else expect(partyAddresses).to.include(from);
      }
    });

    it("R8: a party SIGKILLed in round 1, then in round 2, and restarted finishes with the same group key, one payload per round", async () => {
      const parties = await newParties("r8");
      const config = keygen(parties);
      const { sessionId, configHash } = await create(config);
      const fromBlock = await connection.publicClient.getBlockNumber();
      const victim = parties[1] as DemoParty;
      const others = parties
        .filter((p) => p !== victim)
        .map((p) => spawn(p.name, runArgs(p, sessionId, configHash)));
      // Killed once as soon as it reports progress in round 1 (its round-2 payload still to be
      // computed from what it stored), and once more in round 2; each time run again as before.
      for (const round of [1, 2]) {
        let killedAt: string | undefined;
        const run: CliProcess = spawn(victim.name, runArgs(victim, sessionId, configHash), {
          onStderrLine: (line) => {
            if (killedAt === undefined && new RegExp(`\\bround ${round}\\b`).test(line)) {
              killedAt = line;
              run.kill("SIGKILL");
            }
          },
        });
        const killed = await run.done;
        expect(killedAt, `it never reached round ${round}:\n${killed.stderr}`).to.be.a("string");
        expect(killed.signal).to.equal("SIGKILL");
      }
      expect(others.every((c) => c.running)).to.equal(true);

      // The same command again, with the same store.
      const restarted = spawn(victim.name, runArgs(victim, sessionId, configHash));
      const outcomes = (await Promise.all([restarted, ...others].map((c) => c.done))).map(
        finalized,
      );
      expect(outcomes).to.have.length(3);
      expect(new Set(outcomes.map((o) => o.groupPublicKey)).size).to.equal(1);

      // The log holds one payload per (party, round) ...
      const events = await getSessionEvents({
        publicClient: connection.publicClient,
        address: chain.contract,
        sessionId,
      });
      const slots = events.flatMap((e) =>
        e.eventName === "PayloadSubmitted" ? [`${e.args.index}/${e.args.round}`] : [],
      );
      expect(new Set(slots).size, slots.join(", ")).to.equal(slots.length);
      expect(slots).to.have.length(3 * config.rounds.length);
      // ... and the victim never even sent two different payloads for one round, mined or reverted.
      const sent = await callsFrom(victim.address, fromBlock);
      const byRound = new Map<string, Set<string>>();
      for (const call of sent) {
        if (call.functionName !== "submit" && call.functionName !== "commit") continue;
        const [, , round, payload] = call.args as [bigint, number, number, Hex];
        const key = `${call.functionName}/${round}`;
        byRound.set(key, (byRound.get(key) ?? new Set()).add(payload));
      }
      expect(byRound.size).to.be.greaterThan(0);
      for (const [key, payloads] of byRound) {
        expect(payloads.size, `${key}: ${[...payloads].join(", ")}`).to.equal(1);
      }
    });

    it("blames exactly the party that never started, through `roundtable session expire` after the deadline", async () => {
      const parties = await newParties("silent");
      const durations = { acceptance: 30, rounds: 30 };
      const config = keygen(parties, durations);
      const { sessionId, configHash } = await create(config, durations);
      const silent = parties[2] as DemoParty;
      const silentIndex = config.parties.indexOf(silent.address);
      const present = parties.filter((p) => p !== silent);
      const running = present.map((p) => spawn(p.name, runArgs(p, sessionId, configHash)));

      // Both present parties accept, then wait for the silent one.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const events = await getSessionEvents({
          publicClient: connection.publicClient,
          address: chain.contract,
          sessionId,
        });
        if (events.filter((e) => e.eventName === "PartyAccepted").length === 2) break;
        expect(Date.now(), "the two parties did not accept within 60 s").to.be.below(deadline);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // They stop waiting (Ctrl-C: exit 130, resumable); anyone may then expire the session.
      for (const result of await Promise.all(running.map((c) => c.stop()))) {
        expect(result.code, result.stderr).to.equal(130);
      }
      await advance(durations.acceptance + 1);

      const expired = await spawn("expirer", [
        "session",
        "expire",
        String(sessionId),
        "--rpc-url",
        chain.rpcUrl,
        "--contract",
        chain.contract,
        "--key-file",
        initiator.keyFile,
        "--password-file",
        initiator.passwordFile,
        "--json",
      ]).done;
      expect(expired.code, expired.stderr).to.equal(0);
      expect(jsonOutput(expired)?.blame).to.deep.equal([silentIndex]);
      const events = await getSessionEvents({
        publicClient: connection.publicClient,
        address: chain.contract,
        sessionId,
      });
      const aborted = events.find((e) => e.eventName === "SessionAborted");
      expect(aborted?.eventName === "SessionAborted" ? aborted.args.blame : undefined).to.equal(
        1n << BigInt(silentIndex),
      );

      // A present party started again learns the outcome: aborted, the silent party blamed.
      const rerun = await spawn(present[0]!.name, runArgs(present[0]!, sessionId, configHash)).done;
      expect(rerun.code, rerun.stderr).to.equal(1);
      expect(jsonOutput(rerun)).to.deep.include({
        status: "aborted",
        reason: "expired",
        blame: [silentIndex],
      });
    });
  });
});
