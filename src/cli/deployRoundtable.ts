import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { type Address, getAddress, type Hash, type Hex, isHex, zeroAddress } from "viem";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import type { DeploymentRecord } from "../sdk/deployments.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { thresholdAccountFactoryAbi } from "../sdk/generated/thresholdAccountFactoryAbi.js";
import { writeDeploymentRecord } from "./deploymentRecord.js";
import { resolveEntryPoint } from "./erc4337EntryPoint.js";
import { CliError, ExitCode } from "./errors.js";
import {
  hardhatCli,
  projectRoot,
  roundtableArtifact,
  thresholdAccountFactoryArtifact,
} from "./project.js";

/** Compiles the contracts with the project's Hardhat, quietly (stdout may be a JSON result). */
function compileContracts(): void {
  const run = spawnSync(process.execPath, [hardhatCli, "build", "--no-tests", "--quiet"], {
    cwd: projectRoot,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (run.status !== 0) {
    throw new CliError({
      message: `Compiling the contract failed (hardhat build, exit ${run.status ?? run.signal}): ${(run.stderr ?? "").trim().split("\n").slice(-3).join(" ")}. Run \`npm run build\` in ${projectRoot} to see why.`,
      exitCode: ExitCode.NoResult,
    });
  }
}

/** The creation bytecode from Hardhat's artifact; the ABI comes from the SDK, which a check keeps equal. */
export async function readRoundtableBytecode(): Promise<Hex> {
  return readBytecode(roundtableArtifact);
}

/** The ThresholdAccountFactory's creation bytecode, from its artifact. */
export async function readFactoryBytecode(): Promise<Hex> {
  return readBytecode(thresholdAccountFactoryArtifact);
}

async function readBytecode(path: string): Promise<Hex> {
  // A fresh clone has no artifacts until a build: compile once, so that `npm install` then
  // `npm run demo` (or `roundtable chain`) works with nothing in between.
  if (!existsSync(path) && existsSync(hardhatCli)) compileContracts();
  let artifact: { bytecode?: unknown };
  try {
    artifact = JSON.parse(await readFile(path, "utf8")) as { bytecode?: unknown };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new CliError({
      message: `${missing ? "The compiled contract is missing" : "The compiled contract cannot be read"}: ${path}. Run \`npm run build\` in ${projectRoot}, then try again.`,
      exitCode: ExitCode.NoResult,
    });
  }
  const { bytecode } = artifact;
  if (typeof bytecode !== "string" || !isHex(bytecode) || bytecode.length <= 2) {
    throw new CliError({
      message: `${path} has no creation bytecode. Run \`npm run build\` in ${projectRoot}, then try again.`,
      exitCode: ExitCode.NoResult,
    });
  }
  return bytecode;
}

export type DeployRoundtableParameters = {
  publicClient: RoundtablePublicClient;
  walletClient: RoundtableWalletClient;
  bytecode: Hex;
  /** A name for the record, such as "localhost" or "sepolia". */
  network: string;
  deploymentsDir: string;
};

export type DeployRoundtableReturnType = {
  record: DeploymentRecord;
  /** The record file written. */
  path: string;
  transactionHash: Hash;
};

/**
 * Deploys Roundtable (no constructor arguments, no owner) and its ThresholdAccountFactory (whose
 * accounts serve the ERC-4337 EntryPoint of {@link resolveEntryPoint}: the canonical v0.8 one, or
 * one deployed here on a development chain), and records them in `<deploymentsDir>/<chainId>.json`,
 * in the same shape as scripts/deploy.ts, so that parties and auditors start their log scans at its
 * block.
 */
export async function deployRoundtable({
  publicClient,
  walletClient,
  bytecode,
  network,
  deploymentsDir,
}: DeployRoundtableParameters): Promise<DeployRoundtableReturnType> {
  const transactionHash = await walletClient.deployContract({
    abi: roundtableAbi,
    bytecode,
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  const address: Address | undefined = receipt.contractAddress
    ? getAddress(receipt.contractAddress)
    : undefined;
  if (receipt.status !== "success" || !address) {
    throw new CliError({
      message: `The deployment transaction ${transactionHash} reverted in block ${receipt.blockNumber}; nothing was deployed. Check the account's balance and the chain's gas limit, then run the command again.`,
      exitCode: ExitCode.Chain,
    });
  }
  const { factory: thresholdAccountFactory, entryPoint } = await deployThresholdAccountFactory(
    publicClient,
    walletClient,
    address,
  );
  const record: DeploymentRecord = {
    chainId: await publicClient.getChainId(),
    address,
    deploymentBlock: Number(receipt.blockNumber),
    blockHash: receipt.blockHash,
    network,
    recordedAt: new Date().toISOString(),
    thresholdAccountFactory,
    ...(entryPoint === zeroAddress ? {} : { entryPoint }),
  };
  const path = await writeDeploymentRecord(deploymentsDir, record);
  return { record, path, transactionHash };
}

/**
 * Deploys the ThresholdAccountFactory of `roundtable` (no owner), with the EntryPoint its accounts
 * serve (address(0) when the chain has none: their ERC-4337 path is then closed), and returns both.
 */
export async function deployThresholdAccountFactory(
  publicClient: RoundtablePublicClient,
  walletClient: RoundtableWalletClient,
  roundtable: Address,
): Promise<{ factory: Address; entryPoint: Address }> {
  const entryPoint = await resolveEntryPoint(publicClient, walletClient);
  const transactionHash = await walletClient.deployContract({
    abi: thresholdAccountFactoryAbi,
    bytecode: await readFactoryBytecode(),
    args: [roundtable, entryPoint],
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new CliError({
      message: `Roundtable was deployed at ${roundtable}, but its ThresholdAccountFactory deployment ${transactionHash} reverted in block ${receipt.blockNumber}; nothing was recorded. Check the account's balance, then run the command again.`,
      exitCode: ExitCode.Chain,
    });
  }
  return { factory: getAddress(receipt.contractAddress), entryPoint };
}
