// The group's threshold account (contracts/ThresholdAccount.sol) from the SDK: its address (the
// factory's CREATE2 prediction), creation, state and history, intents, and execution with the
// signature a finalized signing session agreed on. Nothing an RPC node or the session's initiator
// says is taken on trust: the factory must serve this Roundtable, the signing session must sign
// exactly the intent's digest with the account's own key session, and the signature must verify
// under the account's group key with @noble/curves before a transaction is sent.
import { schnorr } from "@noble/curves/secp256k1.js";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  getAddress,
  type Hash,
  type Hex,
  hexToBytes,
  isAddressEqual,
  numberToHex,
} from "viem";
import { type AccountCall, type AccountIntent, intentDigest } from "./accountIntent.js";
import {
  assertAddress,
  assertSessionId,
  assertWalletAccount,
  type RoundtablePublicClient,
  type RoundtableWalletClient,
  writeWithHeadroom,
} from "./actions/internal.js";
import { readSession } from "./actions/readSession.js";
import { RoundtableError, RoundtableInputError } from "./errors.js";
import { thresholdAccountAbi } from "./generated/thresholdAccountAbi.js";
import { thresholdAccountFactoryAbi } from "./generated/thresholdAccountFactoryAbi.js";
import { decodeMessagePreimage, MessagePreimageError } from "./messagePreimage.js";
import { Phase, SessionKind } from "./types.js";

export type { AccountCall, AccountIntent } from "./accountIntent.js";

/** An intent whose nonce is not the account's next one: spent already, or not yet reachable. */
export class ThresholdAccountNonceError extends RoundtableError {
  constructor(
    shortMessage: string,
    /** The intent's nonce and the account's next one. */
    readonly intentNonce: bigint,
    readonly accountNonce: bigint,
  ) {
    super({ shortMessage, name: "ThresholdAccountNonceError" });
  }
}

/** A factory and the Roundtable contract whose key sessions its accounts belong to. */
export type ThresholdAccountFactoryRef = {
  publicClient: RoundtablePublicClient;
  /** The ThresholdAccountFactory. */
  factory: Address;
  /** The Roundtable contract the factory must serve. */
  roundtable: Address;
};

/**
 * Checks that `factory` is a ThresholdAccountFactory of `roundtable`: an account it makes reads its
 * group key from that contract, so a factory of another Roundtable would put the funds under
 * another group's key.
 */
export async function assertFactoryOf({
  publicClient,
  factory,
  roundtable,
}: ThresholdAccountFactoryRef): Promise<void> {
  assertAddress(factory, "factory");
  const code = await publicClient.getCode({ address: factory });
  if (code === undefined || code === "0x") {
    throw new RoundtableInputError({
      parameter: "factory",
      shortMessage: `There is no ThresholdAccountFactory at ${factory}: no code there. Deploy one (\`roundtable deploy\` does) or give its address.`,
    });
  }
  const served = await publicClient
    .readContract({ address: factory, abi: thresholdAccountFactoryAbi, functionName: "ROUNDTABLE" })
    .catch((error: unknown) => {
      throw new RoundtableInputError({
        parameter: "factory",
        shortMessage: `${factory} does not answer ROUNDTABLE() as a ThresholdAccountFactory does (${(error as Error).message.split("\n")[0]}). Give the factory's address.`,
      });
    });
  if (!isAddressEqual(served, roundtable)) {
    throw new RoundtableInputError({
      parameter: "factory",
      shortMessage: `The factory ${factory} makes accounts of the Roundtable contract ${served}, not of ${roundtable}. Use the factory deployed with ${roundtable}.`,
    });
  }
}

/**
 * The address of `keySession`'s account, deployed or not (the factory's CREATE2 prediction).
 * @example
 * const account = await thresholdAccountAddress({ publicClient, factory, roundtable, keySession: 1n });
 */
export async function thresholdAccountAddress(
  parameters: ThresholdAccountFactoryRef & { keySession: bigint },
): Promise<Address> {
  assertSessionId(parameters.keySession, "keySession");
  await assertFactoryOf(parameters);
  return getAddress(
    await parameters.publicClient.readContract({
      address: parameters.factory,
      abi: thresholdAccountFactoryAbi,
      functionName: "accountAddress",
      args: [parameters.keySession],
    }),
  );
}

export type CreateThresholdAccountReturnType = {
  account: Address;
  /** Undefined when the account was already there (nothing was sent). */
  transactionHash: Hash | undefined;
  gasUsed: bigint | undefined;
};

/**
 * Deploys `keySession`'s account through the factory, with the key session's configuration read
 * from its `SessionCreated` event (readSession checks it against Roundtable's hash, as the factory
 * does again). Does nothing when the account already exists.
 */
export async function createThresholdAccount(
  parameters: ThresholdAccountFactoryRef & {
    walletClient: RoundtableWalletClient;
    keySession: bigint;
    /** First block to search for the key session's events. */
    fromBlock?: bigint | undefined;
  },
): Promise<CreateThresholdAccountReturnType> {
  const { publicClient, walletClient, factory, roundtable, keySession } = parameters;
  assertWalletAccount(walletClient);
  const account = await thresholdAccountAddress(parameters);
  const existing = await publicClient.getCode({ address: account });
  if (existing !== undefined && existing !== "0x") {
    return { account, transactionHash: undefined, gasUsed: undefined };
  }
  const session = await readSession({
    publicClient,
    address: roundtable,
    sessionId: keySession,
    fromBlock: parameters.fromBlock,
  });
  if (session.config.kind !== SessionKind.KeyGeneration) {
    throw new RoundtableInputError({
      parameter: "keySession",
      shortMessage: `Session ${keySession} is a signing session; an account belongs to a key generation. Give the key-generation session whose key controls it.`,
    });
  }
  if (session.state.phase !== Phase.Finalized) {
    throw new RoundtableInputError({
      parameter: "keySession",
      shortMessage: `Key session ${keySession} is ${session.phase}, not finalized: its group key does not exist yet. Wait for it to finalize (the address is already known and can receive funds).`,
    });
  }
  const { request } = await publicClient.simulateContract({
    address: factory,
    abi: thresholdAccountFactoryAbi,
    functionName: "createAccount",
    args: [keySession, session.config],
    account: walletClient.account,
  });
  const transactionHash = await writeWithHeadroom(publicClient, walletClient, request);
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  const code = await publicClient.getCode({ address: account });
  if (receipt.status !== "success" || code === undefined || code === "0x") {
    throw new RoundtableError({
      shortMessage: `The account creation ${transactionHash} reverted in block ${receipt.blockNumber}, or left no code at ${account}; nothing was created.`,
    });
  }
  return { account, transactionHash, gasUsed: receipt.gasUsed };
}

export type ThresholdAccountState = {
  account: Address;
  deployed: boolean;
  /** ETH held, in wei (an undeployed address can hold ETH too). */
  balance: bigint;
  /** The nonce the next intent must carry (0 before deployment). */
  nonce: bigint;
  /** Once deployed: the Roundtable contract, key session and x-only group key it checks. */
  roundtable?: Address;
  keySession?: bigint;
  groupKey?: Hex;
};

/** The account's balance, nonce and, once deployed, the key it obeys. */
export async function readThresholdAccount({
  publicClient,
  account,
}: {
  publicClient: RoundtablePublicClient;
  account: Address;
}): Promise<ThresholdAccountState> {
  assertAddress(account, "account");
  const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
  const [code, balance] = await Promise.all([
    publicClient.getCode({ address: account, blockNumber }),
    publicClient.getBalance({ address: account, blockNumber }),
  ]);
  if (code === undefined || code === "0x") return { account, deployed: false, balance, nonce: 0n };
  const read = { address: account, abi: thresholdAccountAbi, blockNumber } as const;
  const [nonce, roundtable, keySession, groupKey] = await Promise.all([
    publicClient.readContract({ ...read, functionName: "nonce" }),
    publicClient.readContract({ ...read, functionName: "ROUNDTABLE" }),
    publicClient.readContract({ ...read, functionName: "KEY_SESSION" }),
    publicClient.readContract({ ...read, functionName: "GROUP_KEY" }),
  ]);
  return {
    account,
    deployed: true,
    balance,
    nonce,
    roundtable: getAddress(roundtable),
    keySession,
    groupKey: numberToHex(groupKey, { size: 32 }),
  };
}

export type ThresholdAccountExecution = {
  nonce: bigint;
  digest: Hex;
  submitter: Address;
  transactionHash: Hash;
  blockNumber: bigint;
};

/** Every intent the account executed (its `ThresholdAccountExecuted` events), oldest first. */
export async function thresholdAccountHistory({
  publicClient,
  account,
  fromBlock = 0n,
}: {
  publicClient: RoundtablePublicClient;
  account: Address;
  fromBlock?: bigint | undefined;
}): Promise<ThresholdAccountExecution[]> {
  assertAddress(account, "account");
  const logs = await publicClient.getContractEvents({
    address: account,
    abi: thresholdAccountAbi,
    eventName: "ThresholdAccountExecuted",
    fromBlock,
    strict: true,
  });
  return logs.map((log) => ({
    nonce: log.args.nonce,
    digest: log.args.digest,
    submitter: getAddress(log.args.submitter),
    transactionHash: log.transactionHash,
    blockNumber: log.blockNumber,
  }));
}

/**
 * An intent of `account` for its next nonce on this chain.
 * @example
 * const intent = await buildIntent({ publicClient, account, deadline, calls: [{ target, value: parseEther("0.25"), data: "0x" }] });
 */
export async function buildIntent({
  publicClient,
  account,
  calls,
  deadline,
}: {
  publicClient: RoundtablePublicClient;
  account: Address;
  calls: readonly AccountCall[];
  /** Unix seconds. */
  deadline: bigint;
}): Promise<AccountIntent> {
  const [chainId, state] = await Promise.all([
    publicClient.getChainId(),
    readThresholdAccount({ publicClient, account }),
  ]);
  return {
    account: getAddress(account),
    chainId: BigInt(chainId),
    nonce: state.nonce,
    deadline,
    calls,
  };
}

export type ExecutableIntent = {
  intent: AccountIntent;
  digest: Hex;
  /** The group's 64-byte BIP-340 signature, checked. */
  signature: Hex;
  keySession: bigint;
  groupKey: Hex;
};

/**
 * The intent a finalized signing session signed, with its checked signature: the session carries
 * an intent preimage whose digest is its message, for `account` on this chain, signed with the
 * account's own key session, and the agreed signature verifies (noble's BIP-340) under the
 * account's group key. Throws, naming what disagrees, otherwise.
 */
export async function signedIntentOf({
  publicClient,
  roundtable,
  signingSession,
  account,
  fromBlock,
}: {
  publicClient: RoundtablePublicClient;
  roundtable: Address;
  signingSession: bigint;
  account: Address;
  fromBlock?: bigint | undefined;
}): Promise<ExecutableIntent> {
  const refuse = (why: string) =>
    new RoundtableInputError({
      parameter: "signingSession",
      shortMessage: `Session ${signingSession} cannot authorize ${account}: ${why}`,
    });
  const [session, state, chainId] = await Promise.all([
    readSession({ publicClient, address: roundtable, sessionId: signingSession, fromBlock }),
    readThresholdAccount({ publicClient, account }),
    publicClient.getChainId(),
  ]);
  const { config } = session;
  if (config.kind !== SessionKind.Signing) throw refuse("it is not a signing session.");
  let preimage: ReturnType<typeof decodeMessagePreimage>;
  try {
    preimage = decodeMessagePreimage(config.params);
  } catch (error) {
    if (!(error instanceof MessagePreimageError)) throw error;
    throw refuse(`its preimage is unreadable (${error.message}).`);
  }
  if (preimage?.kind !== "intent") {
    throw refuse(
      "it does not carry an account intent (start one with `roundtable account propose`).",
    );
  }
  const { intent } = preimage;
  const digest = intentDigest(intent);
  if (digest.toLowerCase() !== config.message.toLowerCase()) {
    throw refuse(`its message ${config.message} is not its intent's digest ${digest}.`);
  }
  if (!isAddressEqual(intent.account, account)) {
    throw refuse(`its intent is for the account ${intent.account}.`);
  }
  if (intent.chainId !== BigInt(chainId)) {
    throw refuse(`its intent is for chain ${intent.chainId}, and this is chain ${chainId}.`);
  }
  if (!state.deployed || state.groupKey === undefined || state.keySession === undefined) {
    throw refuse("the account is not deployed yet; create it first (`roundtable account create`).");
  }
  if (state.keySession !== config.keySession || !isAddressEqual(state.roundtable!, roundtable)) {
    throw refuse(
      `it signs with key session ${config.keySession}, and the account obeys key session ${state.keySession} of ${state.roundtable}.`,
    );
  }
  if (session.state.phase !== Phase.Finalized || session.result === undefined) {
    throw refuse(`it is ${session.phase}, not finalized: there is no signature yet.`);
  }
  const signature = session.result;
  let valid = false;
  try {
    valid = schnorr.verify(hexToBytes(signature), hexToBytes(digest), hexToBytes(state.groupKey));
  } catch {
    valid = false;
  }
  if (!valid) {
    throw refuse(
      `its result ${signature} is not a BIP-340 signature of ${digest} under the account's group key ${state.groupKey}.`,
    );
  }
  return { intent, digest, signature, keySession: config.keySession, groupKey: state.groupKey };
}

/**
 * Executes the intent a finalized signing session signed (anyone may send it), after
 * {@link signedIntentOf}'s checks and a check that its nonce is still the account's.
 */
export async function executeSignedIntent({
  publicClient,
  walletClient,
  roundtable,
  signingSession,
  account,
  fromBlock,
}: {
  publicClient: RoundtablePublicClient;
  walletClient: RoundtableWalletClient;
  roundtable: Address;
  signingSession: bigint;
  account: Address;
  fromBlock?: bigint | undefined;
}): Promise<ExecutableIntent & { transactionHash: Hash; blockNumber: bigint; gasUsed: bigint }> {
  assertWalletAccount(walletClient);
  const signed = await signedIntentOf({
    publicClient,
    roundtable,
    signingSession,
    account,
    fromBlock,
  });
  const { intent } = signed;
  const current = await publicClient.readContract({
    address: account,
    abi: thresholdAccountAbi,
    functionName: "nonce",
  });
  if (intent.nonce !== current) {
    throw new ThresholdAccountNonceError(
      intent.nonce < current
        ? `The intent of session ${signingSession} spends nonce ${intent.nonce}, which the account already spent (its next nonce is ${current}): it was executed, or another intent took that nonce. Nothing was sent.`
        : `The intent of session ${signingSession} spends nonce ${intent.nonce}, but the account's next nonce is ${current}: execute the intents before it first.`,
      intent.nonce,
      current,
    );
  }
  const block = await publicClient.getBlock();
  if (intent.deadline < block.timestamp) {
    throw new RoundtableInputError({
      parameter: "signingSession",
      shortMessage: `The intent of session ${signingSession} expired at ${new Date(Number(intent.deadline) * 1000).toISOString()} (the chain's time is ${new Date(Number(block.timestamp) * 1000).toISOString()}): propose it again with a later deadline.`,
    });
  }
  try {
    const { request } = await publicClient.simulateContract({
      address: account,
      abi: thresholdAccountAbi,
      functionName: "execute",
      args: [intent.calls, intent.deadline, signed.signature],
      account: walletClient.account,
    });
    const transactionHash = await writeWithHeadroom(publicClient, walletClient, request);
    const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
    if (receipt.status !== "success") {
      throw new RoundtableError({
        shortMessage: `The execution ${transactionHash} reverted in block ${receipt.blockNumber} (another transaction may have spent the nonce first); nothing was executed.`,
      });
    }
    return {
      ...signed,
      transactionHash,
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
    };
  } catch (error) {
    throw accountRevertError(error) ?? error;
  }
}

/** The account's own revert, in words, or undefined for any other error. */
function accountRevertError(error: unknown): RoundtableError | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError) || revert.data === undefined)
    return undefined;
  const { errorName, args } = revert.data;
  const why: Record<string, string> = {
    ThresholdAccountExpired: `the intent's deadline ${args?.[0]} has passed`,
    ThresholdAccountBadSignature: `the signature does not verify for digest ${args?.[0]} at the account's current nonce (was the nonce spent?)`,
    ThresholdAccountCallFailed: `call ${Number(args?.[0] ?? 0) + 1} reverted (${args?.[1]}); fund the account or fix the call`,
  };
  return new RoundtableError({
    shortMessage: `The account refused to execute: ${why[errorName] ?? `${errorName}(${(args ?? []).join(", ")})`}. Nothing was executed.`,
    cause: error,
  });
}
