// The auditor's cross-check covers what deadlines and the verdict are judged by (THREATS N6): the
// block timestamps of a session's events, and the report block (the head, its hash and time). A
// lying provider (test/helpers/lyingRpc.ts) beside an honest one is caught; honest lag is not.
import { expect } from "chai";
import { type Hash, numberToHex } from "viem";
import type { ReadDisagreement } from "../../src/auditor/readChain.js";
import type { SessionAudit } from "../../src/auditor/types.js";
import { type LyingRpc, startLyingRpc } from "../helpers/lyingRpc.js";
import {
  type CorpusChain,
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  startCorpusChain,
} from "./corpus.js";
import { auditAll, checkOf, failedChecks } from "./helpers.js";

function disagreementsOf(audit: SessionAudit): ReadDisagreement[] {
  const check = checkOf(audit, "rpc.cross-check");
  return (
    (check.evidence as { disagreements?: ReadDisagreement[] } | undefined)?.disagreements ?? []
  );
}

describe("Auditor", () => {
  describe("cross-checking times and the report block", () => {
    let chain: CorpusChain;
    let key: KeygenOutcome;
    let liar: LyingRpc;
    let honest: LyingRpc;

    const audit = async (rpcUrls: string[]) => {
      const [only] = await auditAll({
        rpcUrls,
        contract: chain.contract,
        selection: { kind: "ids", ids: [key.sessionId] },
      });
      if (only === undefined) throw new Error("nothing audited");
      return only;
    };

    before(async function () {
      this.timeout(60_000);
      chain = await startCorpusChain();
      [key] = (await runKeygens(chain, [{ parties: partyAccounts("times", 3), threshold: 2 }])) as [
        KeygenOutcome,
      ];
      // Blocks after the session, so that an old head is more than the tolerance behind.
      await chain.anvil.mine(5);
      liar = await startLyingRpc({ target: chain.anvil.rpcUrl });
      honest = await startLyingRpc({ target: chain.anvil.rpcUrl });
    });

    afterEach(() => {
      liar.reset();
      honest.reset();
    });

    after(async () => {
      await liar?.stop();
      await honest?.stop();
      await chain?.stop();
    });

    it("passes when two honest providers agree, one a block behind the other", async () => {
      const head = await chain.anvil.publicClient.getBlockNumber({ cacheTime: 0 });
      honest.lie({
        rewrite: (method, _params, result) =>
          method === "eth_blockNumber" ? numberToHex(head - 1n) : result,
      });
      const result = await audit([chain.anvil.rpcUrl, honest.url]);
      expect(checkOf(result, "rpc.cross-check").status).to.equal("pass");
      expect(result.verdict).to.equal("pass");
    });

    it("fails rpc.cross-check when a provider lies about one event block's timestamp, naming both times", async () => {
      // The block of the session's last event (its finalization): deadlines are judged by its time.
      const logs = await chain.anvil.publicClient.getLogs({
        address: chain.contract,
        fromBlock: 0n,
      });
      const target = logs.at(-1)?.blockHash as Hash;
      const real = await chain.anvil.publicClient.getBlock({ blockHash: target });
      const forged = real.timestamp + 86_400n;
      liar.lie({
        rewrite: (method, params, result) =>
          method === "eth_getBlockByHash" && params[0] === target
            ? { ...(result as object), timestamp: numberToHex(forged) }
            : result,
      });
      for (const rpcUrls of [
        [liar.url, honest.url],
        [honest.url, liar.url],
      ]) {
        const result = await audit(rpcUrls);
        expect(failedChecks(result)).to.include("rpc.cross-check");
        const found = disagreementsOf(result).filter((d) => d.subject === "block-time");
        expect(found).to.have.length(1);
        expect(found[0]?.key).to.equal(`block ${real.number} (${target})`);
        const byRpc = Object.fromEntries(found[0]!.answers.map((a) => [a.rpc, a.value]));
        expect(byRpc[liar.url]).to.match(new RegExp(`^${forged} \\(`));
        expect(byRpc[honest.url]).to.match(new RegExp(`^${real.timestamp} \\(`));
      }
    });

    it("fails rpc.cross-check when the first provider shows an old latest block", async () => {
      const head = await chain.anvil.publicClient.getBlockNumber({ cacheTime: 0 });
      const old = head - 5n;
      liar.lie({
        rewrite: (method, _params, result) =>
          method === "eth_blockNumber" ? numberToHex(old) : result,
      });
      const result = await audit([liar.url, honest.url]);
      expect(failedChecks(result)).to.include("rpc.cross-check");
      const [found] = disagreementsOf(result).filter((d) => d.subject === "report-block");
      expect(found?.key).to.equal("latest block (5 blocks apart, 2 allowed)");
      expect(found?.answers).to.deep.equal([
        { rpc: liar.url, value: `block ${old}` },
        { rpc: honest.url, value: `block ${head}` },
      ]);
    });

    it("fails rpc.cross-check when a provider lies about the report block's timestamp", async () => {
      const head = await chain.anvil.publicClient.getBlock();
      liar.lie({
        rewrite: (method, params, result) =>
          method === "eth_getBlockByNumber" && params[0] === numberToHex(head.number)
            ? { ...(result as object), timestamp: numberToHex(head.timestamp + 3_600n) }
            : result,
      });
      const result = await audit([honest.url, liar.url]);
      expect(failedChecks(result)).to.include("rpc.cross-check");
      const [found] = disagreementsOf(result).filter((d) => d.subject === "report-block");
      expect(found?.key).to.equal(`block ${head.number}`);
      expect(found?.answers[0]?.value).to.include(`time ${head.timestamp} (`);
      expect(found?.answers[1]?.value).to.include(`time ${head.timestamp + 3_600n} (`);
    });
  });
});
