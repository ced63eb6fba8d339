// A whole FROST key generation of n parties (64 by default) on a slow chain, every action relayed:
// anvil with 2-second blocks, `roundtable relayer` in its own process with a fresh key funded
// here, and every party's runner in this process (real encrypted file stores, its own RPC client),
// each delivering through the relayer first and then directly. The parties hold no ETH, so a
// direct delivery fails: the run proves that everything it recorded went through the relayer.
//
//   npm run bench:keygen-relayed -- [--n 64] [--t 33] [--block-time 2] [--runs 1] [--poll 500]
//                                   [--max-in-flight K] [--json]
//
// Reports, per run: wall time (the creation's send to the last runner's return) and the chain's
// own account of it (blocks and timestamps of SessionCreated, each PhaseOpened and
// SessionFinalized), the relayer's batches (distinct transactions carrying this session's
// actions) and their gas, gas per party, and where the time went: CPU of this process (the
// parties: FROST, signing, HTTP), of the relayer and of anvil, the event loop's delay here, and
// the parties' RPC requests. `--json` prints one JSON object on the last line.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  parseEther,
  parseEventLogs,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { openFileSecretStore } from "../src/party/fileSecretStore.js";
import { createRelayedTransport } from "../src/party/relayedTransport.js";
import { type PartyOutcome, type PartyProgress, runParty } from "../src/party/runParty.js";
import { createDirectTransport, type Transport } from "../src/party/transport.js";
import { createSession } from "../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../src/sdk/actions/internal.js";
import { roundtableAbi } from "../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../src/sdk/protocolIds.js";
import { Phase, phaseName } from "../src/sdk/types.js";
import { type Anvil, deployRoundtableOnAnvil, startAnvil } from "../test/helpers/anvil.js";
import { type RelayerProcess, startRelayerProcess, tempDir } from "../test/relayer/helpers.js";

export type KeygenRelayedOptions = {
  n: number;
  t: number;
  /** Seconds between anvil's blocks. */
  blockTime: number;
  runs: number;
  /** Milliseconds between a runner's reads of the chain (and the relayed transport's polls). */
  pollMs: number;
  /** Passed to the relayer as --max-in-flight when given. */
  maxInFlight?: number | undefined;
  /** Progress lines (stderr in the script); silent when undefined. */
  log?: ((line: string) => void) | undefined;
  /** Stops the runners; anvil and the relayer are then stopped too. */
  signal?: AbortSignal | undefined;
};

/** A stretch of the session by the chain: from one event's block to the next's. */
export type ChainPhase = { phase: string; blocks: number; seconds: number; fromBlock: number };

export type KeygenRelayedRun = {
  sessionId: string;
  groupPublicKey: Hex;
  /** The creation's send to the last runner's return, by this machine's clock. */
  wallMs: number;
  /** First runner seeing each phase, from the creation's send (ms): late by up to one poll. */
  seenMs: { stage: string; atMs: number }[];
  creationBlock: number;
  finalizationBlock: number;
  /** Finalization block minus creation block. */
  blocksUsed: number;
  /** Finalization block's timestamp minus creation block's (seconds). */
  chainSeconds: number;
  /** accept, round 1, round 2, agreement, by PhaseOpened / SessionFinalized blocks. */
  phases: ChainPhase[];
  batches: {
    count: number;
    gas: number;
    gasPerParty: number;
    /** Each batch: its block, how many of this session's actions it carried, its gas. */
    list: { block: number; actions: number; gas: number }[];
  };
  /** Transactions the relayer's account got mined during the run (batches, and any that carried nothing of ours). */
  relayerTransactions: number;
  /** ETH the relayer spent during the run, in gas units at the blocks' prices (wei). */
  relayerSpentWei: string;
  /** Direct deliveries the runners tried (the relayer failed them): every one must have failed. */
  directAttempts: number;
  cpu: { partiesMs: number; relayerMs: number | undefined; anvilMs: number | undefined };
  /** This process's event-loop delay while the parties ran (ms). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** JSON-RPC HTTP requests the parties made, in all and per party per second. */
  rpcRequests: {
    total: number;
    perPartyPerSecond: number;
    /** Calls and bytes of the answers, by JSON-RPC method. */
    byMethod: RpcCounter["byMethod"];
  };
};

export type KeygenRelayedSummary = {
  n: number;
  t: number;
  blockTime: number;
  pollMs: number;
  maxInFlight: number | null;
  relayerArgs: string[];
  runs: KeygenRelayedRun[];
};

// Anvil's development accounts 0 and 1 (keys public, funded only on local chains) deploy and create.
const funderIndex = 0;
const initiatorIndex = 1;

/** Whether this tree's relayer knows `--max-in-flight` (another change adds it). */
export async function relayerHasMaxInFlight(): Promise<boolean> {
  const source = await readFile(
    fileURLToPath(new URL("../src/relayer/options.ts", import.meta.url)),
    "utf8",
  );
  return source.includes('"--max-in-flight"');
}

/** utime + stime of a process from /proc (Linux), in ms; undefined where /proc is not there. */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** anvil's pid, found by the port it listens on (test/helpers/anvil.ts does not expose it). */
async function anvilPid(rpcUrl: string): Promise<number | undefined> {
  const port = new URL(rpcUrl).port;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const args = cmdline.split("\0");
    if (args[0]?.endsWith("/anvil") && args[args.indexOf("--port") + 1] === port) {
      return Number(entry);
    }
  }
  return undefined;
}

type RpcCounter = {
  requests: number;
  byMethod: Record<string, { calls: number; responseBytes: number }>;
};

/** fetch that counts the parties' HTTP requests, and each method's calls and answer bytes. */
function countingFetch(counter: RpcCounter): typeof fetch {
  return async (input, init) => {
    counter.requests++;
    let methods: string[] = ["?"];
    try {
      const body = JSON.parse(String(init?.body)) as { method: string } | { method: string }[];
      methods = Array.isArray(body) ? body.map((b) => b.method) : [body.method];
    } catch {}
    const response = await fetch(input, init);
    const bytes = Number(response.headers.get("content-length") ?? 0);
    for (const method of methods) {
      const entry = counter.byMethod[method] ?? { calls: 0, responseBytes: 0 };
      counter.byMethod[method] = entry;
      entry.calls++;
      entry.responseBytes += bytes / methods.length;
    }
    return response;
  };
}

/** Counts the direct deliveries a runner falls back to; each one must fail (no ETH). */
function countingTransport(inner: Transport, counter: { attempts: number; succeeded: number }) {
  return {
    name: inner.name,
    async submit(...args: Parameters<Transport["submit"]>) {
      counter.attempts++;
      const receipt = await inner.submit(...args);
      counter.succeeded++;
      return receipt;
    },
  } satisfies Transport;
}

const stageOf = (p: PartyProgress) => (p.round === 0 ? p.phase : `${p.phase} ${p.round}`);

/** Starts anvil and a relayer process, runs `runs` key generations, stops both. */
export async function benchKeygenRelayed(
  options: KeygenRelayedOptions,
): Promise<KeygenRelayedSummary> {
  const log = options.log ?? (() => {});
  if (options.maxInFlight !== undefined && !(await relayerHasMaxInFlight())) {
    throw new Error(
      `--max-in-flight ${options.maxInFlight}: this tree's relayer has no --max-in-flight option (src/relayer/options.ts); leave the flag out.`,
    );
  }
  const anvil = await startAnvil({ blockTime: options.blockTime });
  const dir = await tempDir();
  let relayer: RelayerProcess | undefined;
  try {
    const { address: contract } = await deployRoundtableOnAnvil(anvil);
    const anvilProcess = await anvilPid(anvil.rpcUrl);
    // A fresh relayer key, funded here: its balance then shows what the run cost it.
    const relayerKey = generatePrivateKey();
    const relayerAddress = privateKeyToAccount(relayerKey).address;
    const funding = await anvil
      .walletClient(funderIndex)
      .sendTransaction({ to: relayerAddress, value: parseEther("1000") });
    await anvil.publicClient.waitForTransactionReceipt({ hash: funding });
    const relayerArgs = [
      ...["--rpc-url", anvil.rpcUrl, "--contract", contract, "--port", "0"],
      ...["--db", join(dir.path, "relayer.sqlite"), "--log-level", "warn"],
      // Every party here is 127.0.0.1, so the per-client limits (meant for one client each) are
      // lifted; the per-(session, party) limits keep their defaults.
      ...["--client-rate", "100000", "--client-burst", "100000"],
      ...["--max-connections-per-ip", "100000"],
      ...(options.maxInFlight === undefined
        ? []
        : ["--max-in-flight", String(options.maxInFlight)]),
    ];
    relayer = await startRelayerProcess(relayerArgs, { ROUNDTABLE_PRIVATE_KEY: relayerKey });
    log(`anvil ${anvil.rpcUrl} (${options.blockTime} s blocks), relayer ${relayer.url}`);
    const runs: KeygenRelayedRun[] = [];
    for (let run = 0; run < options.runs; run++) {
      runs.push(
        await oneRun({
          anvil,
          contract,
          relayerUrl: relayer.url,
          relayerAddress,
          relayerPid: relayer.child.pid,
          anvilPid: anvilProcess,
          directory: join(dir.path, `run-${run}`),
          options,
          log,
        }),
      );
    }
    return {
      n: options.n,
      t: options.t,
      blockTime: options.blockTime,
      pollMs: options.pollMs,
      maxInFlight: options.maxInFlight ?? null,
      relayerArgs: relayerArgs.filter((a) => !a.startsWith(dir.path)),
      runs,
    };
  } finally {
    if (relayer !== undefined) {
      relayer.child.kill("SIGTERM");
      await relayer.exited;
    }
    await anvil.stop();
    await dir.remove();
  }
}

type RunContext = {
  anvil: Anvil;
  contract: Address;
  relayerUrl: string;
  relayerAddress: Address;
  relayerPid: number | undefined;
  anvilPid: number | undefined;
  directory: string;
  options: KeygenRelayedOptions;
  log: (line: string) => void;
};

async function oneRun(c: RunContext): Promise<KeygenRelayedRun> {
  const { anvil, contract, options, log } = c;
  const chainClient = anvil.publicClient as unknown as RoundtablePublicClient;
  const rpc: RpcCounter = { requests: 0, byMethod: {} };
  const direct = { attempts: 0, succeeded: 0 };
  // Every party: a fresh key with no ETH, its own clients, its own encrypted file store.
  const parties = [];
  for (let i = 0; i < options.n; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    const transport = http(anvil.rpcUrl, { fetchFn: countingFetch(rpc) });
    const publicClient = createPublicClient({
      chain: anvil.chain,
      transport,
      pollingInterval: options.pollMs,
    }) as unknown as RoundtablePublicClient;
    const walletClient = createWalletClient({
      account,
      chain: anvil.chain,
      transport,
      pollingInterval: options.pollMs,
    }) as unknown as RoundtableWalletClient;
    const store = await openFileSecretStore({
      directory: join(c.directory, String(i)),
      password: "bench",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
    const transports: Transport[] = [
      createRelayedTransport({
        url: c.relayerUrl,
        publicClient,
        account,
        chainId: anvil.chain.id,
        address: contract,
        // As `party run --relayer` builds it (its --relayer-timeout default is 30 s).
        deliveryTimeout: 30_000,
        pollingInterval: options.pollMs,
      }),
      countingTransport(
        createDirectTransport({ publicClient, walletClient, address: contract }),
        direct,
      ),
    ];
    parties.push({ account, publicClient, walletClient, store, transports });
  }
  const config = keygenConfig({
    parties: parties.map((p) => p.account.address),
    threshold: options.t,
  });

  const relayerNonceBefore = await chainClient.getTransactionCount({ address: c.relayerAddress });
  const relayerBalanceBefore = await chainClient.getBalance({ address: c.relayerAddress });
  const cpuBefore = {
    parties: process.cpuUsage(),
    relayer: await processCpuMs(c.relayerPid),
    anvil: await processCpuMs(c.anvilPid),
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const start = performance.now();
  const created = await createSession({
    publicClient: chainClient,
    walletClient: anvil.walletClient(initiatorIndex) as unknown as RoundtableWalletClient,
    address: contract,
    config,
  });
  const { sessionId } = created;
  log(`session ${sessionId} created in block ${created.blockNumber}`);
  const seen: { stage: string; atMs: number }[] = [];
  const onProgress = (p: PartyProgress) => {
    const stage = stageOf(p);
    if (!seen.some((s) => s.stage === stage)) {
      const atMs = performance.now() - start;
      seen.push({ stage, atMs });
      const cpu = process.cpuUsage(cpuBefore.parties);
      log(
        `  ${(atMs / 1000).toFixed(1).padStart(6)} s  first runner sees ${stage} (parties' CPU so far ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
      );
    }
  };
  // One runner failing stops the others, which would otherwise wait for it until the deadline.
  const stop = new AbortController();
  options.signal?.throwIfAborted();
  options.signal?.addEventListener("abort", () => stop.abort(options.signal?.reason), {
    once: true,
  });
  const outcomes: PartyOutcome[] = await Promise.all(
    parties.map((party) =>
      runParty({
        publicClient: party.publicClient,
        walletClient: party.walletClient,
        transports: party.transports,
        address: contract,
        sessionId,
        store: party.store,
        confirm: async () => true,
        pollingInterval: options.pollMs,
        onProgress,
        signal: stop.signal,
      }).catch((error: unknown) => {
        stop.abort(error);
        throw error;
      }),
    ),
  );
  const wallMs = performance.now() - start;
  loopDelay.disable();
  const partiesCpu = process.cpuUsage(cpuBefore.parties);
  const relayerCpu = await processCpuMs(c.relayerPid);
  const anvilCpu = await processCpuMs(c.anvilPid);

  // Every party finalized with one group key, the chain's result.
  const keys = new Set(
    outcomes.map((o) => (o.status === "finalized" ? (o.groupPublicKey ?? o.result) : o.status)),
  );
  const onChain = await chainClient.readContract({
    address: contract,
    abi: roundtableAbi,
    functionName: "resultOf",
    args: [sessionId],
  });
  const [groupPublicKey] = keys;
  if (keys.size !== 1 || outcomes[0]?.status !== "finalized" || groupPublicKey === undefined) {
    throw new Error(`Session ${sessionId} did not finalize with one key: ${[...keys].join(", ")}`);
  }
  if (groupPublicKey.toLowerCase() !== onChain.toLowerCase()) {
    throw new Error(
      `Session ${sessionId}: the parties' group key ${groupPublicKey} is not the chain's result ${onChain}`,
    );
  }

  const account = await chainAccount({
    chainClient,
    contract,
    sessionId,
    creationBlock: created.blockNumber,
    relayer: c.relayerAddress,
    n: options.n,
  });
  if (direct.succeeded > 0) {
    throw new Error(`${direct.succeeded} direct deliveries succeeded, but the parties hold no ETH`);
  }
  for (const party of parties) {
    const sent = await chainClient.getTransactionCount({ address: party.account.address });
    if (sent !== 0) throw new Error(`Party ${party.account.address} sent ${sent} transactions`);
  }
  const gas = account.batches.reduce((sum, b) => sum + b.gas, 0);
  const relayerNonceAfter = await chainClient.getTransactionCount({ address: c.relayerAddress });
  const relayerBalanceAfter = await chainClient.getBalance({ address: c.relayerAddress });
  const ms = (nanoseconds: number) => Math.round(nanoseconds / 1e5) / 10;
  return {
    sessionId: sessionId.toString(),
    groupPublicKey: groupPublicKey as Hex,
    wallMs: Math.round(wallMs),
    seenMs: seen.map((s) => ({ stage: s.stage, atMs: Math.round(s.atMs) })),
    creationBlock: account.creationBlock,
    finalizationBlock: account.finalizationBlock,
    blocksUsed: account.finalizationBlock - account.creationBlock,
    chainSeconds: account.chainSeconds,
    phases: account.phases,
    batches: {
      count: account.batches.length,
      gas,
      gasPerParty: Math.round(gas / options.n),
      list: account.batches,
    },
    relayerTransactions: relayerNonceAfter - relayerNonceBefore,
    relayerSpentWei: (relayerBalanceBefore - relayerBalanceAfter).toString(),
    directAttempts: direct.attempts,
    cpu: {
      partiesMs: Math.round((partiesCpu.user + partiesCpu.system) / 1000),
      relayerMs:
        relayerCpu === undefined || cpuBefore.relayer === undefined
          ? undefined
          : Math.round(relayerCpu - cpuBefore.relayer),
      anvilMs:
        anvilCpu === undefined || cpuBefore.anvil === undefined
          ? undefined
          : Math.round(anvilCpu - cpuBefore.anvil),
    },
    eventLoopDelayMs: {
      p50: ms(loopDelay.percentile(50)),
      p99: ms(loopDelay.percentile(99)),
      max: ms(loopDelay.max),
    },
    rpcRequests: {
      total: rpc.requests,
      perPartyPerSecond: Number((rpc.requests / options.n / (wallMs / 1000)).toFixed(2)),
      byMethod: rpc.byMethod,
    },
  };
}

/**
 * The chain's account of a finalized session: its phases by the blocks of SessionCreated, each
 * PhaseOpened and SessionFinalized, and the transactions that carried its actions, each of which
 * must be the relayer's (the parties hold no ETH), with four actions recorded per party.
 */
async function chainAccount(p: {
  chainClient: RoundtablePublicClient;
  contract: Address;
  sessionId: bigint;
  creationBlock: bigint;
  relayer: Address;
  n: number;
}): Promise<{
  creationBlock: number;
  finalizationBlock: number;
  chainSeconds: number;
  phases: ChainPhase[];
  batches: { block: number; actions: number; gas: number }[];
}> {
  const logs = parseEventLogs({
    abi: roundtableAbi,
    logs: await p.chainClient.getLogs({
      address: p.contract,
      fromBlock: p.creationBlock,
      toBlock: "latest",
    }),
  }).filter((event) => "sessionId" in event.args && event.args.sessionId === p.sessionId);
  const finalized = logs.find((event) => event.eventName === "SessionFinalized");
  if (finalized === undefined) throw new Error(`Session ${p.sessionId}: no SessionFinalized event`);
  const timestamps = new Map<bigint, number>();
  const timestampOf = async (block: bigint) => {
    if (!timestamps.has(block)) {
      timestamps.set(
        block,
        Number((await p.chainClient.getBlock({ blockNumber: block })).timestamp),
      );
    }
    return timestamps.get(block)!;
  };
  const marks: { phase: string; block: bigint }[] = [{ phase: "accept", block: p.creationBlock }];
  for (const event of logs) {
    if (event.eventName !== "PhaseOpened") continue;
    const { round, phase } = event.args as { round: number; phase: number };
    const name =
      phase === Phase.Agreeing
        ? "agreement"
        : `round ${round}${phase === Phase.Submitting ? "" : ` ${phaseName(phase).toLowerCase()}`}`;
    marks.push({ phase: name, block: event.blockNumber });
  }
  marks.push({ phase: "end", block: finalized.blockNumber });
  const phases: ChainPhase[] = [];
  for (let i = 0; i + 1 < marks.length; i++) {
    const from = marks[i]!;
    const to = marks[i + 1]!;
    phases.push({
      phase: from.phase,
      fromBlock: Number(from.block),
      blocks: Number(to.block - from.block),
      seconds: (await timestampOf(to.block)) - (await timestampOf(from.block)),
    });
  }

  // Batches: the distinct transactions that carried any of the parties' actions (or skipped or
  // rejected one). Each must come from the relayer: a party sending its own would have needed ETH.
  const actionEvents = new Set([
    "PartyAccepted",
    "CommitmentSubmitted",
    "PayloadSubmitted",
    "ComplaintFiled",
    "ActionSkipped",
    "ActionRejected",
  ]);
  const perTransaction = new Map<Hash, { block: number; actions: number }>();
  for (const event of logs) {
    if (!actionEvents.has(event.eventName)) continue;
    const entry = perTransaction.get(event.transactionHash) ?? {
      block: Number(event.blockNumber),
      actions: 0,
    };
    if (event.eventName !== "ActionSkipped" && event.eventName !== "ActionRejected")
      entry.actions++;
    perTransaction.set(event.transactionHash, entry);
  }
  const list: { block: number; actions: number; gas: number }[] = [];
  for (const [hash, entry] of perTransaction) {
    const [transaction, receipt] = await Promise.all([
      p.chainClient.getTransaction({ hash }),
      p.chainClient.getTransactionReceipt({ hash }),
    ]);
    if (transaction.from.toLowerCase() !== p.relayer.toLowerCase()) {
      throw new Error(
        `Transaction ${hash} carrying session ${p.sessionId}'s actions was sent by ${transaction.from}, not the relayer ${p.relayer}`,
      );
    }
    list.push({ ...entry, gas: Number(receipt.gasUsed) });
  }
  list.sort((a, b) => a.block - b.block);
  const recorded = list.reduce((sum, b) => sum + b.actions, 0);
  // Accept, round 1, round 2 and agreement: four actions per party, each recorded once.
  if (recorded !== 4 * p.n) {
    throw new Error(`Session ${p.sessionId}: ${recorded} actions recorded, expected ${4 * p.n}`);
  }
  return {
    creationBlock: Number(p.creationBlock),
    finalizationBlock: Number(finalized.blockNumber),
    chainSeconds: (await timestampOf(finalized.blockNumber)) - (await timestampOf(p.creationBlock)),
    phases,
    batches: list,
  };
}

function parseOptions(argv: string[]): KeygenRelayedOptions & { json: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string", default: "64" },
      t: { type: "string" },
      "block-time": { type: "string", default: "2" },
      runs: { type: "string", default: "1" },
      poll: { type: "string", default: "500" },
      "max-in-flight": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const int = (flag: string, value: string, min: number, max: number) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new Error(`--${flag} ${value}: expected an integer from ${min} to ${max}`);
    }
    return parsed;
  };
  const n = int("n", values.n, 2, 255);
  const t = values.t === undefined ? Math.floor(n / 2) + 1 : int("t", values.t, 2, n);
  return {
    n,
    t,
    blockTime: int("block-time", values["block-time"], 1, 60),
    runs: int("runs", values.runs, 1, 100),
    pollMs: int("poll", values.poll, 10, 60_000),
    maxInFlight:
      values["max-in-flight"] === undefined
        ? undefined
        : int("max-in-flight", values["max-in-flight"], 1, 1_000),
    json: values.json,
  };
}

function printRun(run: KeygenRelayedRun, index: number, summary: KeygenRelayedSummary): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `\nrun ${index + 1}: session ${run.sessionId}, ${summary.n} parties, t = ${summary.t}, ${summary.blockTime} s blocks${summary.maxInFlight === null ? "" : `, --max-in-flight ${summary.maxInFlight}`}`,
  );
  console.log(
    `  wall time ${s(run.wallMs)}; chain: ${run.blocksUsed} blocks (${run.creationBlock} → ${run.finalizationBlock}), ${run.chainSeconds} s`,
  );
  for (const p of run.phases) {
    console.log(`  ${p.phase.padEnd(18)} ${String(p.blocks).padStart(3)} blocks  ${p.seconds} s`);
  }
  console.log(
    `  ${run.batches.count} relayer batches, ${run.batches.gas.toLocaleString("en")} gas (${run.batches.gasPerParty.toLocaleString("en")} per party); relayer transactions mined: ${run.relayerTransactions}`,
  );
  console.log(
    `  batches (block: actions, gas): ${run.batches.list.map((b) => `${b.block}: ${b.actions}, ${b.gas.toLocaleString("en")}`).join("; ")}`,
  );
  console.log(
    `  CPU: parties ${s(run.cpu.partiesMs)}, relayer ${run.cpu.relayerMs === undefined ? "?" : s(run.cpu.relayerMs)}, anvil ${run.cpu.anvilMs === undefined ? "?" : s(run.cpu.anvilMs)}; event-loop delay here p50 ${run.eventLoopDelayMs.p50} ms, p99 ${run.eventLoopDelayMs.p99} ms, max ${run.eventLoopDelayMs.max} ms`,
  );
  console.log(
    `  parties' RPC requests ${run.rpcRequests.total} (${run.rpcRequests.perPartyPerSecond}/party/s); direct deliveries tried ${run.directAttempts} (all failed: no ETH)`,
  );
  const methods = Object.entries(run.rpcRequests.byMethod).sort(
    (a, b) => b[1].responseBytes - a[1].responseBytes,
  );
  console.log(
    `  by method (calls, MB answered): ${methods.map(([m, e]) => `${m} ${e.calls}, ${(e.responseBytes / 1e6).toFixed(1)}`).join("; ")}`,
  );
  console.log(`  first runner saw: ${run.seenMs.map((m) => `${m.stage} ${s(m.atMs)}`).join(", ")}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // Ctrl-C stops the runners, so that anvil and the relayer process are stopped too.
  const interrupted = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => interrupted.abort(new Error(`stopped by ${signal}`)));
  }
  const summary = await benchKeygenRelayed({
    ...options,
    // Progress on stderr, so that --json's stdout holds only the object.
    log: (line) => console.error(line),
    signal: interrupted.signal,
  });
  if (options.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  for (const [index, run] of summary.runs.entries()) printRun(run, index, summary);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
