// Shared by the relayer tests and the benchmark: a real anvil chain with Roundtable deployed,
// sessions whose parties sign their acceptances, and HTTP calls to a relayer.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { type Abi, type Address, getAddress, type Hex, toHex, zeroAddress } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { createRelayer, type Relayer } from "../../src/relayer/server.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { signAction } from "../../src/sdk/signAction.js";
import { ActionType, type SessionConfig, type SignedAction } from "../../src/sdk/types.js";
import {
  encryptionKeyOf,
  encryptionSecretOf,
  eoaParties,
  keyProofOf,
  type Party,
  testAccount,
} from "../helpers/accounts.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";
import { keyGenerationConfig } from "../helpers/configs.js";

/** Development account 9 relays; 1 creates sessions. Both are funded on anvil. */
export const relayerAccount = mnemonicToAccount(developmentMnemonic, { addressIndex: 9 });
export const initiatorIndex = 1;

export type RelayerChain = {
  anvil: Anvil;
  contract: Address;
  chainId: number;
  publicClient: RoundtablePublicClient;
  stop(): Promise<void>;
};

/** Anvil (automine unless `blockTime`) with Roundtable deployed. */
export async function startRelayerChain({
  blockTime,
  stepsTracing,
}: {
  blockTime?: number | undefined;
  /** Opcode traces, for measuring each batch item's gas (see gamingWallets.ts batchGas). */
  stepsTracing?: boolean | undefined;
} = {}): Promise<RelayerChain> {
  const anvil = await startAnvil({ blockTime, stepsTracing });
  const { address } = await deployRoundtableOnAnvil(anvil);
  return {
    anvil,
    contract: address,
    chainId: anvil.chain.id,
    publicClient: anvil.publicClient as RoundtablePublicClient,
    stop: () => anvil.stop(),
  };
}

/** A created key-generation session and each party's signed Accept, in party order. */
export type AcceptSession = {
  sessionId: bigint;
  parties: readonly Party[];
  accepts: SignedAction[];
};

/** Creates `count` sessions of the same `parties` and signs every party's acceptance of each. */
export async function createAcceptSessions({
  chain,
  parties,
  count,
  configOf = (addresses) =>
    keyGenerationConfig(addresses, Math.max(2, Math.ceil(addresses.length / 2))),
}: {
  chain: RelayerChain;
  parties: readonly Party[];
  count: number;
  /** The configuration for these parties; by default a test key generation (not a real FROST id). */
  configOf?: (addresses: Address[]) => SessionConfig;
}): Promise<AcceptSession[]> {
  const walletClient = chain.anvil.walletClient(initiatorIndex);
  const sessions: AcceptSession[] = [];
  for (let i = 0; i < count; i++) {
    const config = configOf(parties.map((p) => p.address));
    const { sessionId, configHash } = await createSession({
      publicClient: chain.publicClient,
      walletClient,
      address: chain.contract,
      config,
    });
    const accepts = await Promise.all(
      parties.map((party, index) =>
        signAction({
          account: party.signer,
          chainId: chain.chainId,
          contract: chain.contract,
          action: {
            action: ActionType.Accept,
            sessionId,
            party: index,
            round: 0,
            accused: 0,
            word: configHash,
            data: encodeAcceptData({
              encryptionKey: party.encryptionKey,
              keyProof: keyProofOf(
                { chainId: chain.chainId, contract: chain.contract, sessionId, party: index },
                party.encryptionSecret,
              ),
              delegate: zeroAddress,
            }),
          },
        }),
      ),
    );
    sessions.push({ sessionId, parties, accepts });
  }
  return sessions;
}

export { eoaParties };

/** The JSON body of POST /v1/actions for `action`. */
export function actionBody(action: SignedAction): Record<string, unknown> {
  return { ...action, sessionId: action.sessionId.toString() };
}

export type PostResult = { status: number; body: Record<string, unknown>; headers: Headers };

/** POSTs one signed action to a relayer. */
export async function postAction(url: string, action: SignedAction): Promise<PostResult> {
  const response = await fetchRetrying(`${url}/v1/actions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(actionBody(action)),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

/**
 * fetch, tried again when the connection fails (not on an HTTP error): what a client of a
 * relayer does, since sending the same action again is harmless (same id).
 */
export async function fetchRetrying(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(50 * attempt);
    }
  }
}

/** GETs an action's status. */
export async function getAction(url: string, id: string): Promise<Record<string, unknown>> {
  const response = await fetchRetrying(`${url}/v1/actions/${id}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeout` ms. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeout = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A temporary directory, removed by `remove()`. */
export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "roundtable-relayer-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A relayer in this process on `chain`, quiet, with a database in `dir`. */
export async function startTestRelayer(
  chain: RelayerChain,
  dir: string,
  options: Partial<Parameters<typeof createRelayer>[0]> = {},
): Promise<Relayer> {
  return createRelayer({
    rpcUrl: chain.anvil.rpcUrl,
    contract: chain.contract,
    account: relayerAccount,
    db: join(dir, "relayer.sqlite"),
    port: 0,
    confirmations: 1,
    maxBatchAgeMs: 20,
    pollIntervalMs: 20,
    logger: pino({ level: process.env.RELAYER_TEST_LOG ?? "silent" }),
    ...options,
  });
}

/** Every PartyAccepted event of `sessionId`: party index and encryption key. */
export async function acceptedEvents(
  chain: RelayerChain,
  sessionId: bigint,
): Promise<{ index: number; encryptionKey: Hex }[]> {
  const logs = await chain.publicClient.getContractEvents({
    address: chain.contract,
    abi: roundtableAbi,
    eventName: "PartyAccepted",
    args: { sessionId },
    fromBlock: 0n,
    toBlock: "latest",
  });
  return logs.map((log) => ({
    index: log.args.index ?? -1,
    encryptionKey: log.args.encryptionKey ?? "0x",
  }));
}

/** `roundtable relayer` running as its own process. */
export type RelayerProcess = {
  child: ChildProcess;
  /** Where it listens, from the line it printed. */
  url: string;
  exited: Promise<number | null>;
};

const cliMain = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/**
 * Starts `roundtable relayer --json …args` as node + tsx directly (no launcher in between, so
 * that SIGKILL hits the relayer itself), with development account 8 as its key, and waits for
 * the line with its URL.
 */
export async function startRelayerProcess(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RelayerProcess> {
  const key = toHex(
    mnemonicToAccount(developmentMnemonic, { addressIndex: 8 }).getHdKey().privateKey!,
  );
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), cliMain, "relayer", "--json", ...args],
    {
      env: {
        ...process.env,
        ROUNDTABLE_PRIVATE_KEY: key,
        ROUNDTABLE_DEPLOYMENTS_DIR: "/nonexistent",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exited.then((code) =>
      reject(new Error(`relayer exited with ${code} before ready: ${stderr}`)),
    );
  });
  return { child, url: (JSON.parse(line) as { url: string }).url, exited };
}

/**
 * An ERC-1271 wallet party (contracts/mocks/MockERC1271Wallet.sol, from the build's artifact)
 * owned by a test EOA, whose signature check burns `verificationGas`.
 */
export async function deployWalletOnAnvil(
  chain: RelayerChain,
  label: string,
  verificationGas: bigint,
): Promise<Party> {
  const artifact = JSON.parse(
    await readFile(
      fileURLToPath(
        new URL(
          "../../artifacts/contracts/mocks/MockERC1271Wallet.sol/MockERC1271Wallet.json",
          import.meta.url,
        ),
      ),
      "utf8",
    ),
  ) as { abi: Abi; bytecode: Hex };
  const owner = testAccount(`${label}/owner`);
  const hash = await chain.anvil.walletClient(0).deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: [owner.address, verificationGas],
  });
  const { contractAddress } = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (!contractAddress) throw new Error(`wallet deployment ${hash} created no contract`);
  return {
    address: getAddress(contractAddress),
    signer: owner,
    encryptionSecret: encryptionSecretOf(label),
    encryptionKey: encryptionKeyOf(label),
  };
}

/** POSTs a JSON body to `/v1/actions` from a chosen loopback source address (a distinct client). */
export function postJsonFrom(
  url: string,
  localAddress: string,
  body: unknown,
): Promise<{ status: number; retryAfter: string | undefined; body: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/actions`,
      {
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
