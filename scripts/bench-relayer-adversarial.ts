// The relayer under attack by gaming contract wallets (threat R9), mixed with honest parties'
// actions. Everything is real: anvil with `--block-time` blocks, a relayer with its SQLite
// database, the hostile wallets of contracts/mocks/ (GasPriceGamingWallet, ForeignStorageWallet,
// FlippingWallet) and an honest ERC-1271 wallet, EIP-712 signatures.
//
//   npx tsx scripts/bench-relayer-adversarial.ts [--sessions 20] [--parties 4] [--attackers 3] [--block-time 1] [--json]
//
// Honest: `sessions` key-generation sessions of `parties` EOA parties each, plus one session with
// an honest wallet party; every party's acceptance is posted while the attack runs. Attack: each
// of `attackers` gas-price gamers and foreign-storage readers posts an acceptance (refused at
// submission if the trace works), and one flipping wallet, a party in `attackers` sessions,
// posts its acceptances and flips its answer (one transaction outbidding the relayer's batch).
//
// Reports `{ wastedGasShare, honestDelayBlocks, … }`: gas of the relayer's batches spent on items
// that did not land (their applySigned frames, by callTracer) over all its batch gas, and the
// most blocks an honest action waited after the block in which it was accepted (0: it landed in
// the next block). Goals (issue 12): wasted < 5 %, honest delay ≤ 1 block.

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
    json: { type: "boolean", default: false },
  },
});
const sessionCount = Number(values.sessions);
const partyCount = Number(values.parties);
const attackers = Number(values.attackers);
const blockTime = Number(values["block-time"]);

const chain = await startRelayerChain({ blockTime, stepsTracing: true });
const dir = await tempDir();
// All clients are this process: no per-client limit in the way of the honest load.
const relayer = await startTestRelayer(chain, dir.path, {
  maxBatchAgeMs: 100,
  clientRate: 1e6,
  clientBurst: 1e6,
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
      const session = await signedBy([wallet, ...eoaParties(`adversarial/${kind} peers ${i}`, 2)]);
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
  let honestDelayBlocks = 0;
  for (const { id, acceptedAt } of honestPosts) {
    const state = await waitFor(
      `honest ${id}`,
      async () => {
        const s = await getAction(relayer.url, id);
        return s.status === "included" ? s : undefined;
      },
      120_000,
    );
    honestDelayBlocks = Math.max(
      honestDelayBlocks,
      Number(state.blockNumber) - Number(acceptedAt) - 1,
    );
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
  const gas = await batchGas({ chain, relayer: relayerAccount.address, fromBlock });
  const result = {
    wastedGasShare: Number(gas.wasted) / Number(gas.total),
    honestDelayBlocks,
    honestActions: honestPosts.length,
    refusedAtSubmission,
    gamingActions: gamers.length,
    flipperActions: flipperIds.length,
    flipperItemsFailed: gas.failedItems,
    wastedGas: Number(gas.wasted),
    totalGas: Number(gas.total),
    batches: gas.batches,
  };
  console.log(values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
} finally {
  await relayer.close();
  await chain.stop();
  await dir.remove();
}
