// The page's view of one chain: RPC providers the party chose (one, or several that must agree),
// never the wallet's, so that what the runner and the audit read does not depend on the wallet's
// provider; the wallet only signs. Every read is still checked by the runner (verify, don't believe).
import { type Address, createPublicClient, defineChain, getAddress, isAddress } from "viem";
import type { RoundtablePublicClient } from "../../../src/sdk/actions/internal.js";
import { quorumTransport } from "../../../src/sdk/rpc/quorumTransport.js";
import { redactUrl } from "../../../src/sdk/rpc/redactUrl.js";

/** What the page needs to reach a Roundtable contract: from an invitation link or the form. */
export type ChainSettings = {
  rpcUrls: string[];
  /** The Roundtable contract; undefined to take it from the chain's deployment record. */
  contract: Address | undefined;
  relayers: string[];
};

export type ChainConnection = {
  chainId: number;
  chain: ReturnType<typeof defineChain>;
  contract: Address;
  /** Where the contract's log scans start (its deployment block), when a record gave it. */
  deploymentBlock: bigint;
  rpcUrls: string[];
  relayers: string[];
  publicClient: RoundtablePublicClient;
  pollingInterval: number;
  /** The providers, as shown: without paths or queries that may hold API keys. */
  shown: string;
};

/** A setting the page cannot use; the message names it and says what to do. */
export class SettingsError extends Error {
  override name = "SettingsError";
}

export function parseUrlList(text: string, what: string): string[] {
  const urls = text
    .split(/[\s,]+/)
    .map((url) => url.trim())
    .filter((url) => url !== "");
  for (const url of urls) {
    let protocol = "";
    try {
      protocol = new URL(url).protocol;
    } catch {}
    if (protocol !== "http:" && protocol !== "https:") {
      throw new SettingsError(
        `${what} "${url}" is not an http(s) URL: give one such as http://127.0.0.1:8545, or several separated by commas.`,
      );
    }
  }
  return urls;
}

export function parseContract(text: string): Address | undefined {
  const value = text.trim();
  if (value === "") return undefined;
  if (!isAddress(value, { strict: false })) {
    throw new SettingsError(
      `Contract "${value}" is not an address: give the Roundtable contract as 0x followed by 40 hex digits.`,
    );
  }
  // A mixed-case address must carry a valid EIP-55 checksum: a typo would name another account.
  if (value !== value.toLowerCase() && value.slice(2) !== value.slice(2).toUpperCase()) {
    if (!isAddress(value, { strict: true })) {
      throw new SettingsError(
        `Contract ${value} has a wrong EIP-55 checksum: a letter's case is off, which usually means a typo. Copy the address again.`,
      );
    }
  }
  return getAddress(value);
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

type DeploymentRecordJson = { chainId: number; address: string; deploymentBlock: number };

/** The deployment record the page's host serves for `chainId`, if any (`roundtable web` does). */
async function deploymentRecord(chainId: number): Promise<DeploymentRecordJson | undefined> {
  try {
    const response = await fetch(`./deployments/${chainId}.json`, { redirect: "error" });
    if (!response.ok) return undefined;
    const record = (await response.json()) as DeploymentRecordJson;
    return record.chainId === chainId && isAddress(record.address) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connects to the providers, reads the chain id (all must agree), and finds the contract: the one
 * given, else the deployment record of that chain. Checks that the contract has code.
 */
export async function connectChain(settings: ChainSettings): Promise<ChainConnection> {
  const { rpcUrls } = settings;
  if (rpcUrls.length === 0) {
    throw new SettingsError(
      "No RPC URL: give the chain's JSON-RPC endpoint, such as http://127.0.0.1:8545 for a local chain.",
    );
  }
  const shown = rpcUrls.map(redactUrl).join(", ");
  const pollingInterval = rpcUrls.every(isLoopback) ? 250 : 2_000;
  const transport = quorumTransport({
    providers: rpcUrls,
    quorum: rpcUrls.length,
    retryCount: 1,
    timeout: 15_000,
    headCacheTime: pollingInterval,
  });
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch (error) {
    throw new SettingsError(
      `Could not read the chain id from ${shown}: ${(error as Error).message.split("\n")[0]}. Check the RPC URL and that the node is running (a local one: \`roundtable chain\`).`,
    );
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrls } },
  });
  const publicClient: RoundtablePublicClient = createPublicClient({
    chain,
    transport,
    pollingInterval,
  });
  let contract = settings.contract;
  let deploymentBlock = 0n;
  if (contract === undefined) {
    const record = await deploymentRecord(chainId);
    if (record === undefined) {
      throw new SettingsError(
        `No Roundtable contract given, and no deployment record is known for chain ${chainId}. Give the contract address (from the invitation link or the operator).`,
      );
    }
    contract = getAddress(record.address);
    deploymentBlock = BigInt(record.deploymentBlock);
  }
  const code = await publicClient.getCode({ address: contract }).catch(() => undefined);
  if (code === undefined || code === "0x") {
    throw new SettingsError(
      `There is no contract at ${contract} on chain ${chainId} (${shown}). Check the address and the chain: a restarted local chain forgets its contracts.`,
    );
  }
  return {
    chainId,
    chain,
    contract,
    deploymentBlock,
    rpcUrls,
    relayers: settings.relayers,
    publicClient,
    pollingInterval,
    shown,
  };
}
