import { type Address, type Hex, size, sliceHex, type TypedDataDomain, zeroAddress } from "viem";
import { ActionType, type UnsignedAction } from "./types.js";

/**
 * The EIP-712 types of every party action, shared by the SDK, the web client
 * and the tests. They mirror the type strings in contracts/Roundtable.sol:
 *   Accept(uint256 sessionId,uint8 party,bytes32 configHash,bytes encryptionKey,address delegate)
 *   Commit(uint256 sessionId,uint8 party,uint8 round,bytes32 commitment)
 *   Submit(uint256 sessionId,uint8 party,uint8 round,bytes payload)
 *   Complain(uint256 sessionId,uint8 party,uint8 round,uint8 accused,bytes evidence)
 * The domain binds chain and contract; sessionId, party and round bind the
 * rest, and each (session, round, party) slot can be filled once, so nothing
 * replays, and one party's signature never fills another party's slot.
 */
export const roundtableTypes = {
  Accept: [
    { name: "sessionId", type: "uint256" },
    { name: "party", type: "uint8" },
    { name: "configHash", type: "bytes32" },
    { name: "encryptionKey", type: "bytes" },
    { name: "delegate", type: "address" },
  ],
  Commit: [
    { name: "sessionId", type: "uint256" },
    { name: "party", type: "uint8" },
    { name: "round", type: "uint8" },
    { name: "commitment", type: "bytes32" },
  ],
  Submit: [
    { name: "sessionId", type: "uint256" },
    { name: "party", type: "uint8" },
    { name: "round", type: "uint8" },
    { name: "payload", type: "bytes" },
  ],
  Complain: [
    { name: "sessionId", type: "uint256" },
    { name: "party", type: "uint8" },
    { name: "round", type: "uint8" },
    { name: "accused", type: "uint8" },
    { name: "evidence", type: "bytes" },
  ],
} as const;

/**
 * What an encryption key's own secret signs (BIP-340) to prove the key is its
 * registrant's, for one session and party: `EncryptionKeyProof(uint256
 * sessionId,uint8 party,bytes encryptionKey)`, the contract's `keyProofDigestOf`.
 */
export const keyProofTypes = {
  EncryptionKeyProof: [
    { name: "sessionId", type: "uint256" },
    { name: "party", type: "uint8" },
    { name: "encryptionKey", type: "bytes" },
  ],
} as const;

/** Lengths in an Accept action's `data`: key (33) | key proof (64) | optional delegate (20). */
export const ENCRYPTION_KEY_BYTES = 33;
export const KEY_PROOF_BYTES = 64;

/** The parts of an Accept action's `data`. */
export type AcceptData = { encryptionKey: Hex; keyProof: Hex; delegate: Address };

/** Packs an Accept action's `data`; a zero delegate is left out. */
export function encodeAcceptData({ encryptionKey, keyProof, delegate }: AcceptData): Hex {
  const tail = delegate === zeroAddress ? "" : delegate.slice(2).toLowerCase();
  return `${encryptionKey}${keyProof.slice(2)}${tail}` as Hex;
}

/** Splits an Accept action's `data`; throws a RangeError naming the length if it is not 97 or 117 bytes. */
export function decodeAcceptData(data: Hex): AcceptData {
  const length = size(data);
  const base = ENCRYPTION_KEY_BYTES + KEY_PROOF_BYTES;
  if (length !== base && length !== base + 20) {
    throw new RangeError(
      `Accept data is ${length} bytes: expected ${base} (key and key proof) or ${base + 20} (and a delegate)`,
    );
  }
  return {
    encryptionKey: sliceHex(data, 0, ENCRYPTION_KEY_BYTES),
    keyProof: sliceHex(data, ENCRYPTION_KEY_BYTES, base),
    delegate: length > base ? (sliceHex(data, base, base + 20) as Address) : zeroAddress,
  };
}

/**
 * The typed data of an encryption key's proof of possession; its hash is the
 * 32-byte digest the key's secret signs with BIP-340.
 */
export function keyProofTypedData(
  domain: ReturnType<typeof roundtableDomain>,
  { sessionId, party, encryptionKey }: { sessionId: bigint; party: number; encryptionKey: Hex },
) {
  return {
    domain,
    types: keyProofTypes,
    primaryType: "EncryptionKeyProof",
    message: { sessionId, party, encryptionKey },
  } as const;
}

/** The contract's EIP-712 domain (also readable on-chain with `eip712Domain()`, ERC-5267). */
export function roundtableDomain(chainId: number, verifyingContract: Address) {
  return {
    name: "Roundtable",
    version: "1",
    chainId,
    verifyingContract,
  } as const satisfies TypedDataDomain;
}

/**
 * The typed-data message a party signs for `action`, ready for viem's
 * `signTypedData` or `hashTypedData`.
 *
 * @example
 * const typed = actionTypedData(roundtableDomain(31337, contract), action);
 * const signature = await account.signTypedData(typed);
 */
export function actionTypedData(
  domain: ReturnType<typeof roundtableDomain>,
  action: UnsignedAction,
) {
  const { sessionId, party, round, accused, word, data } = action;
  switch (action.action) {
    case ActionType.Accept: {
      const { encryptionKey, delegate } = decodeAcceptData(data);
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Accept",
        message: { sessionId, party, configHash: word, encryptionKey, delegate },
      } as const;
    }
    case ActionType.Commit:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Commit",
        message: { sessionId, party, round, commitment: word },
      } as const;
    case ActionType.Submit:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Submit",
        message: { sessionId, party, round, payload: data },
      } as const;
    case ActionType.Complain:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Complain",
        message: { sessionId, party, round, accused, evidence: data },
      } as const;
    default:
      throw new RangeError(
        `Unknown action type ${action.action}: expected 0 (Accept) to 3 (Complain).`,
      );
  }
}
