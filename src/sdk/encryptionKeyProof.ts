import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, bytesToHex, type Hex, hashTypedData, hexToBytes } from "viem";
import { proveKeyPossession, type RandomSource, secureRandom } from "../protocol/index.js";
import { keyProofTypedData, roundtableDomain } from "./eip712.js";

export type KeyProofDigestParameters = {
  chainId: number;
  /** The Roundtable contract. */
  contract: Address;
  sessionId: bigint;
  /** The party's 0-based index. */
  party: number;
  /** The 33-byte compressed encryption key. */
  encryptionKey: Hex;
};

/**
 * The digest an encryption key's proof of possession signs: the contract's
 * `keyProofDigestOf(sessionId, party, encryptionKey)`, bound to chain, contract,
 * session and party.
 */
export function keyProofDigest({
  chainId,
  contract,
  sessionId,
  party,
  encryptionKey,
}: KeyProofDigestParameters): Hex {
  return hashTypedData(
    keyProofTypedData(roundtableDomain(chainId, contract), { sessionId, party, encryptionKey }),
  );
}

export type ProveEncryptionKeyParameters = Omit<KeyProofDigestParameters, "encryptionKey"> & {
  /** The encryption key's 32-byte secret. SECRET: never logged. */
  secretKey: Uint8Array;
  /** BIP-340 auxiliary randomness. @default the platform CSPRNG */
  random?: RandomSource;
};

/**
 * An encryption key and its proof of possession for one session and party, as
 * `acceptSession` and an Accept action's data take them.
 *
 * @example
 * const { encryptionKey, keyProof } = proveEncryptionKey({ chainId, contract, sessionId, party, secretKey });
 * await acceptSession({ publicClient, walletClient, address: contract, sessionId, configHash, encryptionKey, keyProof });
 */
export function proveEncryptionKey({
  secretKey,
  random = secureRandom,
  ...binding
}: ProveEncryptionKeyParameters): { encryptionKey: Hex; keyProof: Hex } {
  const encryptionKey = publicKeyHex(secretKey);
  const digest = keyProofDigest({ ...binding, encryptionKey });
  return {
    encryptionKey,
    keyProof: bytesToHex(proveKeyPossession(secretKey, hexToBytes(digest), random)),
  };
}

function publicKeyHex(secretKey: Uint8Array): Hex {
  return bytesToHex(secp256k1.getPublicKey(secretKey, true));
}
