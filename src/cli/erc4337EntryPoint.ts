// The ERC-4337 EntryPoint (v0.8) that the threshold accounts of a deployment serve. On a chain where
// the canonical v0.8 EntryPoint exists it is used; on a local development chain one is deployed from
// @account-abstraction/contracts' own compiled artifact (compiling EntryPoint.sol here would add its
// compiler warnings to `npm run build`); elsewhere there is none, and the accounts' ERC-4337 path is
// disabled (the factory gets address(0)) rather than trusting a private EntryPoint nobody bundles for.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { type Abi, type Address, getAddress, type Hex, isHex, zeroAddress } from "viem";
import { entryPoint08Address } from "viem/account-abstraction";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { CliError, ExitCode } from "./errors.js";

/**
 * The canonical EntryPoint v0.8 address, the same on every chain where it exists: viem's
 * `entryPoint08Address`, which is also the address @account-abstraction/contracts 0.8.0 itself
 * names (accounts/Simple7702Account.sol, `entryPoint()`).
 */
export const CANONICAL_ENTRY_POINT_V08: Address = entryPoint08Address;

/** Chain ids of local development chains (Hardhat's node and simulator, anvil), where one is deployed. */
const DEVELOPMENT_CHAIN_IDS = new Set([31337, 1337]);

/** The EntryPoint artifact shipped by the package (ABI and creation bytecode). */
export const entryPointArtifactPath = createRequire(import.meta.url).resolve(
  "@account-abstraction/contracts/artifacts/EntryPoint.json",
);

/** The EntryPoint's ABI and creation bytecode, from the package's artifact. */
export async function readEntryPointArtifact(): Promise<{ abi: Abi; bytecode: Hex }> {
  let artifact: { abi?: unknown; bytecode?: unknown };
  try {
    artifact = JSON.parse(await readFile(entryPointArtifactPath, "utf8")) as typeof artifact;
  } catch (error) {
    throw new CliError({
      message: `The EntryPoint artifact ${entryPointArtifactPath} cannot be read (${(error as Error).message}). Reinstall the dependencies (\`npm install\`), then try again.`,
      exitCode: ExitCode.NoResult,
    });
  }
  const { abi, bytecode } = artifact;
  if (
    !Array.isArray(abi) ||
    typeof bytecode !== "string" ||
    !isHex(bytecode) ||
    bytecode === "0x"
  ) {
    throw new CliError({
      message: `${entryPointArtifactPath} has no ABI or creation bytecode. Reinstall the dependencies (\`npm install\`), then try again.`,
      exitCode: ExitCode.NoResult,
    });
  }
  return { abi: abi as Abi, bytecode };
}

/** Deploys an EntryPoint (no constructor arguments, no owner) from the package's artifact. */
export async function deployEntryPoint(
  publicClient: RoundtablePublicClient,
  walletClient: RoundtableWalletClient,
): Promise<Address> {
  const { abi, bytecode } = await readEntryPointArtifact();
  const hash = await walletClient.deployContract({
    abi,
    bytecode,
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new CliError({
      message: `Deploying the ERC-4337 EntryPoint failed: transaction ${hash} reverted in block ${receipt.blockNumber}. Check the account's balance and the chain's gas limit, then try again.`,
      exitCode: ExitCode.Chain,
    });
  }
  return getAddress(receipt.contractAddress);
}

/**
 * The EntryPoint the accounts of a new factory will serve: the canonical v0.8 one if it has code
 * on this chain, else a new one on a development chain, else address(0) (no ERC-4337 path).
 */
export async function resolveEntryPoint(
  publicClient: RoundtablePublicClient,
  walletClient: RoundtableWalletClient,
): Promise<Address> {
  const code = await publicClient.getCode({ address: CANONICAL_ENTRY_POINT_V08 });
  if (code !== undefined && code !== "0x") return CANONICAL_ENTRY_POINT_V08;
  if (DEVELOPMENT_CHAIN_IDS.has(await publicClient.getChainId())) {
    return deployEntryPoint(publicClient, walletClient);
  }
  return zeroAddress;
}
