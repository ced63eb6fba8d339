// An ERC-4337 (v0.8) user operation of a threshold account, as a signing session's preimage (kind 5,
// see messagePreimage.ts, the one decoder): what it is, the digest the group signs for it, its bytes,
// and how a person reads it. The digest is the account's `userOperationDigest(userOpHash)`: the
// EntryPoint's hash (EIP-712 "PackedUserOperation" under the EntryPoint's "ERC4337" domain, which is
// what v0.8's `getUserOpHash` computes), wrapped as EIP-712 `UserOperation(bytes32 userOpHash)` under
// the account's own domain, so that it is never an intent's or an ERC-1271 message's digest (W2).
import {
  type Address,
  decodeAbiParameters,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionData,
  formatEther,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBigInt,
  size,
  slice,
} from "viem";
import { type AccountCall, describeCall, THRESHOLD_ACCOUNT_DOMAIN } from "./accountIntent.js";
import { thresholdAccountAbi } from "./generated/thresholdAccountAbi.js";

/** A user operation's fields as the v0.8 EntryPoint packs and hashes them (no signature). */
export type AccountUserOperation = {
  /** The EntryPoint v0.8 it is for (the account's ENTRY_POINT). */
  entryPoint: Address;
  chainId: bigint;
  /** The threshold account (the operation's sender). */
  sender: Address;
  /** The EntryPoint's nonce: key (high 192 bits, 0 for this account) and sequence. */
  nonce: bigint;
  initCode: Hex;
  callData: Hex;
  /** verificationGasLimit (high 128 bits) ‖ callGasLimit (low 128 bits). */
  accountGasLimits: Hex;
  preVerificationGas: bigint;
  /** maxPriorityFeePerGas (high 128 bits) ‖ maxFeePerGas (low 128 bits). */
  gasFees: Hex;
  paymasterAndData: Hex;
};

/** The EntryPoint v0.8's EIP-712 struct of a packed user operation (UserOperationLib). */
const packedUserOperationType = [
  { name: "sender", type: "address" },
  { name: "nonce", type: "uint256" },
  { name: "initCode", type: "bytes" },
  { name: "callData", type: "bytes" },
  { name: "accountGasLimits", type: "bytes32" },
  { name: "preVerificationGas", type: "uint256" },
  { name: "gasFees", type: "bytes32" },
  { name: "paymasterAndData", type: "bytes" },
] as const;

/** The preimage body: entry point, chain id, then the packed fields, ABI-encoded. */
const bodyParameters = [
  { name: "entryPoint", type: "address" },
  { name: "chainId", type: "uint256" },
  ...packedUserOperationType,
] as const;

/** The EntryPoint's `getUserOpHash` of the operation (v0.8: an EIP-712 hash). */
export function userOperationHash(op: AccountUserOperation): Hex {
  return hashTypedData({
    domain: {
      name: "ERC4337",
      version: "1",
      chainId: op.chainId,
      verifyingContract: op.entryPoint,
    },
    types: { PackedUserOperation: packedUserOperationType },
    primaryType: "PackedUserOperation",
    message: op,
  });
}

/**
 * The digest the group signs to authorize the operation: the account's
 * `userOperationDigest(getUserOpHash(op))`.
 */
export function userOperationDigest(op: AccountUserOperation): Hex {
  return hashTypedData({
    domain: { ...THRESHOLD_ACCOUNT_DOMAIN, chainId: op.chainId, verifyingContract: op.sender },
    types: { UserOperation: [{ name: "userOpHash", type: "bytes32" }] },
    primaryType: "UserOperation",
    message: { userOpHash: userOperationHash(op) },
  });
}

/** The operation's preimage body. */
export function encodeUserOperationBody(op: AccountUserOperation): Hex {
  return encodeAbiParameters(bodyParameters, [
    op.entryPoint,
    op.chainId,
    op.sender,
    op.nonce,
    op.initCode,
    op.callData,
    op.accountGasLimits,
    op.preVerificationGas,
    op.gasFees,
    op.paymasterAndData,
  ]);
}

/**
 * The operation a preimage body holds; refuses bytes that are not exactly its canonical encoding.
 * @throws Error (a plain one, messagePreimage.ts words it) for malformed bytes.
 */
export function decodeUserOperationBody(body: Hex): AccountUserOperation {
  const [
    entryPoint,
    chainId,
    sender,
    nonce,
    initCode,
    callData,
    accountGasLimits,
    pvg,
    gasFees,
    pmd,
  ] = decodeAbiParameters(bodyParameters, body);
  const op: AccountUserOperation = {
    entryPoint: getAddress(entryPoint),
    chainId,
    sender: getAddress(sender),
    nonce,
    initCode,
    callData,
    accountGasLimits,
    preVerificationGas: pvg,
    gasFees,
    paymasterAndData: pmd,
  };
  if (encodeUserOperationBody(op).toLowerCase() !== body.toLowerCase()) {
    throw new Error("its bytes are not the canonical ABI encoding of a user operation");
  }
  return op;
}

/**
 * The calls of an `executeFromEntryPoint` callData whose bytes are exactly their canonical
 * encoding (nothing trails unseen), or undefined for any other callData.
 */
function entryPointCalls(callData: Hex): readonly AccountCall[] | undefined {
  try {
    const decoded = decodeFunctionData({ abi: thresholdAccountAbi, data: callData });
    if (decoded.functionName !== "executeFromEntryPoint") return undefined;
    const [calls] = decoded.args;
    const again = encodeFunctionData({
      abi: thresholdAccountAbi,
      functionName: "executeFromEntryPoint",
      args: [calls],
    });
    return again.toLowerCase() === callData.toLowerCase() ? calls : undefined;
  } catch {
    return undefined;
  }
}

const high128 = (word: Hex): bigint => hexToBigInt(word) >> 128n;
const low128 = (word: Hex): bigint => hexToBigInt(word) & ((1n << 128n) - 1n);

/** An operation as lines a person reads before signing it. */
export function describeUserOperation(op: AccountUserOperation): string[] {
  const verificationGas = high128(op.accountGasLimits);
  const callGas = low128(op.accountGasLimits);
  const maxFee = low128(op.gasFees);
  const maxGas = verificationGas + callGas + op.preVerificationGas;
  const lines = [
    `a user operation of threshold account ${op.sender} on chain ${op.chainId}, for EntryPoint ${op.entryPoint}`,
    `EntryPoint nonce key ${op.nonce >> 64n}, sequence ${op.nonce & ((1n << 64n) - 1n)}`,
    `gas: verification ${verificationGas}, call ${callGas}, pre-verification ${op.preVerificationGas}; up to ${maxFee} wei per gas (priority ${high128(op.gasFees)}): the account pays at most ${formatEther(maxGas * maxFee)} ETH${op.paymasterAndData === "0x" ? "" : " unless the paymaster does"}`,
  ];
  if (op.initCode !== "0x") {
    lines.push(`first deploys the account: initCode of ${size(op.initCode)} bytes`);
  }
  if (op.paymasterAndData !== "0x") {
    lines.push(
      `paymaster ${size(op.paymasterAndData) >= 20 ? getAddress(slice(op.paymasterAndData, 0, 20)) : op.paymasterAndData} with ${size(op.paymasterAndData)} bytes of paymaster data`,
    );
  }
  const calls = entryPointCalls(op.callData);
  if (calls === undefined) {
    const selector = size(op.callData) >= 4 ? slice(op.callData, 0, 4) : op.callData;
    lines.push(
      `callData: function ${selector} of the account (unknown ABI) with ${size(op.callData)} bytes of data`,
    );
    return lines;
  }
  if (calls.length === 0) lines.push("no calls: it only spends the EntryPoint nonce");
  return [
    ...lines,
    ...calls.map((call, i) => `call ${i + 1} of ${calls.length}: ${describeCall(call)}`),
  ];
}
