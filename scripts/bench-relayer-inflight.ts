// How many blocks a burst of relayed actions takes with one batch in flight against several
// (issue 12: "several batches in flight when blocks are slow"). Real parts: anvil mining every
// `--block-time` seconds, a relayer with its SQLite database, EIP-712-signed acceptances.
//
//   npx tsx scripts/bench-relayer-inflight.ts [--actions 120] [--max-batch 10] [--block-time 2] [--in-flight 1,4] [--json]
//
// For each in-flight setting: a fresh relayer, `actions` acceptances (sessions of 4 EOA parties)
// posted at once, and from the receipts: the blocks from the head when the burst was posted to
// the block of its last batch, the batches sent, and the most batches in one block.

import { join } from "node:path";
import { parseArgs } from "node:util";
import { jsonRpc as rpc } from "../test/helpers/jsonRpc.js";
import {
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "../test/relayer/helpers.js";

const { values } = parseArgs({
  options: {
    actions: { type: "string", default: "120" },
    "max-batch": { type: "string", default: "10" },
    "block-time": { type: "string", default: "2" },
    "in-flight": { type: "string", default: "1,4" },
    json: { type: "boolean", default: false },
  },
});
const partiesPerSession = 4;
const sessionCount = Math.ceil(Number(values.actions) / partiesPerSession);
const maxBatch = Number(values["max-batch"]);
const blockTime = Number(values["block-time"]);
const settings = values["in-flight"].split(",").map(Number);
for (const n of [sessionCount, maxBatch, blockTime, ...settings]) {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Expected positive integers for every option, got ${JSON.stringify(values)}`);
  }
}

type Run = {
  maxInFlight: number;
  actions: number;
  /** Blocks from the head when the burst was posted to the block of its last batch. */
  blocks: number;
  batches: number;
  mostBatchesInABlock: number;
  wallMs: number;
};

const chain = await startRelayerChain();
const dir = await tempDir();
try {
  // Sessions on automine (fast), then a block every `blockTime` seconds.
  const burstSessions = [];
  for (const [i] of settings.entries()) {
    burstSessions.push(
      await createAcceptSessions({
        chain,
        parties: eoaParties(`bench/in-flight ${i}`, partiesPerSession),
        count: sessionCount,
      }),
    );
  }
  await rpc(chain.anvil.rpcUrl, "evm_setIntervalMining", [blockTime]);

  const runs: Run[] = [];
  for (const [i, maxInFlight] of settings.entries()) {
    const relayer = await startTestRelayer(chain, dir.path, {
      db: join(dir.path, `relayer-${i}.sqlite`),
      maxBatch,
      maxBatchAgeMs: 200,
      maxInFlight,
      clientRate: 1e6,
      clientBurst: 1e6,
    });
    try {
      const actions = burstSessions[i]!.flatMap((s) => s.accepts);
      const start = Date.now();
      const postedAt = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
      const answers = await Promise.all(actions.map((a) => postAction(relayer.url, a)));
      const refused = answers.find((a) => a.status !== 202);
      if (refused) throw new Error(`refused: ${JSON.stringify(refused.body)}`);
      const ids = answers.map((a) => String(a.body.id));
      const states = await waitFor(
        "every action final",
        async () => {
          const all = await Promise.all(ids.map((id) => getAction(relayer.url, id)));
          return all.every((s) => s.final === true) ? all : undefined;
        },
        600_000,
      );
      const wallMs = Date.now() - start;
      const notIncluded = states.find((s) => s.status !== "included");
      if (notIncluded) throw new Error(`not included: ${JSON.stringify(notIncluded)}`);
      const byBlock = new Map<number, Set<string>>();
      for (const s of states) {
        const block = Number(s.blockNumber);
        byBlock.set(block, (byBlock.get(block) ?? new Set()).add(String(s.transactionHash)));
      }
      const sizes = [...byBlock.values()].map((set) => set.size);
      runs.push({
        maxInFlight,
        actions: actions.length,
        blocks: Math.max(...byBlock.keys()) - Number(postedAt),
        batches: sizes.reduce((a, b) => a + b, 0),
        mostBatchesInABlock: Math.max(...sizes),
        wallMs,
      });
      if (!values.json) {
        const r = runs.at(-1)!;
        console.error(
          `${r.maxInFlight} in flight: ${r.actions} actions in ${r.batches} batches, ${r.blocks} blocks (at most ${r.mostBatchesInABlock} batches in one), ${(r.wallMs / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      await relayer.close();
    }
  }
  if (values.json) console.log(JSON.stringify({ blockTime, maxBatch, runs }));
} finally {
  await chain.stop();
  await dir.remove();
}
