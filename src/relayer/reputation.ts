import { DatabaseSync } from "node:sqlite";
import type { Address, Hash } from "viem";

/**
 * Reputation of contract-wallet parties, as ERC-4337 bundlers keep one of the entities whose
 * validation they cannot fully trust (ERC-7562, "reputation scoring and throttling/banning").
 * A traced check (traceValidation.ts) cannot see a wallet that flips its own storage with one
 * cheap transaction after the relayer's check: its item then fails at inclusion, after burning
 * its 500,000-gas allowance at the relayer's cost. Each such failure costs the wallet standing:
 * throttled after the first, banned after the second (unless it has landed many items), so that
 * a wallet can waste at most about two items' gas. EOA parties have no reputation: their
 * signature check is ECDSA, which nothing outside the action can change.
 */

/** How a wallet stands: `throttled` wallets get one item per batch; `banned` ones are not relayed. */
export type WalletStanding = "ok" | "throttled" | "banned";

export type WalletRecord = {
  /** Items of the wallet whose batch was mined (not counting whole-batch reverts). */
  seen: number;
  /** Of those, applied. */
  included: number;
  /** Of those, whose check the wallet failed at inclusion although it had passed the relayer's. */
  failed: number;
};

export type ReputationPolicy = {
  /**
   * Landed items per forgiven failure (ERC-7562's MIN_INCLUSION_RATE_DENOMINATOR is 10 for
   * accounts): a wallet that landed 10 items may fail once without losing standing. @default 10
   */
  inclusionsPerFailure: number;
  /** Failures beyond the forgiven ones before throttling (ERC-7562: THROTTLING_SLACK). @default 0 */
  throttleSlack: number;
  /**
   * Failures beyond the forgiven ones before a ban (ERC-7562: BAN_SLACK). ERC-7562's slacks (10
   * and 50) suit a mempool where a failed operation costs the bundler nothing; here each costs
   * the relayer a wallet's whole allowance, so the slack is small. @default 1
   */
  banSlack: number;
};

const defaultPolicy: ReputationPolicy = { inclusionsPerFailure: 10, throttleSlack: 0, banSlack: 1 };

/** The standing that `record` earns under `policy`. */
export function standingOf(
  record: WalletRecord,
  policy: ReputationPolicy = defaultPolicy,
): WalletStanding {
  // A wallet that never landed an item has earned no slack: its first failure at inclusion (its
  // check passed here, then failed on chain) is the flipping wallet's signature, and each costs a
  // whole allowance. One that has landed items is throttled first.
  if (record.included === 0 && record.failed > 0) return "banned";
  const forgiven = Math.floor(record.included / policy.inclusionsPerFailure);
  if (record.failed > forgiven + policy.banSlack) return "banned";
  if (record.failed > forgiven + policy.throttleSlack) return "throttled";
  return "ok";
}

/**
 * Items of one wallet a batch may carry: none when banned, one when throttled or new, one more
 * per `inclusionsPerFailure` landed items otherwise. A new wallet that turns out to flip its
 * answer wastes one item's allowance, and is banned after it.
 */
export function itemsPerBatch(
  record: WalletRecord,
  policy: ReputationPolicy = defaultPolicy,
): number {
  const standing = standingOf(record, policy);
  if (standing === "banned") return 0;
  if (standing === "throttled") return 1;
  return 1 + Math.floor(record.included / policy.inclusionsPerFailure);
}

/** What became of one contract-wallet item in a mined batch. */
export type WalletItemOutcome = "included" | "skipped" | "rejected";

export type WalletReputation = {
  standing(wallet: Address): WalletStanding;
  /** How many of the wallet's items one batch may carry (see {@link itemsPerBatch}). */
  itemsPerBatch(wallet: Address): number;
  record(wallet: Address): WalletRecord;
  /**
   * Counts a mined item of `wallet`, once per (item, batch): a reorg that mines the item again
   * in another batch counts again, a repeated call does not. A skip (the slot was filled by the
   * party's own transaction or another relayer) is not a failure: the contract skips before it
   * asks the wallet, so it costs little, and an honest party that also went direct causes it.
   * The batcher passes "rejected" only when the wallet's own check failed
   * (`RoundtableInvalidSignature`), and "skipped" for a rejection any party could meet (a
   * deadline passed). Returns the standing after it.
   */
  note(
    wallet: Address,
    item: { id: Hash; batchId: number },
    outcome: WalletItemOutcome,
  ): WalletStanding;
  close(): void;
};

export type OpenWalletReputationParameters = {
  /** The relayer's database file (a table of its own in it), or ":memory:". */
  path: string;
  policy?: Partial<ReputationPolicy> | undefined;
};

/**
 * Opens the reputation table in the relayer's database (a connection of its own; WAL lets it
 * share the file with the store), so that standing survives a restart.
 *
 * @example
 * const reputation = openWalletReputation({ path: options.db });
 * if (reputation.standing(wallet) === "banned") refuse();
 */
export function openWalletReputation({
  path,
  policy: given,
}: OpenWalletReputationParameters): WalletReputation {
  const policy = { ...defaultPolicy, ...given };
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  db.exec(`
CREATE TABLE IF NOT EXISTS wallet_reputation (
  wallet TEXT PRIMARY KEY,
  seen INTEGER NOT NULL,
  included INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_outcomes (
  item TEXT NOT NULL,
  batch_id INTEGER NOT NULL,
  PRIMARY KEY (item, batch_id)
);`);
  const select = db.prepare(
    "SELECT seen, included, failed FROM wallet_reputation WHERE wallet = ?",
  );
  const upsert = db.prepare(
    `INSERT INTO wallet_reputation (wallet, seen, included, failed, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (wallet) DO UPDATE SET seen = seen + excluded.seen, included = included + excluded.included,
     failed = failed + excluded.failed, updated_at = excluded.updated_at`,
  );
  const markCounted = db.prepare(
    "INSERT OR IGNORE INTO wallet_outcomes (item, batch_id) VALUES (?, ?)",
  );

  function record(wallet: Address): WalletRecord {
    const row = select.get(wallet.toLowerCase()) as Record<string, number> | undefined;
    if (row === undefined) return { seen: 0, included: 0, failed: 0 };
    return { seen: Number(row.seen), included: Number(row.included), failed: Number(row.failed) };
  }

  return {
    record,
    standing: (wallet) => standingOf(record(wallet), policy),
    itemsPerBatch: (wallet) => itemsPerBatch(record(wallet), policy),
    note(wallet, item, outcome) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const { changes } = markCounted.run(item.id, item.batchId);
        if (Number(changes) > 0) {
          upsert.run(
            wallet.toLowerCase(),
            1,
            outcome === "included" ? 1 : 0,
            outcome === "rejected" ? 1 : 0,
            Date.now(),
          );
        }
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
      return standingOf(record(wallet), policy);
    },
    close: () => db.close(),
  };
}

/** A queued item, as the batcher arranges it. */
export type ArrangeableItem = { id: Hash; gas: number; receivedAt: number };

export type ArrangeBatchParameters<T extends ArrangeableItem> = {
  /** Queued items, oldest first. */
  queued: readonly T[];
  /** The contract wallet whose check an item needs, or undefined for an EOA party. */
  walletOf(item: T): Address | undefined;
  /** Items of the wallet this batch may carry; 0 for a banned wallet. */
  itemsPerBatch(wallet: Address): number;
  sizeLimit: number;
  gasBudget: number;
  /** Contract-wallet items per batch. @default 4 */
  maxWalletItems?: number | undefined;
};

/**
 * Chooses a batch's items: EOA parties' items first, oldest first, then at most
 * `maxWalletItems` contract-wallet items, at most `itemsPerBatch` of each wallet, none of a
 * banned wallet (returned as `banned`, to be refused). A wallet item cannot make the batch revert (the
 * batcher gives each its whole allowance, see batcher.ts), so EOA items are never held back by
 * one; putting them first keeps a batch full of wallet items from delaying them by more than one
 * batch either.
 *
 * @example
 * const { items, banned } = arrangeBatch({ queued, walletOf, standing, sizeLimit: 100, gasBudget: 12e6 });
 */
export function arrangeBatch<T extends ArrangeableItem>({
  queued,
  walletOf,
  itemsPerBatch: share,
  sizeLimit,
  gasBudget,
  maxWalletItems = 4,
}: ArrangeBatchParameters<T>): { items: T[]; banned: T[]; gas: number; full: boolean } {
  const items: T[] = [];
  const banned: T[] = [];
  let gas = 0;
  let full = false;
  const take = (item: T): boolean => {
    if (items.length >= sizeLimit || (items.length > 0 && gas + item.gas > gasBudget)) {
      full = true;
      return false;
    }
    items.push(item);
    gas += item.gas;
    return true;
  };
  const walletItems: T[] = [];
  for (const item of queued) {
    if (walletOf(item) === undefined) take(item);
    else walletItems.push(item);
  }
  let walletCount = 0;
  const perWallet = new Map<string, number>();
  for (const item of walletItems) {
    const wallet = walletOf(item) as Address;
    const allowed = share(wallet);
    if (allowed <= 0) {
      banned.push(item);
      continue;
    }
    const key = wallet.toLowerCase();
    const already = perWallet.get(key) ?? 0;
    if (walletCount >= maxWalletItems || already >= allowed) {
      full = true;
      continue;
    }
    if (!take(item)) continue;
    walletCount++;
    perWallet.set(key, already + 1);
  }
  return { items, banned, gas, full };
}
