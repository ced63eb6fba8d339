// A threshold-account intent (contracts/ThresholdAccount.sol): what it is, the digest the group
// signs for it, its bytes inside a signing session's preimage (kind 4, see messagePreimage.ts, the
// one decoder), and how a person reads it. The digest is viem's EIP-712 hash under the account's
// own domain, so it is exactly the contract's `intentDigest(nonce, deadline, hashCalls(calls))`.
import {
  type Address,
  decodeAbiParameters,
  decodeFunctionData,
  encodeAbiParameters,
  erc20Abi,
  formatEther,
  getAddress,
  type Hex,
  hashTypedData,
  keccak256,
  size,
  slice,
} from "viem";

/** One call of an intent: `target.call{value}(data)`. */
export type AccountCall = { target: Address; value: bigint; data: Hex };

/** What the group authorizes its account to do, once, before the deadline. */
export type AccountIntent = {
  /** The threshold account that executes the calls. */
  account: Address;
  chainId: bigint;
  /** The account's nonce this intent spends. */
  nonce: bigint;
  /** Unix seconds after which the account refuses it. */
  deadline: bigint;
  calls: readonly AccountCall[];
};

/** The account's EIP-712 domain name and version (its constructor's). */
export const THRESHOLD_ACCOUNT_DOMAIN = {
  name: "Roundtable Threshold Account",
  version: "1",
} as const;

const callsParameter = {
  type: "tuple[]",
  components: [
    { name: "target", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
  ],
} as const;

/** The preimage body: account, chain id, nonce, deadline and calls, ABI-encoded. */
const bodyParameters = [
  { name: "account", type: "address" },
  { name: "chainId", type: "uint256" },
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
  callsParameter,
] as const;

/** The contract's `hashCalls`: keccak256 of the calls ABI-encoded as a `Call[]`. */
export function hashCalls(calls: readonly AccountCall[]): Hex {
  return keccak256(encodeAbiParameters([callsParameter], [calls]));
}

/**
 * The EIP-712 digest (0x1901 ‖ domain separator ‖ struct hash) the group signs to authorize an
 * intent: the contract's `intentDigest(nonce, deadline, hashCalls(calls))`.
 * @example
 * ```ts
 * const digest = intentDigest({ account, chainId: 31337n, nonce: 0n, deadline, calls });
 * ```
 */
export function intentDigest(intent: AccountIntent): Hex {
  return hashTypedData({
    domain: {
      ...THRESHOLD_ACCOUNT_DOMAIN,
      chainId: intent.chainId,
      verifyingContract: intent.account,
    },
    types: {
      Intent: [
        { name: "account", type: "address" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
        { name: "callsHash", type: "bytes32" },
      ],
    },
    primaryType: "Intent",
    message: {
      account: intent.account,
      nonce: intent.nonce,
      deadline: intent.deadline,
      callsHash: hashCalls(intent.calls),
    },
  });
}

/** The intent's preimage body. */
export function encodeIntentBody(intent: AccountIntent): Hex {
  return encodeAbiParameters(bodyParameters, [
    intent.account,
    intent.chainId,
    intent.nonce,
    intent.deadline,
    intent.calls,
  ]);
}

/**
 * The intent a preimage body holds. Refuses bytes that are not exactly its canonical encoding, so
 * that one intent has one body (and no trailing bytes ride along unseen).
 * @throws Error (a plain one, messagePreimage.ts words it) for malformed bytes.
 */
export function decodeIntentBody(body: Hex): AccountIntent {
  const [account, chainId, nonce, deadline, calls] = decodeAbiParameters(bodyParameters, body);
  const intent: AccountIntent = {
    account: getAddress(account),
    chainId,
    nonce,
    deadline,
    calls: calls.map((call) => ({
      target: getAddress(call.target),
      value: call.value,
      data: call.data,
    })),
  };
  if (encodeIntentBody(intent).toLowerCase() !== body.toLowerCase()) {
    throw new Error("its bytes are not the canonical ABI encoding of an intent");
  }
  return intent;
}

/** Deadlines past year 9999 do not fit a Date: they are shown as numbers. */
const maxDateSeconds = 253_402_300_799n;

function deadlineText(deadline: bigint): string {
  if (deadline > maxDateSeconds) return `${deadline} (Unix seconds: in effect, never)`;
  const iso = new Date(Number(deadline) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC (Unix ${deadline})`;
}

/** One call as a person reads it: a payment, a decoded ERC-20 call, or its selector and size. */
export function describeCall(call: AccountCall): string {
  const eth = `${formatEther(call.value)} ETH`;
  if (call.data === "0x") return `pay ${eth} to ${call.target}`;
  const withValue = call.value === 0n ? "" : `, sending ${eth}`;
  try {
    const decoded = decodeFunctionData({ abi: erc20Abi, data: call.data });
    // Only calls whose bytes are exactly the decoded arguments: nothing trails unseen.
    if (decoded.functionName === "transfer" || decoded.functionName === "approve") {
      const [who, amount] = decoded.args;
      const role = decoded.functionName === "transfer" ? "to" : "spender";
      if (size(call.data) === 68) {
        return `call token ${call.target}: ERC-20 ${decoded.functionName}(${role} ${getAddress(who)}, amount ${amount} base units)${withValue}`;
      }
    }
  } catch {
    // Not an ERC-20 call: shown by selector below.
  }
  const selector = size(call.data) >= 4 ? slice(call.data, 0, 4) : call.data;
  return `call ${call.target}: function ${selector} (unknown ABI) with ${size(call.data)} bytes of data${withValue}`;
}

/** An intent as lines a person reads before signing it. */
export function describeIntent(intent: AccountIntent): string[] {
  return [
    `an intent of threshold account ${intent.account} on chain ${intent.chainId}`,
    `nonce ${intent.nonce}, valid until ${deadlineText(intent.deadline)}`,
    ...(intent.calls.length === 0 ? ["no calls: it only spends the nonce"] : []),
    ...intent.calls.map(
      (call, i) => `call ${i + 1} of ${intent.calls.length}: ${describeCall(call)}`,
    ),
  ];
}
