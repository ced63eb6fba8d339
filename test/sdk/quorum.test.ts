// Several providers as a quorum (issue 11, THREATS N4): a real anvil node behind three lying-RPC
// proxies; each test sets one proxy's lies and reads through quorumTransport.
import { expect } from "chai";
import {
  type Address,
  BaseError,
  createPublicClient,
  createWalletClient,
  type Hash,
  type Hex,
  keccak256,
  numberToHex,
  type PublicClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { quorumTransport } from "../../src/sdk/rpc/quorumTransport.js";
import { RpcDisagreementError, RpcQuorumUnavailableError } from "../../src/sdk/rpc/rpcErrors.js";
import { type Anvil, developmentMnemonic, startAnvil } from "../helpers/anvil.js";
import { type LyingRpc, startLyingRpc } from "../helpers/lyingRpc.js";

// A contract that, on any call, logs one word (0x2a) under topic 0xaa and returns it.
const runtime = "602a60005260aa60206000a160206000f3";
const initcode: Hex = `0x6011600c60003960116000f3${runtime}`;
const answerWord: Hex = `0x${"2a".padStart(64, "0")}`;
const liedWord: Hex = `0x${"66".padStart(64, "0")}`;

/** The RPC error inside whatever viem wrapped it in. */
function rpcError<T extends Error>(error: unknown, type: new (...args: never[]) => T): T {
  expect(error).to.be.instanceOf(BaseError);
  const found = (error as BaseError).walk((e) => e instanceof type);
  expect(found, String(error)).to.be.instanceOf(type);
  return found as T;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("quorumTransport", () => {
  let anvil: Anvil;
  let proxies: [LyingRpc, LyingRpc, LyingRpc];
  let contract: Address;
  let logTx: Hash;

  const client = (providers: readonly string[], quorum?: number) =>
    createPublicClient({
      transport: quorumTransport({ providers, quorum, retryCount: 0, timeout: 2_000 }),
    }) as PublicClient;
  const urls = () => proxies.map((p) => p.url);
  const [a, b, c] = [0, 1, 2].map((i) => () => proxies[i] as LyingRpc) as [
    () => LyingRpc,
    () => LyingRpc,
    () => LyingRpc,
  ];

  before(async () => {
    anvil = await startAnvil();
    const wallet = anvil.walletClient(0);
    const deployed = await anvil.publicClient.waitForTransactionReceipt({
      hash: await wallet.sendTransaction({ data: initcode }),
    });
    contract = deployed.contractAddress as Address;
    logTx = await wallet.sendTransaction({ to: contract });
    await anvil.publicClient.waitForTransactionReceipt({ hash: logTx });
    proxies = (await Promise.all([0, 1, 2].map(() => startLyingRpc({ target: anvil.rpcUrl })))) as [
      LyingRpc,
      LyingRpc,
      LyingRpc,
    ];
  });

  afterEach(() => {
    for (const p of proxies) p.reset();
  });

  after(async () => {
    for (const p of proxies ?? []) await p.stop();
    await anvil?.stop();
  });

  /** Alters the data of every log in eth_getLogs answers and receipts. */
  const alterLogData = (method: string, _params: unknown[], result: unknown) =>
    method === "eth_getLogs" && Array.isArray(result)
      ? result.map((log: Record<string, unknown>) => ({ ...log, data: liedWord }))
      : result;

  describe("when the providers agree", () => {
    it("answers what the node answers", async () => {
      const quorum = client(urls());
      const [logs, direct] = await Promise.all([
        quorum.getLogs({ address: contract, fromBlock: 0n }),
        anvil.publicClient.getLogs({ address: contract, fromBlock: 0n }),
      ]);
      expect(logs).to.deep.equal(direct);
      expect(logs[0]?.data).to.equal(answerWord);
      expect(await quorum.call({ to: contract })).to.deep.equal({ data: answerWord });
      const receipt = await quorum.getTransactionReceipt({ hash: logTx });
      expect(receipt.status).to.equal("success");
      expect(await quorum.getChainId()).to.equal(anvil.chain.id);
    });

    it("answers a revert as the node does: a JSON-RPC error is an answer", async () => {
      // Sending value from an empty account fails the same way on every provider.
      const call = {
        to: contract,
        from: "0x000000000000000000000000000000000000dEaD" as Address,
        value: numberToHex(10n ** 30n),
      };
      const [error, direct] = await Promise.all([
        rejection(client(urls()).request({ method: "eth_call", params: [call, "latest"] })),
        rejection(anvil.publicClient.request({ method: "eth_call", params: [call, "latest"] })),
      ]);
      expect(error).to.be.instanceOf(BaseError);
      expect((error as BaseError).walk((e) => e instanceof RpcDisagreementError)).to.equal(null);
      expect((error as BaseError).details).to.equal((direct as BaseError).details);
    });
  });

  describe("with one lying provider and the quorum of all", () => {
    it("rejects altered log data with RpcDisagreementError naming the liar and the values", async () => {
      b().lie({ rewrite: alterLogData });
      const error = rpcError(
        await rejection(client(urls()).getLogs({ address: contract, fromBlock: 0n })),
        RpcDisagreementError,
      );
      expect(error.method).to.equal("eth_getLogs");
      expect(error.key).to.equal("[0].data");
      expect(error.answers).to.deep.equal([
        { provider: a().url, value: answerWord },
        { provider: b().url, value: liedWord },
        { provider: c().url, value: answerWord },
      ]);
      expect(error.shortMessage).to.equal(
        `RPC providers disagree on eth_getLogs ([0].data): ${a().url} says ${answerWord}; ${b().url} says ${liedWord}; ${c().url} says ${answerWord}; no answer has the quorum of 3 of 3.`,
      );
    });

    it("rejects an altered eth_call result", async () => {
      c().lie({ rewrite: (method, _p, result) => (method === "eth_call" ? liedWord : result) });
      const error = rpcError(
        await rejection(client(urls()).call({ to: contract })),
        RpcDisagreementError,
      );
      expect(error.method).to.equal("eth_call");
      expect(error.answers.map((x) => x.value)).to.deep.equal([answerWord, answerWord, liedWord]);
    });

    it("rejects an altered block timestamp", async () => {
      const block = await anvil.publicClient.getBlock();
      a().lie({
        rewrite: (method, _p, result) =>
          method.startsWith("eth_getBlockBy") && result !== null
            ? { ...(result as object), timestamp: numberToHex(1_000n) }
            : result,
      });
      const error = rpcError(
        await rejection(client(urls()).getBlock({ blockNumber: block.number })),
        RpcDisagreementError,
      );
      expect(error.key).to.equal(".timestamp");
      expect(error.answers[0]).to.deep.equal({ provider: a().url, value: "1000" });
      expect(error.answers[1]).to.deep.equal({ provider: b().url, value: String(block.timestamp) });
    });

    it("rejects an altered receipt status", async () => {
      b().lie({
        rewrite: (method, _p, result) =>
          method === "eth_getTransactionReceipt"
            ? { ...(result as object), status: "0x0" }
            : result,
      });
      const error = rpcError(
        await rejection(client(urls()).getTransactionReceipt({ hash: logTx })),
        RpcDisagreementError,
      );
      expect(error.key).to.equal(".status");
      expect(error.answers.map((x) => x.value)).to.deep.equal(["1", "0", "1"]);
    });

    it("rejects a chain id other than the others'", async () => {
      a().lie({ rewrite: (method, _p, result) => (method === "eth_chainId" ? "0x1" : result) });
      const error = rpcError(await rejection(client(urls()).getChainId()), RpcDisagreementError);
      expect(error.answers[0]).to.deep.equal({ provider: a().url, value: "1" });
    });
  });

  describe("with one lying provider and a quorum of 2 of 3", () => {
    it("answers the honest value of logs, calls, blocks and receipts", async () => {
      b().lie({
        rewrite: (method, params, result) => {
          if (method === "eth_call") return liedWord;
          if (method === "eth_getTransactionReceipt")
            return { ...(result as object), status: "0x0" };
          if (method.startsWith("eth_getBlockBy") && result !== null) {
            return { ...(result as object), timestamp: numberToHex(1_000n) };
          }
          return alterLogData(method, params, result);
        },
      });
      const quorum = client(urls(), 2);
      const logs = await quorum.getLogs({ address: contract, fromBlock: 0n });
      expect(logs[0]?.data).to.equal(answerWord);
      expect(await quorum.call({ to: contract })).to.deep.equal({ data: answerWord });
      expect((await quorum.getTransactionReceipt({ hash: logTx })).status).to.equal("success");
      const block = await anvil.publicClient.getBlock();
      expect((await quorum.getBlock({ blockNumber: block.number })).timestamp).to.equal(
        block.timestamp,
      );
    });

    it("still rejects when two providers lie differently", async () => {
      b().lie({ rewrite: (method, _p, result) => (method === "eth_call" ? liedWord : result) });
      c().lie({
        rewrite: (method, _p, result) => (method === "eth_call" ? `0x${"77".repeat(32)}` : result),
      });
      rpcError(await rejection(client(urls(), 2).call({ to: contract })), RpcDisagreementError);
    });
  });

  describe("with a provider down", () => {
    it("skips it while the others reach the quorum", async () => {
      a().lie({ intercept: () => ({ drop: true }) });
      const transport = quorumTransport({
        providers: urls(),
        quorum: 2,
        retryCount: 0,
        timeout: 2_000,
      });
      const quorum = createPublicClient({ transport });
      expect(await quorum.call({ to: contract })).to.deep.equal({ data: answerWord });
      const stats = quorum.transport.stats();
      expect(stats[a().url]?.down).to.be.greaterThan(0);
      expect(stats[b().url]?.down).to.equal(0);
    });

    it("skips one that times out or answers HTTP 503, and leaves it out of the next reads", async () => {
      a().lie({ intercept: () => ({ delay: 3_000 }) });
      b().lie({ intercept: () => ({ status: 503 }) });
      const events: string[] = [];
      const quorum = createPublicClient({
        transport: quorumTransport({
          providers: urls(),
          quorum: 1,
          retryCount: 0,
          timeout: 1_000,
          onRequest: (e) => events.push(`${e.provider} ${e.method} ${e.outcome}`),
        }),
      });
      const started = Date.now();
      expect(await quorum.call({ to: contract })).to.deep.equal({ data: answerWord });
      // Each is found down once; later reads of the same client leave them out.
      expect(Date.now() - started).to.be.lessThan(1_900);
      expect(events.filter((e) => e.endsWith("down")).length).to.equal(2);
    });

    it("throws RpcQuorumUnavailableError naming it when the quorum cannot be reached", async () => {
      a().lie({ intercept: () => ({ drop: true }) });
      const error = rpcError(
        await rejection(client(urls()).call({ to: contract })),
        RpcQuorumUnavailableError,
      );
      expect(error.failures.map((f) => f.provider)).to.deep.equal([a().url]);
      expect(error.shortMessage).to.match(
        new RegExp(
          `^Only 2 of 3 RPC providers answered eth_blockNumber, fewer than the quorum of 3: ${a().url} failed \\(`,
        ),
      );
    });

    it("falls back in order for fees and nonces", async () => {
      a().lie({ intercept: () => ({ drop: true }) });
      const quorum = client(urls());
      expect(await quorum.getGasPrice()).to.be.a("bigint");
      expect(b().count("eth_gasPrice")).to.equal(1);
      expect(c().count("eth_gasPrice")).to.equal(0);
    });
  });

  describe("with a lagging provider", () => {
    it("pins latest reads to the common head and answers it as eth_blockNumber", async () => {
      const head = await anvil.publicClient.getBlockNumber({ cacheTime: 0 });
      const lagging = head - 1n;
      c().lie({
        rewrite: (method, _p, result) =>
          method === "eth_blockNumber" ? numberToHex(lagging) : result,
      });
      const quorum = client(urls());
      expect(await quorum.getBlockNumber({ cacheTime: 0 })).to.equal(lagging);
      expect(await quorum.call({ to: contract })).to.deep.equal({ data: answerWord });
      const calls = proxies.map((p) => p.calls.filter((x) => x.method === "eth_call"));
      for (const call of calls) expect(call[0]?.params[1]).to.equal(numberToHex(lagging));
      expect((await quorum.getBlock()).number).to.equal(lagging);
    });

    it("answers null for a receipt fewer than the quorum have yet, as long as they agree", async () => {
      c().lie({
        rewrite: (method, _p, result) => (method === "eth_getTransactionReceipt" ? null : result),
      });
      const receipt = await client(urls()).request({
        method: "eth_getTransactionReceipt",
        params: [logTx],
      });
      expect(receipt).to.equal(null);
    });

    it("rejects a pinned head whose hash differs between providers", async () => {
      b().lie({
        rewrite: (method, _p, result) =>
          method === "eth_getBlockByNumber" && result !== null
            ? { ...(result as object), hash: `0x${"ee".repeat(32)}` }
            : result,
      });
      const error = rpcError(
        await rejection(client(urls()).call({ to: contract })),
        RpcDisagreementError,
      );
      expect(error.method).to.equal("eth_getBlockByNumber");
      expect(error.key).to.equal(".hash");
    });
  });

  describe("sending a transaction", () => {
    it("offers it to every provider and checks each returned hash", async () => {
      c().lie({
        rewrite: (method, _p, result) =>
          method === "eth_sendRawTransaction" ? `0x${"ab".repeat(32)}` : result,
      });
      const account = mnemonicToAccount(developmentMnemonic, { addressIndex: 1 });
      const wallet = createWalletClient({
        account,
        chain: anvil.chain,
        transport: quorumTransport({ providers: urls(), retryCount: 0 }),
      });
      const hash = await wallet.sendTransaction({ to: contract });
      for (const p of proxies) expect(p.count("eth_sendRawTransaction")).to.equal(1);
      const raw = a().calls.find((x) => x.method === "eth_sendRawTransaction")?.params[0] as Hex;
      expect(hash).to.equal(keccak256(raw));
      expect((await anvil.publicClient.waitForTransactionReceipt({ hash })).status).to.equal(
        "success",
      );
    });
  });

  describe("with one provider", () => {
    it("is that provider: the same requests, no head pinning", async () => {
      const transport = quorumTransport({ providers: [a().url] });
      const quorum = createPublicClient({ transport });
      expect(await quorum.call({ to: contract })).to.deep.equal({ data: answerWord });
      expect(a().calls.map((x) => x.method)).to.deep.equal(["eth_call"]);
      expect(a().calls[0]?.params[1]).to.equal("latest");
      expect(quorum.transport.stats()).to.deep.equal({ [a().url]: { requests: 1, down: 0 } });
    });
  });

  describe("cost", () => {
    it("a latest read costs each provider eth_blockNumber, the head block and the read", async () => {
      const quorum = client(urls());
      await quorum.call({ to: contract });
      for (const p of proxies) {
        expect(p.calls.map((x) => x.method)).to.deep.equal([
          "eth_blockNumber",
          "eth_getBlockByNumber",
          "eth_call",
        ]);
      }
      for (const p of proxies) p.reset();
      await quorum.call({ to: contract, blockNumber: 1n });
      for (const p of proxies) expect(p.calls.map((x) => x.method)).to.deep.equal(["eth_call"]);
    });
  });
});
