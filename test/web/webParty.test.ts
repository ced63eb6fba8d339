// The web client as a party, in a real Chromium, on a real local chain, beside two CLI parties
// (issue 14): an EIP-6963 wallet injected by the test signs with a test key and forwards reads to
// the chain. The page is the one `roundtable web` serves (web/dist, built if stale).
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { type Hex, hexToBytes } from "viem";
import { decodeKeyShare } from "../../src/protocol/index.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { messageDigest } from "../../src/sdk/messagePreimage.js";
import { sessionFingerprint } from "../../src/sdk/sessionFingerprint.js";
import { expectExit, jsonOf, sorted } from "../cli/helpers.js";
import { useBrowser } from "./helpers/browser.js";
import { injectWallet } from "./helpers/injectedWallet.js";
import { openPageRecords } from "./helpers/pageRecords.js";
import { containsBytes, cryptoKeysIn, dumpStorage } from "./helpers/storageDump.js";
import {
  acceptInPage,
  connectWallet,
  finalizedOutcome,
  openSession,
  shown,
  useWebClient,
} from "./helpers/webClient.js";

describe("web client: a browser party beside two CLI parties (issue 14)", function () {
  this.timeout(600_000);
  const browser = useBrowser();
  const f = useWebClient("web");

  it("generates a key, starts and signs a text from the page, audits both in the page; nothing secret in clear", async () => {
    const [browserParty, cliSigner, cliOther] = sorted(f.parties.map((p) => p.address)).map(
      (address) => f.parties.find((p) => p.address === address)!,
    ) as [(typeof f.parties)[number], (typeof f.parties)[number], (typeof f.parties)[number]];
    const { sessionId: keySession, configHash, fingerprint } = await f.createKeygen();
    const runs = [cliSigner, cliOther].map((p) => f.cliParty(p, keySession, fingerprint));

    const { context, page, problems } = await browser.newPage({
      viewport: { width: 1280, height: 900 },
    });
    const wallet = await injectWallet(context, {
      privateKey: browserParty.privateKey,
      rpcUrl: f.chain.rpcUrl,
    });
    await openSession(page, f.sessionLink(keySession), keySession);
    await connectWallet(page);
    // The page computed the configuration hash itself; it must be the contract's.
    expect(await acceptInPage(page)).to.contain(configHash);
    const keyText = await finalizedOutcome(page);

    const cliOutcomes = await Promise.all(runs);
    for (const run of cliOutcomes) expectExit(run, 0);
    const groupKey = await f.resultOf(keySession);
    expect(keyText.toLowerCase()).to.contain(groupKey.slice(2).toLowerCase());
    for (const run of cliOutcomes) {
      expect(String(jsonOf(run).groupPublicKey).toLowerCase()).to.contain(
        groupKey.slice(2).toLowerCase(),
      );
    }
    // One wallet prompt for the whole key generation: the acceptance; the relayer carried the rest.
    expect(wallet.calls("eth_signTypedData_v4")).to.have.length(1);
    expect(wallet.sentTransactions).to.have.length(0);

    // The browser party starts a signing session of a text from the page; it and one CLI party sign.
    const text = "release v1.2.0 of roundtable";
    wallet.clearLog();
    await page.goto(
      `${f.web.url}/#/sign?key=${keySession}&chain=${f.chain.chainId}&rpc=${encodeURIComponent(f.chain.rpcUrl)}`,
    );
    await shown(page, "#new-signing input[type=checkbox]");
    await page.locator("#text").fill(text);
    await page.locator("#new-signing button[type=submit]").click();
    await shown(page, "#created");
    const signingSession = /Created session (\d+)/.exec(
      (await page.locator("#created").textContent()) ?? "",
    )?.[1];
    expect(signingSession, "the page names the session it created").to.be.a("string");
    expect(wallet.sentTransactions).to.have.length(1);
    const signingHash = (await f.chain.publicClient.readContract({
      address: f.chain.contract,
      abi: roundtableAbi,
      functionName: "configHashOf",
      args: [BigInt(signingSession!)],
    })) as Hex;
    const signerRun = f.cliParty(
      cliSigner,
      signingSession!,
      sessionFingerprint({
        chainId: f.chain.chainId,
        contract: f.chain.contract,
        sessionId: BigInt(signingSession!),
        configHash: signingHash,
      }),
    );
    await openSession(page, f.sessionLink(signingSession!), signingSession!);
    expect(await page.locator("#session").textContent()).to.contain(JSON.stringify(text));
    const seen = await acceptInPage(page);
    expect(seen).to.contain(signingHash);
    expect(seen, "the accept panel shows the text to sign").to.contain(JSON.stringify(text));
    const signedText = await finalizedOutcome(page);
    expectExit(await signerRun, 0);
    const signature = await f.resultOf(signingSession!);
    expect(signedText.toLowerCase()).to.contain(signature.slice(2, 66).toLowerCase());
    expect(String(jsonOf(await signerRun).signature).toLowerCase()).to.equal(
      signature.toLowerCase(),
    );
    const digest = messageDigest({ kind: "text", text });
    expect(
      schnorr.verify(
        hexToBytes(signature).slice(0, 64),
        hexToBytes(digest),
        hexToBytes(groupKey).slice(-32),
      ),
    ).to.equal(true);
    expect(wallet.calls("eth_signTypedData_v4")).to.have.length(1);
    expect(wallet.sentTransactions, "the creation only").to.have.length(1);

    // The audit view, in the page, of both sessions.
    await page.goto(
      `${f.web.url}/#/audit?sessions=${keySession},${signingSession}&chain=${f.chain.chainId}&rpc=${encodeURIComponent(f.chain.rpcUrl)}`,
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
    expect(decoded.identifier).to.equal(1);
    for (const record of records.filter((r) => r.plain.length >= 8)) {
      expect(containsBytes(dump, record.plain), `${record.name} in clear`).to.equal(false);
    }
    expect(containsBytes(dump, decoded.signingShare)).to.equal(false);
    const keys = cryptoKeysIn(dump);
    expect(keys.length).to.be.greaterThan(0);
    for (const key of keys) expect(key.extractable).to.equal(false);
    problems.expectNone("the web party's page");
  });
});
