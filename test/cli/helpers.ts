// Runs the real `roundtable` CLI as a child process (bin/roundtable.js, as a user would) and
// reads what it printed. Each test file starts one local chain with startLocalChain and stops it
// in `after`; the deployment is recorded in a temporary directory, never in the project's.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import {
  type Address,
  createPublicClient,
  type Hex,
  http,
  keccak256,
  numberToHex,
  type PublicClient,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { writeKeyFile } from "../../src/cli/keyFile.js";
import { type LocalChain, startLocalChain } from "../../src/cli/localChain.js";
import { jsonRpc } from "../helpers/jsonRpc.js";

export const bin = fileURLToPath(new URL("../../bin/roundtable.js", import.meta.url));

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** The environment without ROUNDTABLE_* variables of whoever runs the tests, plus `env`. */
function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("ROUNDTABLE_")),
  );
  return { ...base, ...env };
}

/** Runs `roundtable …args` to its end, with stdin closed (not a terminal). */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: cleanEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdin.end();
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `roundtable …args` and leaves it running (for `chain`). */
export function startCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): { child: ChildProcess; firstLine: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], {
    env: cleanEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exit.then((code) => reject(new Error(`exited with ${code} before a line: ${stderr}`)));
  });
  return { child, firstLine, exit };
}

/** stdout as exactly one JSON object, and nothing else. */
export function jsonOf(run: CliRun): Record<string, unknown> {
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  expect(lines, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).to.have.length(1);
  const value: unknown = JSON.parse(lines[0] ?? "");
  expect(value).to.be.an("object").and.not.be.an("array");
  return value as Record<string, unknown>;
}

/** Asserts the exit code, showing stdout and stderr when it differs. */
export function expectExit(run: CliRun, code: number): void {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).to.equal(code);
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `roundtable-cli-${label}-`));
}

/** A test account: a deterministic key, its key file (fast scrypt) and password file. */
export type TestAccount = {
  address: Address;
  privateKey: Hex;
  keyFile: string;
  passwordFile: string;
};

export async function testAccount(directory: string, label: string): Promise<TestAccount> {
  const privateKey = keccak256(stringToHex(`roundtable cli test ${label}`));
  const keyFile = join(directory, `${label}.json`);
  const passwordFile = join(directory, `${label}.pw`);
  await writeKeyFile(keyFile, privateKey, `password of ${label}`, { scryptN: 2 ** 10 });
  await writeFile(passwordFile, `password of ${label}\n`, { mode: 0o600 });
  return { address: privateKeyToAccount(privateKey).address, privateKey, keyFile, passwordFile };
}

/** Sorted by address as numbers, as a session's parties are. */
export function sorted(addresses: readonly Address[]): Address[] {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

/** A local chain for one test file, with its deployment recorded in a temporary directory. */
export type TestChain = LocalChain & {
  deploymentsDir: string;
  publicClient: PublicClient;
  /** The environment that points the CLI at this chain. */
  env: Record<string, string>;
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
};

export async function startTestChain(fund: readonly Address[]): Promise<TestChain> {
  const deploymentsDir = await tempDir("deployments");
  const chain = await startLocalChain({ port: 0, deploymentsDir, fund });
  const publicClient = createPublicClient({ transport: http(chain.rpcUrl) });
  const request = (method: string, params: unknown[]) => jsonRpc(chain.rpcUrl, method, params);
  return {
    ...chain,
    deploymentsDir,
    publicClient,
    env: { ROUNDTABLE_RPC_URL: chain.rpcUrl, ROUNDTABLE_DEPLOYMENTS_DIR: deploymentsDir },
    async advance(seconds) {
      await request("evm_increaseTime", [numberToHex(seconds)]);
      await request("evm_mine", []);
    },
  };
}

/** The flags that open `account`'s key file. */
export function keyFlags(account: TestAccount): string[] {
  return ["--key-file", account.keyFile, "--password-file", account.passwordFile];
}

/**
 * `session create` of a 2-of-n key generation among `parties`, sent by `initiator` through the
 * CLI: the new session's id and the fingerprint its parties accept with.
 */
export async function createKeygenViaCli(
  env: Record<string, string>,
  initiator: TestAccount,
  parties: readonly TestAccount[],
  ...extra: string[]
): Promise<{ sessionId: string; fingerprint: Hex }> {
  const run = await runCli(
    [
      "session",
      "create",
      ...keyFlags(initiator),
      "--parties",
      parties.map((p) => p.address).join(","),
      "--threshold",
      "2",
      ...extra,
      "--json",
    ],
    env,
  );
  expectExit(run, 0);
  const created = jsonOf(run);
  return {
    sessionId: created.sessionId as string,
    fingerprint: created.sessionFingerprint as Hex,
  };
}
