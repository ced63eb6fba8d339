import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type Address, numberToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { connectChain } from "./connection.js";
import { deployRoundtable, readRoundtableBytecode } from "./deployRoundtable.js";
import { CliError, ExitCode } from "./errors.js";
import { defaultDeploymentsDir, hardhatCli, projectRoot } from "./project.js";

// Hardhat's first default account (mnemonic "test test … junk"). Its key is
// public knowledge and funded only on Hardhat's own development chain, which
// is the only place it is used: as the deployer of `roundtable chain`.
const hardhatDeployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const host = "127.0.0.1";

export type StartLocalChainParameters = {
  /** The port to listen on, on 127.0.0.1 only; 0 picks a free one. @default 8545 */
  port?: number | undefined;
  /** Where to record the deployment. @default the project's deployments/ */
  deploymentsDir?: string | undefined;
  /** Each line the node prints (its account keys left out), for debug logs. */
  onOutput?: ((line: string) => void) | undefined;
  /** Stops the chain when aborted. */
  signal?: AbortSignal | undefined;
  /** Milliseconds to wait for the node's RPC to answer. @default 60_000 */
  startupTimeout?: number | undefined;
  /**
   * Milliseconds between blocks mined even without transactions (0: only on
   * transactions). A chain's clock is its latest block's time, so without
   * them a deadline would never pass on an idle chain. @default 1000
   */
  blockInterval?: number | undefined;
  /** Accounts given 100 ETH each, such as the parties' key-file accounts. */
  fund?: readonly Address[] | undefined;
  /**
   * A line for people at each step of the start (the node launched, still waiting for its RPC
   * every few seconds, deploying), which takes seconds: `roundtable chain` logs them on stderr.
   */
  onProgress?: ((line: string) => void) | undefined;
};

/** How often a start still waiting for the node's RPC says so. */
const waitingNoticeMs = 3_000;

/** What `fund` gives each account: enough gas for many sessions. */
const localFunding = 100n * 10n ** 18n;

export type LocalChain = {
  rpcUrl: string;
  chainId: number;
  contract: Address;
  deploymentBlock: number;
  /** The record file written. */
  deploymentFile: string;
  /** Settles with the node's exit code (null after a signal) when it stops, for any reason. */
  exited: Promise<number | null>;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s) and waits until it has exited. */
  stop(): Promise<void>;
};

/** A port nobody listens on right now, chosen by the OS. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port was assigned");
  return address.port;
}

/** Fails with what to do when `port` is taken: hardhat node would only say EADDRINUSE. */
async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError({
      message: `Cannot listen on ${host}:${port} (${code}): another program, perhaps another chain, uses it. Stop it, or pass --port with another port, such as --port ${port + 1}.`,
      exitCode: ExitCode.Usage,
    });
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** One JSON-RPC call, for Hardhat's own methods that viem's request types do not know. */
async function rpc(rpcUrl: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(`${method} failed: ${body.error.message ?? "unknown error"}`);
  return body.result;
}

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    await rpc(rpcUrl, "eth_chainId", []);
    return true;
  } catch {
    return false;
  }
}

function nodeVersionSupported(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

/**
 * Starts `hardhat node` on 127.0.0.1, waits until its RPC answers, has it
 * mine a block every `blockInterval` ms, funds `fund`, deploys Roundtable
 * from Hardhat's first account and records the deployment, as
 * `roundtable chain` does. The demo and the CLI tests use it as is.
 *
 * @example
 * const chain = await startLocalChain({ port: 0 });
 * console.log(chain.rpcUrl, chain.contract);
 * await chain.stop();
 */
export async function startLocalChain({
  port: requestedPort = 8545,
  deploymentsDir = defaultDeploymentsDir,
  onOutput,
  signal,
  startupTimeout = 60_000,
  blockInterval = 1_000,
  fund = [],
  onProgress,
}: StartLocalChainParameters = {}): Promise<LocalChain> {
  if (!nodeVersionSupported()) {
    throw new CliError({
      message: `Hardhat needs Node 22.13 or newer, and this is Node ${process.versions.node}. Run roundtable through bin/roundtable.js or \`npm run roundtable\`, which use the project's Node.`,
      exitCode: ExitCode.Usage,
    });
  }
  // Before anything starts: without the artifact there is nothing to deploy.
  const bytecode = await readRoundtableBytecode();
  const port = requestedPort === 0 ? await freePort() : requestedPort;
  await assertPortFree(port);
  const rpcUrl = `http://${host}:${port}`;

  const child: ChildProcess = spawn(
    process.execPath,
    [hardhatCli, "node", "--hostname", host, "--port", String(port)],
    { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"], env: process.env },
  );
  const recent: string[] = [];
  const onLine = (line: string) => {
    // hardhat node lists its accounts' keys: well known, but never echoed.
    if (/private key/i.test(line)) return;
    recent.push(line);
    if (recent.length > 20) recent.shift();
    onOutput?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    // Always drained: a full pipe would block the node.
    stream?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") onLine(line.trimEnd());
    });
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once("error", (error) => {
      onLine(`cannot start hardhat node: ${error.message}`);
      exitCode = null;
      resolve(null);
    });
  });
  // An orphaned node would keep the port: stop it however this process ends.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (exitCode !== undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const onAbort = () => void stop();
  signal?.addEventListener("abort", onAbort, { once: true });

  try {
    const started = Date.now();
    const deadline = started + startupTimeout;
    const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    onProgress?.(
      `hardhat node launched (pid ${child.pid ?? "?"}); waiting for its RPC at ${rpcUrl} (up to ${startupTimeout / 1000} s) …`,
    );
    let nextNotice = started + waitingNoticeMs;
    while (!(await answers(rpcUrl))) {
      if (Date.now() >= nextNotice) {
        nextNotice += waitingNoticeMs;
        onProgress?.(`still waiting for hardhat node's RPC at ${rpcUrl} (${seconds()}) …`);
      }
      if (signal?.aborted) {
        throw new CliError({
          message: "Interrupted while the local chain was starting; it was stopped.",
          exitCode: ExitCode.Interrupted,
        });
      }
      if (exitCode !== undefined) {
        throw new CliError({
          message: `hardhat node exited (code ${exitCode}) before its RPC answered at ${rpcUrl}. Its last lines: ${recent.slice(-5).join(" | ") || "(none)"}. Check that \`npx hardhat node\` runs in ${projectRoot}.`,
          exitCode: ExitCode.Chain,
        });
      }
      if (Date.now() > deadline) {
        throw new CliError({
          message: `hardhat node did not answer at ${rpcUrl} within ${startupTimeout / 1000} s. Its last lines: ${recent.slice(-5).join(" | ") || "(none)"}.`,
          exitCode: ExitCode.Chain,
        });
      }
      await sleep(100);
    }
    onProgress?.(`hardhat node answers after ${seconds()}; deploying Roundtable …`);
    if (blockInterval > 0) await rpc(rpcUrl, "evm_setIntervalMining", [blockInterval]);
    for (const account of fund) {
      await rpc(rpcUrl, "hardhat_setBalance", [account, numberToHex(localFunding)]);
    }
    const connection = await connectChain(rpcUrl);
    const { record, path } = await deployRoundtable({
      publicClient: connection.publicClient,
      walletClient: connection.walletClient(privateKeyToAccount(hardhatDeployerKey)),
      bytecode,
      network: "localhost",
      deploymentsDir,
    });
    return {
      rpcUrl,
      chainId: record.chainId,
      contract: record.address,
      deploymentBlock: record.deploymentBlock,
      deploymentFile: path,
      exited,
      stop: async () => {
        signal?.removeEventListener("abort", onAbort);
        await stop();
      },
    };
  } catch (error) {
    signal?.removeEventListener("abort", onAbort);
    await stop();
    throw error;
  }
}
