// The relayer under attack by gaming contract wallets (threat R9), mixed with honest parties'
// actions. Everything is real: anvil with `--block-time` blocks, a relayer with its SQLite
// database, the hostile wallets of contracts/mocks/ (GasPriceGamingWallet, ForeignStorageWallet,
// FlippingWallet) and an honest ERC-1271 wallet, EIP-712 signatures.
//
//   npx tsx scripts/bench-relayer-adversarial.ts [--sessions 20] [--parties 4] [--attackers 3] [--block-time 1]
//                                                [--max-in-flight K] [--json]
//
// Honest: `sessions` key-generation sessions of `parties` EOA parties each, plus one session with
// an honest wallet party; every party's acceptance is posted while the attack runs. Attack: each
// of `attackers` gas-price gamers and foreign-storage readers posts an acceptance (refused at
// submission if the trace works), and one flipping wallet, a party in `attackers` sessions,
// posts its acceptances and flips its answer (one transaction outbidding the relayer's batch).
//
// Reports `{ wastedGasShare, honestDelayBlocks, … }`: gas of the relayer's batches spent on items
// that did not land (each item's span of the batch's opcode trace, see batchGas) over all its
// batch gas, and the most blocks an honest action waited after the block in which it was
// accepted (0: it landed in the next block), with how many waited how long. The traffic runs
// twice: once on anvil recording opcode steps (the gas split needs them), once without (recording
// them slows mining, which would count against the relayer's delays). `--max-in-flight K` sets
// the relayer's batches in flight. Goals (issue 12): wasted < 5 %, honest delay ≤ 1 block.

import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Party } from "../test/helpers/accounts.js";
import { byAddress } from "../test/helpers/accounts.js";
import { batchGas, deployGamingWallet, flip } from "../test/relayer/gamingWallets.js";
import {
  createAcceptSessions,
  deployWalletOnAnvil,
  eoaParties,
  getAction,
  postAction,
  relayerAccount,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "../test/relayer/helpers.js";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "20" },
    parties: { type: "string", default: "4" },
    attackers: { type: "string", default: "3" },
    "block-time": { type: "string", default: "1" },
    "max-in-flight": { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const sessionCount = Number(values.sessions);
const partyCount = Number(values.parties);
const attackers = Number(values.attackers);
const blockTime = Number(values["block-time"]);
const maxInFlight =
  values["max-in-flight"] === undefined ? undefined : Number(values["max-in-flight"]);

/**
 * One run of the mixed traffic. With `traced`, anvil records opcode steps so that the gas of the
 * items that did not land can be split out of their batches (batchGas); recording them slows
 * anvil's mining, so the honest actions' delays come from a run without.
 */
async function runOnce(traced: boolean) {
  const chain = await startRelayerChain({ blockTime, stepsTracing: traced });
  const dir = await tempDir();
  // All clients are this process: no per-client limit in the way of the honest load.
  const relayer = await startTestRelayer(chain, dir.path, {
    maxBatchAgeMs: 100,
    clientRate: 1e6,
    clientBurst: 1e6,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
  });
  try {
    const signedBy = async (parties: Party[]) => {
      const [session] = await createAcceptSessions({
        chain,
        parties: parties.sort(byAddress),
        count: 1,
      });
      return session!;
    };
    // Honest parties: EOAs, and one honest contract wallet.
    const honest = [];
    for (let i = 0; i < sessionCount; i++) {
      honest.push(await signedBy(eoaParties(`adversarial/honest ${i}`, partyCount)));
    }
    const honestWallet = await deployWalletOnAnvil(chain, "adversarial/honest wallet", 0n);
    honest.push(await signedBy([honestWallet, ...eoaParties("adversarial/wallet peers", 2)]));
    // Attackers.
    const gamers = [];
    for (let i = 0; i < attackers; i++) {
      for (const kind of ["gasPrice", "foreignStorage"] as const) {
        const wallet = await deployGamingWallet(chain, kind, `adversarial/${kind} ${i}`);
        const session = await signedBy([
          wallet,
          ...eoaParties(`adversarial/${kind} peers ${i}`, 2),
        ]);
        gamers.push(session.accepts[session.parties.indexOf(wallet)]!);
      }
    }
    const flipper = await deployGamingWallet(chain, "flipping", "adversarial/flipper");
    const flipped = [];
    for (let i = 0; i < attackers; i++) {
      const session = await signedBy([flipper, ...eoaParties(`adversarial/flipper peers ${i}`, 2)]);
      flipped.push(session.accepts[session.parties.indexOf(flipper)]!);
    }
    const fromBlock = await chain.publicClient.getBlockNumber({ cacheTime: 0 });

    // The attack and the honest traffic, interleaved.
    const refusedAtSubmission = (
      await Promise.all(gamers.map((a) => postAction(relayer.url, a)))
    ).filter((r) => r.status === 400).length;
    const flipperIds = [];
    for (const action of flipped) flipperIds.push((await postAction(relayer.url, action)).body.id);
    await flip(chain, flipper, true, 10n ** 11n);
    const honestPosts: { id: string; acceptedAt: bigint }[] = [];
    // 16 clients at a time: within the relayer's per-address connection cap.
    const queue = honest.flatMap((session) => session.accepts);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let action = queue.shift(); action !== undefined; action = queue.shift()) {
          const { status, body } = await postAction(relayer.url, action);
          const acceptedAt = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
          if (status !== 202) {
            throw new Error(`an honest action was refused: ${JSON.stringify(body)}`);
          }
          honestPosts.push({ id: String(body.id), acceptedAt });
        }
      }),
    );
    const delays: number[] = [];
    for (const { id, acceptedAt } of honestPosts) {
      const state = await waitFor(
        `honest ${id}`,
        async () => {
          const s = await getAction(relayer.url, id);
          return s.status === "included" ? s : undefined;
        },
        120_000,
      );
      delays.push(Number(state.blockNumber) - Number(acceptedAt) - 1);
    }
    for (const id of flipperIds) {
      await waitFor(
        `flipper ${id}`,
        async () => {
          const s = await getAction(relayer.url, String(id));
          return s.status === "rejected" || s.status === "included" ? s : undefined;
        },
        120_000,
      );
    }
    await sleep(blockTime * 1000 + 200);
    const gas = traced
      ? await batchGas({ chain, relayer: relayerAccount.address, fromBlock })
      : undefined;
    delays.sort((a, b) => a - b);
    return {
      gas,
      honestDelayBlocks: delays.at(-1) ?? 0,
      // How many honest actions waited 0, 1, 2… blocks after the block that saw them accepted.
      honestDelayHistogram: delays.reduce<number[]>((h, d) => {
        h[d] = (h[d] ?? 0) + 1;
        return h;
      }, []),
      honestActions: honestPosts.length,
      refusedAtSubmission,
      gamingActions: gamers.length,
      flipperActions: flipperIds.length,
    };
  } finally {
    await relayer.close();
    await chain.stop();
    await dir.remove();
  }
}

const untraced = await runOnce(false);
const traced = await runOnce(true);
const gas = traced.gas!;
const result = {
  wastedGasShare: Number(gas.wasted) / Number(gas.total),
  honestDelayBlocks: untraced.honestDelayBlocks,
  honestDelayHistogram: untraced.honestDelayHistogram,
  honestActions: untraced.honestActions,
  refusedAtSubmission: untraced.refusedAtSubmission,
  gamingActions: untraced.gamingActions,
  flipperActions: untraced.flipperActions,
  flipperItemsFailed: gas.failedItems,
  wastedGas: Number(gas.wasted),
  totalGas: Number(gas.total),
  batches: gas.batches,
};
console.log(values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
