import { concatHex, type Hex, keccak256, slice, stringToHex, toHex } from "viem";
import { encryptionKeyOf } from "./accounts.js";

/** `length` deterministic pseudo-random bytes: keccak256 in counter mode over `label`. */
export function bytesOf(label: string, length: number): Hex {
  const blocks: Hex[] = [];
  for (let i = 0; i * 32 < length; i++) blocks.push(keccak256(stringToHex(`${label}#${i}`)));
  return length === 0 ? "0x" : slice(concatHex(blocks), 0, length);
}

/**
 * FROST key generation's payload sizes per round, the last being agreement:
 * round 1 is t commitments (33 bytes each), a proof of knowledge (65 bytes) and
 * the 64-byte signature that binds them to the session;
 * round 2 is one encrypted 48-byte share for each other party; agreement is the
 * compressed group public key.
 */
export function keyGenerationSizes(parties: number, threshold: number): number[] {
  return [33 * threshold + 65 + 64, 48 * (parties - 1), 33];
}

/** FROST signing's payload sizes: nonce commitments, a signature share, then the BIP-340 signature. */
export const SIGNING_SIZES: readonly number[] = [66, 32, 64];

/**
 * Payloads for every round (`[round - 1][party]`) with the given sizes. Every
 * party's last-round payload is the same result, as honest parties agree; a
 * 33-byte result is a real compressed point (a group key).
 */
export function roundPayloads(label: string, parties: number, sizes: readonly number[]): Hex[][] {
  return sizes.map((size, r) => {
    const last = r === sizes.length - 1;
    return Array.from({ length: parties }, (_, i) => {
      if (!last) return bytesOf(`${label}/round ${r + 1}/party ${i}`, size);
      return size === 33 ? encryptionKeyOf(`${label}/result`) : bytesOf(`${label}/result`, size);
    });
  });
}

/** A 32-byte message digest to sign. */
export function messageDigest(label: string): Hex {
  return keccak256(toHex(label));
}
