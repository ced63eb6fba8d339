import { verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import {
  type Address,
  bytesToHex,
  encodeAbiParameters,
  type Hex,
  hexToBytes,
  keccak256,
  pad,
  toHex,
} from "viem";
import type { VerifiedHeader } from "./blockHeader.js";
import type { ProofClient } from "./headerChain.js";
import { describeBlock, ProofError } from "./ProofError.js";

/** keccak256 of the empty string: the code hash of an account without code. */
const emptyCodeHash = keccak256("0x");
/** The root of an empty trie: the storage root of an account without storage. */
const emptyTrieRoot = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

/**
 * Roundtable's storage slot indexes, from `solc --storage-layout` (or the `storageLayout` output
 * selection) on contracts/Roundtable.sol: EIP712's two fallback strings take slots 0 and 1, then the
 * contract's own variables follow in declaration order. A test pins `transcripts` against
 * `transcriptOf`, so a reordering of the contract's storage fails it.
 */
export const roundtableStorageSlots = {
  sessionCount: 2n,
  headers: 3n,
  transcripts: 4n,
} as const;

/** The slot of `mapping[key]` for a mapping at `slotIndex` whose key is a value type: keccak256(abi.encode(key, slotIndex)). */
export function mappingSlot(key: bigint, slotIndex: bigint): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [key, slotIndex]),
  );
}

/** The slot of Roundtable's `_transcripts[sessionId]`, the running transcript hash. */
export function transcriptSlot(sessionId: bigint): Hex {
  return mappingSlot(sessionId, roundtableStorageSlots.transcripts);
}

export type VerifyStorageSlotParameters = {
  publicClient: ProofClient;
  /** A header from a header chain: the state is proven as of this block. */
  header: VerifiedHeader;
  address: Address;
  /** The 32-byte slot (see {@link mappingSlot}); a number is padded. */
  slot: Hex | bigint;
};

export type ProvenAccount = {
  nonce: bigint;
  balance: bigint;
  storageRoot: Hex;
  codeHash: Hex;
};

export type VerifyStorageSlotReturnType = {
  /** The slot's value, 32 bytes (zero for a slot never written or an account that does not exist). */
  value: Hex;
  /** The account as proven (all zero and empty for an account that does not exist). */
  account: ProvenAccount;
};

type RpcProof = {
  accountProof: Hex[];
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[];
};

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

/**
 * Reads one storage slot with `eth_getProof` and proves it against the verified header's stateRoot:
 * the account proof (keyed by keccak256(address)) gives the account's storageRoot, and the storage
 * proof (keyed by keccak256(slot)) gives the value under it. The provider's own `value` is not used;
 * the proven value is returned.
 *
 * @throws {ProofError} `account-proof` or `storage-proof` when a proof does not lead from its root.
 *
 * @example
 * const header = await headerChain.verifiedHeader(await publicClient.getBlockNumber());
 * const { value } = await verifyStorageSlot({ publicClient, header, address, slot: transcriptSlot(sessionId) });
 */
export async function verifyStorageSlot({
  publicClient,
  header,
  address,
  slot,
}: VerifyStorageSlotParameters): Promise<VerifyStorageSlotReturnType> {
  const key = typeof slot === "bigint" ? pad(toHex(slot), { size: 32 }) : pad(slot, { size: 32 });
  const proof = (await publicClient.request({
    method: "eth_getProof",
    params: [address, [key], toHex(header.number)],
  })) as unknown as RpcProof;
  const fail = (failure: "account-proof" | "storage-proof", what: string, cause?: unknown) =>
    new ProofError({
      failure,
      block: header,
      shortMessage: `The ${failure === "account-proof" ? "account" : "storage"} proof of ${address}${failure === "storage-proof" ? ` slot ${key}` : ""} at ${describeBlock(header)} ${what}.`,
      metaMessages: [
        "The provider forged or altered the state. Do not use it; ask another provider.",
      ],
      cause,
    });

  let accountRlp: Uint8Array | null;
  try {
    accountRlp = await verifyMerkleProof(
      hexToBytes(address),
      proof.accountProof.map((n) => hexToBytes(n)),
      {
        root: hexToBytes(header.stateRoot),
        useKeyHashing: true,
      },
    );
  } catch (err) {
    throw fail("account-proof", `does not lead from the stateRoot ${header.stateRoot}`, err);
  }
  if (accountRlp === null) {
    // A proven absence: no account, so no storage.
    return {
      value: pad("0x", { size: 32 }),
      account: { nonce: 0n, balance: 0n, storageRoot: emptyTrieRoot, codeHash: emptyCodeHash },
    };
  }
  const decoded = RLP.decode(accountRlp);
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 4 ||
    decoded.some((f) => !(f instanceof Uint8Array))
  ) {
    throw fail("account-proof", "proves a value that is no account");
  }
  const [nonce, balance, storageRoot, codeHash] = decoded as Uint8Array[];
  const account: ProvenAccount = {
    nonce: bytesToBigInt(nonce as Uint8Array),
    balance: bytesToBigInt(balance as Uint8Array),
    storageRoot: bytesToHex(storageRoot as Uint8Array),
    codeHash: bytesToHex(codeHash as Uint8Array),
  };
  const storage = proof.storageProof.find((p) => BigInt(p.key) === BigInt(key));
  if (storage === undefined) throw fail("storage-proof", "is missing from the provider's answer");
  let valueRlp: Uint8Array | null;
  if (account.storageRoot === emptyTrieRoot) {
    valueRlp = null;
  } else {
    try {
      valueRlp = await verifyMerkleProof(
        hexToBytes(key),
        storage.proof.map((n) => hexToBytes(n)),
        {
          root: hexToBytes(account.storageRoot),
          useKeyHashing: true,
        },
      );
    } catch (err) {
      throw fail(
        "storage-proof",
        `does not lead from the account's storageRoot ${account.storageRoot}`,
        err,
      );
    }
  }
  let value: Hex = pad("0x", { size: 32 });
  if (valueRlp !== null) {
    const decodedValue = RLP.decode(valueRlp);
    if (!(decodedValue instanceof Uint8Array) || decodedValue.length > 32) {
      throw fail("storage-proof", "proves a value that is no 32-byte word");
    }
    value = pad(bytesToHex(decodedValue), { size: 32 });
  }
  return { value, account };
}
