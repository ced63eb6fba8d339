// The web client as a party, in a real Chromium, on a real local chain, beside two CLI parties
// (issue 14): an EIP-6963 wallet injected by the test signs with a test key and forwards reads to
// the chain. The page is the one `roundtable web` serves (web/dist, built if stale).
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type Address, type Hex, hexToBytes } from "viem";
import { ensureWebBuild } from "../../src/cli/webBuild.js";
import { startWebServer, type WebServer } from "../../src/cli/webServer.js";
import { decodeKeyShare } from "../../src/protocol/index.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { messageDigest } from "../../src/sdk/messagePreimage.js";
import {
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
} from "../cli/helpers.js";
import { useBrowser } from "./helpers/browser.js";
import { injectWallet } from "./helpers/injectedWallet.js";
import { openPageRecords } from "./helpers/pageRecords.js";
import { containsBytes, cryptoKeysIn, dumpStorage } from "./helpers/storageDump.js";

const WAIT = 120_000;

describe("web client: a browser party beside two CLI parties (issue 14)", function () {
  this.timeout(600_000);
  const browser = useBrowser();
  let dir: string;
  let chain: TestChain;
  let web: WebServer;
  let initiator: TestAccount;
  let parties: TestAccount[];
  let storePassword: string;

  before(async () => {
    dir = await tempDir("web");
    initiator = await testAccount(dir, "web-initiator");
    parties = await Promise.all(["web-a", "web-b", "web-c"].map((l) => testAccount(dir, l)));
    chain = await startTestChain([initiator, ...parties].map((a) => a.address));
    storePassword = join(dir, "store.pw");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(storePassword, "store password\n", { mode: 0o600 });
    web = await startWebServer({
      distDir: await ensureWebBuild(),
      deploymentsDir: chain.deploymentsDir,
      port: 0,
    });
  });

  after(async () => {
    await web?.close();
    await chain?.stop();
  });

  /** A CLI party run with a delegate, accepting only the session the initiator named. */
  function cliParty(party: TestAccount, sessionId: string, fingerprint: Hex): Promise<CliRun> {
    return runCli(
      [
        "party",
        "run",
        "--session",
        sessionId,
        ...keyFlags(party),
        "--store",
        join(dir, `store-${party.address}`),
        "--store-password-file",
        storePassword,
        "--yes",
        "--expect-session",
        fingerprint,
        "--delegate",
        "--json",
      ],
      chain.env,
    );
  }

  async function openSession(page: Page, sessionId: string): Promise<void> {
    const link = `${web.url}/#/session?session=${sessionId}&chain=${chain.chainId}&rpc=${encodeURIComponent(chain.rpcUrl)}`;
    await page.goto(link);
    await shown(page, `#session[data-session="${sessionId}"]`);
  }

  async function connect(page: Page): Promise<void> {
    const button = page.locator('button[data-wallet="org.roundtable.testwallet"]');
    if (await button.count()) await button.click();
    await page.getByText(/Connected: Roundtable Test Wallet/).waitFor();
  }

  /** Waits for `selector`, or fails with what the page shows instead. */
  async function shown(page: Page, selector: string): Promise<void> {
    try {
      await page.locator(selector).first().waitFor({ timeout: WAIT });
    } catch (error) {
      const text = await page
        .locator("main")
        .innerText()
        .catch(() => "(no main)");
      throw new Error(`${selector} never showed; the page shows:\n${text.slice(0, 1500)}`, {
        cause: error,
      });
    }
  }

  async function acceptInPage(page: Page, configHash: Hex): Promise<void> {
    await page.locator("#review").click();
    await shown(page, "#accept");
    // The page computed the configuration hash itself; it must be the contract's.
    expect(await page.locator("#accept").textContent()).to.contain(configHash);
    await page.locator("#accept-button").click();
  }

  async function outcomeOf(page: Page): Promise<string> {
    const outcome = page.locator('#outcome[data-status="finalized"]');
    await shown(page, '#outcome[data-status="finalized"]');
    return (await outcome.textContent()) ?? "";
  }

  it("generates a key and signs a text with the CLI parties; the audit view passes; nothing secret in clear", async () => {
    const [browserParty, ...cliParties] = parties as [TestAccount, TestAccount, TestAccount];
    const created = jsonOf(
      await runCli(
        [
          "session",
          "create",
          ...keyFlags(initiator),
          "--parties",
          sorted(parties.map((p) => p.address)).join(","),
          "--threshold",
          "2",
          "--json",
        ],
        chain.env,
      ),
    );
    const keySession = created.sessionId as string;
    const configHash = created.configHash as Hex;
    const runs = cliParties.map((p) => cliParty(p, keySession, created.sessionFingerprint as Hex));

    const { context, page, problems } = await browser.newPage({
      viewport: { width: 1280, height: 900 },
    });
    const wallet = await injectWallet(context, {
      privateKey: browserParty.privateKey,
      rpcUrl: chain.rpcUrl,
    });
    await openSession(page, keySession);
    await connect(page);
    await acceptInPage(page, configHash);
    const keyText = await outcomeOf(page);

    const cliOutcomes = await Promise.all(runs);
    for (const run of cliOutcomes) expectExit(run, 0);
    const groupKey = (jsonOf(cliOutcomes[0]!).groupPublicKey ??
      jsonOf(cliOutcomes[0]!).result) as Hex;
    const result = (await chain.publicClient.readContract({
      address: chain.contract,
      abi: roundtableAbi,
      functionName: "resultOf",
      args: [BigInt(keySession)],
    })) as Hex;
    expect(keyText.toLowerCase()).to.contain(result.slice(2).toLowerCase());
    expect(groupKey.toLowerCase()).to.contain(result.slice(2).toLowerCase());
    // One wallet prompt for the whole key generation: the acceptance.
    expect(wallet.calls("eth_signTypedData_v4")).to.have.length(1);

    // A signing session of a text, created by the CLI initiator; the browser party and one CLI party sign.
    const text = "release v1.2.0 of roundtable";
    const signers = sorted([browserParty.address, cliParties[0].address]);
    const signing = jsonOf(
      await runCli(
        [
          "session",
          "create",
          ...keyFlags(initiator),
          "--kind",
          "signing",
          "--key-session",
          keySession,
          "--text",
          text,
          "--parties",
          signers.join(","),
          "--json",
        ],
        chain.env,
      ),
    );
    const signingSession = signing.sessionId as string;
    const signerRun = cliParty(cliParties[0], signingSession, signing.sessionFingerprint as Hex);
    wallet.clearLog();
    await openSession(page, signingSession);
    expect(await page.locator("#session").textContent()).to.contain(JSON.stringify(text));
    await acceptInPage(page, signing.configHash as Hex);
    const signedText = await outcomeOf(page);
    expectExit(await signerRun, 0);
    const signature = (await chain.publicClient.readContract({
      address: chain.contract,
      abi: roundtableAbi,
      functionName: "resultOf",
      args: [BigInt(signingSession)],
    })) as Hex;
    expect(signedText.toLowerCase()).to.contain(signature.slice(2, 66).toLowerCase());
    const digest = messageDigest({ kind: "text", text });
    expect(
      schnorr.verify(
        hexToBytes(signature).slice(0, 64),
        hexToBytes(digest),
        hexToBytes(result).slice(-32),
      ),
    ).to.equal(true);
    expect(wallet.calls("eth_signTypedData_v4")).to.have.length(1);

    // The audit view, in the page, of both sessions.
    await page.goto(
      `${web.url}/#/audit?sessions=${keySession},${signingSession}&chain=${chain.chainId}&rpc=${encodeURIComponent(chain.rpcUrl)}`,
    );
    await shown(page, "#audit-verdict");
    const verdict = page.locator("#audit-verdict");
    expect(
      await verdict.getAttribute("data-verdict"),
      (await verdict.textContent()) ?? "",
    ).to.equal("pass");
    expect(await verdict.textContent()).to.contain("2 sessions audited, 0 failed");

    // R7: the store holds the key share sealed; no secret record occurs in clear anywhere.
    const dump = await dumpStorage(page);
    const records = await openPageRecords(page);
    const share = records.find((r) => r.name === "key-share");
    expect(share, "the page stored its key share").to.not.equal(undefined);
    const decoded = decodeKeyShare(share!.plain);
    expect(decoded.identifier).to.equal(
      sorted(parties.map((p) => p.address)).indexOf(browserParty.address as Address) + 1,
    );
    for (const record of records) {
      expect(containsBytes(dump, record.plain), `${record.name} in clear`).to.equal(false);
    }
    expect(containsBytes(dump, decoded.signingShare)).to.equal(false);
    const keys = cryptoKeysIn(dump);
    expect(keys.length).to.be.greaterThan(0);
    for (const key of keys) expect(key.extractable).to.equal(false);
    problems.expectNone("the web party's page");
  });
});
