// Reading the chain without trusting a provider (S5): a JSON-RPC proxy on 127.0.0.1 that alters or
// drops one log is caught by the transcript the contract holds, and by a second, honest provider;
// a provider that caps log ranges or result sizes is paged around.
import { expect } from "chai";
import { encodeEventTopics, type Hex } from "viem";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import {
  type CorpusChain,
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  startCorpusChain,
} from "./corpus.js";
import {
  auditAll,
  checkOf,
  failedChecks,
  type RpcCall,
  type RpcProxy,
  startRpcProxy,
} from "./helpers.js";

const [payloadSubmitted] = encodeEventTopics({ abi: roundtableAbi, eventName: "PayloadSubmitted" });

type RawLog = { topics: Hex[]; data: Hex; logIndex: Hex; blockHash: Hex };

/** Whether a raw log is a round-2 PayloadSubmitted (the round is the data's second word). */
function isRound2Payload(log: RawLog): boolean {
  return (
    log.topics[0] === payloadSubmitted && BigInt(`0x${log.data.slice(2 + 64, 2 + 128)}`) === 2n
  );
}

/** Changes one byte inside the payload of the first round-2 PayloadSubmitted log of every answer. */
function alterOne(call: RpcCall, result: unknown): unknown {
  if (call.method !== "eth_getLogs" || !Array.isArray(result)) return undefined;
  const logs = result as RawLog[];
  const target = logs.find(isRound2Payload);
  if (target === undefined) return undefined;
  // Words: index, round, offset, length; the payload starts after them.
  const at = 2 + 64 * 4 + 10;
  const flipped = (Number.parseInt(target.data.slice(at, at + 2), 16) ^ 0xff)
    .toString(16)
    .padStart(2, "0");
  return logs.map((log) =>
    log === target
      ? { ...log, data: `${log.data.slice(0, at)}${flipped}${log.data.slice(at + 2)}` }
      : log,
  );
}

/** Drops the first round-2 PayloadSubmitted log of every answer. */
function dropOne(call: RpcCall, result: unknown): unknown {
  if (call.method !== "eth_getLogs" || !Array.isArray(result)) return undefined;
  const logs = result as RawLog[];
  const target = logs.find(isRound2Payload);
  return target === undefined ? undefined : logs.filter((log) => log !== target);
}

describe("Auditor", () => {
  describe("reading the chain", () => {
    let chain: CorpusChain;
    let key: KeygenOutcome;
    const proxies: RpcProxy[] = [];
    const proxy = async (parameters: Omit<Parameters<typeof startRpcProxy>[0], "target">) => {
      const started = await startRpcProxy({ target: chain.anvil.rpcUrl, ...parameters });
      proxies.push(started);
      return started;
    };
    const audit = async (rpcUrls: string[], pageSize?: bigint) => {
      const [only] = await auditAll({
        rpcUrls,
        contract: chain.contract,
        selection: { kind: "ids", ids: [key.sessionId] },
        ...(pageSize === undefined ? {} : { pageSize }),
      });
      if (only === undefined) throw new Error("nothing audited");
      return only;
    };

    before(async function () {
      this.timeout(60_000);
      chain = await startCorpusChain();
      [key] = (await runKeygens(chain, [{ parties: partyAccounts("read", 3), threshold: 2 }])) as [
        KeygenOutcome,
      ];
    });

    after(async () => {
      for (const p of proxies) await p.stop();
      await chain?.stop();
    });

    describe("a lying RPC", () => {
      it("that alters one log fails transcript.matches-contract", async () => {
        const liar = await proxy({ rewrite: alterOne });
        const result = await audit([liar.url]);
        expect(result.verdict).to.equal("fail");
        // The altered payload is also not the one its transaction carries: its signer check fails.
        expect(failedChecks(result)).to.deep.equal([
          "action.signer",
          "transcript.matches-contract",
        ]);
        expect(checkOf(result, "action.signer").summary).to.match(
          /no signed action in the (batch|applySigned) call is this one|is not this action|does not recover/,
        );
        expect(checkOf(result, "transcript.matches-contract").summary).to.match(
          /the log is incomplete or altered/,
        );
      });

      it("that drops one log fails transcript.matches-contract", async () => {
        const liar = await proxy({ rewrite: dropOne });
        const result = await audit([liar.url]);
        expect(failedChecks(result)).to.include("transcript.matches-contract");
        expect(result.record.actions).to.have.length(11);
      });

      it("beside an honest second RPC also fails rpc.cross-check, naming the log", async () => {
        const liar = await proxy({ rewrite: alterOne });
        const result = await audit([liar.url, chain.anvil.rpcUrl]);
        expect(failedChecks(result)).to.deep.equal([
          "action.signer",
          "transcript.matches-contract",
          "rpc.cross-check",
        ]);
        const { disagreements } = checkOf(result, "rpc.cross-check").evidence as {
          disagreements: { subject: string; answers: { rpc: string }[] }[];
        };
        expect(disagreements.map((d) => d.subject)).to.deep.equal(["log"]);
        expect(disagreements[0]?.answers.map((a) => a.rpc)).to.deep.equal([
          liar.url,
          chain.anvil.rpcUrl,
        ]);
      });

      it("passes rpc.cross-check when two honest RPCs agree", async () => {
        const honest = await proxy({});
        const result = await audit([chain.anvil.rpcUrl, honest.url]);
        expect(checkOf(result, "rpc.cross-check").status).to.equal("pass");
        expect(result.verdict).to.equal("pass");
      });
    });

    describe("a provider that caps eth_getLogs", () => {
      it("is asked again over halved ranges when it refuses a range", async () => {
        const rangeOf = (call: RpcCall) => {
          const [filter] = call.params as { fromBlock: Hex; toBlock: Hex }[];
          return BigInt(filter!.toBlock) - BigInt(filter!.fromBlock) + 1n;
        };
        const capped = await proxy({
          fail: (call) =>
            call.method === "eth_getLogs" && rangeOf(call) > 3n
              ? { code: -32005, message: "query exceeds max block range 3" }
              : undefined,
        });
        const result = await audit([capped.url], 64n);
        expect(result.verdict).to.equal("pass");
        expect(result.record.actions).to.have.length(12);
        expect(capped.methods.filter((m) => m === "eth_getLogs").length).to.be.greaterThan(3);
      });

      it("is asked again over halved ranges when it answers HTTP 413", async () => {
        const capped = await proxy({
          before: async (calls) =>
            calls.some((c) => {
              if (c.method !== "eth_getLogs") return false;
              const [filter] = c.params as { fromBlock: Hex; toBlock: Hex }[];
              return BigInt(filter!.toBlock) - BigInt(filter!.fromBlock) >= 4n;
            })
              ? { status: 413, body: { error: "response too large" } }
              : undefined,
        });
        const result = await audit([capped.url], 64n);
        expect(result.verdict).to.equal("pass");
        expect(result.record.actions).to.have.length(12);
      });
    });
  });
});
