// `npm run bench:audit`: how fast the auditor audits sessions from a local node, and whether its
// memory stays flat as the number of sessions grows.
//
// It starts anvil (test/helpers/anvil.ts; faster than `hardhat node` to populate), deploys
// Roundtable and runs --sessions sessions with real FROST payloads (3-party 2-of-3 key
// generations, and a share of 2-signer signings with their keys), every party action signed and
// carried in `batch` transactions by one relayer. Then it audits the first 250, 500 and all
// sessions over HTTP, each audit in a fresh child process so that its peak RSS is its own, --runs
// times, and prints medians: sessions per second, total seconds, peak RSS.
//
//   npm run bench:audit -- [--sessions 1000] [--runs 3] [--signing-share 0.1] [--heap-limit MB]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Address, keccak256, toHex } from "viem";
import { auditSessions } from "../src/auditor/auditSessions.js";
import { createChainReader } from "../src/auditor/readChain.js";
import { sessionJson, toJsonText } from "../src/auditor/report/json.js";
import { isEntryPoint } from "../src/cli/entryPoint.js";
import { roundtableAbi } from "../src/sdk/generated/roundtableAbi.js";
import {
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  runSignings,
  startCorpusChain,
} from "../test/auditor/corpus.js";

type ChildResult = {
  sessions: number;
  failed: number;
  seconds: number;
  maxRssMb: number;
  /** Heap still reachable after the audit, after a full GC: what the audit retained. */
  retainedHeapMb: number;
};

/** Audits every session created in [from, to] once, in this process, and reports on stdout. */
async function child(rpcUrl: string, contract: Address, from: bigint, to: bigint): Promise<void> {
  const started = performance.now();
  const reader = await createChainReader({ endpoints: [{ url: rpcUrl, shown: rpcUrl }], contract });
  const reportBlock = await reader.reportBlock({ kind: "latest" });
  let bytes = 0;
  const summary = await auditSessions({
    reader,
    reportBlock,
    selection: { kind: "range", fromBlock: from, toBlock: to },
    onSession(audit) {
      // What `--json` writes for the session, then dropped: the report is streamed.
      bytes += toJsonText(sessionJson(audit)).length;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  (globalThis as { gc?: () => void }).gc?.();
  const result: ChildResult = {
    sessions: summary.audited,
    failed: summary.failed,
    seconds,
    maxRssMb,
    retainedHeapMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify({ ...result, reportBytes: bytes })}\n`);
}

function runChild(
  rpcUrl: string,
  contract: Address,
  from: bigint,
  to: bigint,
  heapLimitMb: number | undefined,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    const proc = spawn(
      process.execPath,
      [
        "--expose-gc",
        ...(heapLimitMb === undefined ? [] : [`--max-old-space-size=${heapLimitMb}`]),
        "--import",
        "tsx",
        script,
        "--child",
        rpcUrl,
        contract,
        String(from),
        String(to),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.once("error", reject);
    proc.once("close", (code) => {
      if (code !== 0) reject(new Error(`audit child exited with ${code}`));
      else resolve(JSON.parse(out.trim()) as ChildResult);
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function bench(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string", default: "1000" },
      runs: { type: "string", default: "3" },
      "signing-share": { type: "string", default: "0.1" },
      // Caps each audit's V8 heap: an audit whose memory grew with the sessions would fail.
      "heap-limit": { type: "string" },
    },
  });
  const total = Number(values.sessions);
  const runs = Number(values.runs);
  const signingCount = Math.round(total * Number(values["signing-share"]));
  const heapLimit = values["heap-limit"] === undefined ? undefined : Number(values["heap-limit"]);
  const keygenCount = total - signingCount;
  if (
    !Number.isInteger(total) ||
    total < 4 ||
    !Number.isInteger(runs) ||
    runs < 1 ||
    keygenCount < 1
  ) {
    throw new Error(
      "--sessions must be an integer of at least 4, --runs at least 1, --signing-share below 1",
    );
  }
  console.log(
    `Populating anvil with ${keygenCount} key generations (3 parties, 2-of-3) and ${signingCount} signings (2 signers) …`,
  );
  const chain = await startCorpusChain();
  try {
    const populateStart = performance.now();
    const parties = partyAccounts("bench", 3);
    const chunk = 100;
    const keys: KeygenOutcome[] = [];
    let signed = 0;
    // Signings follow each chunk of key generations, so the first N sessions mix both.
    while (keys.length < keygenCount) {
      const k = Math.min(chunk, keygenCount - keys.length);
      keys.push(
        ...(await runKeygens(
          chain,
          Array.from({ length: k }, () => ({ parties, threshold: 2 })),
        )),
      );
      const due = Math.round((keys.length * signingCount) / keygenCount) - signed;
      if (due > 0) {
        await runSignings(
          chain,
          Array.from({ length: due }, (_, i) => ({
            key: keys[keys.length - 1 - (i % k)]!,
            signers: [0, 2],
            message: keccak256(toHex(`bench ${signed + i}`)),
            threshold: 2,
          })),
        );
        signed += due;
      }
      process.stdout.write(`  ${keys.length + signed} / ${total} sessions\r`);
    }
    const made = keys.length + signed;
    const latest = await chain.anvil.publicClient.getBlockNumber();
    console.log(
      `\nPopulated ${made} sessions in ${((performance.now() - populateStart) / 1000).toFixed(1)} s, ${latest} blocks.`,
    );
    const creationBlock = (id: number) =>
      chain.anvil.publicClient.readContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "creationBlockOf",
        args: [BigInt(id)],
      });
    const sizes = [...new Set([Math.round(total / 4), Math.round(total / 2), total])];
    const rows: string[][] = [];
    for (const size of sizes) {
      // Up to (not including) the block that created session size + 1.
      const to = size === total ? latest : (await creationBlock(size + 1)) - 1n;
      const results: ChildResult[] = [];
      for (let run = 0; run < runs; run++) {
        results.push(
          await runChild(chain.anvil.rpcUrl, chain.contract, chain.deploymentBlock, to, heapLimit),
        );
      }
      if (results.some((r) => r.sessions !== size || r.failed !== 0)) {
        throw new Error(`audit of ${size} sessions: ${JSON.stringify(results)}`);
      }
      const seconds = median(results.map((r) => r.seconds));
      rows.push([
        String(size),
        (size / seconds).toFixed(1),
        seconds.toFixed(2),
        median(results.map((r) => r.maxRssMb)).toFixed(0),
        median(results.map((r) => r.retainedHeapMb)).toFixed(1),
        results.map((r) => r.seconds.toFixed(2)).join(" / "),
      ]);
    }
    console.log(
      `\nAudit from a local node over HTTP, median of ${runs} runs (each a fresh process${heapLimit === undefined ? "" : `, V8 old space capped at ${heapLimit} MB`}):`,
    );
    const header = [
      "sessions",
      "sessions/s",
      "seconds",
      "peak RSS MB",
      "heap after GC MB",
      "runs (s)",
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows])
      console.log(`  ${row.map((c, i) => c.padStart(widths[i]!)).join("  ")}`);
  } finally {
    await chain.stop();
  }
}

if (isEntryPoint(import.meta.url)) {
  const [flag, rpcUrl, contract, from, to] = process.argv.slice(2);
  const work =
    flag === "--child" && rpcUrl && contract && from && to
      ? child(rpcUrl, contract as Address, BigInt(from), BigInt(to))
      : bench();
  work.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
