// Attacks on the web client (issue 14) as one adversary would make them, in a real Chromium on a
// real local chain, against the page `roundtable web` serves:
//  - a hostile initiator whose chain data (protocol and ciphersuite ids) is HTML meant to run;
//  - a malicious link: an RPC that is not http(s), a contract with a wrong checksum, a chain the
//    RPC does not serve, and a lookalike contract that the link makes the page's own setting;
//  - a hostile page on another origin that frames the client or opens it and keeps a handle;
//  - a second tab of the client while a session runs (same IndexedDB, a second runner).
// A finding keeps the test asserting the SAFE behaviour, skipped, with a "FINDING:" comment.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type Address, createWalletClient, getAddress, http, stringToHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { sorted } from "../cli/helpers.js";
import { useBrowser } from "../web/helpers/browser.js";
import { injectWallet } from "../web/helpers/injectedWallet.js";
import {
  acceptInPage,
  connectWallet,
  openSession,
  shown,
  useWebClient,
} from "../web/helpers/webClient.js";

/** Elements a hostile initiator's ids would add if rendered as HTML: none may exist. */
async function injected(page: Page): Promise<number> {
  return page.locator('img[src="x"], #session script, #run script, #accept script').count();
}

/** The page header's "chain N · 0x…" line: the chain and contract the page acts on. */
async function headerOf(page: Page): Promise<string> {
  return (await page.locator("header .who").textContent()) ?? "";
}

/** A page on another origin (another port of 127.0.0.1), serving `html`. */
async function hostileOrigin(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("attacks on the web client (issue 14)", function () {
  this.timeout(180_000);
  const browser = useBrowser();
  const fixture = useWebClient("webattack");

  /** The link to the session with the contract named, as an initiator's page writes it. */
  function fullLink(sessionId: string, overrides: Record<string, string> = {}): string {
    const q = new URLSearchParams({
      session: sessionId,
      chain: String(fixture.chain.chainId),
      contract: fixture.chain.contract,
      rpc: fixture.chain.rpcUrl,
      ...overrides,
    });
    return `${fixture.web.url}/#/session?${q.toString()}`;
  }

  it("a hostile initiator's HTML in protocol and ciphersuite ids is shown as text and runs nothing", async () => {
    // The contract stores any 32-byte ids; the page decodes them as text (idName) and shows them.
    const protocol = "<img src=x onerror=alert(1)>";
    const ciphersuite = "<script>alert(2)</script>";
    const initiator = privateKeyToAccount(fixture.initiator.privateKey);
    const wallet = createWalletClient({
      account: initiator,
      transport: http(fixture.chain.rpcUrl),
    });
    const { request, result } = await fixture.chain.publicClient.simulateContract({
      address: fixture.chain.contract,
      abi: roundtableAbi,
      functionName: "createSession",
      account: initiator,
      args: [
        {
          kind: 0,
          protocol: stringToHex(protocol, { size: 32 }),
          ciphersuite: stringToHex(ciphersuite, { size: 32 }),
          parties: sorted(fixture.parties.map((p) => p.address)),
          threshold: 2,
          rounds: [
            { duration: 600, commitReveal: false },
            { duration: 600, commitReveal: false },
            { duration: 600, commitReveal: false },
          ],
          acceptanceDuration: 3600,
          keySession: 0n,
          message: zeroHash,
          params: "0x",
        },
      ],
    });
    const hash = await wallet.writeContract({ ...request, chain: null });
    await fixture.chain.publicClient.waitForTransactionReceipt({ hash });
    const sessionId = String(result);

    const { context, page, problems } = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await injectWallet(context, {
      privateKey: fixture.parties[0]!.privateKey,
      rpcUrl: fixture.chain.rpcUrl,
    });
    await openSession(page, fullLink(sessionId), sessionId);
    const shownText = (await page.locator("#session").textContent()) ?? "";
    expect(shownText).to.contain(protocol);
    expect(shownText).to.contain(ciphersuite);
    // As text: no element the initiator wrote exists anywhere in the page.
    expect(await injected(page)).to.equal(0);
    // The party's review of this session: the runner refuses the unknown protocol, in words.
    await connectWallet(page);
    if (await page.locator("#review").isEnabled()) {
      await page.locator("#review").click();
      await page.waitForTimeout(1_500);
    }
    expect(await injected(page)).to.equal(0);
    expect(dialogs).to.deep.equal([]);
    expect(problems.pageErrors).to.deep.equal([]);
    expect(problems.cspViolations).to.deep.equal([]);
  });

  it("a link with a non-http RPC, a mistyped contract or another chain connects to nothing it names", async () => {
    const { page } = await browser.newPage();
    const rpc = fixture.chain.rpcUrl;
    const cases: { overrides: Record<string, string>; says: RegExp }[] = [
      { overrides: { rpc: "javascript:alert(1)" }, says: /is not an http\(s\) URL/ },
      { overrides: { rpc: "data:text/html,<b>x</b>" }, says: /is not an http\(s\) URL/ },
      {
        // A checksummed address with one letter's case flipped: a typo, or a lookalike.
        overrides: {
          contract: flipCase(fixture.chain.contract),
        },
        says: /wrong EIP-55 checksum/,
      },
      {
        overrides: { chain: "1", rpc },
        says: /The link is for chain 1, but .* serves chain/,
      },
    ];
    for (const { overrides, says } of cases) {
      await page.goto("about:blank");
      await page.goto(fullLink("1", overrides));
      await page.getByText(says).first().waitFor({ timeout: 20_000 });
      // Never connected to what the bad part named.
      const header = await headerOf(page);
      if (overrides.chain === "1") expect(header).to.equal("not connected");
      expect(header).to.not.contain("chain 1 ");
    }
  });

  // Was FINDING W-LINK (fixed: a link's settings serve its tab only): a link's chain settings become the page's own, saved in localStorage, with no
  // question. One click on an attacker's link (say, "audit session 3", naming the attacker's
  // lookalike contract or RPC) re-points every later visit to the bare page. The party's
  // remembered runs are filtered by chain and contract (BrowserRuns.rememberedSessions), so a run
  // of the real contract is no longer resumed on the next visit: the honest party goes silent
  // mid-session and is blamed at the deadline. Reproduce: remove `.skip`; the last expectation
  // fails with the lookalike contract in the header. Fix idea: use a link's settings for that
  // tab only (never save them), or ask before saving; resume remembered runs of every contract.
  it("a link's settings do not replace the party's own: the bare page still acts on the party's contract", async () => {
    const lookalike = await deployLookalike();
    const { page } = await browser.newPage();
    // The party's own settings, chosen in the form (a link's are used for its tab only).
    await page.goto(`${fixture.web.url}/`);
    await page.locator("#rpc").fill(fixture.chain.rpcUrl);
    await page.locator("#contract").fill(fixture.chain.contract);
    await page.locator("#settings button[type=submit]").click();
    await page.getByText(`chain ${fixture.chain.chainId} · ${fixture.chain.contract}`).waitFor();
    // The attacker's link, opened once.
    await page.goto(
      `${fixture.web.url}/#/audit?chain=${fixture.chain.chainId}&contract=${lookalike}&rpc=${encodeURIComponent(fixture.chain.rpcUrl)}`,
    );
    await page.getByText(`chain ${fixture.chain.chainId} · ${lookalike}`).waitFor();
    // Later: the party opens its bookmark, the bare page.
    await page.goto(`${fixture.web.url}/`);
    await page
      .locator("header .who")
      .getByText(/^chain /)
      .waitFor();
    expect(await headerOf(page)).to.contain(fixture.chain.contract);
  });

  it("a hostile page on another origin can neither frame the client nor keep a handle to a tab it opens", async () => {
    const target = fullLink("1");
    const hostile = await hostileOrigin(`<!doctype html><html><body>
<iframe id="f" src="${target}" width="800" height="600"></iframe>
<script>
  window.__opened = window.open(${JSON.stringify(target)}, "_blank");
</script></body></html>`);
    try {
      const { context, page } = await browser.newPage();
      const popup = context.waitForEvent("page", { timeout: 10_000 }).catch(() => undefined);
      await page.goto(hostile.url);
      await page.waitForTimeout(2_000);
      // The frame: blocked by frame-ancestors 'none' / X-Frame-Options DENY, so no client runs in it.
      const framed = page.frames().filter((f) => f !== page.mainFrame());
      expect(framed).to.have.length(1);
      const clientInFrame = await framed[0]!
        .evaluate(() => document.querySelector("#app")?.childElementCount ?? -1)
        .catch(() => -1);
      expect(clientInFrame, "the client rendered inside a hostile frame").to.be.lessThan(1);
      // The tab it opened: Cross-Origin-Opener-Policy severs the opener's handle.
      const opened = await popup;
      expect(opened, "the hostile page could open a tab").to.not.equal(undefined);
      await opened!.waitForLoadState();
      expect(await page.evaluate("window.__opened === null || window.__opened.closed")).to.equal(
        true,
      );
      expect(await opened!.evaluate("window.opener")).to.equal(null);
    } finally {
      await hostile.close();
    }
  });

  // Was FINDING W-TABS (fixed: one runner per session and party across tabs, Web Locks): nothing stops a second tab of the client from running a session that a first
  // tab runs. Both tabs share IndexedDB and localStorage; each resumes every remembered run
  // (app.tsx, "Resume every run this browser accepted") with its own runner. Two runners that
  // reach a round together each compute the round with fresh randomness (runParty #compute: read
  // the record, none, compute, put): the last `put` wins the store, the first send wins the
  // chain, so the stored round state (FROST coefficients or signing nonces) need not be the one
  // whose payload is on chain. The next round is then computed from the wrong state (a reveal
  // that misses its commitment, shares that fail against the commitments, a signature share that
  // fails): the honest party is blamed. Opening the app in a second tab is an ordinary act (a
  // second invitation link, a restored browser session). Reproduce: remove `.skip`; tab 2 shows
  // "#progress" for the session tab 1 runs. Fix idea: one runner per (chain, contract, session,
  // party) across tabs, with the Web Locks API (navigator.locks.request(key, { ifAvailable })),
  // and tab 2 saying "this session runs in another tab".
  it("a second tab does not start a second runner for a session the first tab runs", async () => {
    const { sessionId } = await fixture.createKeygen();
    const party = fixture.parties[0]!;
    const context = await browser.newContext();
    await injectWallet(context, { privateKey: party.privateKey, rpcUrl: fixture.chain.rpcUrl });
    const first = await context.newPage();
    await openSession(first, fixture.sessionLink(sessionId), sessionId);
    await connectWallet(first);
    await acceptInPage(first);
    // Tab 1 runs: accepted, waiting for the two other parties (who never come in this test).
    await shown(first, "#progress");

    const second = await context.newPage();
    await openSession(second, fixture.sessionLink(sessionId), sessionId);
    await connectWallet(second);
    await second.waitForTimeout(3_000);
    expect(
      await second.locator("#progress").count(),
      "a second runner of the same session started in tab 2",
    ).to.equal(0);
    await shown(second, '#run[data-status="elsewhere"]');
    // Tab 1 goes on undisturbed.
    expect(await first.locator("#progress").count()).to.equal(1);
  });

  /** A contract at a fresh address with the real Roundtable's code: it has code, and no sessions. */
  async function deployLookalike(): Promise<Address> {
    const code = await fixture.chain.publicClient.getCode({ address: fixture.chain.contract });
    const lookalike = getAddress("0x00000000000000000000000000000000deadbeef");
    // Whichever local node runs the chain: anvil's method, else Hardhat's.
    for (const method of ["anvil_setCode", "hardhat_setCode"]) {
      const response = await fetch(fixture.chain.rpcUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [lookalike, code] }),
      });
      if (((await response.json()) as { error?: unknown }).error === undefined) break;
    }
    expect(await fixture.chain.publicClient.getCode({ address: lookalike })).to.equal(code);
    return lookalike;
  }
});

/** The address with the case of its first letter flipped: its EIP-55 checksum no longer holds. */
function flipCase(address: Address): string {
  const body = address.slice(2);
  const i = body.search(/[a-fA-F]/);
  const c = body[i]!;
  const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  return `0x${body.slice(0, i)}${flipped}${body.slice(i + 1)}`;
}
