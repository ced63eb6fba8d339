// Wall time of whole key generations through the party runner, every party in this process on
// Hardhat's in-process chain: real encrypted file stores (fsync on every write), real
// transactions, the runners polling the chain. Each run creates a fresh session.
//
//   npx tsx scripts/bench-party.ts [--n 16] [--t 9] [--runs 3] [--poll 50] [--json]
//
// Stages are timed from when the first runner saw each phase open (so each boundary is late by
// up to one polling interval): accept = creation to round 1, then each phase of each round, then
// agreement to the last runner's return. The target: n = 16 under 30 seconds.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { createWalletClient, custom, getAddress, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { openFileSecretStore } from "../src/party/fileSecretStore.js";
import { type PartyOutcome, type PartyProgress, runParty } from "../src/party/runParty.js";
import { createSession } from "../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../src/sdk/actions/internal.js";
import { keygenConfig } from "../src/sdk/protocolIds.js";

type Options = { n: number; t: number; runs: number; poll: number; json: boolean };
type Stage = { stage: string; ms: number };
type Run = { totalMs: number; cpuMs: number; stages: Stage[] };

/** Phases as the runners report them, named as stages of the key generation. */
const stageNames: Record<string, string> = {
  create: "create",
  Accepting: "accept",
  "Committing 1": "round 1 commit",
  "Revealing 1": "round 1 reveal",
  "Submitting 2": "round 2 shares",
  "Agreeing 3": "agreement",
  "Finalized 3": "last return",
};

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): number | undefined => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const parsed = Number(argv[at + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) {
      throw new Error(`${flag} needs a positive integer, got ${argv[at + 1] ?? "nothing"}`);
    }
    return parsed;
  };
  const n = value("--n") ?? 16;
  const t = value("--t") ?? Math.floor(n / 2) + 1;
  if (n < 2 || n > 255 || t < 2 || t > n) {
    throw new Error(`--n must be 2..255 and --t 2..n (FROST needs t >= 2); got n = ${n}, t = ${t}`);
  }
  return {
    n,
    t,
    runs: value("--runs") ?? 3,
    poll: value("--poll") ?? 50,
    json: argv.includes("--json"),
  };
}

const options = parseOptions(process.argv.slice(2));
const connection = await network.create();
const publicClient = (await connection.viem.getPublicClient()) as unknown as RoundtablePublicClient;
const [initiator] = await connection.viem.getWalletClients();
if (!initiator) throw new Error("Hardhat has no accounts");
const address = getAddress((await connection.viem.deployContract("Roundtable")).address);

async function newParties(count: number) {
  const directory = await mkdtemp(join(tmpdir(), "roundtable-bench-"));
  const parties = [];
  for (let i = 0; i < count; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    await connection.networkHelpers.setBalance(account.address, parseEther("10"));
    parties.push({
      address: account.address,
      walletClient: createWalletClient({
        account,
        chain: publicClient.chain,
        transport: custom(connection.provider),
      }) as RoundtableWalletClient,
      store: await openFileSecretStore({
        directory: join(directory, String(i)),
        password: "bench",
        scryptN: 2 ** 10,
        allowWeakKdf: true,
      }),
    });
  }
  return { parties, directory };
}

async function once(): Promise<Run> {
  const { parties, directory } = await newParties(options.n);
  try {
    const config = keygenConfig({ parties: parties.map((p) => p.address), threshold: options.t });
    const cpu = process.cpuUsage();
    const start = performance.now();
    const { sessionId } = await createSession({
      publicClient,
      walletClient: initiator as unknown as RoundtableWalletClient,
      address,
      config,
    });
    const marks: { stage: string; at: number }[] = [{ stage: "create", at: start }];
    const seen = new Set<string>();
    const onProgress = (p: PartyProgress) => {
      const stage = p.round === 0 ? p.phase : `${p.phase} ${p.round}`;
      if (!seen.has(stage)) {
        seen.add(stage);
        marks.push({ stage, at: performance.now() });
      }
    };
    const outcomes: PartyOutcome[] = await Promise.all(
      parties.map((party) =>
        runParty({
          publicClient,
          walletClient: party.walletClient,
          address,
          sessionId,
          store: party.store,
          confirm: async () => true,
          pollingInterval: options.poll,
          onProgress,
        }),
      ),
    );
    const end = performance.now();
    const used = process.cpuUsage(cpu);
    const keys = new Set(
      outcomes.map((o) => (o.status === "finalized" ? o.groupPublicKey : o.status)),
    );
    if (keys.size !== 1 || outcomes[0]?.status !== "finalized") {
      throw new Error(`The key generation did not finalize with one key: ${[...keys].join(", ")}`);
    }
    const stages: Stage[] = marks.map((mark, i) => ({
      stage: stageNames[mark.stage] ?? mark.stage,
      ms: (marks[i + 1]?.at ?? end) - mark.at,
    }));
    return { totalMs: end - start, cpuMs: (used.user + used.system) / 1000, stages };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const runs: Run[] = [];
for (let i = 0; i < options.runs; i++) {
  runs.push(await once());
  if (!options.json) {
    const last = runs[runs.length - 1]!;
    console.log(`run ${i + 1}: ${(last.totalMs / 1000).toFixed(2)} s`);
  }
}

const stageOrder = runs[0]!.stages.map((s) => s.stage);
const summary = {
  n: options.n,
  t: options.t,
  runs: options.runs,
  pollingIntervalMs: options.poll,
  medianTotalMs: Math.round(median(runs.map((r) => r.totalMs))),
  medianCpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
  medianStagesMs: stageOrder.map((stage) => ({
    stage,
    ms: Math.round(median(runs.map((r) => r.stages.find((s) => s.stage === stage)?.ms ?? 0))),
  })),
  totalsMs: runs.map((r) => Math.round(r.totalMs)),
  targetMs: 30_000,
};

if (options.json) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  console.log(
    `\nkey generation, n = ${summary.n}, t = ${summary.t}, ${summary.runs} runs, polling every ${summary.pollingIntervalMs} ms`,
  );
  console.log(
    `median wall time ${(summary.medianTotalMs / 1000).toFixed(2)} s (target < 30 s), CPU ${(summary.medianCpuMs / 1000).toFixed(2)} s`,
  );
  for (const { stage, ms } of summary.medianStagesMs) {
    console.log(`  ${stage.padEnd(14)} ${(ms / 1000).toFixed(2).padStart(7)} s`);
  }
}
await connection.close();
