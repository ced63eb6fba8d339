import { expect } from "chai";
import { after, before, describe, it } from "mocha";
import type { Hash } from "viem";
import {
  arrangeBatch,
  itemsPerBatch,
  openWalletReputation,
  standingOf,
} from "../../src/relayer/reputation.js";
import type { Relayer } from "../../src/relayer/server.js";
import { byAddress } from "../helpers/accounts.js";
import { jsonRpc } from "../helpers/jsonRpc.js";
import { batchGas, deployGamingWallet, flip } from "./gamingWallets.js";
import {
  acceptedEvents,
  createAcceptSessions,
  deployWalletOnAnvil,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  relayerAccount,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

/** Waits until every action is final, and returns their states. */
async function finalStates(url: string, ids: readonly string[]) {
  return Promise.all(
    ids.map((id) =>
      waitFor(`final state of ${id}`, async () => {
        const s = await getAction(url, id);
        return s.final === true ? s : undefined;
      }),
    ),
  );
}

describe("relayer › gaming contract wallets (threat R9)", function () {
  this.timeout(120_000);
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let relayer: Relayer;

  before(async () => {
    chain = await startRelayerChain({ stepsTracing: true });
    dir = await tempDir();
    // One batch in flight, so that on automine "the next batch" is "the next block" (several in
    // flight with a gaming wallet: inFlight.test.ts).
    relayer = await startTestRelayer(chain, dir.path, { maxInFlight: 1 });
  });
  after(async () => {
    await relayer?.close();
    await chain?.stop();
    await dir?.remove();
  });

  /** One key-generation session of `wallet` and two EOAs; the wallet's signed Accept. */
  async function sessionOf(wallet: Awaited<ReturnType<typeof deployGamingWallet>>, label: string) {
    const [session] = await createAcceptSessions({
      chain,
      parties: [wallet, ...eoaParties(label, 2)].sort(byAddress),
      count: 1,
    });
    const index = session!.parties.indexOf(wallet);
    return { session: session!, index, accept: session!.accepts[index]! };
  }

  describe("refused at submission, by a trace of the wallet's check", () => {
    it("refuses a wallet that answers only at gas price 0 with 400 naming GASPRICE, spending no gas", async () => {
      const wallet = await deployGamingWallet(chain, "gasPrice", "gaming/gas price");
      const { accept } = await sessionOf(wallet, "gaming/gas price peers");
      const balance = await chain.publicClient.getBalance({ address: relayerAccount.address });
      const { status, body } = await postAction(relayer.url, accept);
      expect(status, JSON.stringify(body)).to.equal(400);
      const error = body.error as { code: string; message: string };
      expect(error.code).to.equal("wallet_check_refused");
      expect(error.message).to.contain(`the contract wallet ${wallet.address}`);
      expect(error.message).to.contain("GASPRICE, which reads the gas price");
      // Nothing was stored or sent: the relayer's balance is untouched after the batcher's ticks.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await chain.publicClient.getBalance({ address: relayerAccount.address })).to.equal(
        balance,
      );
      expect(await acceptedEvents(chain, accept.sessionId)).to.deep.equal([]);
    });

    it("refuses a second wallet with the same code from the remembered verdict", async () => {
      const wallet = await deployGamingWallet(chain, "gasPrice", "gaming/gas price 2");
      const { accept } = await sessionOf(wallet, "gaming/gas price peers 2");
      const { status, body } = await postAction(relayer.url, accept);
      expect(status).to.equal(400);
      expect((body.error as { message: string }).message).to.contain(
        `${wallet.address}, and its ERC-1271 check uses GASPRICE`,
      );
    });

    it("refuses a wallet whose check reads another contract's storage with 400 naming SLOAD and that contract", async () => {
      const wallet = await deployGamingWallet(chain, "foreignStorage", "gaming/foreign");
      const { accept } = await sessionOf(wallet, "gaming/foreign peers");
      const { status, body } = await postAction(relayer.url, accept);
      expect(status, JSON.stringify(body)).to.equal(400);
      const error = body.error as { code: string; message: string };
      expect(error.code).to.equal("wallet_check_refused");
      expect(error.message).to.contain(
        `SLOAD, which reads the storage of ${wallet.switchAddress} (in ${wallet.switchAddress}, called by the wallet)`,
      );
    });

    it("relays an honest wallet whose check reads only the signature (and burns 300,000 gas)", async () => {
      const wallet = await deployWalletOnAnvil(chain, "gaming/honest", 300_000n);
      const { session, index, accept } = await sessionOf(wallet, "gaming/honest peers");
      const { status, body } = await postAction(relayer.url, accept);
      expect(status, JSON.stringify(body)).to.equal(202);
      const [state] = await finalStates(relayer.url, [String(body.id)]);
      expect(state!.status).to.equal("included");
      expect((await acceptedEvents(chain, session.sessionId)).map((e) => e.index)).to.deep.equal([
        index,
      ]);
    });
  });

  describe("a wallet that flips its answer after the check", () => {
    it("is banned at its first failure, which costs the allowance its traced check earned, not 500,000, and EOA items posted with it land in the next batch", async () => {
      const wallet = await deployGamingWallet(chain, "flipping", "gaming/flipper");
      const sessions = [];
      for (let i = 0; i < 4; i++)
        sessions.push(await sessionOf(wallet, `gaming/flipper peers ${i}`));
      const fromBlock = await chain.publicClient.getBlockNumber({ cacheTime: 0 });

      // Blocks wait for the test, so that the wallet's flip is mined before the relayer's batch.
      await jsonRpc(chain.anvil.rpcUrl, "evm_setAutomine", [false]);
      const walletIds: string[] = [];
      for (const { accept } of sessions) {
        const { status, body } = await postAction(relayer.url, accept);
        expect(status, JSON.stringify(body)).to.equal(202);
        walletIds.push(String(body.id));
      }
      await waitFor("the first batch sent", async () =>
        (await getAction(relayer.url, walletIds[0]!)).status === "sent" ? true : undefined,
      );
      // The flip outbids the relayer's batch for the same block: its check now burns the allowance.
      await flip(chain, wallet, true, 10n ** 11n);
      const eoaIds: string[] = [];
      for (const { session, index } of sessions) {
        for (const [i, action] of session.accepts.entries()) {
          if (i === index) continue;
          const { status, body } = await postAction(relayer.url, action);
          expect(status, JSON.stringify(body)).to.equal(202);
          eoaIds.push(String(body.id));
        }
      }
      await jsonRpc(chain.anvil.rpcUrl, "evm_mine", []);
      await jsonRpc(chain.anvil.rpcUrl, "evm_setAutomine", [true]);

      const walletStates = await finalStates(relayer.url, walletIds);
      const eoaStates = await finalStates(relayer.url, eoaIds);
      const firstBlock = Number(walletStates[0]!.blockNumber);
      expect(walletStates[0]!.status).to.equal("rejected");
      expect(
        (walletStates[0]!.reason as { contractError: { name: string } }).contractError.name,
      ).to.equal("RoundtableWalletAllowanceSpent");
      // The allowance the relayer gave: twice what the traced check spent and 10,000, in
      // 8,000-gas units; the wallet's check (an ecrecover, a cold read) spends well under 20,000.
      const allowance = BigInt(
        (walletStates[0]!.reason as { contractError: { args: { allowance: string } } })
          .contractError.args.allowance,
      );
      expect(allowance > 0n && allowance <= 56_000n, `allowance ${allowance}`).to.equal(true);
      // The honest items went out in the batch right after the one in flight when they came.
      expect(eoaStates.map((s) => s.status)).to.deep.equal(eoaIds.map(() => "included"));
      expect(eoaStates.every((s) => Number(s.blockNumber) === firstBlock + 1)).to.equal(true);
      // A wallet that never landed an item is banned at its first failure: the rest
      // were refused without being sent.
      const codes = walletStates.map((s) => (s.reason as { code: string }).code);
      expect(codes).to.deep.equal([
        "contract_rejected",
        "wallet_banned",
        "wallet_banned",
        "wallet_banned",
      ]);
      expect(walletStates.slice(1).every((s) => s.blockNumber === undefined)).to.equal(true);

      // A banned wallet's new action is refused at once.
      const next = await sessionOf(wallet, "gaming/flipper peers 5");
      await flip(chain, wallet, false);
      const refused = await postAction(relayer.url, next.accept);
      expect(refused.status).to.equal(403);
      expect((refused.body.error as { code: string }).code).to.equal("wallet_banned");

      const gas = await batchGas({ chain, relayer: relayerAccount.address, fromBlock });
      console.log(
        `      gas: ${gas.total} in ${gas.batches} batches, ${gas.wasted} (${((100 * Number(gas.wasted)) / Number(gas.total)).toFixed(1)} %) on ${gas.failedItems} items that did not land`,
      );
      expect(gas.failedItems).to.equal(1);
      // That allowance and the item's own checks, no more.
      expect(gas.wasted < allowance + 100_000n, `wasted ${gas.wasted}`).to.equal(true);
    });
  });

  describe("reputation (ERC-7562-like counters)", () => {
    it("bans a wallet that never landed an item at its first failure, throttles one that did, and forgives one failure per ten inclusions", () => {
      expect(standingOf({ seen: 3, included: 3, failed: 0 })).to.equal("ok");
      expect(standingOf({ seen: 1, included: 0, failed: 1 })).to.equal("banned");
      expect(standingOf({ seen: 2, included: 1, failed: 1 })).to.equal("throttled");
      expect(standingOf({ seen: 3, included: 1, failed: 2 })).to.equal("banned");
      expect(standingOf({ seen: 11, included: 10, failed: 1 })).to.equal("ok");
      expect(standingOf({ seen: 12, included: 10, failed: 2 })).to.equal("throttled");
      expect(itemsPerBatch({ seen: 0, included: 0, failed: 0 })).to.equal(1);
      expect(itemsPerBatch({ seen: 20, included: 20, failed: 0 })).to.equal(3);
      expect(itemsPerBatch({ seen: 2, included: 0, failed: 2 })).to.equal(0);
    });

    it("persists standing across a reopen and counts an item once per batch", async () => {
      const path = `${dir.path}/reputation.sqlite`;
      const wallet = "0x00000000000000000000000000000000000000aa" as const;
      const item = { id: `0x${"11".repeat(32)}` as Hash, batchId: 1 };
      const first = openWalletReputation({ path });
      expect(first.note(wallet, item, "included")).to.equal("ok");
      expect(first.note(wallet, { ...item, batchId: 2 }, "rejected")).to.equal("throttled");
      expect(first.note(wallet, { ...item, batchId: 2 }, "rejected")).to.equal("throttled");
      first.close();
      const again = openWalletReputation({ path });
      expect(again.record(wallet)).to.deep.equal({ seen: 2, included: 1, failed: 1 });
      expect(again.note(wallet, { ...item, batchId: 3 }, "rejected")).to.equal("banned");
      again.close();
    });

    it("puts EOA items first, caps each wallet's share of a batch, and hands back a banned wallet's items", () => {
      const item = (n: number) => ({
        id: `0x${n.toString(16).padStart(64, "0")}` as Hash,
        gas: 100,
        receivedAt: n,
      });
      const queued = [1, 2, 3, 4, 5, 6].map(item);
      const owner: Record<number, `0x${string}` | undefined> = {
        1: "0x00000000000000000000000000000000000000a1",
        2: "0x00000000000000000000000000000000000000a1",
        3: undefined,
        4: "0x00000000000000000000000000000000000000b2",
        5: undefined,
        6: "0x00000000000000000000000000000000000000a1",
      };
      const { items, banned, full } = arrangeBatch({
        queued,
        walletOf: (i) => owner[i.receivedAt],
        itemsPerBatch: (w) => (w.endsWith("b2") ? 0 : 1),
        sizeLimit: 10,
        gasBudget: 10_000,
      });
      expect(items.map((i) => i.receivedAt)).to.deep.equal([3, 5, 1]);
      expect(banned.map((i) => i.receivedAt)).to.deep.equal([4]);
      expect(full).to.equal(true);
    });
  });
});
