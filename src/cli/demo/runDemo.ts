// The one-command demo: a chain, three parties with their own keys and stores, a 2-of-3 FROST key
// generation and a signing by two of them, every party and the initiator a separate `roundtable`
// process, then an independent check of the signature. Everything it prints is public: keys and
// passwords live only in files under the working directory, and the parties' shares only in their
// encrypted stores.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { schnorr } from "@noble/curves/secp256k1.js";
import { type Address, formatEther, type Hex, hexToBytes, isHex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { roundtableAbi } from "../../sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../sdk/hashSessionConfig.js";
import { decodeMessagePreimage } from "../../sdk/messagePreimage.js";
import { keygenConfig, type SessionDurations, signingConfig } from "../../sdk/protocolIds.js";
import { sessionFingerprint } from "../../sdk/sessionFingerprint.js";
import { type SessionConfig, SessionKind } from "../../sdk/types.js";
import { type ChainConnection, connectChain, resolveRoundtable } from "../connection.js";
import { deployRoundtable, readRoundtableBytecode } from "../deployRoundtable.js";
import { CliError, ExitCode, toCliError, UsageError } from "../errors.js";
import { type LocalChain, startLocalChain } from "../localChain.js";
import type { Logger } from "../output.js";
import { redactUrl } from "../parse.js";
import { type DemoAccountSummary, runAccountStage } from "./accountStage.js";
import {
  createDemoParty,
  type DemoAccount,
  type DemoParty,
  demoFunding,
  demoScryptN,
  fundAccounts,
  hardhatChainId,
  hardhatDevelopmentAccount,
  hardhatDevelopmentKey,
  writeDemoAccount,
} from "./accounts.js";
import type { BrowserParty } from "./browserParty.js";
import {
  type CliProcess,
  type CliProcessResult,
  exitText,
  failureOf,
  jsonOutput,
  spawnCli,
} from "./cliProcess.js";
import { sessionGas } from "./sessionGas.js";

/** The stages the demo times, in order. */
const demoStages = ["chain", "keygen", "signing", "verify", "account", "audit"] as const;
export type DemoStage = (typeof demoStages)[number];

/** What each stage does, for progress lines and for the message of a failure. */
const stageTitles: Record<DemoStage, string> = {
  chain: "start the chain, deploy, create and fund the parties' accounts",
  keygen: "2-of-3 key generation, three party processes",
  signing: "signing by 2 of the 3, two party processes",
  verify: "check the signature independently and against the chain",
  account: "the group's account receives 1 ETH and pays 0.25 ETH on a group signature",
  audit: "audit every session from chain events alone, a separate `roundtable audit` process",
};

const partyNames = ["alice", "bob", "carol"] as const;
/** The two who sign: any two of the three can; bob sits this one out. */
const signerNames = ["alice", "carol"] as const;
const demoThreshold = 2;

/**
 * The demo's deadlines. Generous, since nothing waits for them when every party is there: a party
 * that crashes fails the demo at once. They matter for sessions left on a kept chain.
 */
export const demoDurations = { acceptance: 600, rounds: 600 } as const satisfies SessionDurations;

/** The ciphersuite: BIP-340 signatures that any Bitcoin Schnorr verifier accepts. */
const ciphersuite = "FROST-secp256k1-SHA256-TR-v1";

export type RunDemoOptions = {
  /** A running chain to use instead of starting one. It must be a Hardhat development chain. */
  rpcUrl?: string | undefined;
  /** The Roundtable contract on `rpcUrl`; deployed when left out. Only with `rpcUrl`. */
  contract?: Address | undefined;
  /**
   * Leave the chain the demo started running after the summary, until `signal` aborts (or the
   * chain exits), so the sessions can be inspected. @default false
   */
  keepChain?: boolean | undefined;
  log: Logger;
  /** Aborts the demo (Ctrl-C): children are stopped, the chain too, and it throws exit code 130. */
  signal?: AbortSignal | undefined;
  /** Called once with the summary, before a kept chain is waited on. */
  onSummary?: ((summary: DemoSummary) => void) | undefined;
  /** Where the working directory is created. @default os.tmpdir() */
  tmpDir?: string | undefined;
  /** scrypt cost of the parties' key files. @default 2^12 (lowered for the demo) */
  scryptN?: number | undefined;
  /**
   * The signed text, carried in the session (every signer is shown it); the message is its
   * BIP-340 tagged hash "Roundtable/text/v1". @default "Roundtable demo: <ISO time>"
   */
  messageText?: string | undefined;
  /**
   * Run a relayer (`roundtable relayer`, its own process) and send every party action through it:
   * the parties get no ether at all, and only the relayer pays gas. @default false
   */
  relayer?: boolean | undefined;
  /**
   * Every party runs with a session delegate: its account signs one acceptance per session and
   * the delegate every round. False runs them the old way. @default true
   */
  delegates?: boolean | undefined;
  /**
   * Run {@link browserPartyName} in the web client, in headless Chromium with an injected wallet
   * holding its key (browserParty.ts), instead of a `party run` process. @default false
   */
  web?: boolean | undefined;
};

/** The party that runs in the browser with `web`: a signer, so it takes part in every stage. */
export const browserPartyName = "alice";

export type DemoSummary = {
  chainId: number;
  /** The RPC URL, without anything that may be an API key. */
  rpcUrl: string;
  contract: Address;
  /** Whether the demo started the chain itself (and so stops it). */
  ownChain: boolean;
  /** Whether the chain still runs after the demo: not the demo's own, or --keep-chain. */
  chainRunning: boolean;
  /** Key files, password files and secret stores; kept after the demo. */
  workDir: string;
  /** scrypt cost of the key files (lowered for the demo). */
  scryptN: number;
  initiator: Address;
  /** By party index: the order of addresses the contract requires. */
  parties: { name: string; address: Address; index: number }[];
  threshold: number;
  keygenSession: bigint;
  keygenConfigHash: Hex;
  /** 32-byte x-only, as BIP-340 takes it. */
  groupPublicKey: Hex;
  signingSession: bigint;
  signingConfigHash: Hex;
  signers: string[];
  messageText: string;
  /** The text's tagged hash (messageDigest), the 32-byte digest signed. */
  message: Hex;
  /** 64-byte BIP-340 signature. */
  signature: Hex;
  gas: { keygen: bigint; signing: bigint };
  /** How many transactions each session took, creation included. */
  transactions: { keygen: number; signing: number };
  /** Stage 6: the group's threshold account and the intent it executed. */
  account: DemoAccountSummary;
  /** What `roundtable audit` found in every session: the check counts of its report. */
  audit: DemoAudit;
  /** With `relayer`: where it listened, its account, and how many of the sessions' transactions it sent. */
  relayer:
    | { url: string; address: Address; transactions: number; partyBalances: bigint }
    | undefined;
  /** With `web`: the index of the party that ran in the browser, and where the client was served. */
  browserParty: { index: number; name: string; url: string } | undefined;
  /** Wall time per stage, and of the whole demo. */
  seconds: Record<DemoStage | "total", number>;
  /** Commands that inspect the sessions while the chain runs. */
  inspect: string[];
};

/** What a party process reported when its session finalized. */
export type PartyFinalized = {
  name: string;
  party: Address;
  result: Hex;
  groupPublicKey: Hex;
  /** Signing only. */
  signature: Hex | undefined;
};

/** The auditor's verdict on the demo's sessions, with its check counts over both. */
export type DemoAudit = {
  verdict: "pass";
  passed: number;
  notApplicable: number;
  failed: number;
  /**
   * Per session and party, how many of its recorded actions its account signed and how many its
   * delegate did, as the auditor recovered them from the chain's transactions (not the runners').
   */
  signatures: DemoSignatures[];
};

export type DemoSignatures = { session: string; party: number; account: number; delegate: number };

/**
 * Reads a finished `roundtable audit --json`: its verdict must be "pass", else a CliError that
 * names the checks that failed.
 */
export function auditVerdict(result: CliProcessResult): DemoAudit {
  const report = jsonOutput(result);
  const sessions = Array.isArray(report?.sessions) ? (report.sessions as unknown[]) : [];
  const checks = sessions.flatMap((session) => {
    const list = (session as { checks?: unknown }).checks;
    return Array.isArray(list)
      ? (list as { id?: unknown; status?: unknown; summary?: unknown }[])
      : [];
  });
  const count = (status: string) => checks.filter((check) => check.status === status).length;
  if (result.code !== 0 || report?.verdict !== "pass" || checks.length === 0) {
    const failed = checks
      .filter((check) => check.status === "fail")
      .map((check) => `${String(check.id)}: ${String(check.summary)}`);
    throw new CliError({
      message: `The audit did not pass (${exitText(result)}): ${failed.length > 0 ? failed.join("; ") : failureOf(result)}`,
      exitCode: ExitCode.NoResult,
    });
  }
  return {
    verdict: "pass",
    passed: count("pass"),
    notApplicable: count("not-applicable"),
    failed: count("fail"),
    signatures: sessions.flatMap((session) => signaturesOf(session)),
  };
}

/** Who signed each party action of one audited session (its JSON timeline's `signedBy`). */
function signaturesOf(session: unknown): DemoSignatures[] {
  const { sessionId, parties, timeline } = session as {
    sessionId?: unknown;
    parties?: unknown[];
    timeline?: { party?: unknown; signedBy?: unknown }[];
  };
  return (parties ?? []).map((_, party) => {
    const signed = (timeline ?? []).filter((entry) => entry.party === party);
    return {
      session: String(sessionId),
      party,
      account: signed.filter((entry) => entry.signedBy === "account").length,
      delegate: signed.filter((entry) => entry.signedBy === "delegate").length,
    };
  });
}

/** The exit codes a child may return, passed on as the demo's own. */
const knownExitCodes: readonly number[] = Object.values(ExitCode);

function hexField(object: Record<string, unknown>, field: string): Hex | undefined {
  const value = object[field];
  return typeof value === "string" && isHex(value, { strict: true }) ? value : undefined;
}

/** Seconds since `from`, to the millisecond. */
function seconds(from: number, to = performance.now()): number {
  return Math.max(Math.round(to - from), 1) / 1000;
}

/** `promise`, or a CliError with exit code 130 as soon as `signal` aborts, whichever comes first. */
async function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (signal === undefined) return promise;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(new CliError({ message: `Interrupted ${what}.`, exitCode: ExitCode.Interrupted }));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The arguments of `roundtable party run` for `party` in `sessionId`, accepting only the session
 * whose fingerprint names this chain, contract, id and `configHash`.
 */
export function partyRunArgs({
  party,
  sessionId,
  configHash,
  chainId,
  rpcUrl,
  contract,
  relayerUrl,
  delegate = false,
}: {
  party: DemoParty;
  sessionId: bigint;
  configHash: Hex;
  chainId: number;
  /** Run with a session delegate: the account signs only the acceptance. */
  delegate?: boolean | undefined;
  rpcUrl: string;
  contract: Address;
  /** Deliver through this relayer first (the party falls back to direct if it fails). */
  relayerUrl?: string | undefined;
}): string[] {
  const relayer = relayerUrl === undefined ? [] : ["--relayer", relayerUrl];
  return [
    "party",
    "run",
    "--session",
    String(sessionId),
    "--rpc-url",
    rpcUrl,
    "--contract",
    contract,
    "--key-file",
    party.keyFile,
    "--password-file",
    party.passwordFile,
    "--store",
    party.store,
    "--store-password-file",
    party.storePasswordFile,
    "--yes",
    "--expect-session",
    sessionFingerprint({ chainId, contract, sessionId, configHash }),
    ...relayer,
    ...(delegate ? ["--delegate"] : []),
    "--json",
  ];
}

/** The arguments of `roundtable relayer` for the demo: a free port, its database in `workDir`. */
export function relayerArgs({
  relayer,
  rpcUrl,
  contract,
  workDir,
}: {
  relayer: DemoAccount;
  rpcUrl: string;
  contract: Address;
  workDir: string;
}): string[] {
  return [
    "relayer",
    "--rpc-url",
    rpcUrl,
    "--contract",
    contract,
    "--key-file",
    relayer.keyFile,
    "--password-file",
    relayer.passwordFile,
    "--port",
    "0",
    "--db",
    join(workDir, "relayer.sqlite"),
    "--max-batch-age-ms",
    "200",
    "--confirmations",
    "1",
    // Its JSON log lines would drown the parties' progress; warnings and errors still show.
    "--log-level",
    "warn",
    "--json",
  ];
}

/** `--text` for a configuration carrying a text, else `--message` with its digest. */
function textOrMessage(config: SessionConfig): string[] {
  const preimage = decodeMessagePreimage(config.params);
  return preimage?.kind === "text" ? ["--text", preimage.text] : ["--message", config.message];
}

/** The arguments of `roundtable session create` for `config`, sent by `initiator`. */
export function sessionCreateArgs({
  initiator,
  config,
  durations,
  rpcUrl,
  contract,
}: {
  initiator: DemoAccount;
  config: SessionConfig;
  durations: { acceptance: number; rounds: number };
  rpcUrl: string;
  contract: Address;
}): string[] {
  const signing =
    config.kind !== SessionKind.Signing
      ? []
      : [
          "--kind",
          "signing",
          "--key-session",
          String(config.keySession),
          // A text travels in the session, so that every signer is shown it; a bare digest not.
          ...textOrMessage(config),
        ];
  return [
    "session",
    "create",
    "--rpc-url",
    rpcUrl,
    "--contract",
    contract,
    "--key-file",
    initiator.keyFile,
    "--password-file",
    initiator.passwordFile,
    "--parties",
    config.parties.join(","),
    "--threshold",
    String(config.threshold),
    "--ciphersuite",
    "taproot",
    "--acceptance",
    String(durations.acceptance),
    "--round-duration",
    String(durations.rounds),
    ...signing,
    "--json",
  ];
}

/**
 * A finished `party run --json`: the outcome of a finalized session, or a CliError that says how
 * the party ended, in its own words, with its exit code.
 */
export function partyFinalized(result: CliProcessResult): PartyFinalized {
  const outcome = jsonOutput(result);
  if (result.code !== 0 || outcome === undefined) {
    throw new CliError({
      message: `Party ${result.name} failed (${exitText(result)}): ${failureOf(result)}`,
      exitCode:
        result.code !== null && result.code !== 0 && knownExitCodes.includes(result.code)
          ? (result.code as ExitCode)
          : ExitCode.NoResult,
    });
  }
  const groupPublicKey = hexField(outcome, "groupPublicKey");
  const resultHex = hexField(outcome, "result");
  const party = hexField(outcome, "party");
  if (outcome.status !== "finalized" || !groupPublicKey || !resultHex || !party) {
    throw new CliError({
      message: `Party ${result.name} ended without a result: ${JSON.stringify(outcome)}.`,
      exitCode: ExitCode.NoResult,
    });
  }
  return {
    name: result.name,
    party,
    result: resultHex,
    groupPublicKey,
    signature: hexField(outcome, "signature"),
  };
}

/** Every value the same, else a CliError naming who reported what. */
function agreed(values: readonly { name: string; value: Hex | undefined }[], what: string): Hex {
  const first = values[0]?.value;
  if (
    first === undefined ||
    values.some((v) => v.value === undefined || v.value.toLowerCase() !== first.toLowerCase())
  ) {
    throw new CliError({
      message: `The parties report different ${what}s: ${values.map((v) => `${v.name} ${v.value ?? "none"}`).join(", ")}.`,
      exitCode: ExitCode.NoResult,
    });
  }
  return first;
}

/** A session id in JSON: a decimal string, as every command writes it (ids are uint256). */
export function sessionIdJson(id: bigint): string {
  return id.toString();
}

/**
 * Runs the whole demo and returns its summary. On any failure it stops every child process and the
 * chain it started, and throws a CliError naming the stage that failed and why.
 *
 * @example
 * const summary = await runDemo({ log: createLogger(process.stderr, "info") });
 * console.log(summary.groupPublicKey, summary.signature);
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoSummary> {
  const { log, signal } = options;
  if (options.contract !== undefined && options.rpcUrl === undefined) {
    throw new UsageError(
      "--contract needs --rpc-url: the demo starts its own chain and deploys on it unless you give a running chain's URL, such as --rpc-url http://127.0.0.1:8545 --contract 0x….",
      "--contract",
    );
  }
  const start = performance.now();
  const scryptN = options.scryptN ?? demoScryptN;
  const workDir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "roundtable-demo-"));
  const keysDir = join(workDir, "keys");
  await mkdir(keysDir, { mode: 0o700 });
  log.info(
    `Working directory ${workDir}: key files, password files (mode 0600) and secret stores; kept after the demo.`,
  );

  const children = new Set<CliProcess>();
  let chain: LocalChain | undefined;
  let current: DemoStage = "chain";
  const stageSeconds: Partial<Record<DemoStage, number>> = {};

  /** Times one stage, and names it in whatever it throws. */
  async function stage<T>(name: DemoStage, run: () => Promise<T>): Promise<T> {
    current = name;
    const n = demoStages.indexOf(name) + 1;
    log.info(`\n==> [${n}/${demoStages.length}] ${name}: ${stageTitles[name]}`);
    const began = performance.now();
    try {
      const value = await unlessAborted(run(), signal, `during stage "${name}"`);
      stageSeconds[name] = seconds(began);
      log.info(`    ${name} done in ${stageSeconds[name]?.toFixed(2)} s`);
      return value;
    } catch (error) {
      throw stageFailure(name, error);
    }
  }

  /** Runs the CLI as `name`, its stderr forwarded line by line, prefixed with the name. */
  function spawnChild(
    name: string,
    args: readonly string[],
    onStdoutLine?: (line: string) => void,
  ): CliProcess {
    const child = spawnCli({
      name,
      args,
      onStderrLine: (line) => {
        if (line.trim() !== "") log.info(`    [${name}] ${line}`);
      },
      onStdoutLine,
    });
    children.add(child);
    void child.done.then(() => children.delete(child));
    return child;
  }

  /** Creates a session through `roundtable session create`, as a separate initiator process. */
  async function createSession(
    connection: Connected,
    initiator: DemoAccount,
    config: SessionConfig,
  ): Promise<{ sessionId: bigint; configHash: Hex }> {
    // The hash the parties are told to expect is computed here, from the configuration asked
    // for, not read back from the initiator: that is what a party checks over another channel.
    const expected = hashSessionConfig(config);
    const child = spawnChild(
      "initiator",
      sessionCreateArgs({
        initiator,
        config,
        durations: demoDurations,
        rpcUrl: connection.rpcUrl,
        contract: connection.contract,
      }),
    );
    const result = await child.done;
    const created = jsonOutput(result);
    if (result.code !== 0 || created === undefined) {
      throw new CliError({
        message: `The initiator's \`roundtable session create\` failed (${exitText(result)}): ${failureOf(result)}`,
        exitCode:
          result.code !== null && knownExitCodes.includes(result.code)
            ? (result.code as ExitCode)
            : ExitCode.NoResult,
      });
    }
    const configHash = hexField(created, "configHash");
    const id = created.sessionId;
    if (configHash?.toLowerCase() !== expected.toLowerCase() || typeof id !== "string") {
      throw new CliError({
        message: `The initiator created a session whose config hash is ${configHash ?? "missing"}, but the configuration the demo asked for hashes to ${expected}; the parties would refuse it.`,
        exitCode: ExitCode.NoResult,
      });
    }
    const sessionId = BigInt(id);
    log.info(
      `    session ${sessionId} created; config hash ${configHash} (the initiator's process has exited: it has no role after creation)`,
    );
    return { sessionId, configHash };
  }

  /** Runs `parties` through `sessionId` as separate processes; the first failure fails all. */
  async function runParties(
    connection: Connected,
    parties: readonly DemoParty[],
    sessionId: bigint,
    configHash: Hex,
  ): Promise<PartyFinalized[]> {
    const inBrowser = browser === undefined ? [] : parties.filter((p) => p === browser?.party);
    const inProcesses = parties.filter((p) => !inBrowser.includes(p));
    log.info(
      `    starting ${inProcesses.length} \`roundtable party run\` processes: ${inProcesses.map((p) => p.name).join(", ")}${inBrowser.map((p) => `; ${p.name} in the headless browser`).join("")}`,
    );
    const processes = inProcesses.map((party) =>
      spawnChild(
        party.name,
        partyRunArgs({
          party,
          sessionId,
          configHash,
          chainId: connection.chainId,
          rpcUrl: connection.rpcUrl,
          contract: connection.contract,
          relayerUrl: relayer?.url,
          delegate: options.delegates !== false,
        }),
      ),
    );
    // Promise.all rejects at the first party that fails; the others are stopped on the way out.
    return Promise.all([
      ...inBrowser.map(() => (browser as BrowserParty).run(sessionId, configHash)),
      ...processes.map(async (child) => partyFinalized(await child.done)),
    ]);
  }

  /** Starts `roundtable relayer` and waits for the URL it prints once it listens. */
  async function startRelayer(
    connection: Connected,
    account: DemoAccount,
  ): Promise<{ url: string; address: Address }> {
    let onUrl: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => {
      onUrl = resolve;
    });
    const child = spawnChild(
      "relayer",
      relayerArgs({
        relayer: account,
        rpcUrl: connection.rpcUrl,
        contract: connection.contract,
        workDir,
      }),
      (line) => {
        try {
          const printed: unknown = JSON.parse(line);
          if (typeof printed === "object" && printed !== null && "url" in printed) {
            onUrl(String(printed.url));
          }
        } catch {
          // Not the JSON line with the URL.
        }
      },
    );
    const url = await Promise.race([
      listening,
      child.done.then((result) => {
        throw new CliError({
          message: `The relayer stopped before it listened (${exitText(result)}): ${failureOf(result)}`,
          exitCode: ExitCode.NoResult,
        });
      }),
    ]);
    log.info(`    relayer ${account.address} listening at ${url}`);
    return { url, address: account.address };
  }

  /** With `web`: the web client served, Chromium launched, its wallet holding one party's key. */
  async function startBrowser(
    connection: Connected,
    parties: readonly DemoParty[],
  ): Promise<BrowserParty | undefined> {
    if (options.web !== true) return undefined;
    const party = parties.find((p) => p.name === browserPartyName)!;
    // Loaded only here: playwright-core is for --web alone.
    const { startBrowserParty } = await import("./browserParty.js");
    const started = await startBrowserParty({
      party,
      chainId: connection.chainId,
      rpcUrl: connection.rpcUrl,
      contract: connection.contract,
      relayerUrl: relayer?.url,
      deploymentsDir: join(workDir, "deployments"),
      log,
    });
    log.info(
      `    ${party.name} runs in a headless browser (Chromium) through the web client at ${started.url}, its wallet an injected EIP-6963 provider holding ${party.address}'s key`,
    );
    return started;
  }

  let relayer: { url: string; address: Address } | undefined;
  let browser: BrowserParty | undefined;

  try {
    // ── 1. chain
    const { connection, parties, initiator } = await stage("chain", async () => {
      const connected = await connect(options, workDir, log, (started) => {
        chain = started;
      });
      const parties = await Promise.all(
        partyNames.map((name) => createDemoParty(keysDir, name, scryptN)),
      );
      // The initiator is Hardhat's development account, not a party: it only creates sessions.
      const initiator = await writeDemoAccount(
        keysDir,
        "initiator",
        hardhatDevelopmentKey,
        scryptN,
      );
      log.info(
        `    key files with scrypt N = 2^${Math.log2(scryptN)}, lowered for the demo so each process opens its key at once (\`roundtable key new\` uses 2^18); use them for nothing else`,
      );
      if (options.relayer === true) {
        // The parties get nothing: every action they take is signed and carried by the relayer.
        const relayerAccount = await writeDemoAccount(
          keysDir,
          "relayer",
          generatePrivateKey(),
          scryptN,
        );
        await fundAccounts({
          publicClient: connected.publicClient,
          walletClient: connected.walletClient(hardhatDevelopmentAccount()),
          recipients: [relayerAccount.address],
        });
        log.info(
          `    relayer ${relayerAccount.address} funded with ${formatEther(demoFunding)} ETH; the parties ${parties.map((p) => p.name).join(", ")} get none`,
        );
        relayer = await startRelayer(connected, relayerAccount);
        browser = await startBrowser(connected, parties);
        return { connection: connected, parties, initiator };
      }
      await fundAccounts({
        publicClient: connected.publicClient,
        walletClient: connected.walletClient(hardhatDevelopmentAccount()),
        recipients: parties.map((p) => p.address),
      });
      for (const party of parties) {
        log.info(
          `    ${party.name.padEnd(5)} ${party.address} funded with ${formatEther(demoFunding)} ETH from ${initiator.address}`,
        );
      }
      browser = await startBrowser(connected, parties);
      return { connection: connected, parties, initiator };
    });

    // ── 2. key generation
    const config = keygenConfig({
      parties: parties.map((p) => p.address),
      threshold: demoThreshold,
      ciphersuite,
      durations: demoDurations,
    });
    const byIndex = config.parties.map((address, index) => {
      const party = parties.find((p) => p.address === address)!;
      return { name: party.name, address, index };
    });
    const keygen = await stage("keygen", async () => {
      log.info(
        `    parties by address, as the contract orders them: ${byIndex.map((p) => `${p.index} ${p.name}`).join(", ")}`,
      );
      const created = await createSession(connection, initiator, config);
      const outcomes = await runParties(connection, parties, created.sessionId, created.configHash);
      const groupPublicKey = agreed(
        outcomes.map((o) => ({ name: o.name, value: o.groupPublicKey })),
        "group key",
      );
      if (hexToBytes(groupPublicKey).length !== 32) {
        throw new CliError({
          message: `The group key ${groupPublicKey} is not 32 bytes (x-only), as the Taproot ciphersuite gives.`,
          exitCode: ExitCode.NoResult,
        });
      }
      log.info(`    all three report the group key ${groupPublicKey}`);
      return { ...created, groupPublicKey };
    });

    // ── 3. signing
    const messageText = options.messageText ?? `Roundtable demo: ${new Date().toISOString()}`;
    const signers = parties.filter((p) => (signerNames as readonly string[]).includes(p.name));
    const signingSessionConfig = signingConfig({
      keySession: keygen.sessionId,
      signers: signers.map((p) => p.address),
      threshold: demoThreshold,
      preimage: { kind: "text", text: messageText },
      ciphersuite,
      durations: demoDurations,
    });
    const message = signingSessionConfig.message;
    const signing = await stage("signing", async () => {
      log.info(`    text "${messageText}", carried in the session; its tagged hash ${message}`);
      const created = await createSession(connection, initiator, signingSessionConfig);
      const outcomes = await runParties(connection, signers, created.sessionId, created.configHash);
      const signature = agreed(
        outcomes.map((o) => ({ name: o.name, value: o.signature })),
        "signature",
      );
      // Each signer also reports the key it signed with: it must be the one just generated.
      agreed(
        [
          { name: "key generation", value: keygen.groupPublicKey },
          ...outcomes.map((o) => ({ name: o.name, value: o.groupPublicKey })),
        ],
        "signing key",
      );
      log.info(`    both signers report the signature ${signature}`);
      return { ...created, signature };
    });

    // ── 4. verify
    await stage("verify", async () => {
      const bytes = hexToBytes(signing.signature);
      if (bytes.length !== 64) {
        throw new CliError({
          message: `The signature ${signing.signature} is ${bytes.length} bytes, not the 64 of BIP-340.`,
          exitCode: ExitCode.NoResult,
        });
      }
      // @noble/curves' BIP-340 verifier, independent of the FROST code that produced it.
      if (!schnorr.verify(bytes, hexToBytes(message), hexToBytes(keygen.groupPublicKey))) {
        throw new CliError({
          message: `The signature ${signing.signature} does not verify (BIP-340, schnorr.verify of @noble/curves) for message ${message} under the group key ${keygen.groupPublicKey}.`,
          exitCode: ExitCode.NoResult,
        });
      }
      log.info("    schnorr.verify(signature, message, group key) (BIP-340, @noble/curves): valid");
      await expectResult(connection, keygen.sessionId, keygen.groupPublicKey, "group key");
      await expectResult(connection, signing.sessionId, signing.signature, "signature");
      log.info(
        `    resultOf(${keygen.sessionId}) and resultOf(${signing.sessionId}) on chain equal the group key and the signature`,
      );
    });

    // ── 5. the group's account (accountStage.ts)
    const account = await stage("account", () =>
      runAccountStage({
        connection,
        workDir,
        initiator,
        signers,
        threshold: demoThreshold,
        keySession: keygen.sessionId,
        groupPublicKey: keygen.groupPublicKey,
        ciphersuite,
        durations: demoDurations,
        log,
        spawnChild,
        runSigners: async (sessionId, configHash) => {
          const outcomes = await runParties(connection, signers, sessionId, configHash);
          return agreed(
            outcomes.map((o) => ({ name: o.name, value: o.signature })),
            "signature",
          );
        },
      }),
    );

    // ── 6. audit
    const audit = await stage("audit", async () => {
      const result = await spawnChild("auditor", [
        "audit",
        "--rpc-url",
        connection.rpcUrl,
        "--contract",
        connection.contract,
        String(keygen.sessionId),
        String(signing.sessionId),
        String(account.signingSession),
        "--json",
      ]).done;
      return auditVerdict(result);
    });
    log.info(
      `    verdict ${audit.verdict}: ${audit.passed} checks passed, ${audit.notApplicable} not applicable, ${audit.failed} failed`,
    );

    const gasOf = (sessionId: bigint) =>
      sessionGas({
        publicClient: connection.publicClient,
        address: connection.contract,
        sessionId,
      });
    const [keygenGas, signingGas] = await Promise.all([
      gasOf(keygen.sessionId),
      gasOf(signing.sessionId),
    ]);
    const carried = relayer;
    const relayerSummary =
      carried === undefined
        ? undefined
        : {
            ...carried,
            transactions: [...keygenGas.senders, ...signingGas.senders].filter(
              (sender) => sender === carried.address,
            ).length,
            partyBalances: (
              await Promise.all(
                parties.map((p) => connection.publicClient.getBalance({ address: p.address })),
              )
            ).reduce((sum, balance) => sum + balance, 0n),
          };
    const kept = options.keepChain === true && chain !== undefined;
    const shownUrl = redactUrl(connection.rpcUrl);
    const summary: DemoSummary = {
      chainId: connection.chainId,
      rpcUrl: shownUrl,
      contract: connection.contract,
      ownChain: chain !== undefined,
      chainRunning: chain === undefined || kept,
      workDir,
      scryptN,
      initiator: initiator.address,
      parties: byIndex,
      threshold: demoThreshold,
      keygenSession: keygen.sessionId,
      keygenConfigHash: keygen.configHash,
      groupPublicKey: keygen.groupPublicKey,
      signingSession: signing.sessionId,
      signingConfigHash: signing.configHash,
      signers: signers.map((p) => p.name),
      messageText,
      message,
      signature: signing.signature,
      gas: { keygen: keygenGas.gasUsed, signing: signingGas.gasUsed },
      transactions: {
        keygen: keygenGas.transactions.length,
        signing: signingGas.transactions.length,
      },
      relayer: relayerSummary,
      browserParty:
        browser === undefined
          ? undefined
          : {
              index: byIndex.find((p) => p.name === browser?.party.name)?.index ?? -1,
              name: browser.party.name,
              url: browser.url,
            },
      account,
      audit,
      seconds: {
        chain: stageSeconds.chain ?? 0,
        keygen: stageSeconds.keygen ?? 0,
        signing: stageSeconds.signing ?? 0,
        verify: stageSeconds.verify ?? 0,
        account: stageSeconds.account ?? 0,
        audit: stageSeconds.audit ?? 0,
        total: seconds(start),
      },
      inspect: [
        ...[keygen.sessionId, signing.sessionId, account.signingSession].map(
          (id) =>
            `roundtable session show ${id} --rpc-url ${shownUrl} --contract ${connection.contract}`,
        ),
        `roundtable account show --key-session ${keygen.sessionId} --factory ${account.factory} --rpc-url ${shownUrl} --contract ${connection.contract}`,
        `roundtable audit ${keygen.sessionId} ${signing.sessionId} ${account.signingSession} --rpc-url ${shownUrl} --contract ${connection.contract} --html audit.html`,
      ],
    };
    options.onSummary?.(summary);
    if (kept && chain !== undefined) {
      const running: LocalChain = chain;
      log.info(`\nThe chain keeps running at ${shownUrl}; press Ctrl-C to stop it.`);
      await Promise.race([
        running.exited,
        new Promise<void>((resolve) => {
          if (signal === undefined) return;
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
        }),
      ]);
    }
    return summary;
  } catch (error) {
    const failure = error instanceof DemoFailure ? error : stageFailure(current, error);
    log.info(`The files of this run are kept in ${workDir}.`);
    throw failure;
  } finally {
    const stopping = [...children];
    if (stopping.length > 0) {
      log.info(`Stopping ${stopping.map((c) => c.name).join(", ")} …`);
    }
    await Promise.all(stopping.map((child) => child.stop(3_000)));
    await browser?.close();
    const started: LocalChain | undefined = chain;
    if (started !== undefined) {
      await started.stop();
      log.info("Local chain stopped.");
    }
  }
}

/** The demo's one error: which stage failed, and why in the cause's own words and exit code. */
class DemoFailure extends CliError {
  override name = "DemoFailure";
}

function stageFailure(stage: DemoStage, error: unknown): CliError {
  if (error instanceof DemoFailure) return error;
  const cause = toCliError(error);
  const where = `stage "${stage}" (${stageTitles[stage]})`;
  return new DemoFailure({
    message:
      cause.exitCode === ExitCode.Interrupted
        ? `The demo was interrupted in ${where}; its processes and its chain were stopped.`
        : `The demo failed in ${where}: ${cause.message}`,
    exitCode: cause.exitCode,
    retryable: cause.retryable,
    details: cause.details,
    cause: error,
  });
}

async function expectResult(
  connection: Connected,
  sessionId: bigint,
  expected: Hex,
  what: string,
): Promise<void> {
  const onChain = await connection.publicClient.readContract({
    address: connection.contract,
    abi: roundtableAbi,
    functionName: "resultOf",
    args: [sessionId],
  });
  if (onChain.toLowerCase() !== expected.toLowerCase()) {
    throw new CliError({
      message: `resultOf(${sessionId}) on chain is ${onChain}, not the ${what} the parties reported (${expected}).`,
      exitCode: ExitCode.NoResult,
    });
  }
}

type Connected = ChainConnection & { contract: Address };

/**
 * The chain: the demo's own on 127.0.0.1 (reported through `onStarted` as soon as it runs, so it
 * is stopped whatever fails next), or the running one at `options.rpcUrl`, which must be a Hardhat
 * development chain, with the contract given or deployed now.
 */
async function connect(
  options: RunDemoOptions,
  workDir: string,
  log: Logger,
  onStarted: (chain: LocalChain) => void,
): Promise<Connected> {
  // The deployment is recorded in the working directory, never over the project's
  // deployments/31337.json, which may name the contract of a `roundtable chain` on port 8545.
  const deploymentsDir = join(workDir, "deployments");
  if (options.rpcUrl === undefined) {
    log.info("    starting hardhat node on 127.0.0.1 (a free port) …");
    const chain = await startLocalChain({
      port: 0,
      deploymentsDir,
      signal: options.signal,
      onOutput: (line) => log.debug(`node: ${line}`),
      onProgress: (line) => log.info(`    ${line}`),
    });
    onStarted(chain);
    log.info(
      `    chain ${chain.chainId} at ${chain.rpcUrl}; Roundtable deployed at ${chain.contract} (block ${chain.deploymentBlock})`,
    );
    const connection = await connectChain(chain.rpcUrl);
    return { ...connection, contract: chain.contract };
  }
  const connection = await connectChain(options.rpcUrl);
  if (connection.chainId !== hardhatChainId) {
    throw new UsageError(
      `The chain at ${connection.rpcUrlShown} has id ${connection.chainId}, but the demo pays for gas from Hardhat's development account, whose key is public and which holds ETH only on a Hardhat development chain (id ${hardhatChainId}). Start one with \`roundtable chain\`, or run the demo without --rpc-url to let it start its own.`,
      "--rpc-url",
    );
  }
  if (options.contract !== undefined) {
    const resolved = await resolveRoundtable(connection, {
      contract: options.contract,
      contractSource: "--contract",
      deploymentsDir,
      log,
    });
    log.info(
      `    chain ${connection.chainId} at ${connection.rpcUrlShown}; Roundtable at ${resolved.contract}`,
    );
    return resolved;
  }
  const { record } = await deployRoundtable({
    publicClient: connection.publicClient,
    walletClient: connection.walletClient(hardhatDevelopmentAccount()),
    bytecode: await readRoundtableBytecode(),
    network: "localhost",
    deploymentsDir,
  });
  log.info(
    `    chain ${connection.chainId} at ${connection.rpcUrlShown}; Roundtable deployed at ${record.address} (block ${record.deploymentBlock})`,
  );
  return { ...connection, contract: record.address };
}
