// A real anvil node (Foundry, from npm: @foundry-rs/anvil) on 127.0.0.1, for tests that need what
// Hardhat's simulator cannot do, chiefly a chain reorganisation (`anvil_reorg`). The platform
// binary is spawned directly, not through the npm wrapper script, so that stopping it leaves no
// orphan process.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hash,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { readRoundtableBytecode } from "../../src/cli/deployRoundtable.js";
import { freePort } from "../../src/cli/localChain.js";
import { jsonRpc as rpc } from "./jsonRpc.js";

const host = "127.0.0.1";
/** Hardhat's and anvil's shared development mnemonic: public, funded only on local chains. */
export const developmentMnemonic = "test test test test test test test test test test test junk";

export type Anvil = {
  rpcUrl: string;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** A wallet client for the development account at `index` (0–9 are funded). */
  walletClient(index: number): WalletClient<Transport, Chain, ReturnType<typeof mnemonicToAccount>>;
  /**
   * Replaces the newest `depth` blocks with as many new, empty blocks: every transaction in them
   * leaves the chain (anvil does not return them to its pool). Block hashes from there on change.
   */
  reorg(depth: number): Promise<void>;
  /** Mines `count` blocks now. */
  mine(count?: number): Promise<void>;
  stop(): Promise<void>;
};

export type StartAnvilParameters = {
  /** Seconds between blocks; omitted: a block per transaction (automine). */
  blockTime?: number | undefined;
  /** Record opcode steps, for `debug_traceTransaction`'s default (struct log) tracer. */
  stepsTracing?: boolean | undefined;
};

function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("@foundry-rs/anvil-linux-amd64/package.json");
  return join(dirname(packageJson), "bin", "anvil");
}

/** Starts anvil on a free port and waits until it answers. Stop it with `stop()`. */
export async function startAnvil({
  blockTime,
  stepsTracing,
}: StartAnvilParameters = {}): Promise<Anvil> {
  const port = await freePort();
  const args = ["--host", host, "--port", String(port), "--mnemonic", developmentMnemonic];
  if (blockTime !== undefined) args.push("--block-time", String(blockTime));
  if (stepsTracing === true) args.push("--steps-tracing");
  const child: ChildProcess = spawn(anvilBinary(), args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const rpcUrl = `http://${host}:${port}`;
  const deadline = Date.now() + 30_000;
  let chainId: number | undefined;
  while (chainId === undefined) {
    if (child.exitCode !== null) throw new Error(`anvil exited early: ${stderr}`);
    try {
      chainId = Number(await rpc(rpcUrl, "eth_chainId"));
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`anvil did not answer on ${rpcUrl} within 30 s: ${stderr}`);
      }
      await sleep(50);
    }
  }
  const chain = defineChain({
    id: chainId,
    name: "anvil",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
  return {
    rpcUrl,
    chain,
    publicClient,
    walletClient: (index) =>
      createWalletClient({
        chain,
        transport: http(rpcUrl),
        account: mnemonicToAccount(developmentMnemonic, { addressIndex: index }),
      }),
    async reorg(depth) {
      await rpc(rpcUrl, "anvil_reorg", [depth, []]);
    },
    async mine(count = 1) {
      await rpc(rpcUrl, "anvil_mine", [count]);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Deploys Roundtable from the build's artifact with development account 0. */
export async function deployRoundtableOnAnvil(
  anvil: Anvil,
): Promise<{ address: Address; deploymentBlock: bigint; transactionHash: Hash }> {
  const walletClient = anvil.walletClient(0);
  const transactionHash = await walletClient.deployContract({
    abi: [],
    bytecode: await readRoundtableBytecode(),
  });
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash: transactionHash });
  if (receipt.contractAddress === null || receipt.contractAddress === undefined) {
    throw new Error(`Roundtable deployment ${transactionHash} created no contract`);
  }
  return {
    address: receipt.contractAddress,
    deploymentBlock: receipt.blockNumber,
    transactionHash,
  };
}
