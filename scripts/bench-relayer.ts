// The relayer under load on loopback, and what batching saves in gas. Everything is real: an
// anvil node, `roundtable relayer` in its own process with its SQLite database
// (synchronous=FULL), and parties' EIP-712 signatures (signed before the clock starts).
//
//   npx tsx scripts/bench-relayer.ts [--runs 3] [--actions 2000] [--concurrency 32] [--rate 200]
//                                    [--only accept|gas|adversarial|inflight] [--json]
//
// Accept: each run POSTs `actions` distinct signed acceptances (sessions of 200 parties) twice
// over: from `concurrency` clients flat out (the most it takes: accepted/s is actions over wall
// time), and open-loop at `rate` per second (latency from each request's scheduled time, so
// queueing is not hidden). Medians over the runs. Goal: ≥ 200 accepted/s with p99 < 100 ms.
//
// Gas: the same kinds of actions (acceptances, then FROST key-generation round 1 and round 2
// payloads, sized as FROST's) sent directly by each party (the SDK's acceptSession and
// submitPayload) and through the relayer (batches), per action, for a few session shapes.
// Goal: batched ≤ half of direct.
//
// Adversarial (scripts/bench-relayer-adversarial.ts) and in flight (scripts/bench-relayer-inflight.ts:
// how many 2-second blocks a burst takes with one batch in flight and with four) run as their own
// processes, each on a chain of its own, and their JSON is folded in.

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { createWalletClient, type Hash, http } from "viem";
import { acceptSession } from "../src/sdk/actions/acceptSession.js";
import { submitPayload } from "../src/sdk/actions/submitPayload.js";
import { decodeAcceptData } from "../src/sdk/eip712.js";
import { signAction } from "../src/sdk/signAction.js";
import { ActionType, type SignedAction } from "../src/sdk/types.js";
import type { Party } from "../test/helpers/accounts.js";
import { keyGenerationSizes, roundPayloads } from "../test/helpers/payloads.js";
import {
  type AcceptSession,
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startRelayerProcess,
  waitFor,
} from "../test/relayer/helpers.js";

const run = promisify(execFile);

type Options = {
  runs: number;
  actions: number;
  concurrency: number;
  rate: number;
  json: boolean;
  only: "accept" | "gas" | "adversarial" | "inflight" | undefined;
};

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      actions: { type: "string", default: "2000" },
      concurrency: { type: "string", default: "32" },
      rate: { type: "string", default: "200" },
      json: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  if (
    values.only !== undefined &&
    !["accept", "gas", "adversarial", "inflight"].includes(values.only)
  ) {
    throw new Error(`--only ${values.only}: expected accept, gas, adversarial or inflight`);
  }
  const int = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} ${value}: expected an integer ≥ ${min}`);
    return n;
  };
  return {
    runs: int("runs", values.runs, 1),
    actions: int("actions", values.actions, 1),
    concurrency: int("concurrency", values.concurrency, 1),
    rate: int("rate", values.rate, 1),
    json: values.json,
    only: values.only as Options["only"],
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

type AcceptRun = { perSecond: number; p50: number; p99: number; actions: number };

/** Fresh sessions of 200 parties, and `count` of their signed acceptances (signed before timing). */
async function freshAccepts(chain: RelayerChain, count: number, label: string) {
  const perSession = 200;
  const sessions = await createAcceptSessions({
    chain,
    parties: eoaParties(`bench accept ${label}`, perSession),
    count: Math.ceil(count / perSession),
  });
  return sessions.flatMap((s) => s.accepts).slice(0, count);
}

async function timedPost(url: string, action: SignedAction): Promise<void> {
  const { status, body } = await postAction(url, action);
  if (status !== 202) throw new Error(`POST answered ${status}: ${JSON.stringify(body)}`);
}

/** Closed loop: `concurrency` clients, each sending its next action as soon as the last was answered. */
async function closedLoopRun(
  chain: RelayerChain,
  url: string,
  options: Options,
  run: number,
): Promise<AcceptRun> {
  const actions = await freshAccepts(chain, options.actions, `closed ${run}`);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let i = next++; i < actions.length; i = next++) {
        const t = performance.now();
        await timedPost(url, actions[i]!);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: actions.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    actions: actions.length,
  };
}

/**
 * Open loop: actions sent at a fixed `rate` whatever the answers, as many independent parties
 * would. Latency counts from each request's scheduled time, so a stalled server is not hidden.
 */
async function openLoopRun(
  chain: RelayerChain,
  url: string,
  options: Options,
  run: number,
): Promise<AcceptRun> {
  const actions = await freshAccepts(chain, options.actions, `open ${run}`);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    actions.map(async (action, i) => {
      const scheduled = started + (i * 1000) / options.rate;
      const wait = scheduled - performance.now();
      if (wait > 0) await sleep(wait);
      await timedPost(url, action);
      latencies.push(performance.now() - scheduled);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: actions.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    actions: actions.length,
  };
}

function summary(runs: readonly AcceptRun[]) {
  const m = (f: (r: AcceptRun) => number) => (runs.length > 0 ? median(runs.map(f)) : Number.NaN);
  return { runs, perSecond: m((r) => r.perSecond), p50: m((r) => r.p50), p99: m((r) => r.p99) };
}

type GasShape = { name: string; parties: number; sessions: number };
type GasResult = GasShape & {
  actions: number;
  direct: number;
  batched: number;
  ratio: number;
  batches: number;
};

/** Signed (or direct) actions of every round but agreement, for each session, phase by phase. */
function phases(session: AcceptSession, label: string): SignedAction[][] {
  const n = session.parties.length;
  const t = Math.max(2, Math.ceil(n / 2));
  const payloads = roundPayloads(label, n, keyGenerationSizes(n, t));
  return [
    session.accepts,
    ...[1, 2].map((round) =>
      session.accepts.map((accept, party) => ({
        ...accept,
        action: ActionType.Submit,
        round,
        word: `0x${"00".repeat(32)}` as const,
        data: payloads[round - 1]![party]!,
        signature: "0x" as const,
      })),
    ),
  ];
}

async function fund(chain: RelayerChain, parties: readonly Party[]): Promise<void> {
  const funder = chain.anvil.walletClient(2);
  for (const party of parties) {
    const hash = await funder.sendTransaction({ to: party.address, value: 10n ** 19n });
    await chain.publicClient.waitForTransactionReceipt({ hash });
  }
}

async function gasShape(chain: RelayerChain, url: string, shape: GasShape): Promise<GasResult> {
  const parties = eoaParties(`bench gas ${shape.name}`, shape.parties);
  await fund(chain, parties);
  // Direct: each party sends its own transactions, phase by phase.
  const directSessions = await createAcceptSessions({ chain, parties, count: shape.sessions });
  let direct = 0n;
  let actions = 0;
  for (let phase = 0; phase < 3; phase++) {
    for (const session of directSessions) {
      for (const [index, action] of phases(session, `direct ${session.sessionId}`)[
        phase
      ]!.entries()) {
        const party = session.parties[index]!;
        const walletClient = createWalletClient({
          account: party.signer,
          chain: chain.anvil.chain,
          transport: http(chain.anvil.rpcUrl),
        });
        const common = { publicClient: chain.publicClient, walletClient, address: chain.contract };
        const receipt =
          phase === 0
            ? await acceptSession({
                ...common,
                sessionId: action.sessionId,
                party: index,
                configHash: action.word,
                ...decodeAcceptData(action.data),
              })
            : await submitPayload({
                ...common,
                sessionId: action.sessionId,
                party: index,
                round: action.round,
                payload: action.data,
              });
        direct += receipt.gasUsed;
        actions += 1;
      }
    }
  }
  // Batched: the same shape of sessions, every action signed and sent through the relayer.
  const relayedSessions = await createAcceptSessions({ chain, parties, count: shape.sessions });
  const hashes = new Set<Hash>();
  for (let phase = 0; phase < 3; phase++) {
    const signed: SignedAction[] = [];
    for (const session of relayedSessions) {
      for (const [index, action] of phases(session, `relayed ${session.sessionId}`)[
        phase
      ]!.entries()) {
        signed.push(
          phase === 0
            ? action
            : await signAction({
                account: session.parties[index]!.signer,
                chainId: chain.chainId,
                contract: chain.contract,
                action,
              }),
        );
      }
    }
    const ids = await Promise.all(
      signed.map(async (action) => {
        const { status, body } = await postAction(url, action);
        if (status !== 202) throw new Error(`POST answered ${status}: ${JSON.stringify(body)}`);
        return String(body.id);
      }),
    );
    const states = await waitFor(
      "the phase's actions included",
      async () => {
        const all = await Promise.all(ids.map((id) => getAction(url, id)));
        return all.every((s) => s.final === true) ? all : undefined;
      },
      120_000,
    );
    for (const state of states) {
      if (state.status !== "included") throw new Error(`action ${state.id} is ${state.status}`);
      hashes.add(state.transactionHash as Hash);
    }
  }
  let batched = 0n;
  for (const hash of hashes) {
    batched += (await chain.publicClient.getTransactionReceipt({ hash })).gasUsed;
  }
  const perDirect = Number(direct) / actions;
  const perBatched = Number(batched) / actions;
  return {
    ...shape,
    actions,
    direct: Math.round(perDirect),
    batched: Math.round(perBatched),
    ratio: perBatched / perDirect,
    batches: hashes.size,
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const chain = await startRelayerChain();
  const dir = await mkdtemp(join(tmpdir(), "roundtable-bench-relayer-"));
  try {
    // The relayer in a process of its own, as deployed, so that the load generator here does not
    // share its event loop.
    const relayer = await startRelayerProcess([
      ...["--rpc-url", chain.anvil.rpcUrl, "--contract", chain.contract, "--port", "0"],
      ...["--db", join(dir, "relayer.sqlite"), "--confirmations", "1", "--log-level", "warn"],
      ...["--client-rate", "1000000", "--client-burst", "1000000"],
      // Every load-generating client is 127.0.0.1: lift the per-address socket cap for it.
      ...["--max-connections-per-ip", "100000", "--max-connections", "100000"],
      ...["--max-batch", "100", "--max-batch-age-ms", "100", "--poll-interval-ms", "20"],
    ]);
    try {
      const closed: AcceptRun[] = [];
      const open: AcceptRun[] = [];
      const show = (what: string, r: AcceptRun) => {
        if (!options.json) {
          console.error(
            `${what}: ${r.perSecond.toFixed(0)} accepted/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`,
          );
        }
      };
      const acceptRuns = options.only === undefined || options.only === "accept" ? options.runs : 0;
      for (let run = 0; run < acceptRuns; run++) {
        closed.push(await closedLoopRun(chain, relayer.url, options, run));
        show(`run ${run + 1}, ${options.concurrency} clients flat out`, closed.at(-1)!);
        open.push(await openLoopRun(chain, relayer.url, options, run));
        show(`run ${run + 1}, offered ${options.rate}/s`, open.at(-1)!);
      }
      const openLoop = summary(open);
      // The goal's figures (offered `rate`/s) at the top level, both loops' details beside them.
      const accept = {
        rate: openLoop.perSecond,
        p50Ms: openLoop.p50,
        p99Ms: openLoop.p99,
        closedLoop: summary(closed),
        openLoop,
      };
      const shapes: GasShape[] = [
        { name: "20 sessions × 3 parties", parties: 3, sessions: 20 },
        { name: "4 sessions × 16 parties", parties: 16, sessions: 4 },
        { name: "1 session × 100 parties", parties: 100, sessions: 1 },
      ];
      const gas: GasResult[] = [];
      if (options.only === undefined || options.only === "gas") {
        for (const shape of shapes) gas.push(await gasShape(chain, relayer.url, shape));
      }
      // Honest parties mixed with gaming and flipping contract wallets, on a chain of its own
      // (scripts/bench-relayer-adversarial.ts, which also runs alone).
      const adversarial =
        options.only === undefined || options.only === "adversarial"
          ? await adversarialRun()
          : undefined;
      const inFlight =
        options.only === undefined || options.only === "inflight" ? await inFlightRun() : undefined;
      if (options.json) {
        console.log(
          JSON.stringify({
            accept,
            // Shapes named sessions x parties, such as "4x16".
            gas: gas.map((g) => ({ shape: `${g.sessions}x${g.parties}`, ...g })),
            ...(adversarial === undefined ? {} : { adversarial }),
            ...(inFlight === undefined ? {} : { inFlight }),
          }),
        );
        return;
      }
      if (inFlight !== undefined) {
        for (const r of inFlight.runs) {
          console.log(
            `\nIn flight ${r.maxInFlight}: ${r.actions} actions in ${r.batches} batches over ${r.blocks} blocks of ${inFlight.blockTime} s (at most ${r.mostBatchesInABlock} batches in a block)`,
          );
        }
      }
      if (adversarial !== undefined) {
        console.log(
          `\nAdversarial mix: ${(adversarial.wastedGasShare * 100).toFixed(1)} % of the relayer's gas on items that did not land (goal < 5 %), honest actions delayed ${adversarial.honestDelayBlocks} block(s) (goal ≤ 1)`,
        );
      }
      const { closedLoop: c, openLoop: o } = accept;
      console.log(`\nAccept, ${options.runs} runs of ${options.actions} actions each, medians:`);
      console.log(
        `  ${options.concurrency} clients flat out: ${c.perSecond.toFixed(0)} accepted/s (p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms)`,
      );
      console.log(
        `  offered ${options.rate}/s: ${o.perSecond.toFixed(0)} accepted/s, p50 ${o.p50.toFixed(1)} ms, p99 ${o.p99.toFixed(1)} ms  (goal ≥ 200/s with p99 < 100 ms)`,
      );
      console.log("\nGas per action (accept + round 1 + round 2 payloads), direct vs batched:");
      console.log("| shape | actions | direct | batched | batched/direct | batches |");
      console.log("|---|---|---|---|---|---|");
      for (const g of gas) {
        console.log(
          `| ${g.name} | ${g.actions} | ${g.direct.toLocaleString("en")} | ${g.batched.toLocaleString("en")} | ${g.ratio.toFixed(2)} | ${g.batches} |`,
        );
      }
    } finally {
      relayer.child.kill("SIGTERM");
      await relayer.exited;
    }
  } finally {
    await chain.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

type Adversarial = { wastedGasShare: number; honestDelayBlocks: number; [figure: string]: unknown };

type InFlight = {
  blockTime: number;
  maxBatch: number;
  runs: {
    maxInFlight: number;
    actions: number;
    batches: number;
    blocks: number;
    mostBatchesInABlock: number;
  }[];
};

async function inFlightRun(): Promise<InFlight> {
  const script = fileURLToPath(new URL("./bench-relayer-inflight.ts", import.meta.url));
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, "--json"], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as InFlight;
}

async function adversarialRun(): Promise<Adversarial> {
  const script = fileURLToPath(new URL("./bench-relayer-adversarial.ts", import.meta.url));
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, "--json"], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Adversarial;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
