import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type LocalAccount,
} from "viem";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { quorumTransport } from "../sdk/rpc/quorumTransport.js";
import { deploymentFile, readDeploymentRecord } from "./deploymentRecord.js";
import { CliError, ExitCode, isConnectionError, toCliError, unreachableMessage } from "./errors.js";
import type { Logger } from "./output.js";
import { redactUrl } from "./parse.js";

/** The nodes that answered (a quorum of providers, or one), and clients over them. */
export type ChainConnection = {
  /** The last URL given (the only one, with one provider). */
  rpcUrl: string;
  /** Every provider, in the order given. */
  rpcUrls: readonly string[];
  /** How many providers must agree on every read a decision rests on. */
  rpcQuorum: number;
  /** The providers without what may be an API key, for messages: one URL, or all with the quorum. */
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

/** The providers as messages name them: `A`, or `A, B, C (2 of 3 must agree)`. */
function providersShown(rpcUrls: readonly string[], quorum: number): string {
  const names = rpcUrls.map(redactUrl);
  return names.length === 1
    ? (names[0] ?? "")
    : `${names.join(", ")} (${quorum} of ${names.length} must agree)`;
}

/**
 * Connects to the providers at `rpcUrls` (one URL, or several that act as a quorum of `quorum`,
 * all by default: see quorumTransport) and reads the chain id first, so that nodes that are not
 * there, or serve different chains, fail here, once, with what to do.
 */
export async function connectChain(
  rpcUrls: string | readonly string[],
  { quorum: quorumOption }: { quorum?: number | undefined } = {},
): Promise<ChainConnection> {
  const urls = typeof rpcUrls === "string" ? [rpcUrls] : [...rpcUrls];
  const rpcUrl = urls.at(-1);
  if (rpcUrl === undefined) throw new RangeError("connectChain needs at least one RPC URL");
  const quorum = quorumOption ?? urls.length;
  const rpcUrlShown = providersShown(urls, quorum);
  let chainId: number;
  try {
    // No retries: a refused connection should fail at once, not after backoff.
    const probe = createPublicClient({
      transport: quorumTransport({ providers: urls, quorum, retryCount: 0, timeout: 15_000 }),
    });
    chainId = await probe.getChainId();
  } catch (error) {
    if (urls.length > 1) throw toCliError(error, rpcUrlShown);
    const reason = isConnectionError(error)
      ? toCliError(error, rpcUrlShown).message
      : unreachableMessage(rpcUrlShown, (error as Error).message.split("\n")[0] ?? "no answer");
    throw new CliError({ message: reason, exitCode: ExitCode.Chain, cause: error });
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: urls } },
  });
  // A local node mines at once; a public chain takes seconds per block.
  const pollingInterval = urls.every(isLoopback) ? 200 : 2_000;
  const transport = quorumTransport({
    providers: urls,
    quorum,
    retryCount: 2,
    timeout: 15_000,
    // The reads of one poll share one common head (and its one hash check per provider).
    headCacheTime: pollingInterval,
  });
  const publicClient: RoundtablePublicClient = createPublicClient({
    chain,
    transport,
    pollingInterval,
  });
  return {
    rpcUrl,
    rpcUrls: urls,
    rpcQuorum: quorum,
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
