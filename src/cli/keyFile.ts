import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ctr } from "@noble/ciphers/aes.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { writeAtomically } from "../party/fileSecretStore.js";

/**
 * Account key files in the Web3 Secret Storage format, version 3 (the JSON
 * keystore of geth, Foundry's `cast wallet` and MetaMask), so an operator can
 * bring a key from those tools or take ours to them. viem has no keystore
 * support; the format is small and built here on @noble's scrypt, AES-CTR and
 * keccak: derived key = scrypt(password), ciphertext = AES-128-CTR(dk[0..16],
 * private key), mac = keccak256(dk[16..32] ‖ ciphertext).
 */
type KeystoreV3 = {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt";
    kdfparams: { dklen: number; n: number; r: number; p: number; salt: string };
    mac: string;
  };
};

export class KeyFileError extends Error {
  override name = "KeyFileError";
  constructor(
    readonly code: "WRONG_PASSWORD" | "UNREADABLE" | "UNSUPPORTED",
    message: string,
  ) {
    super(message);
  }
}

/** Writes `privateKey` encrypted under `password` to `path` (mode 0600, atomically). */
export async function writeKeyFile(
  path: string,
  privateKey: Hex,
  password: string,
  options: { scryptN?: number } = {},
): Promise<{ address: Hex }> {
  const n = options.scryptN ?? 2 ** 18;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = await scryptAsync(password, salt, { N: n, r: 8, p: 1, dkLen: 32 });
  const ciphertext = ctr(derived.subarray(0, 16), iv).encrypt(hexToBytes(privateKey));
  const address = privateKeyToAccount(privateKey).address;
  const keystore: KeystoreV3 = {
    version: 3,
    id: randomUUID(),
    address: address.slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: Buffer.from(iv).toString("hex") },
      ciphertext: Buffer.from(ciphertext).toString("hex"),
      kdf: "scrypt",
      kdfparams: { dklen: 32, n, r: 8, p: 1, salt: Buffer.from(salt).toString("hex") },
      mac: Buffer.from(mac(derived, ciphertext)).toString("hex"),
    },
  };
  await writeAtomically(path, new TextEncoder().encode(`${JSON.stringify(keystore, null, 2)}\n`));
  return { address };
}

/** Reads and decrypts a key file; a wrong password is a KeyFileError, never a wrong key. */
export async function readKeyFile(path: string, password: string): Promise<Hex> {
  let keystore: KeystoreV3;
  try {
    keystore = JSON.parse(await readFile(path, "utf8")) as KeystoreV3;
  } catch (error) {
    throw new KeyFileError(
      "UNREADABLE",
      `Cannot read key file ${path}: ${(error as Error).message}. Pass the path of a JSON keystore (version 3).`,
    );
  }
  const crypto = keystore?.crypto;
  if (keystore?.version !== 3 || crypto?.kdf !== "scrypt" || crypto.cipher !== "aes-128-ctr") {
    throw new KeyFileError(
      "UNSUPPORTED",
      `Key file ${path} is not a version 3 keystore with scrypt and aes-128-ctr; re-export it in that format.`,
    );
  }
  const { n, r, p, dklen, salt } = crypto.kdfparams;
  const derived = await scryptAsync(password, hexToBytes(`0x${salt}`), {
    N: n,
    r,
    p,
    dkLen: dklen,
  });
  const ciphertext = hexToBytes(`0x${crypto.ciphertext}`);
  if (bytesToHex(mac(derived, ciphertext)) !== `0x${crypto.mac.toLowerCase()}`) {
    throw new KeyFileError(
      "WRONG_PASSWORD",
      `Wrong password for key file ${path}. Nothing was changed; try again.`,
    );
  }
  const iv = hexToBytes(`0x${crypto.cipherparams.iv}`);
  return bytesToHex(ctr(derived.subarray(0, 16), iv).decrypt(ciphertext));
}

function mac(derived: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const input = new Uint8Array(16 + ciphertext.length);
  input.set(derived.subarray(16, 32), 0);
  input.set(ciphertext, 16);
  return keccak_256(input);
}
