// A key share moved between runners (the web client and the CLI, or two machines): one file,
// sealed under a passphrase, that names what it belongs to. The same layout as the file store's
// records (scrypt from @noble/hashes, XChaCha20-Poly1305 from @noble/ciphers, the binding as
// authenticated data), in one self-describing JSON file; no library defines such a file.
// Browser-safe: no Node import.
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, isAddress, isHex } from "viem";
import { decodeKeyShare, groupPublicKey, type KeyShare } from "../protocol/index.js";
import { KEY_SHARE_RECORD } from "./records.js";
import { bindingLabel, type SecretBinding } from "./secretStore.js";

const FORMAT = "roundtable-key-share";
/** scrypt cost of a new file: 2^17, as the file store; a file is opened rarely. */
export const KEY_SHARE_FILE_SCRYPT_N = 2 ** 17;
const MIN_SCRYPT_N = 2 ** 15;
const MAX_SCRYPT_N = 2 ** 20;
const NONCE_BYTES = 24;
const MIN_PASSPHRASE = 8;

type KeyShareFileJson = {
  format: typeof FORMAT;
  version: 1;
  chainId: number;
  contract: Address;
  /** The key-generation session, as a decimal string. */
  keySession: string;
  /** The party's 0-based index in that session. */
  party: number;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: Hex };
  nonce: Hex;
  ciphertext: Hex;
};

/** A key share file that cannot be made or opened; the message says what to do. */
export class KeyShareFileError extends Error {
  override name = "KeyShareFileError";
  constructor(
    readonly code: "WEAK_PASSPHRASE" | "NOT_A_FILE" | "WRONG_PASSPHRASE" | "NOT_A_SHARE",
    message: string,
  ) {
    super(message);
  }
}

function validScryptN(N: number): boolean {
  return Number.isSafeInteger(N) && N >= MIN_SCRYPT_N && N <= MAX_SCRYPT_N && (N & (N - 1)) === 0;
}

function additionalData(binding: SecretBinding): Uint8Array {
  return new TextEncoder().encode(`${FORMAT}/v1/${bindingLabel(binding, KEY_SHARE_RECORD)}`);
}

async function keyOf(passphrase: string, salt: Uint8Array, N: number): Promise<Uint8Array> {
  return scryptAsync(passphrase.normalize("NFKC"), salt, { N, r: 8, p: 1, dkLen: 32 });
}

/**
 * Seals `share` (the store's `key-share` record) for `binding` under `passphrase`, as the text of
 * a file. The passphrase should differ from the store's.
 */
export async function sealKeyShareFile(
  share: Uint8Array,
  binding: SecretBinding,
  passphrase: string,
  { scryptN = KEY_SHARE_FILE_SCRYPT_N }: { scryptN?: number } = {},
): Promise<string> {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new KeyShareFileError(
      "WEAK_PASSPHRASE",
      `The passphrase is ${passphrase.length} characters long: use at least ${MIN_PASSPHRASE} (a few words), since the file can be copied and guessed at offline.`,
    );
  }
  // A file that opening would refuse is never written.
  if (!validScryptN(scryptN)) {
    throw new RangeError(
      `scryptN ${scryptN} is not a power of two between 2^15 and 2^20; a key share file is opened only within those.`,
    );
  }
  const identifier = decodeKeyShare(share).identifier;
  if (identifier !== binding.party + 1) {
    throw new KeyShareFileError(
      "NOT_A_SHARE",
      `The key share is party ${identifier - 1}'s, but the file would name party ${binding.party}.`,
    );
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const key = await keyOf(passphrase, salt, scryptN);
  const ciphertext = xchacha20poly1305(key, nonce, additionalData(binding)).encrypt(share);
  key.fill(0);
  const file: KeyShareFileJson = {
    format: FORMAT,
    version: 1,
    chainId: binding.chainId,
    contract: getAddress(binding.contract),
    keySession: binding.sessionId.toString(),
    party: binding.party,
    kdf: { name: "scrypt", N: scryptN, r: 8, p: 1, salt: bytesToHex(salt) },
    nonce: bytesToHex(nonce),
    ciphertext: bytesToHex(ciphertext),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** What a key share file names, readable without the passphrase. */
export function keyShareFileBinding(text: string): SecretBinding {
  return parse(text).binding;
}

function parse(text: string): { file: KeyShareFileJson; binding: SecretBinding } {
  let file: KeyShareFileJson;
  try {
    file = JSON.parse(text) as KeyShareFileJson;
  } catch {
    throw new KeyShareFileError(
      "NOT_A_FILE",
      "This is not a key share file (not JSON). Pick the file an export wrote.",
    );
  }
  const valid =
    file?.format === FORMAT &&
    file.version === 1 &&
    Number.isSafeInteger(file.chainId) &&
    file.chainId > 0 &&
    typeof file.contract === "string" &&
    isAddress(file.contract) &&
    /^[1-9][0-9]*$/.test(String(file.keySession)) &&
    Number.isInteger(file.party) &&
    file.party >= 0 &&
    file.party < 255 &&
    file.kdf?.name === "scrypt" &&
    file.kdf.r === 8 &&
    file.kdf.p === 1 &&
    Number.isSafeInteger(file.kdf.N) &&
    isHex(file.kdf.salt) &&
    hexToBytes(file.kdf.salt).length >= 16 &&
    isHex(file.nonce) &&
    hexToBytes(file.nonce).length === NONCE_BYTES &&
    isHex(file.ciphertext);
  if (!valid) {
    throw new KeyShareFileError(
      "NOT_A_FILE",
      `This is not a version 1 ${FORMAT} file, or it is damaged. Pick the file an export wrote.`,
    );
  }
  return {
    file,
    binding: {
      chainId: file.chainId,
      contract: getAddress(file.contract),
      sessionId: BigInt(file.keySession),
      party: file.party,
    },
  };
}

/**
 * Opens a key share file: the binding it names and the share, decoded and checked (its signing
 * share matches its own verifying share; its FROST identifier is the named party's).
 * @throws KeyShareFileError WRONG_PASSPHRASE when it does not open (a wrong passphrase, or a file
 *   whose binding was edited), NOT_A_FILE or NOT_A_SHARE otherwise.
 */
export async function openKeyShareFile(
  text: string,
  passphrase: string,
): Promise<{ binding: SecretBinding; share: Uint8Array; keyShare: KeyShare }> {
  const { file, binding } = parse(text);
  const N = file.kdf.N;
  if (!validScryptN(N)) {
    throw new KeyShareFileError(
      "NOT_A_FILE",
      `The file's scrypt cost N = ${N} is not one an export writes.`,
    );
  }
  const key = await keyOf(passphrase, hexToBytes(file.kdf.salt), N);
  let share: Uint8Array;
  try {
    share = xchacha20poly1305(key, hexToBytes(file.nonce), additionalData(binding)).decrypt(
      hexToBytes(file.ciphertext),
    );
  } catch {
    throw new KeyShareFileError(
      "WRONG_PASSPHRASE",
      "The key share file does not open with this passphrase (or its session, party or chain fields were edited). Check the passphrase.",
    );
  } finally {
    key.fill(0);
  }
  let keyShare: KeyShare;
  try {
    keyShare = decodeKeyShare(share);
  } catch (error) {
    throw new KeyShareFileError(
      "NOT_A_SHARE",
      `The file opens but holds no valid key share: ${(error as Error).message}`,
    );
  }
  if (keyShare.identifier !== binding.party + 1) {
    throw new KeyShareFileError(
      "NOT_A_SHARE",
      `The file names party ${binding.party}, but its key share is party ${keyShare.identifier - 1}'s.`,
    );
  }
  return { binding, share, keyShare };
}

/**
 * Why a key share does not belong to a finalized key session as the chain records it, or
 * undefined when it does: the group key it implies must be the session's result, and the party it
 * names must be `account`.
 */
export function keyShareMismatch(
  keyShare: KeyShare,
  party: number,
  chain: { result: Hex | undefined; parties: readonly Address[]; threshold: number },
  account: Address,
): string | undefined {
  if (chain.result === undefined) {
    return "The key session has no result on chain: it did not finalize.";
  }
  // The result is the group key as the share's ciphersuite encodes it (x-only for BIP-340).
  const groupKey = bytesToHex(groupPublicKey(keyShare));
  if (chain.result.toLowerCase() !== groupKey) {
    return `The key share's group key ${groupKey} is not the key session's result ${chain.result}.`;
  }
  if (
    keyShare.threshold !== chain.threshold ||
    keyShare.verifyingShares.length !== chain.parties.length
  ) {
    return `The key share is for ${keyShare.threshold} of ${keyShare.verifyingShares.length}, the key session is ${chain.threshold} of ${chain.parties.length}.`;
  }
  const named = chain.parties[party];
  if (named === undefined || named.toLowerCase() !== account.toLowerCase()) {
    return `The key share is party ${party}'s, which is ${named ?? "nobody"}, not account ${account}.`;
  }
  return undefined;
}
