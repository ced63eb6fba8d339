import { resolve } from "node:path";
import type { Writable } from "node:stream";
import type { Address } from "viem";
import { type KeyIo, loadAccount } from "./account.js";
import type { GlobalValues } from "./command.js";
import {
  type ChainConnection,
  connectChain,
  type RoundtableConnection,
  resolveRoundtable,
} from "./connection.js";
import {
  createLogger,
  createOutput,
  type Logger,
  type LogLevel,
  logLevels,
  type Output,
} from "./output.js";
import { parseAddress, parseChoice, parseInteger, parseUrl, redactUrl } from "./parse.js";
import { defaultDeploymentsDir } from "./project.js";
import type { Input } from "./prompt.js";

export const defaultRpcUrl = "http://127.0.0.1:8545";

/** The options every command shares, built once from flags, then environment, then defaults. */
export type GlobalOptions = {
  rpcUrl: string;
  /**
   * Every RPC URL given: each --rpc-url, or ROUNDTABLE_RPC_URL split at commas, or the default.
   * Several are a quorum (see `rpcQuorum`); `audit` cross-checks them all. `rpcUrl` is the last.
   */
  rpcUrls: string[];
  /** How many of `rpcUrls` must agree (--rpc-quorum or ROUNDTABLE_RPC_QUORUM); undefined: all. */
  rpcQuorum: number | undefined;
  /** `rpcUrl` without what may be an API key, for messages. */
  rpcUrlShown: string;
  /** Where `rpcUrl` came from: "--rpc-url", "ROUNDTABLE_RPC_URL" or "default". */
  rpcUrlSource: string;
  contract: Address | undefined;
  contractSource: "--contract" | "ROUNDTABLE_CONTRACT" | undefined;
  deploymentsDir: string;
  json: boolean;
  logLevel: LogLevel;
  /** Stack traces on errors: --log-level debug or ROUNDTABLE_DEBUG=1. */
  debug: boolean;
};

export type CliIo = {
  stdin: Input;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
};

/** Flag first, then the variable, then the default; the source is kept for messages. */
function pick(
  flagValue: string | undefined,
  flag: string,
  env: NodeJS.ProcessEnv,
  variable: string,
): { value: string; source: string } | undefined {
  if (flagValue !== undefined) return { value: flagValue, source: flag };
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: variable };
  return undefined;
}

export function resolveGlobalOptions(values: GlobalValues, env: NodeJS.ProcessEnv): GlobalOptions {
  const flagUrls = values["rpc-url"] ?? [];
  const rpc = pick(flagUrls.at(-1), "--rpc-url", env, "ROUNDTABLE_RPC_URL") ?? {
    value: defaultRpcUrl,
    source: "default",
  };
  const listed =
    flagUrls.length > 0
      ? flagUrls
      : rpc.source === "ROUNDTABLE_RPC_URL"
        ? rpc.value
            .split(",")
            .map((url) => url.trim())
            .filter((url) => url !== "")
        : [rpc.value];
  const rpcUrls = listed.map((url) => parseUrl(url, rpc.source));
  const rpcUrl = rpcUrls.at(-1) ?? parseUrl(rpc.value, rpc.source);
  const quorum = pick(values["rpc-quorum"], "--rpc-quorum", env, "ROUNDTABLE_RPC_QUORUM");
  const rpcQuorum =
    quorum === undefined
      ? undefined
      : parseInteger(quorum.value, quorum.source, {
          min: 1,
          max: rpcUrls.length,
          what: `how many of the ${rpcUrls.length} RPC provider${rpcUrls.length === 1 ? "" : "s"} given must agree`,
          sample: rpcUrls.length,
        });
  const contract = pick(values.contract, "--contract", env, "ROUNDTABLE_CONTRACT");
  const deployments = pick(
    values["deployments-dir"],
    "--deployments-dir",
    env,
    "ROUNDTABLE_DEPLOYMENTS_DIR",
  );
  const logLevel =
    values["log-level"] === undefined
      ? "info"
      : parseChoice(values["log-level"], "--log-level", logLevels);
  return {
    rpcUrl,
    rpcUrls,
    rpcQuorum,
    rpcUrlShown: redactUrl(rpcUrl),
    rpcUrlSource: rpc.source,
    contract: contract ? parseAddress(contract.value, contract.source) : undefined,
    contractSource: contract?.source as GlobalOptions["contractSource"],
    deploymentsDir: deployments ? resolve(deployments.value) : defaultDeploymentsDir,
    json: values.json === true,
    logLevel,
    debug: logLevel === "debug" || env.ROUNDTABLE_DEBUG === "1",
  };
}

/** What a command gets: options, I/O, a logger, its one result, and the chain on demand. */
export type CliContext = {
  options: GlobalOptions;
  io: CliIo;
  log: Logger;
  output: Output;
  /** Aborted on SIGINT/SIGTERM, for commands that shut down by themselves. */
  signal: AbortSignal;
  /**
   * The nodes at --rpc-url, as a quorum of --rpc-quorum, checked to answer (exit code 4 if not).
   * Connected once.
   */
  connect(): Promise<ChainConnection>;
  /** connect() and the Roundtable contract (--contract or the deployment record), checked to have code. */
  roundtable(): Promise<RoundtableConnection>;
  /** The key I/O for loadAccount and getPassword. */
  keyIo: KeyIo;
  /** The signing account (--key-file or ROUNDTABLE_PRIVATE_KEY); `purpose` completes "… needs the account's key". */
  account(
    values: { "key-file"?: string | undefined; "password-file"?: string | undefined },
    purpose: string,
  ): ReturnType<typeof loadAccount>;
};

export function createContext(options: GlobalOptions, io: CliIo, signal: AbortSignal): CliContext {
  const log = createLogger(io.stderr, options.logLevel);
  const keyIo: KeyIo = { stdin: io.stdin, stderr: io.stderr, env: io.env, log };
  let connection: Promise<ChainConnection> | undefined;
  let roundtable: Promise<RoundtableConnection> | undefined;
  const connect = () => {
    connection ??= connectChain(options.rpcUrls, { quorum: options.rpcQuorum });
    return connection;
  };
  return {
    options,
    io,
    log,
    output: createOutput(io.stdout, options.json),
    signal,
    connect,
    roundtable() {
      roundtable ??= connect().then((c) =>
        resolveRoundtable(c, {
          contract: options.contract,
          contractSource: options.contractSource,
          deploymentsDir: options.deploymentsDir,
          log,
        }),
      );
      return roundtable;
    },
    keyIo,
    account: (values, purpose) => loadAccount(keyIo, values, purpose),
  };
}
