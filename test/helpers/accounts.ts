import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, stringToHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { proveEncryptionKey } from "../../src/sdk/encryptionKeyProof.js";

/** A party as the tests drive it: its account in the session, who signs for it, and its encryption key. */
export type Party = {
  /** The party's account in the session: an EOA, or a contract wallet. */
  address: Address;
  /** Signs the party's actions: the EOA itself, or the wallet's owner. */
  signer: PrivateKeyAccount;
  /** The encryption key's secret, so the party can prove possession of it for each session. */
  encryptionSecret: Uint8Array;
  /** A real compressed secp256k1 public key (33 bytes). */
  encryptionKey: Hex;
};

/** A deterministic account: one label, one key, so failures reproduce. */
export function testAccount(label: string): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(stringToHex(`roundtable test account ${label}`)));
}

/**
 * A party's encryption secret, derived from `label`: keccak256 of the label, hashed again in the
 * (vanishingly rare) case that it is not a valid scalar.
 */
export function encryptionSecretOf(label: string): Uint8Array {
  let secret = hexToBytes(keccak256(stringToHex(`roundtable test encryption key ${label}`)));
  while (!secp256k1.utils.isValidSecretKey(secret)) secret = hexToBytes(keccak256(secret));
  return secret;
}

/** A party's encryption key: the compressed secp256k1 public key of `encryptionSecretOf(label)`. */
export function encryptionKeyOf(label: string): Hex {
  return bytesToHex(secp256k1.getPublicKey(encryptionSecretOf(label), true));
}

/** Where a key proof is valid: one chain, one contract, one session, one party. */
export type KeyProofBinding = {
  chainId: number;
  contract: Address;
  sessionId: bigint;
  party: number;
};

/**
 * The BIP-340 proof of possession of `secretKey`'s encryption key for `binding`, with zero auxiliary
 * randomness so that tests reproduce.
 */
export function keyProofOf(binding: KeyProofBinding, secretKey: Uint8Array): Hex {
  return proveEncryptionKey({ ...binding, secretKey, random: (length) => new Uint8Array(length) })
    .keyProof;
}

/** An EOA party that signs for itself. */
export function eoaParty(label: string): Party {
  const signer = testAccount(label);
  return {
    address: signer.address,
    signer,
    encryptionSecret: encryptionSecretOf(label),
    encryptionKey: encryptionKeyOf(label),
  };
}

/** Orders parties by address, as a session's party list must be (strictly increasing). */
export function byAddress(a: { address: Address }, b: { address: Address }): number {
  const x = BigInt(a.address);
  const y = BigInt(b.address);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `count` EOA parties, sorted by address. */
export function eoaParties(label: string, count: number): Party[] {
  return Array.from({ length: count }, (_, i) => eoaParty(`${label}/${i}`)).sort(byAddress);
}
