import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { bindingLabel, type SecretBinding, type SecretStore } from "./secretStore.js";

/** scrypt cost. 2^17 takes about half a second here, once per store opening. */
export const DEFAULT_SCRYPT_N = 2 ** 17;
/** Below this, a stolen store could be brute-forced cheaply; only tests go lower, explicitly. */
const MIN_PRODUCTION_SCRYPT_N = 2 ** 15;
const MAGIC = new TextEncoder().encode("RTS1");
const NONCE_BYTES = 24;
const CHECK_LABEL = new TextEncoder().encode("roundtable secret store password check");

type StoreMeta = {
  version: 1;
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
  check: string;
};

export class SecretStoreError extends Error {
  override name = "SecretStoreError";
  constructor(
    readonly code: "WRONG_PASSWORD" | "TAMPERED" | "CORRUPT" | "WEAK_KDF" | "BAD_STORE",
    message: string,
  ) {
    super(message);
  }
}

export type OpenFileSecretStoreParameters = {
  /** Directory of the store; created (mode 0700) when missing. */
  directory: string;
  password: string;
  /** scrypt cost for a new store. Below 2^15 only with `allowWeakKdf` (tests). */
  scryptN?: number;
  allowWeakKdf?: boolean;
};

/**
 * Opens (or creates) an encrypted secret store in a directory. The key comes
 * from the password through scrypt (@noble/hashes); each secret is sealed with
 * XChaCha20-Poly1305 (@noble/ciphers) under a random nonce, with its binding
 * (chain, contract, session, party, name) as authenticated data. Writes are
 * atomic (temporary file, fsync, rename, directory fsync) with mode 0600, so a
 * crash leaves either the old or the new secret, never a torn one.
 *
 * @example
 * const store = await openFileSecretStore({ directory: "./secrets", password });
 * await store.put(binding, "dkg-round1", stateBytes);
 */
export async function openFileSecretStore(
  parameters: OpenFileSecretStoreParameters,
): Promise<SecretStore> {
  const { directory, password } = parameters;
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const metaPath = join(directory, "store.json");
  const existing = await readFile(metaPath, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  let key: Uint8Array;
  if (existing === undefined) {
    const N = parameters.scryptN ?? DEFAULT_SCRYPT_N;
    requireStrongKdf(N, parameters.allowWeakKdf ?? false);
    const salt = randomBytes(16);
    key = await scryptAsync(password, salt, { N, r: 8, p: 1, dkLen: 32 });
    const meta: StoreMeta = {
      version: 1,
      kdf: "scrypt",
      N,
      r: 8,
      p: 1,
      salt: toHex(salt),
      check: toHex(seal(key, CHECK_LABEL, new Uint8Array(0))),
    };
    await writeAtomically(metaPath, new TextEncoder().encode(`${JSON.stringify(meta, null, 2)}\n`));
  } else {
    const meta = parseMeta(existing, metaPath);
    requireStrongKdf(meta.N, parameters.allowWeakKdf ?? false);
    key = await scryptAsync(password, fromHex(meta.salt), {
      N: meta.N,
      r: meta.r,
      p: meta.p,
      dkLen: 32,
    });
    if (open_(key, CHECK_LABEL, fromHex(meta.check)) === undefined) {
      throw new SecretStoreError(
        "WRONG_PASSWORD",
        `Wrong password for the secret store in ${directory}. Nothing was read or changed; try again with the password used to create it.`,
      );
    }
  }

  // A crash between writing and renaming leaves a temporary file; the rename
  // never happened, so the secret it held was never relied on.
  for (const entry of await readdir(directory)) {
    if (entry.endsWith(".tmp")) await rm(join(directory, entry), { force: true });
  }

  const pathOf = (binding: SecretBinding, name: string) =>
    join(directory, `${bindingLabel(binding, name)}.secret`);

  return {
    async get(binding, name) {
      const path = pathOf(binding, name);
      const file = await readFile(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (file === undefined) return undefined;
      const label = new TextEncoder().encode(bindingLabel(binding, name));
      if (file.length < MAGIC.length + NONCE_BYTES + 16 || !startsWith(file, MAGIC)) {
        throw new SecretStoreError(
          "CORRUPT",
          `Secret file ${path} is not a Roundtable secret (wrong header or too short). Restore it from a backup; do not run the session from scratch, or it may send conflicting messages.`,
        );
      }
      const plain = open_(key, label, file.subarray(MAGIC.length));
      if (plain === undefined) {
        throw new SecretStoreError(
          "TAMPERED",
          `Secret file ${path} failed authentication: it was modified, or it belongs to another session, party or store. Restore it from a backup.`,
        );
      }
      return plain;
    },
    async put(binding, name, value) {
      const label = new TextEncoder().encode(bindingLabel(binding, name));
      const sealed = seal(key, label, value);
      const file = new Uint8Array(MAGIC.length + sealed.length);
      file.set(MAGIC, 0);
      file.set(sealed, MAGIC.length);
      await writeAtomically(pathOf(binding, name), file);
    },
    async delete(binding, name) {
      await rm(pathOf(binding, name), { force: true });
    },
  };
}

function requireStrongKdf(N: number, allowWeak: boolean): void {
  if (!Number.isInteger(Math.log2(N)) || N < 2) {
    throw new SecretStoreError("BAD_STORE", `scrypt N = ${N} is not a power of two.`);
  }
  if (N < MIN_PRODUCTION_SCRYPT_N && !allowWeak) {
    throw new SecretStoreError(
      "WEAK_KDF",
      `scrypt N = ${N} is below ${MIN_PRODUCTION_SCRYPT_N}: a stolen store could be brute-forced. Use the default.`,
    );
  }
}

function parseMeta(text: string, path: string): StoreMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new SecretStoreError("BAD_STORE", `${path} is not valid JSON; restore it from a backup.`);
  }
  const m = meta as Partial<StoreMeta>;
  if (
    m.version !== 1 ||
    m.kdf !== "scrypt" ||
    typeof m.N !== "number" ||
    typeof m.r !== "number" ||
    typeof m.p !== "number" ||
    typeof m.salt !== "string" ||
    typeof m.check !== "string"
  ) {
    throw new SecretStoreError(
      "BAD_STORE",
      `${path} is not a version 1 Roundtable store description; restore it from a backup.`,
    );
  }
  return m as StoreMeta;
}

function seal(key: Uint8Array, label: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(key, nonce, label).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + ciphertext.length);
  out.set(nonce, 0);
  out.set(ciphertext, NONCE_BYTES);
  return out;
}

function open_(key: Uint8Array, label: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), label).decrypt(
      sealed.subarray(NONCE_BYTES),
    );
  } catch {
    return undefined;
  }
}

/** Temporary file in the same directory, fsync, rename over the target, fsync the directory. */
export async function writeAtomically(path: string, data: Uint8Array): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  // rename keeps the temporary file's 0600; re-assert in case of an odd umask.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, i) => data[i] === byte);
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}
