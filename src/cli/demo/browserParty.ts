// `roundtable demo --web`: one of the demo's parties runs in the web client, in headless Chromium,
// instead of a `roundtable party run` process. The page is the one `roundtable web` serves; an
// EIP-6963 wallet injected from here signs with the party's key; the demo clicks what a person
// would (connect, review, accept after comparing the configuration hash) and reads the outcome the
// page shows. Every round after the acceptance runs in the page, by its session delegate.
//
// The party's key is decrypted from its demo key file into this process, since the injected wallet
// signs here in Node: the demo's keys are throwaway keys on a development chain. runDemo.ts imports
// this module only with --web, so playwright-core is never loaded by any other command.
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import type { Address, Hex } from "viem";
import { launchBrowser, type PageProblems, watchPage } from "../../web-driver/headlessBrowser.js";
import { injectWallet } from "../../web-driver/injectedWallet.js";
import { CliError, ExitCode } from "../errors.js";
import { readKeyFile } from "../keyFile.js";
import type { Logger } from "../output.js";
import { ensureWebBuild } from "../webBuild.js";
import { startWebServer, type WebServer } from "../webServer.js";
import type { DemoParty } from "./accounts.js";
import type { PartyFinalized } from "./runDemo.js";

/** How long one session may take in the page before the demo gives up on it. */
const sessionTimeoutMs = 15 * 60_000;
/** How long the page may take to show a screen it is about to show (reading the chain, connecting). */
const screenTimeoutMs = 60_000;

export type BrowserParty = {
  /** The demo party that runs in the browser. */
  readonly party: DemoParty;
  /** Where the web client is served, such as http://127.0.0.1:41234 */
  readonly url: string;
  /** Runs the party through `sessionId` in the page: accept (checking `configHash`), then wait. */
  run(sessionId: bigint, configHash: Hex): Promise<PartyFinalized>;
  /** Closes the browser and the web server. */
  close(): Promise<void>;
};

export type StartBrowserPartyParameters = {
  party: DemoParty;
  chainId: number;
  rpcUrl: string;
  contract: Address;
  /** Deliver through this relayer first, as the CLI parties do. */
  relayerUrl?: string | undefined;
  /** Served as /deployments/<chainId>.json, as `roundtable web` does. */
  deploymentsDir: string;
  log: Logger;
};

/**
 * Builds the web client if it is stale, serves it on 127.0.0.1, launches headless Chromium and
 * injects a wallet holding `party`'s key. Close the result when the demo ends.
 */
export async function startBrowserParty({
  party,
  chainId,
  rpcUrl,
  contract,
  relayerUrl,
  deploymentsDir,
  log,
}: StartBrowserPartyParameters): Promise<BrowserParty> {
  log.info("    building the web client if stale (web/dist) …");
  const distDir = await ensureWebBuild();
  const server: WebServer = await startWebServer({ distDir, deploymentsDir, port: 0 });
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const password = (await readFile(party.passwordFile, "utf8")).replace(/\r?\n$/, "");
    await injectWallet(context, { privateKey: await readKeyFile(party.keyFile, password), rpcUrl });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const opened = browser;
    return {
      party,
      url: server.url,
      run: (sessionId, configHash) =>
        runInPage({
          page,
          problems,
          party,
          log,
          sessionId,
          configHash,
          link: sessionLink({ url: server.url, sessionId, chainId, rpcUrl, contract, relayerUrl }),
        }),
      close: async () => {
        await opened.close().catch(() => undefined);
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw new CliError({
      message: `Could not start the browser party ${party.name}: ${(error as Error).message}`,
      exitCode: ExitCode.NoResult,
      cause: error,
    });
  }
}

/** The invitation link of `sessionId`: everything the page needs is in the fragment. */
export function sessionLink({
  url,
  sessionId,
  chainId,
  rpcUrl,
  contract,
  relayerUrl,
}: {
  url: string;
  sessionId: bigint;
  chainId: number;
  rpcUrl: string;
  contract: Address;
  relayerUrl?: string | undefined;
}): string {
  const query = new URLSearchParams({
    session: sessionId.toString(),
    chain: String(chainId),
    contract,
    rpc: rpcUrl,
    ...(relayerUrl === undefined ? {} : { relayer: relayerUrl }),
  });
  return `${url}/#/session?${query.toString()}`;
}

async function runInPage({
  page,
  problems,
  party,
  log,
  sessionId,
  configHash,
  link,
}: {
  page: Page;
  problems: PageProblems;
  party: DemoParty;
  log: Logger;
  sessionId: bigint;
  configHash: Hex;
  link: string;
}): Promise<PartyFinalized> {
  const name = `${party.name} (browser)`;
  const say = (line: string) => log.info(`    [${name}] ${line}`);
  const fail = (message: string, cause?: unknown) => {
    const seen = problems.all();
    return new CliError({
      message: `Party ${name} failed in session ${sessionId}: ${message}${seen.length > 0 ? ` The page reported: ${seen.join("; ")}` : ""}`,
      exitCode: ExitCode.NoResult,
      cause,
    });
  };
  /** Waits for `selector`, or fails with what the page shows instead. */
  const shown = async (selector: string, timeout = screenTimeoutMs) => {
    try {
      await page.locator(selector).first().waitFor({ timeout });
    } catch (error) {
      const text = await page
        .locator("main")
        .textContent({ timeout: 1_000 })
        .catch(() => "(nothing)");
      throw fail(
        `${selector} did not show; the page shows: ${(text ?? "").replace(/\s+/g, " ").slice(0, 600)}`,
        error,
      );
    }
  };

  say(`runs in a headless browser at ${link}`);
  await page.goto(link);
  await shown(`#session[data-session="${sessionId}"]`);
  const walletButton = page.locator('button[data-wallet="org.roundtable.testwallet"]');
  if ((await walletButton.count()) > 0) await walletButton.click();
  await shown("text=/Connected: Roundtable Test Wallet/");
  await shown("#review");
  await page.locator("#review").click();
  await shown("#accept");
  // What a careful person does before the wallet prompt: compare the hash the page computed itself
  // with the one the demo computed from the configuration it asked for.
  const acceptText = (await page.locator("#accept").textContent()) ?? "";
  if (!acceptText.toLowerCase().includes(configHash.toLowerCase())) {
    await page.locator("#decline-button").click();
    throw fail(`the page shows a configuration hash other than ${configHash}; declined.`);
  }
  say(
    `the page computed config hash ${configHash}, as the demo did; accepting (one wallet prompt)`,
  );
  await page.locator("#accept-button").click();

  // Progress lines from the page, until an outcome or a run error shows.
  const ended = page.locator("#outcome, #run .problem").first();
  const started = Date.now();
  let last = "";
  while (!(await ended.isVisible())) {
    if (Date.now() - started > sessionTimeoutMs) {
      throw fail(`no outcome after ${sessionTimeoutMs / 60_000} minutes.`);
    }
    const progress = (await page.locator("#progress").allTextContents())[0]?.trim();
    if (progress !== undefined && progress !== last) {
      say(progress);
      last = progress;
    }
    await page.waitForTimeout(250);
  }
  const status = await page.locator("#outcome").first().getAttribute("data-status", {
    timeout: 1_000,
  });
  if (status !== "finalized") {
    const text = (await ended.textContent()) ?? "";
    throw fail(`the page shows ${status ?? "an error"}: ${text.trim()}`);
  }
  const rows = await outcomeRows(page);
  const groupPublicKey = rows["group key"];
  const signature = rows.signature;
  if (!isHex(groupPublicKey)) {
    throw fail(`the page finalized without a group key: ${JSON.stringify(rows)}.`);
  }
  say(
    `finalized: ${signature === undefined ? `group key ${groupPublicKey}` : `signature ${signature}`}`,
  );
  return {
    name: party.name,
    party: party.address,
    result: (signature ?? groupPublicKey) as Hex,
    groupPublicKey,
    signature: isHex(signature) ? signature : undefined,
  };
}

function isHex(value: string | undefined): value is Hex {
  return value !== undefined && /^0x[0-9a-fA-F]+$/.test(value);
}

/** The outcome's rows ("group key", "signature") as the page shows them. */
async function outcomeRows(page: Page): Promise<Record<string, string>> {
  const keys = await page.locator("#outcome dl.rows > dt").allTextContents();
  const values = await page.locator("#outcome dl.rows > dd").allTextContents();
  return Object.fromEntries(keys.map((key, i) => [key.trim(), (values[i] ?? "").trim()]));
}
