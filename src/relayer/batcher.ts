import type { Logger } from "pino";
import {
  type Address,
  type Block,
  type Hash,
  type Hex,
  keccak256,
  type LocalAccount,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { encodeBatchCall, MAX_WALLET_GAS } from "../sdk/batchCall.js";
import { decodeRoundtableError } from "../sdk/errors.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import type { SignedAction } from "../sdk/types.js";
import { batchGasLimit } from "./batchGasLimit.js";
import type { RelayerMetrics } from "./metrics.js";
import type { RelayerOptions } from "./options.js";
import { arrangeBatch, type WalletReputation } from "./reputation.js";
import { contractErrorJson } from "./simulate.js";
import type { ItemOutcome, RelayerStore, StoredAction, StoredBatch } from "./store.js";
import type { UnprovenWalletBudget } from "./unprovenWallets.js";

/** A replacement must raise both fees by at least 10 % to be accepted by nodes; 12.5 % leaves a margin. */
const bump = (value: bigint) => (value * 1125n) / 1000n + 1n;
const larger = (a: bigint, b: bigint) => (a > b ? a : b);

export type Batcher = {
  /** Looks at the queue now instead of at the next tick. */
  wake(): void;
  /** The newest block number seen, for confirmations in the API. */
  head(): bigint | undefined;
  /** Stops after the current step; never leaves a half-written state (each step is one SQLite transaction). */
  stop(): Promise<void>;
};

export type CreateBatcherParameters = {
  store: RelayerStore;
  publicClient: RoundtablePublicClient;
  /** The relayer's key: the one writer of its nonces. */
  account: LocalAccount;
  chainId: number;
  contract: Address;
  options: Pick<
    RelayerOptions,
    | "confirmations"
    | "maxBatch"
    | "maxBatchAgeMs"
    | "batchGasBudget"
    | "replaceAfterMs"
    | "pollIntervalMs"
    | "maxInFlight"
  >;
  metrics: RelayerMetrics;
  logger: Logger;
  /**
   * Contract-wallet parties (threat R9): which items need a wallet's ERC-1271 check, and the
   * wallets' reputation. Without it every item is treated as an EOA party's.
   */
  contractWallets?: ContractWallets | undefined;
};

export type ContractWallets = {
  /**
   * The contract wallet whose ERC-1271 check the action needs at inclusion: undefined for an EOA
   * party's action and for one signed by a wallet party's delegate (ECDSA, see itemSigner.ts).
   */
  walletOf(action: SignedAction): Promise<Address | undefined>;
  reputation: WalletReputation;
  /** Gets back the charge of an unproven wallet's item that landed or was not sent. */
  unprovenWallets?: Pick<UnprovenWalletBudget, "refund"> | undefined;
};

function isNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "TransactionReceiptNotFoundError" || error.name === "TransactionNotFoundError")
  );
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/**
 * The single writer: closes batches (at `maxBatch` items, `maxBatchAgeMs`
 * after the oldest queued item, or at the gas budget), signs and records each
 * transaction before broadcasting it, replaces a transaction not mined within
 * `replaceAfterMs`, reads each item's outcome from the receipt's events, and
 * watches mined batches until they are `confirmations` deep, sending again
 * the items of a batch whose block a reorg removed. Up to `maxInFlight`
 * batches are pending at once, on consecutive nonces, so that a slow chain
 * takes several batches per block; on start it carries on from the database.
 *
 * @example
 * const batcher = createBatcher({ store, publicClient, account, chainId, contract, options, metrics, logger });
 * batcher.wake();
 * await batcher.stop();
 */
export function createBatcher({
  store,
  publicClient,
  account,
  chainId,
  contract,
  options,
  metrics,
  logger,
  contractWallets,
}: CreateBatcherParameters): Batcher {
  const log = logger.child({ component: "batcher" });
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let head: bigint | undefined;
  // After a batch reverted whole (out of gas), the next ones are smaller and get more gas.
  let sizeLimit = options.maxBatch;
  let gasFactor = 1n;
  // When a batch's nonce was first seen used with none of its hashes mined, by batch id.
  const nonceTakenSince = new Map<number, number>();
  const lostAfterMs = Math.max(10_000, 10 * options.pollIntervalMs);
  let walletNotes: Promise<void> = Promise.resolve();
  // A batch waits `replaceAfterMs` before it is replaced, counted from when it was sent or, for
  // one that waited behind a lower nonce, from when it became the lowest: before that, its fees
  // were not what held it.
  const heldBehind = new Set<number>();
  const lowestSince = new Map<number, number>();
  let gapWarned: number | undefined;
  // The contract wallets with items in each pending batch, by batch id.
  const walletsInBatch = new Map<number, Set<string>>();

  /**
   * Contract wallets with an item in a pending batch. Their next items wait until it is mined:
   * a wallet that fails at inclusion is banned (or, with landed items, throttled) from its mined outcomes, and
   * items sent before those are known would escape that (threat R9).
   */
  async function walletsInFlight(pending: readonly StoredBatch[]): Promise<Set<string>> {
    const busy = new Set<string>();
    if (contractWallets === undefined) return busy;
    for (const batch of pending) {
      let wallets = walletsInBatch.get(batch.id);
      if (wallets === undefined) {
        // Sent before a restart: read its items' wallets again.
        wallets = new Set();
        for (const id of batch.itemIds) {
          const stored = store.getAction(id);
          const wallet = stored && (await contractWallets.walletOf(stored.action));
          if (wallet !== undefined) wallets.add(wallet.toLowerCase());
        }
        walletsInBatch.set(batch.id, wallets);
      }
      for (const wallet of wallets) busy.add(wallet);
    }
    return busy;
  }

  /**
   * The next batch's nonce: the lowest nonce from the chain's count on that none of this
   * relayer's batches holds. Below the highest held nonce it is a gap (a batch whose block a
   * reorg removed), which keeps every later batch waiting until a batch is signed at it.
   * Otherwise the node's pending count, if higher (a transaction this relayer did not record).
   * The database, not the node, says which nonces are used: a node behind a load balancer may lag.
   */
  async function nextBatchNonce(latestNonce: number): Promise<{ nonce: number; gap: boolean }> {
    const used = store.usedNoncesFrom(latestNonce);
    let nonce = latestNonce;
    for (const n of used) {
      if (n !== nonce) break;
      nonce++;
    }
    if (nonce < (used.at(-1) ?? -1)) return { nonce, gap: true };
    const chainPending = await publicClient.getTransactionCount({
      address: account.address,
      blockTag: "pending",
    });
    return { nonce: Math.max(nonce, chainPending), gap: false };
  }

  /** Sends a recorded transaction; false when the node refused it. */
  async function broadcast(raw: Hex): Promise<boolean> {
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: raw });
      return true;
    } catch (error) {
      // "already known", "nonce too low" (it was mined) or an underpriced replacement: the next
      // tick reads receipts and decides; nothing is lost, since the transaction is recorded.
      const details = (error as { details?: unknown }).details;
      log.warn(
        { reason: firstLine(error), details: typeof details === "string" ? details : undefined },
        "broadcast refused",
      );
      return false;
    }
  }

  async function sign(
    batch: { nonce: number; data: Hex; gas: bigint },
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ) {
    const raw = await account.signTransaction({
      chainId,
      type: "eip1559",
      to: contract,
      data: batch.data,
      gas: batch.gas,
      nonce: batch.nonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { raw, hash: keccak256(raw), ...fees, sentAt: Date.now() };
  }

  function outcomesOf(batch: StoredBatch, receipt: TransactionReceipt): ItemOutcome[] {
    const outcomes: ItemOutcome[] = batch.itemIds.map((id) => ({ id, status: "included" }));
    const logs = receipt.logs.filter((l) => l.address.toLowerCase() === contract.toLowerCase());
    for (const event of parseEventLogs({
      abi: roundtableAbi,
      logs,
      eventName: ["ActionSkipped", "ActionRejected"],
    })) {
      const item = Number(event.args.item);
      const id = batch.itemIds[item];
      if (id === undefined) continue;
      if (event.eventName === "ActionSkipped") {
        outcomes[item] = { id, status: "skipped" };
      } else {
        const error = decodeRoundtableError(event.args.reason);
        const contractError = contractErrorJson(error);
        outcomes[item] = {
          id,
          status: "rejected",
          reason: {
            code: "contract_rejected",
            message: error.shortMessage,
            ...(contractError ? { contractError } : {}),
          },
        };
      }
    }
    return outcomes;
  }

  function recordReceipt(batch: StoredBatch, receipt: TransactionReceipt): void {
    const mined = {
      transactionHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
    };
    if (receipt.status === "reverted") {
      // Only running out of gas reverts a batch whole: send the items again, fewer at a time.
      store.markReturned(batch.id, "reverted", mined);
      metrics.items.inc({ outcome: "requeued" }, batch.itemIds.length);
      sizeLimit = Math.max(1, Math.floor(batch.itemIds.length / 2));
      gasFactor = gasFactor < 8n ? gasFactor * 2n : gasFactor;
      log.warn(
        { batch: batch.id, hash: receipt.transactionHash, items: batch.itemIds.length },
        "batch reverted whole; its items are queued again in smaller batches",
      );
      return;
    }
    const outcomes = outcomesOf(batch, receipt);
    store.markMined(batch.id, mined, outcomes);
    // Counted before the next batch is arranged (send() waits for it), so that a wallet's failure
    // limits its share of that batch already.
    walletNotes = walletNotes.then(() => noteWalletOutcomes(batch.id, outcomes));
    for (const o of outcomes) metrics.items.inc({ outcome: o.status });
    sizeLimit = Math.min(options.maxBatch, sizeLimit * 2);
    gasFactor = 1n;
    log.info(
      {
        batch: batch.id,
        hash: receipt.transactionHash,
        block: Number(receipt.blockNumber),
        items: outcomes.length,
        gasUsed: Number(receipt.gasUsed),
      },
      "batch mined",
    );
  }

  /**
   * The contract's errors for a wallet's own check failing: it said no, or spent all the gas its
   * item gave it. Only these are held against a wallet: a rejection for a deadline or a phase that
   * passed while the item waited would have hit an EOA party's item as well.
   */
  const walletFailures = new Set(["RoundtableInvalidSignature", "RoundtableWalletAllowanceSpent"]);

  /** Each contract wallet's mined item counts for or against its reputation. */
  async function noteWalletOutcomes(batchId: number, outcomes: readonly ItemOutcome[]) {
    if (contractWallets === undefined) return;
    for (const outcome of outcomes) {
      try {
        const stored = store.getAction(outcome.id);
        const wallet = stored && (await contractWallets.walletOf(stored.action));
        if (wallet === undefined) continue;
        const walletFailed =
          outcome.status === "rejected" &&
          walletFailures.has(outcome.reason?.contractError?.name ?? "");
        // Only a wallet's own failure spent its allowance: anything else gives the charge back.
        if (!walletFailed) contractWallets.unprovenWallets?.refund(outcome.id);
        const standing = contractWallets.reputation.note(
          wallet,
          { id: outcome.id, batchId },
          walletFailed ? "rejected" : outcome.status === "included" ? "included" : "skipped",
        );
        if (outcome.status === "rejected") {
          log.warn(
            { wallet, item: outcome.id, standing },
            "a contract wallet's item failed at inclusion",
          );
        }
      } catch (error) {
        log.warn(
          { item: outcome.id, reason: firstLine(error) },
          "cannot record a wallet's outcome",
        );
      }
    }
  }

  async function receiptOf(hash: Hash): Promise<TransactionReceipt | undefined> {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * One in-flight batch: mined? dropped? stuck? `latestNonce` is the chain's count read before
   * any receipt (see tick). Only the `lowest` pending batch is replaced for being slow: the
   * others wait behind it whatever their fees. Any of them is sent again if the node forgot it.
   */
  async function advance(batch: StoredBatch, latestNonce: number, lowest: boolean): Promise<void> {
    for (const b of [...batch.broadcasts].reverse()) {
      const receipt = await receiptOf(b.hash);
      if (receipt !== undefined) {
        recordReceipt(batch, receipt);
        return;
      }
    }
    if (latestNonce > batch.nonce) {
      // A node may count the nonce a moment before it serves the receipt: wait before deciding.
      const since = nonceTakenSince.get(batch.id) ?? Date.now();
      nonceTakenSince.set(batch.id, since);
      if (Date.now() - since < lostAfterMs) return;
      nonceTakenSince.delete(batch.id);
      log.error(
        { batch: batch.id, nonce: batch.nonce },
        "the batch's nonce was used by a transaction this relayer did not record; its items are queued again",
      );
      store.markReturned(batch.id, "lost");
      metrics.items.inc({ outcome: "requeued" }, batch.itemIds.length);
      return;
    }
    const latest = batch.broadcasts.at(-1);
    if (latest === undefined) return;
    let known = true;
    try {
      await publicClient.getTransaction({ hash: latest.hash });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      known = false;
    }
    const waitingSince = Math.max(latest.sentAt, lowestSince.get(batch.id) ?? 0);
    const stale = lowest && Date.now() - waitingSince >= options.replaceAfterMs;
    if (known && !stale) return;
    if (!known && !stale) {
      // Dropped by the node (or never sent before a crash): send the same signed transaction again.
      metrics.replacements.inc({ kind: "rebroadcast" });
      log.warn(
        { batch: batch.id, hash: latest.hash },
        "transaction unknown to the node: sent again",
      );
      if (await broadcast(latest.raw)) return;
      // Refused, say because its fee is now below the base fee: replace it at today's fees.
    }
    const fees = await publicClient.estimateFeesPerGas();
    const maxPriorityFeePerGas = larger(
      fees.maxPriorityFeePerGas,
      bump(latest.maxPriorityFeePerGas),
    );
    const maxFeePerGas = larger(
      larger(fees.maxFeePerGas, bump(latest.maxFeePerGas)),
      maxPriorityFeePerGas,
    );
    const next = await sign(batch, { maxFeePerGas, maxPriorityFeePerGas });
    store.addBroadcast(batch.id, next);
    metrics.replacements.inc({ kind: "fee" });
    log.warn(
      { batch: batch.id, nonce: batch.nonce, hash: next.hash, maxFeePerGas: String(maxFeePerGas) },
      "transaction not mined in time, or refused: replaced with higher fees",
    );
    await broadcast(next.raw);
  }

  /** Mined batches: final once deep enough; back to the queue if their block left the chain. */
  async function confirm(currentHead: bigint): Promise<void> {
    const blocks = new Map<bigint, Block | null>();
    for (const batch of store.minedOpenBatches()) {
      const { blockNumber, blockHash, transactionHash } = batch;
      if (blockNumber === undefined || blockHash === undefined || transactionHash === undefined) {
        continue;
      }
      let block = blocks.get(blockNumber);
      if (block === undefined) {
        block = await publicClient.getBlock({ blockNumber }).catch((error: unknown) => {
          if (error instanceof Error && error.name === "BlockNotFoundError") return null;
          throw error;
        });
        blocks.set(blockNumber, block);
      }
      if (block !== null && block.hash === blockHash) {
        if (currentHead - blockNumber + 1n >= BigInt(options.confirmations))
          store.finalize(batch.id);
        continue;
      }
      metrics.reorgs.inc();
      const receipt = await receiptOf(transactionHash);
      if (receipt !== undefined && receipt.blockHash !== blockHash) {
        log.warn(
          { batch: batch.id, hash: transactionHash },
          "reorg: batch mined again in another block",
        );
        recordReceipt(batch, receipt);
        continue;
      }
      log.warn(
        { batch: batch.id, hash: transactionHash, block: Number(blockNumber) },
        "reorg: the batch's block left the chain; its items are queued again",
      );
      store.markReturned(batch.id, "lost");
      metrics.items.inc({ outcome: "requeued" }, batch.itemIds.length);
    }
  }

  /**
   * Closes a batch when it is full, old enough or heavy enough (or at once when `gap`: later
   * batches wait for this nonce), and sends it at `nonce`. True when a batch was sent.
   */
  async function send(nonce: number, gap: boolean): Promise<boolean> {
    await walletNotes;
    // A window wider than a batch, so that contract-wallet items held back (see arrangeBatch)
    // cannot keep EOA items behind them out of the next batch.
    const queued = store.queuedActions(contractWallets === undefined ? sizeLimit : sizeLimit * 4);
    if (queued.length === 0) {
      if (gap && gapWarned !== nonce) {
        gapWarned = nonce;
        log.warn({ nonce }, "a nonce gap holds later batches, and no queued action can fill it");
      }
      return false;
    }
    const wallets = new Map<Hash, Address | undefined>();
    if (contractWallets !== undefined) {
      for (const item of queued) wallets.set(item.id, await contractWallets.walletOf(item.action));
    }
    const busy = await walletsInFlight(store.pendingBatches());
    const arranged = arrangeBatch({
      queued: queued.filter((item) => !busy.has(wallets.get(item.id)?.toLowerCase() ?? "")),
      walletOf: (item) => wallets.get(item.id),
      itemsPerBatch: (wallet) => contractWallets?.reputation.itemsPerBatch(wallet) ?? 1,
      sizeLimit,
      gasBudget: options.batchGasBudget,
    });
    if (arranged.banned.length > 0) refuseBanned(arranged.banned, wallets);
    const { items, gas } = arranged;
    const first = items[0];
    if (first === undefined) return false;
    const full = arranged.full || items.length >= sizeLimit;
    const heavy = gas >= options.batchGasBudget;
    const oldest = Math.min(...items.map((i) => i.receivedAt));
    const old = Date.now() - oldest >= options.maxBatchAgeMs;
    if (!full && !heavy && !old && !gap) return false;
    // A wallet item stored before allowances (walletGas undefined) gives its wallet the most.
    const walletGasOf = (item: StoredAction) =>
      wallets.get(item.id) === undefined ? undefined : (item.walletGas ?? MAX_WALLET_GAS);
    const data = encodeBatchCall(items.map((i) => ({ ...i.action, walletGas: walletGasOf(i) })));
    let estimate: bigint;
    try {
      estimate = await publicClient.estimateGas({ account: account.address, to: contract, data });
    } catch (error) {
      if (items.length > 1) {
        sizeLimit = Math.max(1, Math.floor(items.length / 2));
        log.warn(
          { items: items.length, reason: firstLine(error) },
          "batch estimate failed; splitting",
        );
        return false;
      }
      // One item that cannot be estimated: send it with room for a contract wallet's check.
      estimate = BigInt(first.gas) + 600_000n;
    }
    // Covers each item at inclusion, after the batches still in flight (see batchGasLimit.ts).
    const gasLimit = batchGasLimit({
      estimate,
      items: items.map((i) => ({ gas: i.gas, walletGas: walletGasOf(i) })),
      gasFactor,
    });
    const fees = await publicClient.estimateFeesPerGas();
    const signed = await sign(
      { nonce, data, gas: gasLimit },
      { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas },
    );
    // Recorded before it is broadcast: after a crash, the transaction is found or sent again.
    const batchId = store.createBatch({
      nonce,
      data,
      gas: gasLimit,
      itemIds: items.map((i) => i.id),
      broadcast: signed,
    });
    walletsInBatch.set(
      batchId,
      new Set(items.flatMap((i) => wallets.get(i.id)?.toLowerCase() ?? [])),
    );
    metrics.batches.inc();
    log.info(
      { batch: batchId, nonce, items: items.length, hash: signed.hash, ...(gap ? { gap } : {}) },
      "batch sent",
    );
    await broadcast(signed.raw);
    return true;
  }

  /** A banned wallet's queued items are refused, not sent: the relayer no longer pays for it. */
  function refuseBanned(
    items: readonly StoredAction[],
    wallets: ReadonlyMap<Hash, Address | undefined>,
  ) {
    for (const item of items) {
      const wallet = wallets.get(item.id);
      contractWallets?.unprovenWallets?.refund(item.id);
      store.rejectQueued(item.id, {
        code: "wallet_banned",
        message: `The contract wallet ${wallet} is banned from this relayer: its earlier items passed the relayer's checks and then failed at inclusion. Submit the action yourself (applySigned from any account).`,
      });
      metrics.items.inc({ outcome: "rejected" });
      log.warn({ wallet, item: item.id }, "a banned wallet's queued item was refused");
    }
  }

  /** Keeps the times each pending batch became the lowest, for {@link advance}'s staleness. */
  function noteOrder(batchId: number, lowest: boolean): void {
    if (!lowest) heldBehind.add(batchId);
    else if (heldBehind.delete(batchId)) lowestSince.set(batchId, Date.now());
  }

  function forgetSettled(pending: readonly StoredBatch[]): void {
    const ids = new Set(pending.map((b) => b.id));
    for (const id of heldBehind) if (!ids.has(id)) heldBehind.delete(id);
    for (const id of lowestSince.keys()) if (!ids.has(id)) lowestSince.delete(id);
    for (const id of walletsInBatch.keys()) if (!ids.has(id)) walletsInBatch.delete(id);
  }

  async function tick(): Promise<void> {
    head = await publicClient.getBlockNumber({ cacheTime: 0 });
    await confirm(head);
    // The nonce first, then the receipts: a nonce used with none of our hashes mined means another
    // transaction took it (the key used elsewhere), and that batch's items must go out again.
    const latestNonce = await publicClient.getTransactionCount({
      address: account.address,
      blockTag: "latest",
    });
    const pending = store.pendingBatches();
    forgetSettled(pending);
    // In nonce order: a batch mined (or lost) now makes the next one the lowest.
    let lowest = true;
    for (const batch of pending) {
      noteOrder(batch.id, lowest);
      await advance(batch, latestNonce, lowest);
      if (!lowest || store.batch(batch.id)?.status === "pending") lowest = false;
    }
    // New batches while there is room; a gap's nonce is filled even when there is none.
    for (;;) {
      const { nonce, gap } = await nextBatchNonce(latestNonce);
      if (!gap && store.pendingBatches().length >= options.maxInFlight) break;
      if (!(await send(nonce, gap))) break;
    }
    metrics.batchesInFlight.set(store.pendingBatches().length);
  }

  const pendingIds = () =>
    store
      .pendingBatches()
      .map((b) => b.id)
      .join();

  const done = (async () => {
    while (!stopped) {
      let busy = false;
      try {
        const before = pendingIds();
        await tick();
        busy = pendingIds() !== before;
      } catch (error) {
        log.warn({ reason: firstLine(error) }, "batcher step failed; retrying");
      }
      if (stopped) break;
      if (busy) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollIntervalMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  })();

  return {
    wake: () => wakeUp?.(),
    head: () => head,
    async stop() {
      stopped = true;
      wakeUp?.();
      await done;
    },
  };
}
