// A key share moves from the browser to the CLI and from the CLI to the browser (issue 14): the
// page exports a passphrase-sealed file, `roundtable share import` stores it, and that CLI store
// signs; `roundtable share export` writes one, the page imports it and signs in the browser.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { hexToBytes } from "viem";
import { messageDigest } from "../../src/sdk/messagePreimage.js";
import { expectExit, jsonOf, keyFlags, runCli, sorted, type TestAccount } from "../cli/helpers.js";
import { useBrowser } from "./helpers/browser.js";
import { injectWallet } from "./helpers/injectedWallet.js";
import {
  acceptInPage,
  connectWallet,
  finalizedOutcome,
  openSession,
  shown,
  useWebClient,
} from "./helpers/webClient.js";

describe("web client: a key share moves to the CLI and back (issue 14)", function () {
  this.timeout(600_000);
  const browser = useBrowser();
  const f = useWebClient("webshare");

  it("exports from the page, imports in the CLI, which signs; exports from the CLI, imports in the page, which signs", async () => {
    const [a, b, c] = sorted(f.parties.map((p) => p.address)).map(
      (address) => f.parties.find((p) => p.address === address)!,
    ) as [TestAccount, TestAccount, TestAccount];
    const passphrase = join(f.dir, "share.pw");
    await writeFile(passphrase, "correct horse battery staple\n", { mode: 0o600 });
    const { sessionId: keySession, fingerprint } = await f.createKeygen();
    const runs = [b, c].map((p) => f.cliParty(p, keySession, fingerprint));
    const { context, page, problems } = await browser.newPage();
    await injectWallet(context, { privateKey: a.privateKey, rpcUrl: f.chain.rpcUrl });
    await openSession(page, f.sessionLink(keySession), keySession);
    await connectWallet(page);
    await acceptInPage(page);
    await finalizedOutcome(page);
    for (const run of await Promise.all(runs)) expectExit(run, 0);
    const groupKey = await f.resultOf(keySession);

    // Browser -> CLI: the page's export, imported into a fresh CLI store of the same account.
    await page.goto(
      `${f.web.url}/#/share?chain=${f.chain.chainId}&rpc=${encodeURIComponent(f.chain.rpcUrl)}`,
    );
    await shown(page, "#export-form");
    await page.locator("#export-session").fill(keySession);
    await page.locator("#export-passphrase").fill("correct horse battery staple");
    await page.locator("#export-again").fill("correct horse battery staple");
    const download = page.waitForEvent("download");
    await page.locator("#export-form button[type=submit]").click();
    const exported = join(f.dir, "from-browser.json");
    await (await download).saveAs(exported);
    await shown(page, "#export-note");

    const cliStore = join(f.dir, "a-on-the-cli");
    const imported = await runCli(
      [
        "share",
        "import",
        "--file",
        exported,
        ...keyFlags(a),
        "--store",
        cliStore,
        "--store-password-file",
        f.storePassword,
        "--passphrase-file",
        passphrase,
        "--json",
      ],
      f.chain.env,
    );
    expectExit(imported, 0);
    const text1 = "signed on the command line with a share made in a browser";
    const signing1 = await f.createSigning(keySession, [a, b], text1);
    const [byA, byB] = await Promise.all([
      f.cliParty(a, signing1.sessionId, signing1.fingerprint, cliStore),
      f.cliParty(b, signing1.sessionId, signing1.fingerprint),
    ]);
    expectExit(byA!, 0);
    expectExit(byB!, 0);
    const signature1 = await f.resultOf(signing1.sessionId);
    expect(String(jsonOf(byA!).signature).toLowerCase()).to.equal(signature1.toLowerCase());
    expect(
      schnorr.verify(
        hexToBytes(signature1).slice(0, 64),
        hexToBytes(messageDigest({ kind: "text", text: text1 })),
        hexToBytes(groupKey).slice(-32),
      ),
    ).to.equal(true);

    // CLI -> browser: party c's share, exported by the CLI, imported into a new browser profile.
    const fromCli = join(f.dir, "from-cli.json");
    const exportRun = await runCli(
      [
        "share",
        "export",
        "--key-session",
        keySession,
        ...keyFlags(c),
        "--store",
        f.storeOf(c),
        "--store-password-file",
        f.storePassword,
        "--passphrase-file",
        passphrase,
        "--out",
        fromCli,
        "--json",
      ],
      f.chain.env,
    );
    expectExit(exportRun, 0);
    const second = await browser.newPage();
    await injectWallet(second.context, { privateKey: c.privateKey, rpcUrl: f.chain.rpcUrl });
    await second.page.goto(
      `${f.web.url}/#/share?chain=${f.chain.chainId}&rpc=${encodeURIComponent(f.chain.rpcUrl)}`,
    );
    await connectWallet(second.page);
    await second.page.locator("#import-file").setInputFiles(fromCli);
    await second.page.locator("#import-passphrase").fill("correct horse battery staple");
    await second.page.locator("#import-form button[type=submit]").click();
    await shown(second.page, "#import-note");
    expect(await second.page.locator("#import-note").textContent()).to.contain(
      groupKey.slice(2).toLowerCase(),
    );

    const text2 = "signed in a browser with a share made on the command line";
    const signing2 = await f.createSigning(keySession, [b, c], text2);
    const byB2 = f.cliParty(b, signing2.sessionId, signing2.fingerprint);
    await openSession(second.page, f.sessionLink(signing2.sessionId), signing2.sessionId);
    await acceptInPage(second.page);
    await finalizedOutcome(second.page);
    expectExit(await byB2, 0);
    const signature2 = await f.resultOf(signing2.sessionId);
    expect(
      schnorr.verify(
        hexToBytes(signature2).slice(0, 64),
        hexToBytes(messageDigest({ kind: "text", text: text2 })),
        hexToBytes(groupKey).slice(-32),
      ),
    ).to.equal(true);

    // A wrong passphrase is refused in words, and nothing is stored or lost.
    await second.page.goto(
      `${f.web.url}/#/share?chain=${f.chain.chainId}&rpc=${encodeURIComponent(f.chain.rpcUrl)}`,
    );
    await shown(second.page, "#import-form");
    await second.page.locator("#import-file").setInputFiles(fromCli);
    await second.page.locator("#import-passphrase").fill("wrong passphrase entirely");
    await second.page.locator("#import-form button[type=submit]").click();
    await shown(second.page, "#import-form .problem");
    expect(await second.page.locator("#import-form .problem").textContent()).to.contain(
      "does not open with this passphrase",
    );
    problems.expectNone("the exporting page");
    second.problems.expectNone("the importing page");
  });
});
