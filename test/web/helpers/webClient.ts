// The web client's end-to-end fixture: a local chain, the built client served as `roundtable web`
// serves it, test accounts with key files, CLI parties, and the clicks a browser party makes.
// Used inside a `describe` (it registers before/after hooks), with `useBrowser()` for the pages.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import type { Page } from "playwright-core";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ensureWebBuild } from "../../../src/cli/webBuild.js";
import { startWebServer, type WebServer } from "../../../src/cli/webServer.js";
import { createRelayer, type Relayer } from "../../../src/relayer/server.js";
import { roundtableAbi } from "../../../src/sdk/generated/roundtableAbi.js";
import {
  bin,
  type CliRun,
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  sorted,
  startTestChain,
  type TestAccount,
  type TestChain,
  tempDir,
  testAccount,
} from "../../cli/helpers.js";

export const WAIT = 120_000;

export type WebClientFixture = {
  readonly dir: string;
  readonly chain: TestChain;
  readonly web: WebServer;
  readonly initiator: TestAccount;
  /** A relayer on the chain (its own funded account): the browser party's rounds go through it. */
  readonly relayer: Relayer;
  /** Three parties; which of them runs in the browser is the test's choice. */
  readonly parties: readonly TestAccount[];
  /** A 2-of-3 key generation among the parties, created by the initiator through the CLI. */
  createKeygen(): Promise<{ sessionId: string; configHash: Hex; fingerprint: Hex }>;
  /** A signing session of `text` by `signers` with `keySession`'s key, created through the CLI. */
  createSigning(
    keySession: string,
    signers: readonly TestAccount[],
    text: string,
  ): Promise<{ sessionId: string; configHash: Hex; fingerprint: Hex }>;
  /** `party run --delegate --yes --expect-session` of a CLI party, to its end (its own store). */
  cliParty(
    party: TestAccount,
    sessionId: string,
    fingerprint: Hex,
    store?: string,
  ): Promise<CliRun>;
  /** The store directory `cliParty` uses for `party` by default; its password is in `storePassword`. */
  storeOf(party: TestAccount): string;
  readonly storePassword: string;
  /** The same, left running: stop it with `stop()` (SIGTERM; run again to resume). */
  startCliParty(
    party: TestAccount,
    sessionId: string,
    fingerprint: Hex,
  ): { done: Promise<CliRun>; stop(): void };
  /**
   * The link a party is sent, without the contract (the page finds it in the deployment record),
   * with the relayer.
   */
  sessionLink(sessionId: string): string;
  resultOf(sessionId: string): Promise<Hex>;
};

export function useWebClient(label: string): WebClientFixture {
  const state = {} as {
    dir: string;
    chain: TestChain;
    web: WebServer;
    initiator: TestAccount;
    relayer: Relayer;
    parties: TestAccount[];
    storePassword: string;
  };
  before(async () => {
    state.dir = await tempDir(label);
    state.initiator = await testAccount(state.dir, `${label}-initiator`);
    state.parties = await Promise.all(
      ["a", "b", "c"].map((l) => testAccount(state.dir, `${label}-${l}`)),
    );
    const relayerAccount = await testAccount(state.dir, `${label}-relayer`);
    state.chain = await startTestChain(
      [state.initiator, relayerAccount, ...state.parties].map((a) => a.address),
    );
    state.relayer = await createRelayer({
      account: privateKeyToAccount(relayerAccount.privateKey),
      rpcUrl: state.chain.rpcUrl,
      contract: state.chain.contract,
      db: join(state.dir, "relayer.sqlite"),
      port: 0,
      logger: pino({ level: "silent" }),
    });
    state.storePassword = join(state.dir, "store.pw");
    await writeFile(state.storePassword, "store password\n", { mode: 0o600 });
    state.web = await startWebServer({
      distDir: await ensureWebBuild(),
      deploymentsDir: state.chain.deploymentsDir,
      port: 0,
    });
  });
  after(async () => {
    await state.relayer?.close();
    await state.web?.close();
    await state.chain?.stop();
  });

  const storeOf = (party: TestAccount) => join(state.dir, `store-${party.address}`);
  const partyArgs = (
    party: TestAccount,
    sessionId: string,
    fingerprint: Hex,
    store = storeOf(party),
  ) => [
    "party",
    "run",
    "--session",
    sessionId,
    ...keyFlags(party),
    "--store",
    store,
    "--store-password-file",
    state.storePassword,
    "--yes",
    "--expect-session",
    fingerprint,
    "--delegate",
    "--json",
  ];

  return {
    get dir() {
      return state.dir;
    },
    get chain() {
      return state.chain;
    },
    get web() {
      return state.web;
    },
    get initiator() {
      return state.initiator;
    },
    get relayer() {
      return state.relayer;
    },
    get parties() {
      return state.parties;
    },
    async createKeygen() {
      const run = await runCli(
        [
          "session",
          "create",
          ...keyFlags(state.initiator),
          "--parties",
          sorted(state.parties.map((p) => p.address)).join(","),
          "--threshold",
          "2",
          "--json",
        ],
        state.chain.env,
      );
      expectExit(run, 0);
      const created = jsonOf(run);
      return {
        sessionId: created.sessionId as string,
        configHash: created.configHash as Hex,
        fingerprint: created.sessionFingerprint as Hex,
      };
    },
    async createSigning(keySession, signers, text) {
      const run = await runCli(
        [
          "session",
          "create",
          ...keyFlags(state.initiator),
          "--kind",
          "signing",
          "--key-session",
          keySession,
          "--text",
          text,
          "--parties",
          sorted(signers.map((p) => p.address)).join(","),
          "--json",
        ],
        state.chain.env,
      );
      expectExit(run, 0);
      const created = jsonOf(run);
      return {
        sessionId: created.sessionId as string,
        configHash: created.configHash as Hex,
        fingerprint: created.sessionFingerprint as Hex,
      };
    },
    cliParty(party, sessionId, fingerprint, store) {
      return runCli(partyArgs(party, sessionId, fingerprint, store), state.chain.env);
    },
    storeOf,
    get storePassword() {
      return state.storePassword;
    },
    startCliParty(party, sessionId, fingerprint) {
      const child = spawn(process.execPath, [bin, ...partyArgs(party, sessionId, fingerprint)], {
        env: { ...process.env, ...state.chain.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      const done = new Promise<CliRun>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
      });
      return { done, stop: () => child.kill("SIGTERM") };
    },
    sessionLink(sessionId) {
      const rpc = encodeURIComponent(state.chain.rpcUrl);
      const relayer = encodeURIComponent(state.relayer.url);
      return `${state.web.url}/#/session?session=${sessionId}&chain=${state.chain.chainId}&rpc=${rpc}&relayer=${relayer}`;
    },
    async resultOf(sessionId) {
      return (await state.chain.publicClient.readContract({
        address: state.chain.contract,
        abi: roundtableAbi,
        functionName: "resultOf",
        args: [BigInt(sessionId)],
      })) as Hex;
    },
  };
}

/** Waits for `selector`, or fails with what the page shows instead. */
export async function shown(page: Page, selector: string, timeout = WAIT): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ timeout });
  } catch (error) {
    // The text as laid out (innerText) is what a reader of the failure needs.
    const text = await page
      .locator("main")
      // biome-ignore lint/performance/useDomNodeTextContent: layout-aware text, for a failure message
      .innerText()
      .catch(() => "(no main)");
    throw new Error(`${selector} never showed; the page shows:\n${text.slice(0, 2000)}`, {
      cause: error,
    });
  }
}

/** Opens an invitation link and waits until the session is read. */
export async function openSession(page: Page, link: string, sessionId: string): Promise<void> {
  await page.goto(link);
  await shown(page, `#session[data-session="${sessionId}"]`);
}

/** Connects the injected test wallet, unless the page reconnected it already. */
export async function connectWallet(page: Page): Promise<void> {
  const button = page.locator('button[data-wallet="org.roundtable.testwallet"]');
  if (await button.count()) await button.click();
  await page.getByText(/Connected: Roundtable Test Wallet/).waitFor({ timeout: WAIT });
}

/** Reviews the session and accepts it; returns the accept panel's text (what the party saw). */
export async function acceptInPage(page: Page): Promise<string> {
  await page.locator("#review").click();
  await shown(page, "#accept");
  const text = (await page.locator("#accept").textContent()) ?? "";
  await page.locator("#accept-button").click();
  return text;
}

/** The finalized outcome's text (group key or signature). */
export async function finalizedOutcome(page: Page): Promise<string> {
  await shown(page, '#outcome[data-status="finalized"]');
  return (await page.locator("#outcome").textContent()) ?? "";
}
