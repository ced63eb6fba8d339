// Screenshots of the web client for docs/web.md (`npm run web:screenshots`): a local chain, the
// client as `roundtable web` serves it, and a 2-of-3 key generation in which one party is the page
// (headless Chromium, an injected EIP-6963 wallet) and two are `roundtable party run` processes.
// One of those starts late, so the page can be caught mid-acceptance. Each screen is saved at 1280
// and 390 pixels wide as docs/web/<screen>-<width>.png, viewport only (small files).
//
//   npm run web:screenshots                 writes docs/web/*.png
//   npm run web:screenshots -- --out DIR    writes them to DIR instead
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { connectChain } from "../src/cli/connection.js";
import {
  createDemoParty,
  fundAccounts,
  hardhatDevelopmentAccount,
  hardhatDevelopmentKey,
  writeDemoAccount,
} from "../src/cli/demo/accounts.js";
import { type CliProcess, jsonOutput, spawnCli } from "../src/cli/demo/cliProcess.js";
import { demoDurations, partyRunArgs, sessionCreateArgs } from "../src/cli/demo/runDemo.js";
import { startLocalChain } from "../src/cli/localChain.js";
import { ensureWebBuild } from "../src/cli/webBuild.js";
import { startWebServer } from "../src/cli/webServer.js";
import { hashSessionConfig } from "../src/sdk/hashSessionConfig.js";
import { keygenConfig } from "../src/sdk/protocolIds.js";
import { launchBrowser, watchPage } from "../src/web-driver/headlessBrowser.js";
import { injectWallet } from "../src/web-driver/injectedWallet.js";

const widths = [
  { width: 1280, height: 860 },
  { width: 390, height: 844 },
] as const;
const WAIT = 120_000;

const outIndex = process.argv.indexOf("--out");
const outDir = resolve(outIndex >= 0 ? process.argv[outIndex + 1]! : "docs/web");

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "roundtable-screenshots-"));
  const children: CliProcess[] = [];
  const chain = await startLocalChain({ port: 0, deploymentsDir: join(work, "deployments") });
  const web = await startWebServer({
    distDir: await ensureWebBuild(),
    deploymentsDir: join(work, "deployments"),
    port: 0,
  });
  const browser = await launchBrowser();
  try {
    const connection = await connectChain(chain.rpcUrl);
    const keys = join(work, "keys");
    await mkdir(keys, { mode: 0o700 });
    const initiator = await writeDemoAccount(keys, "initiator", hardhatDevelopmentKey);
    const cliParties = await Promise.all(["bob", "carol"].map((n) => createDemoParty(keys, n)));
    const pageKey = generatePrivateKey();
    const pageAddress = privateKeyToAccount(pageKey).address;
    await fundAccounts({
      publicClient: connection.publicClient,
      walletClient: connection.walletClient(hardhatDevelopmentAccount()),
      recipients: [pageAddress, ...cliParties.map((p) => p.address)],
    });

    const context = await browser.newContext({ viewport: widths[0] });
    await injectWallet(context, { privateKey: pageKey, rpcUrl: chain.rpcUrl });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const query = `chain=${chain.chainId}&contract=${chain.contract}&rpc=${encodeURIComponent(chain.rpcUrl)}`;

    // The invitation: a key generation the initiator creates for the page's account and two others.
    const config = keygenConfig({
      parties: [pageAddress, ...cliParties.map((p) => p.address)],
      threshold: 2,
      durations: demoDurations,
    });
    const created = jsonOutput(
      await spawnCli({
        name: "initiator",
        args: sessionCreateArgs({
          initiator,
          config,
          durations: demoDurations,
          rpcUrl: chain.rpcUrl,
          contract: chain.contract,
        }),
      }).done,
    );
    const sessionId = BigInt(String(created?.sessionId));
    const configHash = hashSessionConfig(config);
    const cliRun = (index: number) => {
      const name = cliParties[index]!.name;
      const child = spawnCli({
        name,
        onStderrLine: (line) => console.error(`[${name}] ${line}`),
        args: partyRunArgs({
          party: cliParties[index]!,
          sessionId,
          configHash: configHash as Hex,
          chainId: chain.chainId,
          rpcUrl: chain.rpcUrl,
          contract: chain.contract,
          delegate: true,
        }),
      });
      children.push(child);
      return child;
    };

    await page.goto(`${web.url}/#/?${query}`);
    await page.locator('button[data-wallet="org.roundtable.testwallet"]').click();
    await shown(page, `#open-sessions tr[data-session="${sessionId}"]`);
    await shoot(page, "invitations", "#sessions");

    // Bob accepts at once; carol only after the page has accepted, so the page waits for her.
    const bob = cliRun(0);
    await page.goto(`${web.url}/#/session?session=${sessionId}&${query}`);
    await page.locator("#review").click({ timeout: WAIT });
    await shown(page, "#accept");
    await shoot(page, "accept", "#accept");
    await page.locator("#accept-button").click();
    // Accepted, with carol not yet there: the session waits in its acceptance phase.
    await shown(page, "#parties tr[data-party] .badge.done");
    await shown(page, "#progress");
    await page.waitForTimeout(1_000);
    await shoot(page, "progress", "#parties");
    const carol = cliRun(1);
    await shown(page, '#outcome[data-status="finalized"]');
    await Promise.all([bob.done, carol.done]);
    await page.waitForTimeout(1_500); // the parties table catches up with the chain
    await shoot(page, "done", "#run");

    await page.goto(`${web.url}/#/audit?sessions=${sessionId}&${query}`);
    await shown(page, "#audit-verdict");
    await shoot(page, "audit", "#audit");

    await page.goto(`${web.url}/#/share?${query}`);
    await shown(page, "#shares");
    await shoot(page, "shares", "#shares");
    problems.expectNone("the web client");
  } finally {
    await Promise.all(children.map((child) => child.stop(2_000)));
    await browser.close();
    await web.close();
    await chain.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Waits for `selector`, or fails with what the page shows instead. */
async function shown(page: Page, selector: string): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ timeout: WAIT });
  } catch (error) {
    const text =
      (await page
        .locator("main")
        .textContent()
        .catch(() => null)) ?? "(nothing)";
    throw new Error(`${selector} never showed; the page shows:\n${text.slice(0, 2000)}`, {
      cause: error,
    });
  }
}

/**
 * `<name>-<width>.png` at each width: the top of the page when `selector` fits there whole, else
 * the viewport scrolled so `selector` starts at its top.
 */
async function shoot(page: Page, name: string, selector: string): Promise<void> {
  for (const size of widths) {
    await page.setViewportSize(size);
    await page
      .locator(selector)
      .first()
      .evaluate((element) => {
        const bottom = element.getBoundingClientRect().bottom + window.scrollY;
        if (bottom <= window.innerHeight) window.scrollTo(0, 0);
        else element.scrollIntoView({ block: "start" });
      });
    await page.waitForTimeout(200);
    // Anything wider than the viewport, outside a sideways-scrolling container, is a layout bug.
    const overflowing = await page.evaluate(() =>
      Array.from(document.querySelectorAll("body *"))
        // Inside a container that scrolls sideways on purpose (wide tables, the audit report).
        .filter((element) => element.closest(".table-wrap, .audit-report") === null)
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5)
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`),
    );
    if (overflowing.length > 0) {
      console.warn(
        `${name} at ${size.width} px: wider than the viewport: ${overflowing.join(", ")}`,
      );
    }
    const path = join(outDir, `${name}-${size.width}.png`);
    await page.screenshot({ path });
    const { size: bytes } = await stat(path);
    console.log(`${path} ${Math.round(bytes / 1024)} KB`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
