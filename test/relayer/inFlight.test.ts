// Several relayer batches in flight at once (issue 12): a slow chain takes several batches per
// block, a stuck low nonce is replaced while later batches wait, and a restart with several
// batches pending lands every item once.
import { join } from "node:path";
import { expect } from "chai";
import type { Hash } from "viem";
import {
  batchGasLimit,
  fixedHeadroom,
  walletAllowance,
  walletCallOverhead,
  walletCheckGas,
} from "../../src/relayer/batchGasLimit.js";
import { RelayerOptionsError, resolveRelayerOptions } from "../../src/relayer/options.js";
import type { Relayer } from "../../src/relayer/server.js";
import { byAddress } from "../helpers/accounts.js";
import { jsonRpc as rpc } from "../helpers/jsonRpc.js";
import { deployGamingWallet, flip } from "./gamingWallets.js";
import {
  type AcceptSession,
  acceptedEvents,
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  type RelayerProcess,
  startRelayerChain,
  startRelayerProcess,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

/** Posts every action at once, expecting 202 each; returns the ids. */
async function postAll(url: string, sessions: readonly AcceptSession[]): Promise<string[]> {
  const answers = await Promise.all(
    sessions.flatMap((s) => s.accepts).map((action) => postAction(url, action)),
  );
  for (const { status, body } of answers) expect(status, JSON.stringify(body)).to.equal(202);
  return answers.map((a) => String(a.body.id));
}

async function finalStates(url: string, ids: readonly string[], onPoll?: () => Promise<void>) {
  return waitFor(
    "every action final",
    async () => {
      await onPoll?.();
      const states = await Promise.all(ids.map((id) => getAction(url, id)));
      return states.every((s) => s.final === true) ? states : undefined;
    },
    60_000,
  );
}

/** The sent transaction of each action, once every one of them is sent. */
async function sentHashes(url: string, ids: readonly string[]): Promise<Hash[]> {
  return waitFor("every action sent", async () => {
    const states = await Promise.all(ids.map((id) => getAction(url, id)));
    return states.every((s) => s.status === "sent")
      ? states.map((s) => s.transactionHash as Hash)
      : undefined;
  });
}

/** Each session's PartyAccepted events name every party exactly once. */
async function expectEachAcceptedOnce(chain: RelayerChain, sessions: readonly AcceptSession[]) {
  for (const session of sessions) {
    const events = await acceptedEvents(chain, session.sessionId);
    expect(events.map((e) => e.index).sort((a, b) => a - b)).to.deep.equal(
      session.accepts.map((_, i) => i),
    );
  }
}

describe("relayer › several batches in flight (issue 12)", function () {
  this.timeout(120_000);

  describe("--max-in-flight", () => {
    const base = {
      rpcUrl: "http://127.0.0.1:8545",
      contract: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    };
    it("defaults to 4, comes from its flag or variable, and refuses 0 and 65 naming the source", () => {
      expect(resolveRelayerOptions({ ...base, flags: {}, env: {} }).maxInFlight).to.equal(4);
      const env = { ROUNDTABLE_RELAYER_MAX_IN_FLIGHT: "64" };
      expect(resolveRelayerOptions({ ...base, flags: {}, env }).maxInFlight).to.equal(64);
      expect(
        resolveRelayerOptions({ ...base, flags: { maxInFlight: "1" }, env }).maxInFlight,
      ).to.equal(1);
      expect(() => resolveRelayerOptions({ ...base, flags: { maxInFlight: "0" }, env: {} }))
        .to.throw(RelayerOptionsError, /^Invalid --max-in-flight "0": /)
        .with.property("flag", "--max-in-flight");
      expect(() =>
        resolveRelayerOptions({
          ...base,
          flags: {},
          env: { ROUNDTABLE_RELAYER_MAX_IN_FLIGHT: "65" },
        }),
      )
        .to.throw(RelayerOptionsError, /^Invalid ROUNDTABLE_RELAYER_MAX_IN_FLIGHT "65": /)
        .with.property("flag", "ROUNDTABLE_RELAYER_MAX_IN_FLIGHT");
    });
  });
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeEach(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
  });
  afterEach(async () => {
    await chain?.stop();
    await dir?.remove();
  });

  describe("a batch's gas limit", () => {
    it("covers the items' own admission estimates when the batch was estimated cheaper, plus each wallet's allowance", () => {
      const items = [
        { gas: 90_000 },
        { gas: 80_000 },
        { gas: 600_000, walletGas: 500_000 },
        { gas: 110_000, walletGas: 30_000 },
      ];
      const wallets = walletCheckGas + 30_000n + walletCallOverhead;
      // Estimated on a chain where an earlier batch in flight has not run yet: too cheap.
      const cheap = batchGasLimit({ estimate: 100_000n, items, gasFactor: 1n });
      expect(cheap).to.equal(90_000n + 80_000n + 80_000n + 60_000n + fixedHeadroom + wallets);
      // A larger estimate wins, and the factor after a reverted batch multiplies all but the allowances.
      const dear = batchGasLimit({ estimate: 1_000_000n, items, gasFactor: 2n });
      expect(dear).to.equal((1_100_000n + fixedHeadroom) * 2n + wallets);
    });

    it("gives a wallet's check twice what its trace spent and 10,000 more, at most the contract's 500,000", () => {
      expect(walletAllowance(6_000)).to.equal(22_000);
      expect(walletAllowance(200_000)).to.equal(410_000);
      expect(walletAllowance(400_000)).to.equal(500_000);
    });
  });

  describe("on a chain with 2-second blocks", () => {
    let relayer: Relayer | undefined;
    afterEach(() => relayer?.close());

    /** Relays a burst of 24 actions in batches of 4; the blocks their batches landed in. */
    async function burst(sessions: readonly AcceptSession[], maxInFlight: number, db: string) {
      relayer = await startTestRelayer(chain, dir.path, {
        db: join(dir.path, db),
        maxBatch: 4,
        maxBatchAgeMs: 300,
        maxInFlight,
      });
      const ids = await postAll(relayer.url, sessions);
      const states = await finalStates(relayer.url, ids);
      await relayer.close();
      relayer = undefined;
      expect(states.map((s) => s.status)).to.deep.equal(ids.map(() => "included"));
      // Batch transactions by block.
      const byBlock = new Map<number, Set<string>>();
      for (const s of states) {
        const block = Number(s.blockNumber);
        byBlock.set(block, (byBlock.get(block) ?? new Set()).add(String(s.transactionHash)));
      }
      const blocks = [...byBlock.keys()].sort((a, b) => a - b);
      return {
        span: blocks.at(-1)! - blocks[0]! + 1,
        batchesPerBlock: blocks.map((b) => byBlock.get(b)!.size),
      };
    }

    it("sends a burst as several batches per block, in fewer blocks than one batch at a time", async () => {
      // Sessions are created on automine (fast), then the chain mines every 2 s.
      const [one, several] = [
        await createAcceptSessions({ chain, parties: eoaParties("flight/a", 4), count: 6 }),
        await createAcceptSessions({ chain, parties: eoaParties("flight/b", 4), count: 6 }),
      ];
      await rpc(chain.anvil.rpcUrl, "evm_setIntervalMining", [2]);

      const serial = await burst(one!, 1, "one.sqlite");
      const parallel = await burst(several!, 4, "four.sqlite");
      // One in flight: never two of its batches in a block, so 6 batches take 6 blocks or more.
      expect(
        serial.batchesPerBlock.every((n) => n === 1),
        String(serial.batchesPerBlock),
      ).to.equal(true);
      expect(serial.span).to.be.at.least(6);
      // Four in flight: several batches were sent before the first was mined, and share its block.
      expect(Math.max(...parallel.batchesPerBlock)).to.be.at.least(2);
      expect(parallel.span).to.be.lessThan(serial.span);
      await expectEachAcceptedOnce(chain, [...one!, ...several!]);
      console.log(
        `      burst of 24 in batches of 4, 2-second blocks: ${serial.span} blocks with 1 in flight (batches per block ${serial.batchesPerBlock}), ${parallel.span} with 4 (${parallel.batchesPerBlock})`,
      );
    });
  });

  describe("a stuck lowest nonce", () => {
    let relayer: Relayer | undefined;
    afterEach(() => relayer?.close());

    it("is replaced while the batch after it waits unreplaced, and every item lands once", async () => {
      const { anvil } = chain;
      const sessions = await createAcceptSessions({
        chain,
        parties: eoaParties("flight/stuck", 4),
        count: 1,
      });
      const accepts = sessions[0]!.accepts;
      await rpc(anvil.rpcUrl, "evm_setAutomine", [false]);
      relayer = await startTestRelayer(chain, dir.path, {
        maxBatch: 2,
        maxBatchAgeMs: 60_000,
        maxInFlight: 4,
        replaceAfterMs: 400,
      });
      const url = relayer.url;
      // Two full batches, one after the other: items 0 and 1, then 2 and 3.
      const firstIds = await Promise.all(accepts.slice(0, 2).map((a) => postAction(url, a)));
      const [lowHash] = await sentHashes(
        url,
        firstIds.map((r) => String(r.body.id)),
      );
      const laterIds = await Promise.all(accepts.slice(2).map((a) => postAction(url, a)));
      const ids = [...firstIds, ...laterIds].map((r) => String(r.body.id));
      const [, , highHash] = await sentHashes(url, ids);
      const sentAt = Date.now();
      const low = await anvil.publicClient.getTransaction({ hash: lowHash! });
      const high = await anvil.publicClient.getTransaction({ hash: highHash! });
      expect(high.nonce).to.equal(low.nonce + 1);

      // No block comes: both batches wait past --replace-after-ms, but only the lowest, which
      // holds the other, is replaced (more than once, each time with higher fees).
      const lowReplaced = await waitFor("the lowest batch replaced twice", async () => {
        const state = await getAction(url, ids[0]!);
        // The relayer records a replacement before it broadcasts it: the node may not have it yet.
        const tx = await anvil.publicClient
          .getTransaction({ hash: state.transactionHash as Hash })
          .catch(() => undefined);
        return tx !== undefined &&
          tx.hash !== lowHash &&
          tx.maxFeePerGas! > bump(bump(low.maxFeePerGas!)) - 10n
          ? tx
          : undefined;
      });
      expect(lowReplaced.nonce).to.equal(low.nonce);
      // Older than --replace-after-ms (and then some poll intervals), still as it was sent.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(Date.now() - sentAt).to.be.greaterThan(400 + 200);
      const waiting = await getAction(url, ids[2]!);
      expect(waiting.status).to.equal("sent");
      expect(waiting.transactionHash).to.equal(highHash);

      // One block: the replacement and the batch that waited behind it, each item once.
      await rpc(anvil.rpcUrl, "evm_mine");
      const states = await finalStates(url, ids);
      expect(states.map((s) => s.status)).to.deep.equal(ids.map(() => "included"));
      const lowMined = states[0]!.transactionHash as Hash;
      expect(lowMined).to.not.equal(lowHash);
      expect((await anvil.publicClient.getTransaction({ hash: lowMined })).nonce).to.equal(
        low.nonce,
      );
      expect(states.map((s) => s.transactionHash)).to.deep.equal([
        lowMined,
        lowMined,
        highHash,
        highHash,
      ]);
      expect(states[2]!.blockNumber).to.equal(states[0]!.blockNumber);
      await expectEachAcceptedOnce(chain, sessions);
    });
  });

  describe("a nonce gap", () => {
    let relayer: Relayer | undefined;
    afterEach(() => relayer?.close());

    it("is filled when a reorg takes the lowest batch out, so the batches after it land", async () => {
      const { anvil } = chain;
      const sessions = await createAcceptSessions({
        chain,
        parties: eoaParties("flight/gap", 6),
        count: 1,
      });
      const accepts = sessions[0]!.accepts;
      await rpc(anvil.rpcUrl, "evm_setAutomine", [false]);
      relayer = await startTestRelayer(chain, dir.path, {
        maxBatch: 2,
        maxBatchAgeMs: 60_000,
        maxInFlight: 4,
        confirmations: 3,
      });
      const url = relayer.url;
      const post = async (actions: typeof accepts) =>
        (await Promise.all(actions.map((a) => postAction(url, a)))).map((r) => String(r.body.id));
      // The first batch is mined alone; two more are sent after it.
      const firstIds = await post(accepts.slice(0, 2));
      const [firstHash] = await sentHashes(url, firstIds);
      await anvil.mine();
      await waitFor("the first batch included", async () =>
        (await getAction(url, firstIds[0]!)).status === "included" ? true : undefined,
      );
      const laterIds = await post(accepts.slice(2));
      const laterHashes = await sentHashes(url, laterIds);
      const first = await anvil.publicClient.getTransaction({ hash: firstHash! });

      // The block with the first batch leaves the chain: its nonce is free again, and the two
      // batches after it cannot be mined until a transaction takes it.
      await anvil.reorg(1);
      expect(
        await anvil.publicClient.getTransactionCount({ address: first.from, blockTag: "latest" }),
      ).to.equal(first.nonce);
      const refill = await waitFor("a batch signed at the free nonce", async () => {
        const state = await getAction(url, firstIds[0]!);
        if (state.status !== "sent" || state.transactionHash === firstHash) return undefined;
        // Recorded before it is broadcast: the node may not have it yet.
        return anvil.publicClient
          .getTransaction({ hash: state.transactionHash as Hash })
          .catch(() => undefined);
      });
      expect(refill.nonce).to.equal(first.nonce);

      const ids = [...firstIds, ...laterIds];
      const states = await finalStates(url, ids, () => anvil.mine());
      expect(states.map((s) => s.status)).to.deep.equal(ids.map(() => "included"));
      expect(states.map((s) => s.transactionHash)).to.deep.equal([
        refill.hash,
        refill.hash,
        ...laterHashes,
      ]);
      await expectEachAcceptedOnce(chain, sessions);
    });
  });

  describe("a contract wallet that flips its answer (threat R9)", () => {
    let relayer: Relayer | undefined;
    afterEach(() => relayer?.close());

    it("gets no item in a new batch while one of its items is in flight, so it is banned at its first failure", async () => {
      const { anvil } = chain;
      const wallet = await deployGamingWallet(chain, "flipping", "flight/flipper");
      const accepts = [];
      for (let i = 0; i < 4; i++) {
        const [session] = await createAcceptSessions({
          chain,
          parties: [wallet, ...eoaParties(`flight/flipper peers ${i}`, 2)].sort(byAddress),
          count: 1,
        });
        accepts.push(session!.accepts[session!.parties.indexOf(wallet)]!);
      }
      await rpc(anvil.rpcUrl, "evm_setAutomine", [false]);
      relayer = await startTestRelayer(chain, dir.path, { maxInFlight: 4 });
      const url = relayer.url;
      const ids: string[] = [];
      for (const action of accepts) {
        const { status, body } = await postAction(url, action);
        expect(status, JSON.stringify(body)).to.equal(202);
        ids.push(String(body.id));
      }
      // Room for four batches, all four items old enough: still only the first is sent.
      await waitFor("the first item sent", async () =>
        (await getAction(url, ids[0]!)).status === "sent" ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = await Promise.all(ids.map((id) => getAction(url, id)));
      expect(before.map((s) => s.status)).to.deep.equal(["sent", "queued", "queued", "queued"]);

      // The flip outbids the batch for the same block: the item fails at inclusion.
      await flip(chain, wallet, true, 10n ** 11n);
      await rpc(anvil.rpcUrl, "evm_mine");
      await rpc(anvil.rpcUrl, "evm_setAutomine", [true]);
      const states = await finalStates(url, ids);
      expect(states.map((s) => (s.reason as { code: string } | undefined)?.code)).to.deep.equal([
        "contract_rejected",
        "wallet_banned",
        "wallet_banned",
        "wallet_banned",
      ]);
      expect(states.slice(1).every((s) => s.blockNumber === undefined)).to.equal(true);
    });
  });

  describe("killed with several batches pending", () => {
    let running: RelayerProcess | undefined;
    afterEach(async () => {
      if (running && running.child.exitCode === null) {
        running.child.kill("SIGKILL");
        await running.exited;
      }
    });

    it("carries on from its database: every item lands once, none sent twice", async () => {
      const { anvil } = chain;
      const sessions = await createAcceptSessions({
        chain,
        parties: eoaParties("flight/restart", 6),
        count: 1,
      });
      await rpc(anvil.rpcUrl, "evm_setAutomine", [false]);
      const args = [
        ...["--rpc-url", anvil.rpcUrl, "--contract", chain.contract],
        ...["--port", "0", "--db", join(dir.path, "relayer.sqlite")],
        ...["--confirmations", "1", "--max-batch", "2", "--max-batch-age-ms", "60000"],
        ...["--max-in-flight", "4", "--poll-interval-ms", "20", "--log-level", "error"],
      ];
      running = await startRelayerProcess(args);
      const ids: string[] = [];
      for (const action of sessions[0]!.accepts) {
        const { status, body } = await postAction(running.url, action);
        expect(status, JSON.stringify(body)).to.equal(202);
        ids.push(String(body.id));
      }
      const hashes = await sentHashes(running.url, ids);
      const batches = [...new Set(hashes)];
      expect(batches).to.have.length(3);
      const nonces = await Promise.all(
        batches.map(async (hash) => (await anvil.publicClient.getTransaction({ hash })).nonce),
      );
      expect(nonces).to.deep.equal([nonces[0]!, nonces[0]! + 1, nonces[0]! + 2]);

      // Dead, with three batches pending. Meanwhile the node forgets the middle one, and a block
      // lands the first; the third cannot land without the second.
      running.child.kill("SIGKILL");
      await running.exited;
      await rpc(anvil.rpcUrl, "anvil_dropTransaction", [batches[1]]);
      await rpc(anvil.rpcUrl, "evm_mine");
      expect(
        (await anvil.publicClient.getTransactionReceipt({ hash: batches[0]! })).status,
      ).to.equal("success");

      running = await startRelayerProcess(args);
      const url = running.url;
      const states = await finalStates(url, ids, () =>
        rpc(anvil.rpcUrl, "evm_mine").then(() => {}),
      );
      expect(states.map((s) => s.status)).to.deep.equal(ids.map(() => "included"));
      // The same three signed transactions: the middle one sent again as it was, no new batch.
      expect(states.map((s) => s.transactionHash)).to.deep.equal(hashes);
      const account = (await anvil.publicClient.getTransaction({ hash: batches[0]! })).from;
      expect(await anvil.publicClient.getTransactionCount({ address: account })).to.equal(
        nonces[0]! + 3,
      );
      await expectEachAcceptedOnce(chain, sessions);
      running.child.kill("SIGTERM");
      expect(await running.exited).to.equal(0);
    });
  });
});

/** The batcher's smallest fee raise for a replacement (12.5 %). */
function bump(value: bigint): bigint {
  return (value * 1125n) / 1000n + 1n;
}
