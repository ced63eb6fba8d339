// Helpers the actions share: client types, input checks, receipts and paged log scans.
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  formatLog,
  type Hash,
  type Hex,
  HttpRequestError,
  isAddress,
  isHex,
  type Log,
  type LogTopic,
  numberToHex,
  type PublicClient,
  parseEventLogs,
  RpcRequestError,
  type Transport,
  type WalletClient,
} from "viem";
import {
  RoundtableContractError,
  RoundtableError,
  RoundtableInputError,
  toRoundtableError,
} from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import type { RoundtableEventLog } from "./getSessionEvents.js";

/** Any viem public client: in-process Hardhat, `hardhat node`, a testnet RPC, a browser provider. */
export type RoundtablePublicClient = PublicClient<Transport, Chain | undefined>;

/** Any viem wallet client with an account (local key, JSON-RPC account, browser wallet). */
export type RoundtableWalletClient = WalletClient<Transport, Chain | undefined, Account>;

/** What every write action returns once its transaction is mined. */
export type RoundtableReceipt = {
  transactionHash: Hash;
  blockNumber: bigint;
  gasUsed: bigint;
  /** The Roundtable events the transaction emitted, decoded, in log order. */
  events: RoundtableEventLog[];
};

// ───────────────────────────────────────────────────────────── input checks

const maxUint256 = 2n ** 256n - 1n;

/** A value for an error message: long strings are cut, so that nothing long (or secret) is echoed whole. */
export function formatInputValue(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") {
    return value.length > 42
      ? `"${value.slice(0, 10)}…" (${value.length} characters)`
      : `"${value}"`;
  }
  if (
    value === undefined ||
    value === null ||
    typeof value === "number" ||
    typeof value === "boolean"
  ) {
    return String(value);
  }
  return `a value of type ${Array.isArray(value) ? "array" : typeof value}`;
}

export function assertSessionId(value: unknown, parameter = "sessionId"): asserts value is bigint {
  if (typeof value !== "bigint" || value < 1n || value > maxUint256) {
    throw new RoundtableInputError({
      parameter,
      shortMessage: `Invalid ${parameter} ${formatInputValue(value)}: expected a session id, a bigint from 1n (sessions are numbered from 1), such as 7n.`,
    });
  }
}

export function assertUint8(
  value: unknown,
  parameter: string,
  what: string,
  max = 255,
): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RoundtableInputError({
      parameter,
      shortMessage: `Invalid ${parameter} ${formatInputValue(value)}: expected ${what}, an integer from 0 to ${max}.`,
    });
  }
}

export function assertAddress(value: unknown, parameter: string): asserts value is Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new RoundtableInputError({
      parameter,
      shortMessage: `Invalid ${parameter} ${formatInputValue(value)}: expected an address, 0x followed by 40 hex digits.`,
    });
  }
}

export function assertBytes(
  value: unknown,
  parameter: string,
  size?: number,
): asserts value is Hex {
  const valid =
    typeof value === "string" &&
    isHex(value, { strict: true }) &&
    value.length % 2 === 0 &&
    (size === undefined || value.length === 2 + 2 * size);
  if (!valid) {
    const expected =
      size === undefined
        ? "hex bytes, 0x followed by an even number of hex digits"
        : `${size} bytes of hex, 0x followed by ${2 * size} hex digits`;
    throw new RoundtableInputError({
      parameter,
      shortMessage: `Invalid ${parameter} ${formatInputValue(value)}: expected ${expected}.`,
    });
  }
}

/** A wallet client must carry an account: the SDK never guesses which account signs. */
export function assertWalletAccount(
  walletClient: unknown,
): asserts walletClient is RoundtableWalletClient {
  const account =
    typeof walletClient === "object" && walletClient !== null && "account" in walletClient
      ? (walletClient as { account: unknown }).account
      : undefined;
  if (typeof account !== "object" || account === null || !("address" in account)) {
    throw new RoundtableInputError({
      parameter: "walletClient.account",
      shortMessage:
        "Invalid walletClient: it has no account. Create it with one, such as createWalletClient({ account, chain, transport }) with a local account or the address of a JSON-RPC or browser wallet account.",
    });
  }
}

/**
 * The party index of `account` in the session, or `party` checked when the
 * caller gave it. An explicit index is left for the contract to judge, so a
 * relayer or a test can send for any index.
 */
export async function resolveParty({
  publicClient,
  address,
  sessionId,
  account,
  party,
}: {
  publicClient: RoundtablePublicClient;
  address: Address;
  sessionId: bigint;
  account: Address;
  party: number | undefined;
}): Promise<number> {
  if (party !== undefined) {
    assertUint8(party, "party", "the party's index in the session's parties", 254);
    return party;
  }
  const parties = await publicClient.readContract({
    address,
    abi: roundtableAbi,
    functionName: "partiesOf",
    args: [sessionId],
  });
  const index = parties.findIndex((p) => p.toLowerCase() === account.toLowerCase());
  if (index < 0) {
    const shown = parties.slice(0, 5).join(", ");
    const more = parties.length > 5 ? ` and ${parties.length - 5} more` : "";
    throw new RoundtableInputError({
      parameter: "walletClient.account",
      shortMessage: `Account ${account} is not a party of session ${sessionId}. Send from one of its parties' accounts, or pass party explicitly.`,
      metaMessages: [`Parties: ${shown}${more}`],
    });
  }
  return index;
}

/** The set bits of a party bitmap, as ascending indexes. */
export function bitmapToIndexes(bits: bigint): number[] {
  const indexes: number[] = [];
  for (let i = 0; bits >> BigInt(i) !== 0n; i++) {
    if ((bits >> BigInt(i)) & 1n) indexes.push(i);
  }
  return indexes;
}

// ──────────────────────────────────────────────────────────────── sending

/**
 * Gas added to the estimate. Parties act concurrently: another party's action
 * landing between estimate and inclusion can make this one the last of its
 * phase, which then opens the next phase or finalizes and stores the result,
 * up to about 70,000 gas more than estimated. Unused gas is not charged.
 */
export const GAS_HEADROOM = 100_000n;

/** Sends a simulated request with the estimate plus {@link GAS_HEADROOM} as its gas limit, unless the caller set one. */
export async function writeWithHeadroom(
  publicClient: RoundtablePublicClient,
  walletClient: RoundtableWalletClient,
  request: Parameters<RoundtableWalletClient["writeContract"]>[0],
): Promise<Hash> {
  if (request.gas !== undefined) return walletClient.writeContract(request);
  const estimate = await publicClient.estimateContractGas(
    request as Parameters<RoundtablePublicClient["estimateContractGas"]>[0],
  );
  return walletClient.writeContract({ ...request, gas: estimate + GAS_HEADROOM });
}

/**
 * The common tail of every direct party action: find the sender's index in the
 * session (unless given), simulate the call for that index, send it with
 * headroom, wait, and decode the receipt.
 */
export async function sendAsParty({
  publicClient,
  walletClient,
  address,
  sessionId,
  party,
  simulate,
}: {
  publicClient: RoundtablePublicClient;
  walletClient: RoundtableWalletClient;
  address: Address;
  sessionId: bigint;
  party: number | undefined;
  simulate: (
    index: number,
  ) => Promise<{ request: Parameters<RoundtableWalletClient["writeContract"]>[0] }>;
}): Promise<RoundtableReceipt & { party: number }> {
  const index = await resolveParty({
    publicClient,
    address,
    sessionId,
    account: walletClient.account.address,
    party,
  });
  const { request } = await simulate(index);
  const hash = await writeWithHeadroom(publicClient, walletClient, request);
  return { ...(await waitForRoundtableReceipt(publicClient, address, hash)), party: index };
}

// ────────────────────────────────────────────────────────────── receipts

/** Waits for `hash`, and decodes the receipt's Roundtable events. Throws when the transaction reverted. */
export async function waitForRoundtableReceipt(
  publicClient: RoundtablePublicClient,
  address: Address,
  hash: Hash,
): Promise<RoundtableReceipt> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw await revertedTransactionError(publicClient, hash, receipt.blockNumber);
  const logs = receipt.logs.filter((log) => log.address.toLowerCase() === address.toLowerCase());
  return {
    transactionHash: hash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    events: decodeRoundtableLogs(logs),
  };
}

/**
 * A transaction can pass its simulation and still revert when mined: another
 * transaction got in first, or the block's time passed a deadline. Receipts
 * carry no reason, so the call is replayed on the state after its block,
 * which usually reverts the same way; the replay's error is the reason.
 */
async function revertedTransactionError(
  publicClient: RoundtablePublicClient,
  hash: Hash,
  blockNumber: bigint,
): Promise<RoundtableError> {
  const what = `Transaction ${hash} was mined in block ${blockNumber} but reverted, so nothing was recorded.`;
  try {
    const tx = await publicClient.getTransaction({ hash });
    await publicClient.call({
      account: tx.from,
      to: tx.to,
      data: tx.input,
      gas: tx.gas,
      blockNumber,
    });
  } catch (err) {
    const reason = toRoundtableError(err);
    if (reason instanceof RoundtableContractError) {
      return new RoundtableContractError({
        errorName: reason.errorName,
        args: reason.args,
        raw: reason.raw,
        details: reason.details,
        cause: err,
        context: [`${what} Replayed at that block, it reverts as above.`],
      });
    }
  }
  return new RoundtableError({
    shortMessage: `${what} Read the session (readSession) and send again if the action still applies.`,
  });
}

// ──────────────────────────────────────────────────────────── log scans

/** The topic of an indexed uint256 or address argument. */
export function indexedTopic(value: bigint | Address): Hex {
  return numberToHex(typeof value === "bigint" ? value : BigInt(value), { size: 32 });
}

/** Whether a failed `eth_getLogs` may succeed over fewer blocks (the provider's range or size cap). */
function mayBeRangeError(err: unknown): boolean {
  if (!(err instanceof BaseError)) return true;
  const cause = err.walk((e) => e instanceof HttpRequestError || e instanceof RpcRequestError);
  if (cause instanceof RpcRequestError && cause.code === 429) return false;
  if (cause instanceof HttpRequestError) {
    return cause.status !== undefined && ![401, 403, 429].includes(cause.status);
  }
  return true;
}

type GetLogsPagedParameters = {
  publicClient: RoundtablePublicClient;
  address: Address;
  topics: LogTopic[];
  fromBlock: bigint;
  /** Inclusive; the latest block when omitted. */
  toBlock?: bigint | undefined;
  /** The most blocks per `eth_getLogs` request. */
  pageSize: bigint;
};

/**
 * `eth_getLogs` over [fromBlock, toBlock] in pages of at most `pageSize` blocks,
 * since public RPCs cap the range of one request. A page that fails is halved
 * and asked again (as viem's `iterateLogs` does); the size grows back after.
 * Raw topics are used because viem's `getLogs` cannot filter several events
 * by the same indexed argument.
 */
export async function getLogsPaged({
  publicClient,
  address,
  topics,
  fromBlock,
  toBlock,
  pageSize,
}: GetLogsPagedParameters): Promise<{ logs: Log[]; toBlock: bigint }> {
  if (pageSize < 1n) {
    throw new RoundtableInputError({
      parameter: "pageSize",
      shortMessage: `Invalid pageSize ${formatInputValue(pageSize)}: expected the number of blocks per log request, a bigint of at least 1n, such as 1000n.`,
    });
  }
  const end = toBlock ?? (await publicClient.getBlockNumber({ cacheTime: 0 }));
  const logs: Log[] = [];
  let size = pageSize;
  let from = fromBlock;
  while (from <= end) {
    const to = from + size - 1n < end ? from + size - 1n : end;
    let page: Log[];
    try {
      const raw = await publicClient.request({
        method: "eth_getLogs",
        params: [{ address, topics, fromBlock: numberToHex(from), toBlock: numberToHex(to) }],
      });
      page = raw.map((log) => formatLog(log));
    } catch (err) {
      if (from === to || !mayBeRangeError(err)) throw err;
      size = (to - from + 1n) / 2n;
      continue;
    }
    logs.push(...page);
    from = to + 1n;
    size = size * 2n < pageSize ? size * 2n : pageSize;
  }
  logs.sort((a, b) =>
    a.blockNumber === b.blockNumber
      ? (a.logIndex ?? 0) - (b.logIndex ?? 0)
      : (a.blockNumber ?? 0n) < (b.blockNumber ?? 0n)
        ? -1
        : 1,
  );
  return { logs, toBlock: end };
}

/** Decodes Roundtable session events, in order; other logs are dropped. */
export function decodeRoundtableLogs(logs: Log[]): RoundtableEventLog[] {
  return parseEventLogs({ abi: roundtableAbi, logs }).filter(
    (event): event is RoundtableEventLog => event.eventName !== "EIP712DomainChanged",
  );
}
