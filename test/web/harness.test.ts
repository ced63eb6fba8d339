// The browser harness itself, against a tiny page of its own (test/web/fixtures/harnessPage) served
// from 127.0.0.1 with a strict Content-Security-Policy: the page finds the injected wallet through
// EIP-6963 and uses it against a real anvil chain; the storage dump finds what the page wrote and
// nothing else; the page watcher reports a blocked inline script. The web client's tests build on
// these helpers, so each behaviour they rely on is shown here to be able to fail.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import {
  type Address,
  bytesToHex,
  getTypesForEIP712Domain,
  type Hex,
  hexToBytes,
  keccak256,
  parseEther,
  recoverTypedDataAddress,
  stringify,
  stringToHex,
  verifyMessage,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Anvil, startAnvil } from "../helpers/anvil.js";
import { useBrowser } from "./helpers/browser.js";
import { injectWallet, testWalletInfo } from "./helpers/injectedWallet.js";
import { containsBytes, cryptoKeysIn, dumpStorage, findBytes } from "./helpers/storageDump.js";

const pageDirectory = join(import.meta.dirname, "fixtures", "harnessPage");
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; connect-src 'self' http://127.0.0.1:*";
const files: Record<string, string> = {
  "/": "index.html",
  "/inline.html": "inline.html",
  // Not page.js on disk: `hardhat test` loads every .js file under test/ as a mocha file.
  "/page.js": "page-script.txt",
};
const walletKey = keccak256(stringToHex("roundtable web harness test wallet"));
const recipient: Address = "0x000000000000000000000000000000000000bEEF";

/** Serves the harness page's files, each response under the strict CSP. */
async function startPageServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const file = files[new URL(request.url ?? "/", "http://127.0.0.1").pathname];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      "content-type": file.endsWith(".txt") ? "text/javascript" : "text/html; charset=utf-8",
      "content-security-policy": contentSecurityPolicy,
    });
    response.end(await readFile(join(pageDirectory, file)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

type CallResult = {
  result?: unknown;
  error?: { code: number | null; message: string; isError: boolean };
};

/** One EIP-1193 request made by the page to the wallet it discovered. */
function pageCall(page: Page, method: string, params: unknown[] = []): Promise<CallResult> {
  return page.evaluate(
    `window.harnessPage.call(${JSON.stringify(method)}, ${JSON.stringify(params)})`,
  ) as Promise<CallResult>;
}

describe("Web test harness", function () {
  this.timeout(60_000);
  const browser = useBrowser();
  let anvil: Anvil;
  let pageUrl: string;
  let server: Server;

  before(async () => {
    anvil = await startAnvil();
    ({ url: pageUrl, server } = await startPageServer());
    const funder = anvil.walletClient(0);
    const hash = await funder.sendTransaction({
      to: privateKeyToAccount(walletKey).address,
      value: parseEther("10"),
    });
    await anvil.publicClient.waitForTransactionReceipt({ hash });
  });

  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await anvil?.stop();
  });

  /** A fresh context with the wallet injected, the page loaded and its script run. */
  async function openPage(path = "/", options: { chainId?: number; connected?: boolean } = {}) {
    const { context, page, problems } = await browser.newPage();
    const wallet = await injectWallet(context, {
      privateKey: walletKey,
      rpcUrl: anvil.rpcUrl,
      ...options,
    });
    const response = await page.goto(`${pageUrl}${path}`);
    await page.waitForFunction("document.body.dataset.ready === 'true'");
    return { context, page, problems, wallet, response };
  }

  describe("injected wallet", () => {
    it("is discovered through EIP-6963 by a page under a strict CSP, with no page problems", async () => {
      const { page, problems, response } = await openPage();
      expect(response?.headers()["content-security-policy"]).to.equal(contentSecurityPolicy);
      const wallets = (await page.evaluate("window.harnessPage.wallets()")) as unknown[];
      expect(wallets).to.deep.equal([{ ...testWalletInfo }]);
      expect(testWalletInfo.icon).to.match(/^data:image\/svg\+xml,/);
      problems.expectNone();
    });

    it("answers eth_accounts only after eth_requestAccounts, and stays connected across a reload", async () => {
      const { page, wallet } = await openPage();
      expect(await pageCall(page, "eth_accounts")).to.deep.equal({ result: [] });
      expect(await pageCall(page, "eth_requestAccounts")).to.deep.equal({
        result: [wallet.address],
      });
      await page.reload();
      await page.waitForFunction("document.body.dataset.ready === 'true'");
      expect(await pageCall(page, "eth_accounts")).to.deep.equal({ result: [wallet.address] });
      expect(wallet.methods()).to.deep.equal([
        "eth_accounts",
        "eth_requestAccounts",
        "eth_accounts",
      ]);
    });

    it("signs EIP-712 typed data that recovers to its account", async () => {
      const { page, wallet } = await openPage("/", { connected: true });
      const typedData = mailTypedData(anvil.chain.id);
      const { result, error } = await pageCall(page, "eth_signTypedData_v4", [
        wallet.address,
        typedDataJson(typedData),
      ]);
      expect(error).to.equal(undefined);
      const signer = await recoverTypedDataAddress({ ...typedData, signature: result as Hex });
      expect(signer).to.equal(wallet.address);
    });

    it("refuses typed data whose domain names another chain than the wallet's", async () => {
      const { page, wallet } = await openPage("/", { connected: true });
      const { error } = await pageCall(page, "eth_signTypedData_v4", [
        wallet.address,
        typedDataJson(mailTypedData(anvil.chain.id + 1)),
      ]);
      expect(error?.code).to.equal(-32603);
      expect(error?.message).to.include(
        `chainId ${anvil.chain.id + 1} is not the wallet's chain ${anvil.chain.id}`,
      );
    });

    it("signs personal messages for its account", async () => {
      const { page, wallet } = await openPage("/", { connected: true });
      const message = stringToHex("hello from the page");
      const { result } = await pageCall(page, "personal_sign", [message, wallet.address]);
      expect(
        await verifyMessage({
          address: wallet.address,
          message: { raw: message },
          signature: result as Hex,
        }),
      ).to.be.true;
    });

    it("signs and sends a transaction that anvil mines", async () => {
      const { page, wallet } = await openPage("/", { connected: true });
      const before = await anvil.publicClient.getBalance({ address: recipient });
      const { result, error } = await pageCall(page, "eth_sendTransaction", [
        { from: wallet.address, to: recipient, value: "0x2386f26fc10000" }, // 0.01 ETH
      ]);
      expect(error).to.equal(undefined);
      const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash: result as Hex });
      expect(receipt.status).to.equal("success");
      expect(receipt.from.toLowerCase()).to.equal(wallet.address.toLowerCase());
      expect(await anvil.publicClient.getBalance({ address: recipient })).to.equal(
        before + parseEther("0.01"),
      );
      expect(wallet.sentTransactions).to.deep.equal([result]);

      const otherChain = `0x${(anvil.chain.id + 1).toString(16)}`;
      const refused = await pageCall(page, "eth_sendTransaction", [
        { from: wallet.address, to: recipient, value: "0x1", chainId: otherChain },
      ]);
      expect(refused.error?.message).to.include(`chainId ${otherChain} is not the wallet's chain`);
      expect(wallet.sentTransactions).to.have.length(1);
    });

    it("forwards reads to the chain", async () => {
      const { page, wallet } = await openPage();
      const { result } = await pageCall(page, "eth_getBalance", [wallet.address, "latest"]);
      expect(BigInt(result as Hex)).to.equal(
        await anvil.publicClient.getBalance({ address: wallet.address }),
      );
      const missing = await pageCall(page, "eth_getTransactionReceipt", ["0x1234"]);
      expect(missing.error?.isError).to.be.true;
      expect(missing.error?.code).to.be.a("number");
    });

    it("answers a rejected prompt with a 4001 error and sends nothing", async () => {
      const { page, wallet } = await openPage("/", { connected: true });
      const nonce = await anvil.publicClient.getTransactionCount({ address: wallet.address });
      wallet.rejectNext("eth_sendTransaction");
      const rejected = await pageCall(page, "eth_sendTransaction", [
        { from: wallet.address, to: recipient, value: "0x1" },
      ]);
      expect(rejected).to.deep.equal({
        error: { code: 4001, message: "User rejected the request.", isError: true },
      });
      expect(wallet.calls("eth_sendTransaction")).to.have.length(1);
      expect(wallet.calls("eth_sendTransaction")[0]?.error?.code).to.equal(4001);
      expect(wallet.sentTransactions).to.deep.equal([]);
      expect(await anvil.publicClient.getTransactionCount({ address: wallet.address })).to.equal(
        nonce,
      );

      wallet.setRejectPrompts(true);
      for (const [method, params] of [
        ["eth_requestAccounts", []],
        ["personal_sign", [stringToHex("x"), wallet.address]],
        ["eth_signTypedData_v4", [wallet.address, typedDataJson(mailTypedData(anvil.chain.id))]],
      ] as const) {
        expect((await pageCall(page, method, [...params])).error?.code, method).to.equal(4001);
      }
      expect((await pageCall(page, "eth_chainId")).result, "reads still work").to.equal(
        `0x${anvil.chain.id.toString(16)}`,
      );
    });

    it("tells the page when its chain changes, and will not send on a chain it only pretends to be on", async () => {
      const { page, wallet } = await openPage("/", { connected: true });
      await wallet.setChainId(10);
      expect(await pageCall(page, "eth_chainId")).to.deep.equal({ result: "0xa" });
      const refused = await pageCall(page, "eth_sendTransaction", [
        { from: wallet.address, to: recipient, value: "0x1" },
      ]);
      expect(refused.error?.message).to.include("the wallet is on chain 10");
      expect(wallet.sentTransactions).to.deep.equal([]);
      const back = `0x${anvil.chain.id.toString(16)}`;
      expect(await pageCall(page, "wallet_switchEthereumChain", [{ chainId: back }])).to.deep.equal(
        {
          result: null,
        },
      );
      expect(wallet.chainId).to.equal(anvil.chain.id);
      expect(await page.evaluate("window.harnessPage.events()")).to.deep.equal([
        { event: "chainChanged", data: "0xa" },
        { event: "chainChanged", data: back },
      ]);
    });

    it("starts on the chain the test names", async () => {
      const { page, wallet } = await openPage("/", { chainId: 8453 });
      expect(wallet.chainId).to.equal(8453);
      expect(await pageCall(page, "eth_chainId")).to.deep.equal({ result: "0x2105" });
    });
  });

  describe("storage dump", () => {
    it("finds bytes the page wrote to IndexedDB and localStorage, and not bytes it did not write", async () => {
      const { page } = await openPage();
      const written = secret("written to IndexedDB");
      const neverWritten = secret("never written");
      await page.evaluate(
        `window.harnessPage.storeInIndexedDB("share", ${JSON.stringify(bytesToHex(written).slice(2))})`,
      );
      const before = await dumpStorage(page);
      expect(containsBytes(before, neverWritten)).to.be.false;
      expect(findBytes(before, written)).to.deep.equal(["hex"]);

      const database = before.indexedDB.find((db) => db.name === "harness-page");
      expect(database?.stores.map((store) => store.name)).to.deep.equal(["secrets"]);
      expect(cryptoKeysIn(before)).to.deep.equal([
        {
          type: "secret",
          extractable: false,
          algorithm: { name: "AES-GCM", length: 256 },
          usages: ["encrypt", "decrypt"],
        },
      ]);

      // Base64 inside a longer value, at each of the three alignments, and a latin1 string.
      const inLocalStorage = secret("written to localStorage");
      for (const prefix of ["", "a", "ab"]) {
        const encoded = Buffer.concat([
          Buffer.from(prefix),
          inLocalStorage,
          Buffer.from("tail"),
        ]).toString("base64");
        await page.evaluate(
          `window.harnessPage.storeInLocalStorage("b64-${prefix.length}", "${encoded}")`,
        );
        const dump = await dumpStorage(page);
        expect(findBytes(dump, inLocalStorage), `alignment ${prefix.length}`).to.deep.equal([
          "base64",
        ]);
        await page.evaluate(`localStorage.removeItem("b64-${prefix.length}")`);
      }
      const latin1 = JSON.stringify(String.fromCharCode(...inLocalStorage));
      await page.evaluate(`window.harnessPage.storeInLocalStorage("raw", ${latin1})`);
      expect(findBytes(await dumpStorage(page), inLocalStorage)).to.deep.equal(["latin1 string"]);
    });

    it("refuses to search for a run too short to mean anything", async () => {
      const { page } = await openPage();
      const dump = await dumpStorage(page);
      expect(() => containsBytes(dump, new Uint8Array(4))).to.throw("search for at least 8");
    });
  });

  describe("page watcher", () => {
    it("reports the inline script the CSP blocked", async () => {
      const { page, problems } = await openPage("/inline.html");
      expect(await page.evaluate("window.inlineScriptRan === undefined")).to.be.true;
      // The event and the console message reach Node asynchronously.
      await until(() => problems.cspViolations.length >= 2, "two CSP reports");
      expect(problems.cspViolations.some((line) => line.includes('"directive":"script-src-elem"')))
        .to.be.true;
      expect(problems.cspViolations.some((line) => line.startsWith("console: "))).to.be.true;
      expect(() => problems.expectNone("the inline page")).to.throw(
        /the inline page had \d+ problem/,
      );
    });

    it("reports an uncaught page error and a console error", async () => {
      const { page, problems } = await openPage();
      await page.evaluate(
        "setTimeout(() => { throw new Error('boom in the page') }); console.error('said in the page')",
      );
      await until(
        () => problems.pageErrors.length > 0 && problems.consoleErrors.length > 0,
        "both reports",
      );
      expect(problems.pageErrors).to.deep.equal(["Error: boom in the page"]);
      expect(problems.consoleErrors).to.deep.equal(["said in the page"]);
      expect(problems.cspViolations).to.deep.equal([]);
    });
  });
});

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** 32 bytes named by `label`, so a failure reproduces. */
function secret(label: string): Uint8Array {
  return hexToBytes(keccak256(stringToHex(`harness secret ${label}`)));
}

/**
 * Typed data as viem's wallet client sends it to `eth_signTypedData_v4`: JSON with the
 * EIP712Domain type spelled out, big numbers as decimal strings.
 */
function typedDataJson(typedData: ReturnType<typeof mailTypedData>): string {
  const types = { EIP712Domain: getTypesForEIP712Domain(typedData), ...typedData.types };
  return stringify({ ...typedData, types });
}

function mailTypedData(chainId: number) {
  return {
    domain: {
      name: "Harness",
      version: "1",
      chainId,
      verifyingContract: "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC" as Address,
    },
    types: {
      Mail: [
        { name: "to", type: "address" },
        { name: "amount", type: "uint256" },
        { name: "contents", type: "string" },
      ],
    },
    primaryType: "Mail" as const,
    message: {
      to: "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB" as Address,
      amount: 12345678901234567890n,
      contents: "Hello, Bob!",
    },
  };
}
