import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, stringToHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";

/** A party as the tests drive it: its account in the session, who signs for it, and its encryption key. */
export type Party = {
  /** The party's account in the session: an EOA, or a contract wallet. */
  address: Address;
  /** Signs the party's actions: the EOA itself, or the wallet's owner. */
  signer: PrivateKeyAccount;
  /** A real compressed secp256k1 public key (33 bytes). */
  encryptionKey: Hex;
};

/** A deterministic account: one label, one key, so failures reproduce. */
export function testAccount(label: string): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(stringToHex(`roundtable test account ${label}`)));
}

/** A party's encryption key: the compressed secp256k1 public key of a secret derived from `label`. */
export function encryptionKeyOf(label: string): Hex {
  const secret = hexToBytes(keccak256(stringToHex(`roundtable test encryption key ${label}`)));
  return bytesToHex(secp256k1.getPublicKey(secret, true));
}

/** An EOA party that signs for itself. */
export function eoaParty(label: string): Party {
  const signer = testAccount(label);
  return { address: signer.address, signer, encryptionKey: encryptionKeyOf(label) };
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
