// The demo's accounts: one fresh key per party, each in its own encrypted key file with a password
// file beside it and its own secret-store directory; and Hardhat's first development account,
// which deploys, funds the parties and initiates the sessions.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Address, type Hex, parseEther } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../../sdk/actions/internal.js";
import { CliError, ExitCode } from "../errors.js";
import { writeKeyFile } from "../keyFile.js";

/**
 * Hardhat's first default account (mnemonic "test test … junk"). Its key is public knowledge and
 * it holds ETH only on Hardhat's development chain (id 31337), the only chain the demo runs on.
 */
export const hardhatDevelopmentKey: Hex =
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** Hardhat's development chain id, where {@link hardhatDevelopmentKey} is funded. */
export const hardhatChainId = 31337;

/**
 * scrypt cost of the demo's key files: 2^12 instead of the 2^18 of `roundtable key new`, so that
 * each of the demo's processes opens its key in milliseconds. The demo says so when it runs.
 */
export const demoScryptN = 2 ** 12;

/** What the demo gives each party: enough for many sessions on a development chain. */
export const demoFunding = parseEther("10");

/** One account whose key lives only in its encrypted key file (and in the processes it runs). */
export type DemoAccount = {
  name: string;
  address: Address;
  /** Web3 Secret Storage v3, mode 0600. */
  keyFile: string;
  /** The key file's password, mode 0600. */
  passwordFile: string;
};

/** A party: its account, and the directory and password of its encrypted secret store. */
export type DemoParty = DemoAccount & {
  store: string;
  storePasswordFile: string;
};

/** A random password, written to `path` (mode 0600) and returned to no one. */
async function writePasswordFile(path: string): Promise<string> {
  const password = randomBytes(24).toString("base64url");
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Writes `privateKey` to `<directory>/<name>.json` under a fresh password in `<name>.password`. */
export async function writeDemoAccount(
  directory: string,
  name: string,
  privateKey: Hex,
  scryptN = demoScryptN,
): Promise<DemoAccount> {
  const keyFile = join(directory, `${name}.json`);
  const passwordFile = join(directory, `${name}.password`);
  const password = await writePasswordFile(passwordFile);
  await writeKeyFile(keyFile, privateKey, password, { scryptN });
  return { name, address: privateKeyToAccount(privateKey).address, keyFile, passwordFile };
}

/**
 * A party named `name` under `directory`: a freshly generated key in its key file, and its own
 * store directory `<name>-store` with the store's password in `<name>-store.password`. The key
 * never leaves this function but encrypted.
 */
export async function createDemoParty(
  directory: string,
  name: string,
  scryptN = demoScryptN,
): Promise<DemoParty> {
  const account = await writeDemoAccount(directory, name, generatePrivateKey(), scryptN);
  const store = join(directory, `${name}-store`);
  await mkdir(store, { mode: 0o700 });
  const storePasswordFile = join(directory, `${name}-store.password`);
  await writePasswordFile(storePasswordFile);
  return { ...account, store, storePasswordFile };
}

/** The development account, as a viem account. */
export function hardhatDevelopmentAccount(): PrivateKeyAccount {
  return privateKeyToAccount(hardhatDevelopmentKey);
}

/**
 * Sends `amount` to each of `recipients` from the wallet's account, one transaction at a time (one
 * sender, so nonces never race), and waits for each.
 */
export async function fundAccounts({
  publicClient,
  walletClient,
  recipients,
  amount = demoFunding,
}: {
  publicClient: RoundtablePublicClient;
  walletClient: RoundtableWalletClient;
  recipients: readonly Address[];
  amount?: bigint;
}): Promise<void> {
  const balance = await publicClient.getBalance({ address: walletClient.account.address });
  const needed = amount * BigInt(recipients.length);
  if (balance < needed) {
    throw new CliError({
      message: `The funding account ${walletClient.account.address} holds ${balance} wei, less than the ${needed} wei the demo gives its parties. On a Hardhat development chain it starts with 10000 ETH: restart the chain (\`roundtable chain\`), or run the demo without --rpc-url.`,
      exitCode: ExitCode.Chain,
      retryable: false,
    });
  }
  for (const to of recipients) {
    const hash = await walletClient.sendTransaction({
      to,
      value: amount,
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      throw new CliError({
        message: `Funding ${to} failed: transaction ${hash} reverted in block ${receipt.blockNumber}.`,
        exitCode: ExitCode.Chain,
      });
    }
  }
}
