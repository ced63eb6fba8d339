// Wall time and RPC requests of whole key generations through the party runner, every party in
// this process, the chain a `hardhat node` in its own process reached over HTTP: real encrypted
// file stores (fsync on every write), real transactions, the runners polling the chain. Each run
// deploys a fresh contract and creates a fresh session, so every run and variant starts equal.
//
//   npx tsx scripts/bench-party.ts [--n 16] [--t 9] [--runs 3] [--poll 50]
//                                  [--providers 1|3] [--proofs] [--json]
//
// Variants (issue 11), each party with its own clients, as `party run` builds them:
//   single  one provider (`--rpc-url` once)
//   quorum  three HTTP providers to the same node behind quorumTransport, all three must agree
//           (`--rpc-url` three times, `--rpc-quorum` left at its default, all)
//   proofs  one provider, and the transcript proven by a storage proof against headers linked to
//           the contract's deployment block (`--trusted-block deployment`)
// Without --providers or --proofs, the three run in turn within each run, and the ratios
// quorum/single and proofs/single are reported. `--providers K` alone runs K providers (single or
// quorum); `--proofs` alone runs the proofs variant (over `--providers K` when given).
//
// Requests are counted per party by its transport (quorumTransport's onRequest): every request
// to every provider, the party's transactions included, the initiator's creation not. Stages are
// timed from when the first runner saw each phase open (so each boundary is late by up to one
// polling interval): accept = creation to round 1, then each phase of each round, then agreement
// to the last runner's return. Targets: n = 16 under 30 seconds; the quorum under twice single.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  numberToHex,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployRoundtable, readRoundtableBytecode } from "../src/cli/deployRoundtable.js";
import { startLocalChain } from "../src/cli/localChain.js";
import { openFileSecretStore } from "../src/party/fileSecretStore.js";
import { type PartyOutcome, type PartyProgress, runParty } from "../src/party/runParty.js";
import { createSession } from "../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../src/sdk/actions/internal.js";
import type { TrustedBlock } from "../src/sdk/proofs/headerChain.js";
import { keygenConfig } from "../src/sdk/protocolIds.js";
import { type QuorumRequestEvent, quorumTransport } from "../src/sdk/rpc/quorumTransport.js";

type Variant = { name: string; providers: number; proofs: boolean };
type Options = {
  n: number;
  t: number;
  runs: number;
  poll: number;
  json: boolean;
  variants: Variant[];
};
type Stage = { stage: string; ms: number };
type Run = {
  totalMs: number;
  cpuMs: number;
  stages: Stage[];
  /** Requests per party (mean over the parties), every provider counted. */
  requestsPerParty: number;
  /** Requests per party per provider (mean). */
  requestsPerPartyPerProvider: number;
  /** Requests per party by method (mean over the parties). */
  byMethod: Record<string, number>;
};

/** Phases as the runners report them, named as stages of the key generation. */
const stageNames: Record<string, string> = {
  create: "create",
  Accepting: "accept",
  "Submitting 1": "round 1",
  "Committing 1": "round 1 commit",
  "Revealing 1": "round 1 reveal",
  "Submitting 2": "round 2 shares",
  "Agreeing 3": "agreement",
  "Finalized 3": "last return",
};

// Hardhat's first development account: its key is public, and funded only on a development chain.
const initiatorKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

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
  const providers = value("--providers");
  if (providers !== undefined && providers > 8) {
    throw new Error(`--providers must be 1..8, got ${providers}`);
  }
  const proofs = argv.includes("--proofs");
  let variants: Variant[];
  if (providers === undefined && !proofs) {
    variants = [
      { name: "single", providers: 1, proofs: false },
      { name: "quorum", providers: 3, proofs: false },
      { name: "proofs", providers: 1, proofs: true },
    ];
  } else {
    const k = providers ?? 1;
    const name = proofs
      ? k === 1
        ? "proofs"
        : `proofs, ${k} providers`
      : k === 1
        ? "single"
        : "quorum";
    variants = [{ name, providers: k, proofs }];
  }
  return {
    n,
    t,
    runs: value("--runs") ?? 3,
    poll: value("--poll") ?? 50,
    json: argv.includes("--json"),
    variants,
  };
}

const options = parseOptions(process.argv.slice(2));
const deploymentsDir = await mkdtemp(join(tmpdir(), "roundtable-bench-deployments-"));
// Blocks only on transactions: no deadline passes in a benchmark, and the header chain the proofs
// verify is then the session's own blocks, not one a second.
const chain = await startLocalChain({ port: 0, deploymentsDir, blockInterval: 0 });
const rpcUrl = chain.rpcUrl;
const bytecode = await readRoundtableBytecode();
const initiatorAccount = privateKeyToAccount(initiatorKey);
const plainPublic = createPublicClient({
  transport: http(rpcUrl),
}) as unknown as RoundtablePublicClient;
const localChain = defineChain({
  id: chain.chainId,
  name: `chain ${chain.chainId}`,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
});
const initiator = createWalletClient({
  account: initiatorAccount,
  chain: localChain,
  transport: http(rpcUrl),
}) as unknown as RoundtableWalletClient;

async function rpc(method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(`${method} failed: ${body.error.message ?? "unknown error"}`);
  return body.result;
}

/** A fresh contract, so that every run's header chain from its deployment block is as long. */
async function freshContract(): Promise<{ address: Address; trusted: TrustedBlock }> {
  const { record } = await deployRoundtable({
    publicClient: plainPublic,
    walletClient: initiator,
    bytecode,
    network: "bench",
    deploymentsDir,
  });
  return {
    address: record.address,
    trusted: { number: BigInt(record.deploymentBlock), hash: record.blockHash as Hex },
  };
}

/** One party's clients over its own transport, counted, as `connectChain` builds them. */
function partyClients(providers: number, onRequest: (event: QuorumRequestEvent) => void) {
  const transport = quorumTransport({
    providers: Array.from({ length: providers }, () => rpcUrl),
    retryCount: 2,
    timeout: 15_000,
    headCacheTime: options.poll,
    onRequest,
  });
  const account = privateKeyToAccount(generatePrivateKey());
  const publicClient = createPublicClient({
    chain: localChain,
    transport,
    pollingInterval: options.poll,
  }) as unknown as RoundtablePublicClient;
  const walletClient = createWalletClient({
    account,
    chain: localChain,
    transport,
    pollingInterval: options.poll,
  }) as unknown as RoundtableWalletClient;
  return { account, publicClient, walletClient };
}

async function once(variant: Variant): Promise<Run> {
  const directory = await mkdtemp(join(tmpdir(), "roundtable-bench-"));
  try {
    const { address, trusted } = await freshContract();
    const requests: { total: number; byMethod: Record<string, number> }[] = [];
    const parties = [];
    for (let i = 0; i < options.n; i++) {
      const counter = { total: 0, byMethod: {} as Record<string, number> };
      requests.push(counter);
      const clients = partyClients(variant.providers, (event) => {
        counter.total++;
        counter.byMethod[event.method] = (counter.byMethod[event.method] ?? 0) + 1;
      });
      await rpc("hardhat_setBalance", [clients.account.address, numberToHex(parseEther("10"))]);
      parties.push({
        ...clients,
        store: await openFileSecretStore({
          directory: join(directory, String(i)),
          password: "bench",
          scryptN: 2 ** 10,
          allowWeakKdf: true,
        }),
      });
    }
    parties.sort((a, b) => (BigInt(a.account.address) < BigInt(b.account.address) ? -1 : 1));
    const config = keygenConfig({
      parties: parties.map((p) => p.account.address),
      threshold: options.t,
    });
    const cpu = process.cpuUsage();
    const start = performance.now();
    const { sessionId } = await createSession({
      publicClient: plainPublic,
      walletClient: initiator,
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
          publicClient: party.publicClient,
          walletClient: party.walletClient,
          address,
          sessionId,
          store: party.store,
          confirm: async () => true,
          pollingInterval: options.poll,
          onProgress,
          ...(variant.proofs ? { proofs: { trustedBlock: trusted } } : {}),
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
    const byMethod: Record<string, number> = {};
    for (const counter of requests) {
      for (const [method, count] of Object.entries(counter.byMethod)) {
        byMethod[method] = (byMethod[method] ?? 0) + count / options.n;
      }
    }
    const requestsPerParty = requests.reduce((sum, c) => sum + c.total, 0) / options.n;
    return {
      totalMs: end - start,
      cpuMs: (used.user + used.system) / 1000,
      stages,
      requestsPerParty,
      requestsPerPartyPerProvider: requestsPerParty / variant.providers,
      byMethod,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const runs = new Map<string, Run[]>(options.variants.map((v) => [v.name, []]));
try {
  for (let i = 0; i < options.runs; i++) {
    // Variants take turns within each run, so that a drift of the machine weighs on all alike.
    for (const variant of options.variants) {
      const run = await once(variant);
      runs.get(variant.name)!.push(run);
      if (!options.json) {
        console.log(
          `run ${i + 1} ${variant.name.padEnd(6)}: ${(run.totalMs / 1000).toFixed(2)} s, ${Math.round(run.requestsPerParty)} requests per party`,
        );
      }
    }
  }
} finally {
  await chain.stop();
  await rm(deploymentsDir, { recursive: true, force: true });
}

const variants = options.variants.map((variant) => {
  const list = runs.get(variant.name)!;
  const stageOrder = list[0]!.stages.map((s) => s.stage);
  const methods = [...new Set(list.flatMap((r) => Object.keys(r.byMethod)))].sort();
  return {
    variant: variant.name,
    providers: variant.providers,
    quorum: variant.providers,
    proofs: variant.proofs,
    medianTotalMs: Math.round(median(list.map((r) => r.totalMs))),
    medianCpuMs: Math.round(median(list.map((r) => r.cpuMs))),
    medianRequestsPerParty: Math.round(median(list.map((r) => r.requestsPerParty))),
    medianRequestsPerPartyPerProvider: Math.round(
      median(list.map((r) => r.requestsPerPartyPerProvider)),
    ),
    medianRequestsPerPartyByMethod: Object.fromEntries(
      methods.map((m) => [m, Math.round(median(list.map((r) => r.byMethod[m] ?? 0)))]),
    ),
    medianStagesMs: stageOrder.map((stage) => ({
      stage,
      ms: Math.round(median(list.map((r) => r.stages.find((s) => s.stage === stage)?.ms ?? 0))),
    })),
    totalsMs: list.map((r) => Math.round(r.totalMs)),
  };
});

const single = variants.find((v) => v.variant === "single");
const ratio = (name: string) => {
  const other = variants.find((v) => v.variant === name);
  if (single === undefined || other === undefined) return undefined;
  return {
    wallTime: Number((other.medianTotalMs / single.medianTotalMs).toFixed(2)),
    requestsPerParty: Number(
      (other.medianRequestsPerParty / single.medianRequestsPerParty).toFixed(2),
    ),
  };
};
const quorumRatio = ratio("quorum");
const proofsRatio = ratio("proofs");
const summary = {
  n: options.n,
  t: options.t,
  runs: options.runs,
  pollingIntervalMs: options.poll,
  chain: "hardhat node (127.0.0.1, automine), a fresh contract per run",
  variants,
  ...(quorumRatio === undefined ? {} : { quorumOverSingle: quorumRatio }),
  ...(proofsRatio === undefined ? {} : { proofsOverSingle: proofsRatio }),
  targets: {
    wallTimeMs: 30_000,
    quorumOverSingleWallTime: 2,
    ...(quorumRatio === undefined ? {} : { quorumUnderTwiceSingle: quorumRatio.wallTime < 2 }),
  },
};

if (options.json) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  console.log(
    `\nkey generation, n = ${summary.n}, t = ${summary.t}, ${summary.runs} runs, polling every ${summary.pollingIntervalMs} ms, ${summary.chain}`,
  );
  for (const v of variants) {
    console.log(
      `\n${v.variant}: median wall time ${(v.medianTotalMs / 1000).toFixed(2)} s (target < 30 s), CPU ${(v.medianCpuMs / 1000).toFixed(2)} s, ${v.medianRequestsPerParty} RPC requests per party (${v.medianRequestsPerPartyPerProvider} per provider)`,
    );
    for (const { stage, ms } of v.medianStagesMs) {
      console.log(`  ${stage.padEnd(14)} ${(ms / 1000).toFixed(2).padStart(7)} s`);
    }
    const top = Object.entries(v.medianRequestsPerPartyByMethod)
      .sort((a, b) => b[1] - a[1])
      .map(([m, c]) => `${m} ${c}`)
      .join(", ");
    console.log(`  requests per party: ${top}`);
  }
  if (quorumRatio !== undefined) {
    console.log(
      `\nquorum / single: wall time × ${quorumRatio.wallTime} (target < 2: ${quorumRatio.wallTime < 2 ? "met" : "missed"}), requests per party × ${quorumRatio.requestsPerParty}`,
    );
  }
  if (proofsRatio !== undefined) {
    console.log(
      `proofs / single: wall time × ${proofsRatio.wallTime}, requests per party × ${proofsRatio.requestsPerParty}`,
    );
  }
}
