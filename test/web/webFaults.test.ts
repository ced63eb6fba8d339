// The web client when things go wrong (issue 14): a wallet prompt declined, a wallet on another
// chain, a reload in the middle of a round. Real Chromium, real chain, CLI parties beside it.
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { readSession } from "../../src/sdk/actions/readSession.js";
import { expectExit, jsonOf, sorted, type TestAccount, type TestChain } from "../cli/helpers.js";
import { useBrowser } from "./helpers/browser.js";
import { injectWallet } from "./helpers/injectedWallet.js";
import { openPageRecords } from "./helpers/pageRecords.js";
import { containsBytes, dumpStorage } from "./helpers/storageDump.js";
import {
  acceptInPage,
  connectWallet,
  finalizedOutcome,
  openSession,
  shown,
  useWebClient,
  WAIT,
} from "./helpers/webClient.js";

/** The parties sorted as the session orders them. */
function inOrder(parties: readonly TestAccount[]): TestAccount[] {
  return sorted(parties.map((p) => p.address)).map((a) => parties.find((p) => p.address === a)!);
}

/** Party `party`'s registered encryption key, or undefined before it accepted. */
async function encryptionKeyOf(chain: TestChain, sessionId: string, party: number) {
  const session = await readSession({
    publicClient: chain.publicClient as RoundtablePublicClient,
    address: chain.contract,
    sessionId: BigInt(sessionId),
  });
  return session.encryptionKeys[party];
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + WAIT;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function partyActed(page: Page, index: number): Promise<boolean> {
  return (await page.locator(`#parties tr[data-party="${index}"] .badge.done`).count()) === 1;
}

describe("web client: declined prompts, wrong chains, reloads (issue 14)", function () {
  this.timeout(600_000);
  const browser = useBrowser();
  const f = useWebClient("webfaults");

  it("a declined acceptance signature sends nothing; accepting again goes on", async () => {
    const [a, b, c] = inOrder(f.parties) as [TestAccount, TestAccount, TestAccount];
    const { sessionId, fingerprint } = await f.createKeygen();
    const others = [b, c].map((p) => f.cliParty(p, sessionId, fingerprint));
    const { context, page, problems } = await browser.newPage();
    const wallet = await injectWallet(context, {
      privateKey: a.privateKey,
      rpcUrl: f.chain.rpcUrl,
    });
    await openSession(page, f.sessionLink(sessionId), sessionId);
    await connectWallet(page);

    wallet.rejectNext("eth_signTypedData_v4");
    await acceptInPage(page);
    await shown(page, "#run .problem");
    expect(await page.locator("#run .problem").textContent()).to.match(
      /declined the acceptance's signature.*Nothing was sent/,
    );
    expect(wallet.sentTransactions).to.have.length(0);
    expect(await encryptionKeyOf(f.chain, sessionId, 0), "party 0 registered no key").to.equal(
      undefined,
    );

    // The same delegate and encryption key are offered again (stored before the first prompt).
    await acceptInPage(page);
    await finalizedOutcome(page);
    for (const run of await Promise.all(others)) expectExit(run, 0);
    expect(wallet.calls("eth_signTypedData_v4")).to.have.length(2);
    expect(wallet.sentTransactions).to.have.length(0);
    problems.expectNone("the page after a declined prompt");
  });

  it("refuses to ask a wallet on another chain to sign, until it switches", async () => {
    const [a, b, c] = inOrder(f.parties) as [TestAccount, TestAccount, TestAccount];
    const { sessionId, fingerprint } = await f.createKeygen();
    const { context, page } = await browser.newPage();
    const wallet = await injectWallet(context, {
      privateKey: a.privateKey,
      rpcUrl: f.chain.rpcUrl,
      chainId: 1,
    });
    await openSession(page, f.sessionLink(sessionId), sessionId);
    await connectWallet(page);
    await shown(page, "#switch-chain");
    expect(await page.locator("#connect .warning").textContent()).to.contain(
      `Your wallet is on chain 1, but these sessions are on chain ${f.chain.chainId}`,
    );
    expect(await page.locator("#review").isDisabled()).to.equal(true);
    expect(wallet.calls("eth_signTypedData_v4")).to.have.length(0);

    await page.locator("#switch-chain").click();
    await until(
      "the review button is enabled",
      async () => !(await page.locator("#review").isDisabled()),
    );
    expect(wallet.chainId).to.equal(f.chain.chainId);
    const others = [b, c].map((p) => f.cliParty(p, sessionId, fingerprint));
    await acceptInPage(page);
    await finalizedOutcome(page);
    for (const run of await Promise.all(others)) expectExit(run, 0);
  });

  it("resumes after a reload in the middle of a round, and never asks the wallet again", async () => {
    const [a, b, c] = inOrder(f.parties) as [TestAccount, TestAccount, TestAccount];
    const { sessionId, fingerprint } = await f.createKeygen();
    const runB = f.cliParty(b, sessionId, fingerprint);
    // Party c accepts, then stops: round 1 then waits for it while the page has acted.
    const firstC = f.startCliParty(c, sessionId, fingerprint);
    await until(
      "party 2 accepted",
      async () => (await encryptionKeyOf(f.chain, sessionId, 2)) !== undefined,
    );
    firstC.stop();
    await firstC.done;

    const { context, page, problems } = await browser.newPage();
    const wallet = await injectWallet(context, {
      privateKey: a.privateKey,
      rpcUrl: f.chain.rpcUrl,
    });
    await openSession(page, f.sessionLink(sessionId), sessionId);
    await connectWallet(page);
    await acceptInPage(page);
    await until("party 0 acted in round 1", async () => {
      const text = (await page.locator("#session h2").textContent()) ?? "";
      return !text.includes("Accepting") && (await partyActed(page, 0));
    });

    // Mid-round: the delegate key, the encryption key and round 1's state are stored, sealed.
    const records = await openPageRecords(page);
    const names = records.map((r) => r.name);
    expect(names).to.include.members(["delegate-key", "encryption-key", "round-1"]);
    const dump = await dumpStorage(page);
    for (const record of records.filter((r) => r.plain.length >= 8)) {
      expect(containsBytes(dump, record.plain), `${record.name} in clear`).to.equal(false);
    }

    await page.reload();
    await shown(page, `#session[data-session="${sessionId}"]`);
    // The run resumes by itself once the remembered wallet reconnects (no prompt).
    await shown(page, "#run #progress");
    // Following another link to the same chain in this tab keeps the one runner it has.
    await page.goto(f.sessionLink(sessionId).replace("#/session?session=", "#/?from="));
    await shown(page, "#sessions");
    await openSession(page, f.sessionLink(sessionId), sessionId);
    await shown(page, "#run #progress");
    expect(await page.locator('#run[data-status="elsewhere"]').count()).to.equal(0);
    const secondC = f.startCliParty(c, sessionId, fingerprint);
    const outcome = await finalizedOutcome(page);
    expectExit(await runB, 0);
    expectExit(await secondC.done, 0);
    const groupKey = String(jsonOf(await runB).groupPublicKey);
    expect(outcome.toLowerCase()).to.contain(groupKey.slice(2).toLowerCase());
    expect(wallet.calls("eth_signTypedData_v4"), "one acceptance signature in all").to.have.length(
      1,
    );
    expect(
      wallet.calls("eth_requestAccounts"),
      "no connection prompt after the reload",
    ).to.have.length(1);
    expect(wallet.sentTransactions).to.have.length(0);
    // The round secrets are gone once the session ended; the key share stays.
    const after = (await openPageRecords(page)).map((r) => r.name);
    expect(after).to.include("key-share");
    expect(after).to.not.include("round-1");
    expect(after).to.not.include("delegate-key");
    problems.expectNone("the page across the reload");
  });
});
