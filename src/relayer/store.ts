import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { Address, Hash, Hex } from "viem";
import type { SignedAction } from "../sdk/types.js";

/** Where an action stands; see docs/relayer.md for what each status promises. */
export type ActionStatus = "queued" | "sent" | "included" | "skipped" | "rejected";

/** Why the contract refused an action, as the API reports it. */
export type ActionReason = {
  code: string;
  message: string;
  contractError?: { name: string; args: Record<string, string> };
};

/** One stored action with what became of it. */
/** What {@link RelayerStore.insertActions} did with one action. */
export type InsertOutcome =
  /** Stored now, or stored before under the same id (`stored` says how it stands). */
  | { ok: true; stored: StoredAction }
  /** Another action holds its slot (session, party, round, kind): nothing was stored. */
  | { ok: false; holder: StoredAction };

/** A new action to store. */
export type NewAction = {
  id: Hash;
  action: SignedAction;
  gas: number;
  /** For an item a contract wallet's check authorizes: the allowance its batch item gives it. */
  walletGas?: number | undefined;
  receivedAt: number;
};

export type StoredAction = {
  id: Hash;
  seq: number;
  action: SignedAction;
  /** The action's expected gas as a batch item, for the batch gas budget. */
  gas: number;
  /** The allowance its batch item gives a contract wallet's check; undefined for none (an EOA's). */
  walletGas: number | undefined;
  status: ActionStatus;
  batchId: number | undefined;
  reason: ActionReason | undefined;
  final: boolean;
  receivedAt: number;
};

/** A batch transaction: one nonce, and every signed version of it that was broadcast. */
export type StoredBatch = {
  id: number;
  nonce: number;
  /** Calldata of `batch(items)`, kept so that a replacement signs the same call. */
  data: Hex;
  gas: bigint;
  status: "pending" | "mined" | "reverted" | "lost";
  itemIds: Hash[];
  transactionHash: Hash | undefined;
  blockNumber: bigint | undefined;
  blockHash: Hash | undefined;
  final: boolean;
  broadcasts: StoredBroadcast[];
};

export type StoredBroadcast = {
  hash: Hash;
  raw: Hex;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  sentAt: number;
};

/** An item's outcome in a mined batch. */
export type ItemOutcome = {
  id: Hash;
  status: "included" | "skipped" | "rejected";
  reason?: ActionReason | undefined;
};

type Row = Record<string, SQLInputValue>;

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  action INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  party INTEGER NOT NULL,
  round INTEGER NOT NULL,
  accused INTEGER NOT NULL,
  word TEXT NOT NULL,
  data TEXT NOT NULL,
  signature TEXT NOT NULL,
  gas INTEGER NOT NULL,
  wallet_gas INTEGER,
  status TEXT NOT NULL,
  batch_id INTEGER,
  reason TEXT,
  final INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_by_status ON actions (status, seq);
CREATE INDEX IF NOT EXISTS actions_by_batch ON actions (batch_id);
CREATE INDEX IF NOT EXISTS actions_by_slot ON actions (session_id, party, round, action);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  nonce INTEGER NOT NULL,
  data TEXT NOT NULL,
  gas TEXT NOT NULL,
  status TEXT NOT NULL,
  items TEXT NOT NULL,
  tx_hash TEXT,
  block_number INTEGER,
  block_hash TEXT,
  final INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_by_status ON batches (status, final);
CREATE INDEX IF NOT EXISTS batches_by_nonce ON batches (nonce);
CREATE TABLE IF NOT EXISTS broadcasts (
  hash TEXT PRIMARY KEY,
  batch_id INTEGER NOT NULL,
  raw TEXT NOT NULL,
  max_fee TEXT NOT NULL,
  max_priority_fee TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS broadcasts_by_batch ON broadcasts (batch_id, sent_at);
`;

export type RelayerStore = ReturnType<typeof openRelayerStore>;

export type OpenRelayerStoreParameters = {
  /** The database file; created when missing. */
  path: string;
  /** What the database belongs to: a database is refused for another chain, contract or key. */
  chainId: number;
  contract: Address;
  relayer: Address;
};

/**
 * Opens (or creates) the relayer's database. Every state change is one
 * SQLite transaction, committed with synchronous=FULL in WAL mode, so that
 * what was acknowledged survives a crash or a power cut.
 *
 * @example
 * const store = openRelayerStore({ path: "relayer.sqlite", chainId, contract, relayer: account.address });
 */
export function openRelayerStore({ path, chainId, contract, relayer }: OpenRelayerStoreParameters) {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  db.exec(schema);
  const identity = { chainId: String(chainId), contract: contract.toLowerCase(), relayer };
  for (const [key, value] of Object.entries(identity)) {
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
    if (row === undefined) {
      db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(key, value);
    } else if (String(row.value).toLowerCase() !== value.toLowerCase()) {
      db.close();
      throw new Error(
        `The relayer database ${path} belongs to ${key} ${String(row.value)}, not ${value}. Pass another --db for this ${key}: one database serves one chain, contract and relayer key.`,
      );
    }
  }

  // A database from before wallet allowances: its wallet items are sent with the most, as then.
  // Checked and altered under the write lock, so two processes opening it at once cannot both add.
  db.exec("BEGIN IMMEDIATE");
  try {
    const columns = db.prepare("PRAGMA table_info(actions)").all() as Row[];
    if (!columns.some((c) => c.name === "wallet_gas")) {
      db.exec("ALTER TABLE actions ADD COLUMN wallet_gas INTEGER");
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    db.close();
    throw error;
  }

  const statements = {
    insert: db.prepare(
      `INSERT OR IGNORE INTO actions (id, action, session_id, party, round, accused, word, data, signature, gas, wallet_gas, status, received_at)
       VALUES ($id, $action, $sessionId, $party, $round, $accused, $word, $data, $signature, $gas, $walletGas, 'queued', $receivedAt)`,
    ),
    byId: db.prepare("SELECT * FROM actions WHERE id = ?"),
    // Every status but rejected holds the slot: a rejected action was not recorded, so the slot
    // is still open to its party (the contract refused it when its batch ran).
    slotHolder: db.prepare(
      `SELECT * FROM actions WHERE session_id = ? AND party = ? AND round = ? AND action = ?
       AND status != 'rejected' ORDER BY seq LIMIT 1`,
    ),
    open: db.prepare("SELECT COUNT(*) AS n FROM actions WHERE status IN ('queued', 'sent')"),
    queued: db.prepare("SELECT * FROM actions WHERE status = 'queued' ORDER BY seq LIMIT ?"),
    oldestQueued: db.prepare("SELECT MIN(received_at) AS t FROM actions WHERE status = 'queued'"),
    batchById: db.prepare("SELECT * FROM batches WHERE id = ?"),
    pendingBatches: db.prepare(
      "SELECT id FROM batches WHERE status = 'pending' ORDER BY nonce, id",
    ),
    // A lost batch's nonce went to another transaction, or back to the chain (a reorg): not ours.
    usedNonces: db.prepare(
      "SELECT DISTINCT nonce FROM batches WHERE nonce >= ? AND status != 'lost' ORDER BY nonce",
    ),
    minedOpen: db.prepare(
      "SELECT id FROM batches WHERE status = 'mined' AND final = 0 ORDER BY id",
    ),
    broadcastsOf: db.prepare("SELECT * FROM broadcasts WHERE batch_id = ? ORDER BY sent_at, rowid"),
    insertBatch: db.prepare(
      "INSERT INTO batches (nonce, data, gas, status, items, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
    ),
    insertBroadcast: db.prepare(
      "INSERT OR IGNORE INTO broadcasts (hash, batch_id, raw, max_fee, max_priority_fee, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    markSent: db.prepare(
      "UPDATE actions SET status = 'sent', batch_id = ?, reason = NULL, final = 0 WHERE id = ?",
    ),
    setOutcome: db.prepare(
      "UPDATE actions SET status = ?, reason = ?, batch_id = ?, final = 0 WHERE id = ?",
    ),
    requeue: db.prepare(
      "UPDATE actions SET status = 'queued', batch_id = NULL, reason = NULL, final = 0 WHERE batch_id = ?",
    ),
    setBatch: db.prepare(
      "UPDATE batches SET status = ?, tx_hash = ?, block_number = ?, block_hash = ? WHERE id = ?",
    ),
    finalizeBatch: db.prepare("UPDATE batches SET final = 1 WHERE id = ?"),
    finalizeItems: db.prepare("UPDATE actions SET final = 1 WHERE batch_id = ?"),
    rejectQueued: db.prepare(
      "UPDATE actions SET status = 'rejected', reason = ?, final = 1 WHERE id = ? AND status = 'queued'",
    ),
  };

  function toAction(row: Row): StoredAction {
    return {
      id: row.id as Hash,
      seq: Number(row.seq),
      action: {
        action: Number(row.action),
        sessionId: BigInt(row.session_id as string),
        party: Number(row.party),
        round: Number(row.round),
        accused: Number(row.accused),
        word: row.word as Hex,
        data: row.data as Hex,
        signature: row.signature as Hex,
      },
      gas: Number(row.gas),
      walletGas: row.wallet_gas === null ? undefined : Number(row.wallet_gas),
      status: row.status as ActionStatus,
      batchId: row.batch_id === null ? undefined : Number(row.batch_id),
      reason: row.reason === null ? undefined : (JSON.parse(String(row.reason)) as ActionReason),
      final: Number(row.final) === 1,
      receivedAt: Number(row.received_at),
    };
  }

  function toBatch(row: Row): StoredBatch {
    const broadcasts = (statements.broadcastsOf.all(Number(row.id)) as Row[]).map((b) => ({
      hash: b.hash as Hash,
      raw: b.raw as Hex,
      maxFeePerGas: BigInt(b.max_fee as string),
      maxPriorityFeePerGas: BigInt(b.max_priority_fee as string),
      sentAt: Number(b.sent_at),
    }));
    return {
      id: Number(row.id),
      nonce: Number(row.nonce),
      data: row.data as Hex,
      gas: BigInt(row.gas as string),
      status: row.status as StoredBatch["status"],
      itemIds: JSON.parse(String(row.items)) as Hash[],
      transactionHash: row.tx_hash === null ? undefined : (row.tx_hash as Hash),
      blockNumber: row.block_number === null ? undefined : BigInt(row.block_number as number),
      blockHash: row.block_hash === null ? undefined : (row.block_hash as Hash),
      final: Number(row.final) === 1,
      broadcasts,
    };
  }

  /** Runs `fn` in one transaction: all of it is committed (and synced), or none. */
  function transaction<T>(fn: () => T): T {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }

  function slotHolder(
    action: Pick<SignedAction, "sessionId" | "party" | "round" | "action">,
  ): StoredAction | undefined {
    const row = statements.slotHolder.get(
      action.sessionId.toString(),
      action.party,
      action.round,
      action.action,
    ) as Row | undefined;
    return row === undefined ? undefined : toAction(row);
  }

  function batch(id: number): StoredBatch | undefined {
    const row = statements.batchById.get(id) as Row | undefined;
    return row === undefined ? undefined : toBatch(row);
  }

  return {
    /**
     * Stores new actions as queued, in one transaction. An action whose id is stored already is
     * left as it is; one whose slot (session, party, round, kind) another stored action holds is
     * not stored (at most one paid action per slot: threat R10). Committed (synced to disk) when
     * this returns.
     */
    insertActions(items: readonly NewAction[]): InsertOutcome[] {
      return transaction(() =>
        items.map(({ id, action, gas, walletGas, receivedAt }): InsertOutcome => {
          const known = statements.byId.get(id) as Row | undefined;
          if (known !== undefined) return { ok: true, stored: toAction(known) };
          const holder = slotHolder(action);
          if (holder !== undefined) return { ok: false, holder };
          statements.insert.run({
            $id: id,
            $action: action.action,
            $sessionId: action.sessionId.toString(),
            $party: action.party,
            $round: action.round,
            $accused: action.accused,
            $word: action.word,
            $data: action.data,
            $signature: action.signature,
            $gas: gas,
            $walletGas: walletGas ?? null,
            $receivedAt: receivedAt,
          });
          const row = statements.byId.get(id) as Row | undefined;
          if (row === undefined) throw new Error(`action ${id} vanished right after it was stored`);
          return { ok: true, stored: toAction(row) };
        }),
      );
    },
    /** The stored action that holds `action`'s slot (queued, sent, included or skipped), if any. */
    slotHolder,
    getAction(id: Hash): StoredAction | undefined {
      const row = statements.byId.get(id) as Row | undefined;
      return row === undefined ? undefined : toAction(row);
    },
    /** Actions accepted and not yet mined: queued or sent. */
    openCount(): number {
      return Number((statements.open.get() as Row).n);
    },
    queuedActions(limit: number): StoredAction[] {
      return (statements.queued.all(limit) as Row[]).map(toAction);
    },
    oldestQueuedAt(): number | undefined {
      const t = (statements.oldestQueued.get() as Row).t;
      return t === null ? undefined : Number(t);
    },
    batch,
    /** Batches sent and not yet mined (or known lost), lowest nonce first. */
    pendingBatches(): StoredBatch[] {
      return (statements.pendingBatches.all() as Row[]).flatMap(
        (row) => batch(Number(row.id)) ?? [],
      );
    },
    /**
     * The nonces from `from` on that this relayer's batches hold (pending, mined or reverted):
     * a nonce between them that none holds is a gap that keeps every later batch waiting.
     */
    usedNoncesFrom(from: number): number[] {
      return (statements.usedNonces.all(from) as Row[]).map((row) => Number(row.nonce));
    },
    minedOpenBatches(): StoredBatch[] {
      return (statements.minedOpen.all() as Row[]).flatMap((row) => batch(Number(row.id)) ?? []);
    },
    /** Records a batch and its first signed transaction, and marks its items sent: all before broadcasting. */
    createBatch({
      nonce,
      data,
      gas,
      itemIds,
      broadcast,
    }: {
      nonce: number;
      data: Hex;
      gas: bigint;
      itemIds: readonly Hash[];
      broadcast: StoredBroadcast;
    }): number {
      return transaction(() => {
        const { lastInsertRowid } = statements.insertBatch.run(
          nonce,
          data,
          gas.toString(),
          JSON.stringify(itemIds),
          broadcast.sentAt,
        );
        const id = Number(lastInsertRowid);
        insertBroadcast(id, broadcast);
        for (const itemId of itemIds) statements.markSent.run(id, itemId);
        return id;
      });
    },
    /** Records a replacement (or a rebroadcast under a new hash) before it is sent. */
    addBroadcast(batchId: number, broadcast: StoredBroadcast): void {
      transaction(() => insertBroadcast(batchId, broadcast));
    },
    /** The batch was mined in `blockHash` and did not revert: each item gets its outcome. */
    markMined(
      batchId: number,
      mined: { transactionHash: Hash; blockNumber: bigint; blockHash: Hash },
      outcomes: readonly ItemOutcome[],
    ): void {
      transaction(() => {
        statements.setBatch.run(
          "mined",
          mined.transactionHash,
          Number(mined.blockNumber),
          mined.blockHash,
          batchId,
        );
        for (const o of outcomes) {
          statements.setOutcome.run(
            o.status,
            o.reason === undefined ? null : JSON.stringify(o.reason),
            batchId,
            o.id,
          );
        }
      });
    },
    /**
     * The batch's transaction reverted (out of gas) or left the chain (a reorg,
     * a nonce taken by another transaction): its items go back to the queue.
     */
    markReturned(
      batchId: number,
      status: "reverted" | "lost",
      mined?: { transactionHash: Hash; blockNumber: bigint; blockHash: Hash },
    ): void {
      transaction(() => {
        statements.setBatch.run(
          status,
          mined?.transactionHash ?? null,
          mined === undefined ? null : Number(mined.blockNumber),
          mined?.blockHash ?? null,
          batchId,
        );
        statements.requeue.run(batchId);
      });
    },
    /** Refuses a queued action without sending it (its contract wallet is banned): final at once. */
    rejectQueued(id: Hash, reason: ActionReason): void {
      transaction(() => statements.rejectQueued.run(JSON.stringify(reason), id));
    },
    /** Enough confirmations: the batch and its items are final. */
    finalize(batchId: number): void {
      transaction(() => {
        statements.finalizeBatch.run(batchId);
        statements.finalizeItems.run(batchId);
      });
    },
    close(): void {
      db.close();
    },
  };

  function insertBroadcast(batchId: number, b: StoredBroadcast): void {
    statements.insertBroadcast.run(
      b.hash,
      batchId,
      b.raw,
      b.maxFeePerGas.toString(),
      b.maxPriorityFeePerGas.toString(),
      b.sentAt,
    );
  }
}

/**
 * Group commit: actions handed in during one turn of the event loop are
 * stored in one SQLite transaction, so that one fsync covers them all. Each
 * promise settles once its action is committed, never before.
 *
 * @example
 * const insert = createGroupInsert(store);
 * const stored = await insert({ id, action, gas, receivedAt: Date.now() });
 */
export function createGroupInsert(store: Pick<RelayerStore, "insertActions">) {
  let waiting: { item: NewAction; resolve(a: InsertOutcome): void; reject(e: unknown): void }[] =
    [];
  const flush = () => {
    const group = waiting;
    waiting = [];
    try {
      const outcomes = store.insertActions(group.map((g) => g.item));
      group.forEach((g, i) => {
        g.resolve(outcomes[i]!);
      });
    } catch (error) {
      for (const g of group) g.reject(error);
    }
  };
  return (item: NewAction): Promise<InsertOutcome> =>
    new Promise((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ item, resolve, reject });
    });
}
