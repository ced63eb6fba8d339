// The party runner's SecretStore in a browser (threat R7). Every record (a delegate key, a round's
// state, a key share) is sealed with AES-GCM under one key that WebCrypto generates as
// non-extractable: script in this origin can use it but never read it, and an IndexedDB dump holds
// only its opaque handle. WebCrypto has no secp256k1, so the key share itself cannot be a CryptoKey;
// it is a sealed record like the others. The record's binding (chain, contract, session, party,
// name) is the AES-GCM additional data, so a record of one session never opens as another's.
//
// IndexedDB through idb-keyval, with one addition it lacks: every write is a "strict" durability
// transaction, resolved only once the data is flushed, because the runner sends a message that
// depends on a secret as soon as `put` resolves.
import { del, get, set, type UseStore } from "idb-keyval";
import type { SecretBinding, SecretStore } from "../../../src/party/secretStore.js";
import { bindingLabel } from "../../../src/party/secretStore.js";

const KEYS_DB = "roundtable-keys";
const RECORDS_DB = "roundtable-secrets";
const STORE = "v1";
const SEALING_KEY = "sealing-key";
const IV_BYTES = 12;

/** Why the browser store failed; the message says what happened and what to do. */
export class BrowserStoreError extends Error {
  override name = "BrowserStoreError";
  constructor(
    readonly code: "UNAVAILABLE" | "FULL" | "KEY_LOST" | "TAMPERED",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type SealedRecord = { iv: Uint8Array<ArrayBuffer>; sealed: Uint8Array<ArrayBuffer> };

/**
 * An idb-keyval store over one object store whose read-write transactions are strict: idb-keyval's
 * own `createStore` leaves durability to the browser (relaxed in Chromium).
 */
function strictStore(dbName: string): UseStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const opened = request.result;
        // Another tab deleting the database, or the user clearing site data: open again next time.
        opened.onversionchange = () => {
          opened.close();
          db = undefined;
        };
        opened.onclose = () => {
          db = undefined;
        };
        resolve(opened);
      };
      request.onerror = () => {
        db = undefined;
        reject(request.error);
      };
      request.onblocked = () => reject(new Error(`IndexedDB database ${dbName} is blocked.`));
    });
    return db;
  };
  return async (mode, callback) => {
    const database = await open();
    const tx = database.transaction(
      STORE,
      mode,
      mode === "readwrite" ? { durability: "strict" } : {},
    );
    // Listeners, not `on…` properties: idb-keyval sets `oncomplete` itself on write transactions.
    const done = new Promise<void>((resolve, reject) => {
      const failed = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
      tx.addEventListener("complete", () => resolve());
      tx.addEventListener("abort", failed);
      tx.addEventListener("error", failed);
    });
    const result = await callback(tx.objectStore(STORE));
    await done;
    return result;
  };
}

function storageError(error: unknown, doing: string): BrowserStoreError {
  if (error instanceof BrowserStoreError) return error;
  const name = (error as { name?: string } | undefined)?.name;
  if (name === "QuotaExceededError") {
    return new BrowserStoreError(
      "FULL",
      `This browser's storage for the page is full, so it could not ${doing}. Nothing was sent. Free space (other sites' data, or this browser's storage settings) and reload: the session resumes.`,
      { cause: error },
    );
  }
  return new BrowserStoreError(
    "UNAVAILABLE",
    `This browser's IndexedDB could not ${doing} (${name ?? "error"}: ${(error as Error)?.message ?? String(error)}). Nothing was sent. A private window, a blocked site-data setting or a full disk do this: use a normal window with site data allowed, then reload.`,
    { cause: error },
  );
}

export type BrowserSecretStore = SecretStore & {
  /** Whether the browser promised to keep this origin's storage under pressure (`persist()`). */
  persisted: boolean;
};

/**
 * Opens the browser's secret store: creates the non-extractable sealing key on first use.
 * @throws BrowserStoreError UNAVAILABLE when IndexedDB or WebCrypto is missing (not a secure
 *   context, a private window that refuses storage).
 */
export async function openBrowserSecretStore(): Promise<BrowserSecretStore> {
  if (typeof indexedDB === "undefined" || globalThis.crypto?.subtle === undefined) {
    throw new BrowserStoreError(
      "UNAVAILABLE",
      "This page needs IndexedDB and WebCrypto to keep a party's secrets, and this browser gives it neither here. Open it over https:// or http://127.0.0.1 in a normal (not private) window.",
    );
  }
  const keys = strictStore(KEYS_DB);
  const records = strictStore(RECORDS_DB);
  let sealingKey: CryptoKey;
  try {
    const existing = await get<CryptoKey>(SEALING_KEY, keys);
    if (existing !== undefined) {
      sealingKey = existing;
    } else {
      sealingKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]);
      await set(SEALING_KEY, sealingKey, keys);
    }
  } catch (error) {
    throw storageError(error, "open its secret store");
  }
  const persisted = await navigator.storage?.persist?.().catch(() => false);

  const label = (binding: SecretBinding, name: string) =>
    new TextEncoder().encode(`roundtable/${bindingLabel(binding, name)}`);

  return {
    persisted: persisted === true,
    async get(binding, name) {
      const id = bindingLabel(binding, name);
      let record: SealedRecord | undefined;
      try {
        record = await get<SealedRecord>(id, records);
      } catch (error) {
        throw storageError(error, `read ${name}`);
      }
      if (record === undefined) return undefined;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: record.iv, additionalData: label(binding, name) },
          sealingKey,
          new Uint8Array(record.sealed),
        );
        return new Uint8Array(plain);
      } catch (error) {
        throw new BrowserStoreError(
          "TAMPERED",
          `The stored ${name} of session ${binding.sessionId} does not open with this browser's key: it was altered, or the key was replaced (site data partly cleared). Nothing was sent. If you exported your key share, import it again.`,
          { cause: error },
        );
      }
    },
    async put(binding, name, value) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: label(binding, name) },
          sealingKey,
          new Uint8Array(value),
        ),
      );
      try {
        await set(bindingLabel(binding, name), { iv, sealed } satisfies SealedRecord, records);
      } catch (error) {
        throw storageError(error, `store ${name}`);
      }
    },
    async delete(binding, name) {
      try {
        await del(bindingLabel(binding, name), records);
      } catch (error) {
        throw storageError(error, `delete ${name}`);
      }
    },
  };
}
