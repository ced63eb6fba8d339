// Proof of possession of an encryption key: a BIP-340 signature by the key's own secret over a
// digest that names the session and the party (the contract's `keyProofDigestOf`, an EIP-712
// digest; the protocol layer takes it as 32 bytes and knows nothing of EIP-712). The contract
// verifies it at acceptance, so no party can register a point off the curve, or a copy of another
// party's key, and leave the honest parties unable to encrypt to it. BIP-340 signs for the even-y
// point with the key's x; knowing the secret of either point is knowing the other's.

import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { fail } from "./errors.js";

/** Length of a key proof: BIP-340 x(R) ‖ s. */
export const KEY_PROOF_LENGTH = 64;

const AUX_LENGTH = 32;

/**
 * Signs `digest` (32 bytes, from the contract's `keyProofDigestOf`) with the encryption secret key.
 * `random` supplies BIP-340's auxiliary randomness (any bytes are safe; fresh ones are better).
 */
export function proveKeyPossession(
  secretKey: Uint8Array,
  digest: Uint8Array,
  random: (length: number) => Uint8Array,
): Uint8Array {
  checkDigest(digest);
  return schnorr.sign(digest, secretKey, random(AUX_LENGTH));
}

/**
 * Whether `proof` shows that whoever made it holds the secret of the 33-byte compressed `publicKey`,
 * for `digest`. Never throws on malformed input: it is simply not a proof.
 */
export function verifyKeyPossession(
  publicKey: Uint8Array,
  digest: Uint8Array,
  proof: Uint8Array,
): boolean {
  if (publicKey.length !== 33 || proof.length !== KEY_PROOF_LENGTH || digest.length !== 32) {
    return false;
  }
  try {
    // Refuses points off the curve before BIP-340 looks at x alone.
    secp256k1.Point.fromBytes(publicKey);
    return schnorr.verify(proof, digest, publicKey.subarray(1));
  } catch {
    return false;
  }
}

function checkDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    fail({
      code: "INVALID_INPUT",
      message: "A key proof signs a 32-byte digest (the contract's keyProofDigestOf)",
      field: "digest",
    });
  }
}
