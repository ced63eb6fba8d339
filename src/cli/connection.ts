import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  type LocalAccount,
  type Transport,
  webSocket,
} from "viem";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { deploymentFile, readDeploymentRecord } from "./deploymentRecord.js";
import { CliError, ExitCode, isConnectionError, toCliError, unreachableMessage } from "./errors.js";
import type { Logger } from "./output.js";
import { redactUrl } from "./parse.js";

/** A node that answered, and clients for it. */
export type ChainConnection = {
  rpcUrl: string;
  /** `rpcUrl` without what may be an API key, for messages. */
  rpcUrlShown: string;
  chainId: number;
  chain: Chain;
  /** Milliseconds between polls: short for a node on this machine, longer for a public chain. */
  pollingInterval: number;
  publicClient: RoundtablePublicClient;
  walletClient(account: LocalAccount): RoundtableWalletClient;
};

/** A connection and the Roundtable contract on that chain. */
export type RoundtableConnection = ChainConnection & {
  contract: Address;
  /** The contract's deployment block, when a record names it: log scans start there. */
  deploymentBlock: bigint | undefined;
};

function isLoopback(rpcUrl: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(rpcUrl).hostname);
  } catch {
    return false;
  }
}

function transportFor(rpcUrl: string, retryCount: number): Transport {
  return rpcUrl.startsWith("ws")
    ? webSocket(rpcUrl, { retryCount, timeout: 15_000 })
    : http(rpcUrl, { retryCount, timeout: 15_000 });
}

/**
 * Connects to `rpcUrl` and reads its chain id first, so that a node that is
 * not there fails here, once, with what to do.
 */
export async function connectChain(rpcUrl: string): Promise<ChainConnection> {
  const rpcUrlShown = redactUrl(rpcUrl);
  let chainId: number;
  try {
    // No retries: a refused connection should fail at once, not after backoff.
    const probe = createPublicClient({ transport: transportFor(rpcUrl, 0) });
    chainId = await probe.getChainId();
  } catch (error) {
    const reason = isConnectionError(error)
      ? toCliError(error, rpcUrlShown).message
      : unreachableMessage(rpcUrlShown, (error as Error).message.split("\n")[0] ?? "no answer");
    throw new CliError({ message: reason, exitCode: ExitCode.Chain, cause: error });
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = transportFor(rpcUrl, 2);
  // A local node mines at once; a public chain takes seconds per block.
  const pollingInterval = isLoopback(rpcUrl) ? 200 : 2_000;
  const publicClient: RoundtablePublicClient = createPublicClient({
    chain,
    transport,
    pollingInterval,
  });
  return {
    rpcUrl,
    rpcUrlShown,
    chainId,
    chain,
    pollingInterval,
    publicClient,
    walletClient: (account) => createWalletClient({ account, chain, transport, pollingInterval }),
  };
}

/**
 * The Roundtable contract for this chain: --contract (or ROUNDTABLE_CONTRACT),
 * else the deployment record. Checks that code is there, so that a stale
 * record (a restarted local chain) or a wrong address fails with what to do.
 */
export async function resolveRoundtable(
  connection: ChainConnection,
  {
    contract,
    contractSource,
    deploymentsDir,
    log,
  }: {
    contract: Address | undefined;
    contractSource: string | undefined;
    deploymentsDir: string;
    log: Logger;
  },
): Promise<RoundtableConnection> {
  const { chainId, publicClient } = connection;
  const record = await readDeploymentRecord(deploymentsDir, chainId);
  const path = deploymentFile(deploymentsDir, chainId);
  let address: Address;
  let source: string;
  if (contract !== undefined) {
    address = contract;
    source = contractSource ?? "--contract";
  } else if (record !== undefined) {
    address = getAddress(record.address);
    source = path;
  } else {
    throw new CliError({
      message: `No Roundtable contract is known for chain ${chainId}: ${path} does not exist. Pass --contract ADDRESS (or set ROUNDTABLE_CONTRACT); to get one, run \`roundtable chain\` for a local chain or \`roundtable deploy\` for this one.`,
      exitCode: ExitCode.Usage,
    });
  }
  const sameAsRecord =
    record !== undefined && record.address.toLowerCase() === address.toLowerCase();
  log.debug(`contract ${address} (from ${source}) on chain ${chainId}`);
  let code: string | undefined;
  try {
    code = await publicClient.getCode({ address });
  } catch (error) {
    throw toCliError(error, connection.rpcUrlShown);
  }
  if (code === undefined || code === "0x") {
    const fix = sameAsRecord
      ? `The record ${path} is stale (was the local chain restarted?): run \`roundtable chain\` again, or pass --contract.`
      : `Check ${source} and --rpc-url: they must name the same chain.`;
    throw new CliError({
      message: `There is no contract at ${address} on chain ${chainId} (${connection.rpcUrlShown}). ${fix}`,
      exitCode: ExitCode.NoResult,
    });
  }
  return {
    ...connection,
    contract: address,
    deploymentBlock: sameAsRecord && record ? BigInt(record.deploymentBlock) : undefined,
  };
}
