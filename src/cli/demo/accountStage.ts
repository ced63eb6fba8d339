// Demo stage 6: the group's threshold account. Its address is known from the key session alone;
// it is created (`roundtable account create`), receives 1 ETH, the two signers sign an intent
// paying 0.25 ETH to a fresh address (`roundtable account propose`, then their `party run`s, which
// show the intent and check its digest), and the initiator, who holds no share, executes it
// (`roundtable account execute`). Every step is its own process, like the rest of the demo; this
// module checks what they report against the chain and noble's BIP-340 verifier.
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import {
  type Address,
  encodeFunctionData,
  formatEther,
  type Hash,
  type Hex,
  hexToBytes,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type AccountIntent, intentDigest } from "../../sdk/accountIntent.js";
import { thresholdAccountAbi } from "../../sdk/generated/thresholdAccountAbi.js";
import { hashSessionConfig } from "../../sdk/hashSessionConfig.js";
import { signingConfig } from "../../sdk/protocolIds.js";
import { thresholdAccountAddress } from "../../sdk/thresholdAccount.js";
import type { ChainConnection } from "../connection.js";
import { readDeploymentRecord } from "../deploymentRecord.js";
import { deployThresholdAccountFactory } from "../deployRoundtable.js";
import { CliError, ExitCode } from "../errors.js";
import type { Logger } from "../output.js";
import { type DemoAccount, type DemoParty, hardhatDevelopmentAccount } from "./accounts.js";
import { type CliProcess, exitText, failureOf, jsonOutput } from "./cliProcess.js";

/** What the account stage reports in `demo --json` (`account`). */
export type DemoAccountSummary = {
  address: Address;
  factory: Address;
  signingSession: bigint;
  recipient: Address;
  /** The intent's EIP-712 digest, the contract's intentDigest: what the group signed. */
  intentDigest: Hex;
  /** The group's 64-byte BIP-340 signature over it. */
  signature: Hex;
  executeTransaction: Hash;
  executeGas: bigint;
  /**
   * Execution gas of one signature check on chain: an `isValidSignature` transaction's gasUsed
   * less the 21,000 base and its calldata (EIP-2028), as docs/gas.md measures it. It covers the
   * cold account, ABI decoding, the EIP-712 wrap and one full Bip340.verify (range checks, lift_x,
   * the tagged challenge, one ecrecover): the group's intent signature is not valid for the
   * wrapped digest, and Bip340.verify has no early exit after its range checks, so a refused
   * signature costs what an accepted one does.
   */
  verifyGas: bigint;
  /** Wei held after the intent ran: the account's, and the recipient's. */
  balance: bigint;
  recipientBalance: bigint;
};

export type AccountStageInput = {
  connection: ChainConnection & { contract: Address };
  /** Where the demo recorded its deployment (the factory is read from there). */
  workDir: string;
  /** Creates the account, funds it, proposes and executes; it holds no share of the key. */
  initiator: DemoAccount;
  signers: readonly DemoParty[];
  threshold: number;
  keySession: bigint;
  groupPublicKey: Hex;
  ciphersuite: "FROST-secp256k1-SHA256-TR-v1";
  durations: { acceptance: number; rounds: number };
  log: Logger;
  spawnChild(name: string, args: readonly string[]): CliProcess;
  /** Runs the signers through a session, as the demo's other stages do; returns their signature. */
  runSigners(sessionId: bigint, configHash: Hex): Promise<Hex>;
};

const funding = parseEther("1");
const payment = parseEther("0.25");

/** Runs `roundtable …args` as `name` and returns its one JSON object, or throws its failure. */
async function cliResult(
  input: AccountStageInput,
  name: string,
  args: readonly string[],
): Promise<Record<string, unknown>> {
  const { connection } = input;
  const result = await input.spawnChild(name, [
    ...args,
    "--rpc-url",
    connection.rpcUrl,
    "--contract",
    connection.contract,
    "--json",
  ]).done;
  const json = jsonOutput(result);
  if (result.code !== 0 || json === undefined) {
    throw new CliError({
      message: `\`roundtable ${args.slice(0, 2).join(" ")}\` failed (${exitText(result)}): ${failureOf(result)}`,
      exitCode: ExitCode.NoResult,
    });
  }
  return json;
}

function mismatch(what: string, got: unknown, expected: unknown): CliError {
  return new CliError({
    message: `${what} is ${String(got)}, not ${String(expected)}.`,
    exitCode: ExitCode.NoResult,
  });
}

/** The factory the deployment recorded beside this Roundtable, or a new one (a given --contract). */
async function demoFactory(input: AccountStageInput): Promise<Address> {
  const { connection, workDir, log } = input;
  const record = await readDeploymentRecord(join(workDir, "deployments"), connection.chainId);
  if (
    record?.thresholdAccountFactory !== undefined &&
    record.address.toLowerCase() === connection.contract.toLowerCase()
  ) {
    return record.thresholdAccountFactory;
  }
  const { factory, entryPoint } = await deployThresholdAccountFactory(
    connection.publicClient,
    connection.walletClient(hardhatDevelopmentAccount()),
    connection.contract,
  );
  log.info(
    `    deployed a ThresholdAccountFactory at ${factory} (ERC-4337 EntryPoint ${entryPoint})`,
  );
  return factory;
}

/** Stage 6: the group's account is created, funded, and pays 0.25 ETH on the group's signature. */
export async function runAccountStage(input: AccountStageInput): Promise<DemoAccountSummary> {
  const { connection, initiator, signers, keySession, log } = input;
  const { publicClient } = connection;
  const factory = await demoFactory(input);
  const keyFlags = ["--key-file", initiator.keyFile, "--password-file", initiator.passwordFile];
  const account = await thresholdAccountAddress({
    publicClient,
    factory,
    roundtable: connection.contract,
    keySession,
  });
  log.info(`    the account of key session ${keySession} will live at ${account} (CREATE2)`);

  const created = await cliResult(input, "initiator", [
    "account",
    "create",
    ...keyFlags,
    "--key-session",
    String(keySession),
    "--factory",
    factory,
  ]);
  if (created.account !== account) throw mismatch("The created account", created.account, account);

  const wallet = connection.walletClient(hardhatDevelopmentAccount());
  const fundingHash = await wallet.sendTransaction({
    to: account,
    value: funding,
    account: wallet.account,
    chain: wallet.chain,
  });
  await publicClient.waitForTransactionReceipt({ hash: fundingHash });
  log.info(`    ${account} created and funded with ${formatEther(funding)} ETH`);

  // A fresh recipient, so that its balance says what this run paid it.
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const now = (await publicClient.getBlock()).timestamp;
  const deadline = now + 3600n;
  const nonce = await publicClient.readContract({
    address: account,
    abi: thresholdAccountAbi,
    functionName: "nonce",
  });
  const intent: AccountIntent = {
    account,
    chainId: BigInt(connection.chainId),
    nonce,
    deadline,
    calls: [{ target: recipient, value: payment, data: "0x" }],
  };
  const digest = intentDigest(intent);
  // The configuration the signers are told to expect, computed here, not read from the proposer.
  const expected = hashSessionConfig(
    signingConfig({
      keySession,
      signers: signers.map((s) => s.address),
      threshold: input.threshold,
      preimage: { kind: "intent", intent },
      ciphersuite: input.ciphersuite,
      durations: input.durations,
    }),
  );
  const proposed = await cliResult(input, "initiator", [
    "account",
    "propose",
    ...keyFlags,
    "--key-session",
    String(keySession),
    "--factory",
    factory,
    "--signers",
    signers.map((s) => s.address).join(","),
    "--transfer",
    `${recipient},${formatEther(payment)}`,
    "--deadline",
    new Date(Number(deadline) * 1000).toISOString(),
    "--acceptance",
    String(input.durations.acceptance),
    "--round-duration",
    String(input.durations.rounds),
  ]);
  if (proposed.configHash !== expected) {
    throw mismatch("The proposal's config hash", proposed.configHash, expected);
  }
  if (proposed.message !== digest)
    throw mismatch("The proposal's message", proposed.message, digest);
  const signingSession = BigInt(String(proposed.sessionId));
  log.info(
    `    session ${signingSession} asks the group to pay ${formatEther(payment)} ETH to ${recipient}; intent digest ${digest}`,
  );

  const signature = await input.runSigners(signingSession, expected);
  if (
    !schnorr.verify(hexToBytes(signature), hexToBytes(digest), hexToBytes(input.groupPublicKey))
  ) {
    throw new CliError({
      message: `The group's signature ${signature} does not verify (BIP-340, @noble/curves) for the intent digest ${digest}.`,
      exitCode: ExitCode.NoResult,
    });
  }

  const executed = await cliResult(input, "initiator", [
    "account",
    "execute",
    ...keyFlags,
    "--session",
    String(signingSession),
    "--factory",
    factory,
  ]);
  const executeTransaction = executed.transactionHash as Hash;
  const [balance, recipientBalance, receipt] = await Promise.all([
    publicClient.getBalance({ address: account }),
    publicClient.getBalance({ address: recipient }),
    publicClient.getTransactionReceipt({ hash: executeTransaction }),
  ]);
  if (recipientBalance !== payment)
    throw mismatch("The recipient's balance", recipientBalance, payment);
  if (balance !== funding - payment)
    throw mismatch("The account's balance", balance, funding - payment);
  log.info(
    `    executed by ${initiator.address} (no share of the key) in ${executeTransaction}: ${formatEther(recipientBalance)} ETH paid, ${formatEther(balance)} ETH left`,
  );

  const verifyGas = await measureVerifyGas(input, account, digest, signature);
  log.info(`    one BIP-340 check on chain (isValidSignature, execution only): ${verifyGas} gas`);
  return {
    address: account,
    factory,
    signingSession,
    recipient,
    intentDigest: digest,
    signature,
    executeTransaction,
    executeGas: receipt.gasUsed,
    verifyGas,
    balance,
    recipientBalance,
  };
}

/** See DemoAccountSummary.verifyGas: one isValidSignature transaction, less base and calldata. */
async function measureVerifyGas(
  input: AccountStageInput,
  account: Address,
  hash: Hex,
  signature: Hex,
): Promise<bigint> {
  const { connection } = input;
  const data = encodeFunctionData({
    abi: thresholdAccountAbi,
    functionName: "isValidSignature",
    args: [hash, signature],
  });
  // A signature over an intent is not one over an ERC-1271 message (threat W2): the answer is no.
  const answer = await connection.publicClient.readContract({
    address: account,
    abi: thresholdAccountAbi,
    functionName: "isValidSignature",
    args: [hash, signature],
  });
  if (answer !== "0xffffffff")
    throw mismatch("isValidSignature of the intent's signature", answer, "0xffffffff");
  const wallet = connection.walletClient(hardhatDevelopmentAccount());
  const sent = await wallet.sendTransaction({
    to: account,
    data,
    account: wallet.account,
    chain: wallet.chain,
  });
  const receipt = await connection.publicClient.waitForTransactionReceipt({ hash: sent });
  const calldataGas = hexToBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
  return receipt.gasUsed - 21_000n - calldataGas;
}
