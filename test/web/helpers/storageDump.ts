// Everything a web page keeps in the browser, dumped as JSON for Node, and a search for secret bytes
// in it (threat R7: no share, coefficient or delegate key in clear in the browser's storage).
//
// API:
//   dumpStorage(page, { cacheBodies? }): Promise<StorageDump>
//     IndexedDB (every database, store, key and value), localStorage, sessionStorage, cookies,
//     Cache Storage (request URLs, and response bodies unless cacheBodies is false) and the origin
//     private file system. Binary values appear as { $bytes: "<hex>" }, a CryptoKey as
//     { $cryptoKey: { type, extractable, algorithm, usages } }, a Blob as { $blob: { type, bytes } }.
//   findBytes(dump, bytes): string[]   how `bytes` occur in the dump: "hex", "base64", "base64url",
//                                      "latin1 string", "number array", "comma list"; [] if nowhere
//   containsBytes(dump, bytes): boolean
//   cryptoKeysIn(dump): CryptoKeyDescription[]   every CryptoKey found, to check extractable: false
import type { Page } from "playwright-core";
import { bytesToHex } from "viem";
import { pageScript } from "./browser.js";

export type CryptoKeyDescription = {
  type: string;
  extractable: boolean;
  algorithm: Record<string, unknown>;
  usages: string[];
};

export type StorageDump = {
  origin: string;
  indexedDB: {
    name: string;
    version: number;
    stores: { name: string; entries: { key: unknown; value: unknown }[] }[];
  }[];
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  cookies: string;
  cacheStorage: { cache: string; entries: { url: string; body?: unknown }[] }[];
  /** The origin private file system: path and contents of every file. */
  originPrivateFiles: { path: string; bytes: unknown }[];
};

export type DumpStorageParameters = {
  /** Include Cache Storage response bodies (default true). */
  cacheBodies?: boolean;
};

/** Dumps the storage of `page`'s origin, read from inside the page. */
export async function dumpStorage(
  page: Page,
  { cacheBodies = true }: DumpStorageParameters = {},
): Promise<StorageDump> {
  return (await page.evaluate(pageScript(dumpInPage, { cacheBodies }))) as StorageDump;
}

/** The page side: everything is turned into JSON-safe values, bytes as hex, keys described. */
async function dumpInPage({ cacheBodies }: { cacheBodies: boolean }): Promise<unknown> {
  const hex = (bytes: Uint8Array) =>
    Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const visible = async (value: unknown, seen: Set<unknown>): Promise<unknown> => {
    if (value === null || value === undefined) return value ?? null;
    if (typeof value === "bigint") return { $bigint: value.toString() };
    if (typeof value !== "object") return value;
    if (seen.has(value)) return { $cycle: true };
    seen.add(value);
    if (value instanceof ArrayBuffer) return { $bytes: hex(new Uint8Array(value)) };
    if (ArrayBuffer.isView(value)) {
      return { $bytes: hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
    }
    if (value instanceof CryptoKey) {
      return {
        $cryptoKey: {
          type: value.type,
          extractable: value.extractable,
          algorithm: { ...value.algorithm },
          usages: [...value.usages],
        },
      };
    }
    if (value instanceof Blob) {
      return { $blob: { type: value.type, bytes: hex(new Uint8Array(await value.arrayBuffer())) } };
    }
    if (value instanceof Date) return { $date: value.toISOString() };
    if (value instanceof Map) {
      const entries = [];
      for (const [k, v] of value) entries.push([await visible(k, seen), await visible(v, seen)]);
      return { $map: entries };
    }
    if (value instanceof Set) {
      const items = [];
      for (const item of value) items.push(await visible(item, seen));
      return { $set: items };
    }
    if (Array.isArray(value)) {
      const items = [];
      for (const item of value) items.push(await visible(item, seen));
      return items;
    }
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) result[k] = await visible(v, seen);
    return result;
  };
  const settle = <T>(request: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });

  const indexedDBDump = [];
  for (const info of await indexedDB.databases()) {
    if (info.name === undefined) continue;
    const open = indexedDB.open(info.name);
    // Opening without a version never upgrades; a database that vanished meanwhile is created empty.
    const db = await settle(open);
    const stores = [];
    try {
      for (const storeName of Array.from(db.objectStoreNames)) {
        const store = db.transaction(storeName, "readonly").objectStore(storeName);
        const [keys, values] = await Promise.all([
          settle(store.getAllKeys()),
          settle(store.getAll()),
        ]);
        const entries = [];
        for (let i = 0; i < keys.length; i++) {
          entries.push({
            key: await visible(keys[i], new Set()),
            value: await visible(values[i], new Set()),
          });
        }
        stores.push({ name: storeName, entries });
      }
    } finally {
      db.close(); // so the app's own upgrades are never blocked by the dump
    }
    indexedDBDump.push({ name: info.name, version: db.version, stores });
  }

  const storageOf = (storage: Storage) => {
    const result: Record<string, string> = {};
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key !== null) result[key] = storage.getItem(key) ?? "";
    }
    return result;
  };

  const cacheStorage = [];
  if (typeof caches !== "undefined") {
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName);
      const entries = [];
      for (const request of await cache.keys()) {
        const response = cacheBodies ? await cache.match(request) : undefined;
        entries.push(
          response === undefined
            ? { url: request.url }
            : {
                url: request.url,
                body: { $bytes: hex(new Uint8Array(await response.arrayBuffer())) },
              },
        );
      }
      cacheStorage.push({ cache: cacheName, entries });
    }
  }

  const originPrivateFiles: { path: string; bytes: unknown }[] = [];
  const walk = async (directory: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    const entries = (
      directory as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
    ).entries();
    for await (const [name, handle] of entries) {
      if (handle.kind === "file") {
        const file = await (handle as FileSystemFileHandle).getFile();
        originPrivateFiles.push({
          path: `${prefix}${name}`,
          bytes: { $bytes: hex(new Uint8Array(await file.arrayBuffer())) },
        });
      } else {
        await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
      }
    }
  };
  if (navigator.storage?.getDirectory !== undefined)
    await walk(await navigator.storage.getDirectory(), "/");

  return {
    origin: location.origin,
    indexedDB: indexedDBDump,
    localStorage: storageOf(localStorage),
    sessionStorage: storageOf(sessionStorage),
    cookies: document.cookie,
    cacheStorage,
    originPrivateFiles,
  };
}

/** Shorter runs would match by chance; secrets are 32 bytes. */
const minimumSearchLength = 8;

/**
 * How `bytes` occur in `dump`, each encoding once: hex in either case (which covers every binary
 * value, dumped as hex), standard or URL-safe base64 at any alignment inside a longer encoding, a
 * string whose character codes are the bytes, an array of the byte values, or their comma list
 * (`Uint8Array.prototype.toString`). Empty when they occur nowhere.
 */
export function findBytes(dump: StorageDump, bytes: Uint8Array): string[] {
  if (bytes.length < minimumSearchLength) {
    throw new Error(
      `findBytes: ${bytes.length} bytes would match by chance; search for at least ${minimumSearchLength}.`,
    );
  }
  const text = JSON.stringify(dump);
  const found = new Set<string>();
  if (text.toLowerCase().includes(bytesToHex(bytes).slice(2))) found.add("hex");
  for (const core of base64Cores(bytes)) {
    if (text.includes(core)) found.add("base64");
    const urlSafe = core.replaceAll("+", "-").replaceAll("/", "_");
    if (urlSafe !== core && text.includes(urlSafe)) found.add("base64url");
  }
  if (text.includes(bytes.join(","))) found.add("comma list");
  const latin1 = String.fromCharCode(...bytes);
  walkValues(dump, (value) => {
    if (typeof value === "string" && value.includes(latin1)) found.add("latin1 string");
    if (Array.isArray(value) && containsRun(value, bytes)) found.add("number array");
  });
  return [...found];
}

/** Whether `bytes` occur in `dump` in any encoding `findBytes` knows. */
export function containsBytes(dump: StorageDump, bytes: Uint8Array): boolean {
  return findBytes(dump, bytes).length > 0;
}

/** Every CryptoKey in the dump, as the dump describes it. */
export function cryptoKeysIn(dump: StorageDump): CryptoKeyDescription[] {
  const keys: CryptoKeyDescription[] = [];
  walkValues(dump, (value) => {
    if (value !== null && typeof value === "object" && "$cryptoKey" in value) {
      keys.push((value as { $cryptoKey: CryptoKeyDescription }).$cryptoKey);
    }
  });
  return keys;
}

/**
 * The base64 characters that depend on `bytes` alone, for each of the three positions (mod 3) the
 * run can take inside a longer encoded value (written by hand: no library offers this search).
 */
function base64Cores(bytes: Uint8Array): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    // With 1 (2) neighbouring bytes before the run, its first 2 (3) characters mix them in; a run
    // that ends inside a 3-byte group leaves its last character mixed with what follows.
    const head = [0, 2, 3][shift] ?? 0;
    const tail = (shift + bytes.length) % 3 === 0 ? encoded.length : encoded.length - 1;
    return encoded.slice(head, tail);
  });
}

function containsRun(values: unknown[], bytes: Uint8Array): boolean {
  for (let start = 0; start + bytes.length <= values.length; start++) {
    let i = 0;
    while (i < bytes.length && values[start + i] === bytes[i]) i++;
    if (i === bytes.length) return true;
  }
  return false;
}

function walkValues(value: unknown, visit: (value: unknown) => void): void {
  visit(value);
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) walkValues(child, visit);
  }
}
