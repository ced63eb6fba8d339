// The roundtable CLI as a separate process, as an operator runs it: the demo runs its initiator and
// every party this way, and the demo's tests kill and restart them. Each runs in its own process
// group, so that one signal reaches both bin/roundtable.js and the CLI it launches; a SIGKILL to
// the launcher alone would leave the CLI running.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The launcher users run: it starts src/cli/main.ts through tsx on the project's Node. */
const roundtableBin = fileURLToPath(new URL("../../../bin/roundtable.js", import.meta.url));

const bundledNode = fileURLToPath(new URL("../../../node_modules/node/bin/node", import.meta.url));

/**
 * The Node that runs a child CLI: this process's own when it is recent enough for Hardhat (22.13),
 * else the project's (the `node` devDependency), as bin/roundtable.js chooses.
 */
function projectNode(): string {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 13)) return process.execPath;
  return existsSync(bundledNode) ? bundledNode : process.execPath;
}

/**
 * The environment for a child: ours without ROUNDTABLE_* variables (every child gets its chain,
 * contract and key as flags, and a stray ROUNDTABLE_PRIVATE_KEY must not be read), but keeping
 * ROUNDTABLE_DEBUG.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("ROUNDTABLE_") || name === "ROUNDTABLE_DEBUG",
    ),
  );
  return { ...env, ...extra };
}

export type CliProcessResult = {
  name: string;
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

export type CliProcess = {
  /** A label for messages, such as "alice". */
  readonly name: string;
  readonly pid: number;
  /** Whether it has not exited yet. */
  readonly running: boolean;
  /** Settles once the process exited and its output is read; never rejects. */
  readonly done: Promise<CliProcessResult>;
  /** Sends `signal` to its whole process group (the launcher and the CLI); nothing if it exited. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; settles when it has exited. */
  stop(graceMs?: number): Promise<CliProcessResult>;
};

export type SpawnCliParameters = {
  name: string;
  /** The arguments after `roundtable`, such as ["party", "run", "--session", "1", …]. */
  args: readonly string[];
  /** Each line it writes on stderr, as it comes (progress). */
  onStderrLine?: ((line: string) => void) | undefined;
  /** Each line it writes on stdout, as it comes. */
  onStdoutLine?: ((line: string) => void) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
};

/** Splits a stream into lines as they arrive, keeping the whole text too. */
function collectLines(
  stream: NodeJS.ReadableStream | null,
  onLine: ((line: string) => void) | undefined,
): () => string {
  let text = "";
  let partial = "";
  stream?.on("data", (chunk: Buffer) => {
    const piece = chunk.toString("utf8");
    text += piece;
    partial += piece;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine?.(line.trimEnd());
  });
  stream?.on("end", () => {
    if (partial !== "") onLine?.(partial.trimEnd());
    partial = "";
  });
  return () => text;
}

/**
 * Starts `roundtable …args` (bin/roundtable.js on {@link projectNode}) with stdin closed, so it is
 * never a terminal and never prompts.
 */
export function spawnCli({
  name,
  args,
  onStderrLine,
  onStdoutLine,
  env = childEnv(),
  cwd,
}: SpawnCliParameters): CliProcess {
  const child = spawn(projectNode(), [roundtableBin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
    ...(cwd === undefined ? {} : { cwd }),
    detached: true,
  });
  const stdout = collectLines(child.stdout, onStdoutLine);
  const stderr = collectLines(child.stderr, onStderrLine);
  let running = true;
  const killGroup = (signal: NodeJS.Signals) => {
    if (!running || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone (ESRCH): nothing to signal.
    }
  };
  // Children run in their own process group, so nothing kills them with us: do it on our exit.
  const killOnExit = () => killGroup("SIGKILL");
  process.once("exit", killOnExit);
  const done = new Promise<CliProcessResult>((resolve) => {
    // "close" comes after "exit" and after stdio ended, so the output is whole.
    child.once("close", (code, signal) => {
      running = false;
      process.off("exit", killOnExit);
      resolve({ name, code, signal, stdout: stdout(), stderr: stderr() });
    });
    child.once("error", (error) => {
      running = false;
      process.off("exit", killOnExit);
      resolve({ name, code: null, signal: null, stdout: stdout(), stderr: error.message });
    });
  });
  return {
    name,
    pid: child.pid ?? -1,
    get running() {
      return running;
    },
    done,
    kill: (signal = "SIGTERM") => killGroup(signal),
    async stop(graceMs = 5_000) {
      killGroup("SIGTERM");
      const timer = setTimeout(() => killGroup("SIGKILL"), graceMs);
      const result = await done;
      clearTimeout(timer);
      return result;
    },
  };
}

/** The one JSON object a `--json` run printed on stdout, or undefined when there is none. */
export function jsonOutput(result: CliProcessResult): Record<string, unknown> | undefined {
  const lines = result.stdout.split("\n").filter((line) => line.trim() !== "");
  if (lines.length !== 1) return undefined;
  try {
    const value: unknown = JSON.parse(lines[0] ?? "");
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Why a run failed, in its own words: its JSON error, else its last `error:` line on stderr. */
export function failureOf(result: CliProcessResult): string {
  const error = jsonOutput(result)?.error;
  if (typeof error === "object" && error !== null && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
  const said = lines.findLast((line) => line.startsWith("error: "));
  if (said !== undefined) return said.replace(/^error: /, "");
  const last = lines.at(-1);
  const lastLine = last === undefined ? "it printed nothing on stderr" : `its last line: ${last}`;
  return result.signal !== null ? `killed by ${result.signal}; ${lastLine}` : lastLine;
}

/** How it ended, as "exit code 4" or "signal SIGKILL". */
export function exitText(result: CliProcessResult): string {
  return result.signal !== null ? `signal ${result.signal}` : `exit code ${result.code}`;
}
