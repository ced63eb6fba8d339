// Reorganisations (R3): after anvil replaces a session's last blocks, the audit reports the new
// chain, not a mix of both; and a reorganisation between reading the logs and the verdict shows
// up as a chain.block-hashes failure instead of a silent difference.
import { expect } from "chai";
import {
  type CorpusChain,
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  startCorpusChain,
} from "./corpus.js";
import { auditAll, checkOf, failedChecks, type RpcProxy, startRpcProxy } from "./helpers.js";

describe("Auditor", () => {
  describe("after a reorganisation", () => {
    let chain: CorpusChain;
    let proxy: RpcProxy | undefined;
    const parties = partyAccounts("reorg", 3);
    const auditOne = async (rpcUrl: string, sessionId: bigint) => {
      const [audit] = await auditAll({
        rpcUrls: [rpcUrl],
        contract: chain.contract,
        selection: { kind: "ids", ids: [sessionId] },
      });
      if (audit === undefined) throw new Error("nothing audited");
      return audit;
    };

    before(async function () {
      this.timeout(60_000);
      chain = await startCorpusChain();
    });

    after(async () => {
      await proxy?.stop();
      await chain?.stop();
    });

    it("reports the session as the new chain has it", async () => {
      const [key] = (await runKeygens(chain, [{ parties, threshold: 2 }])) as [KeygenOutcome];
      const before = await auditOne(chain.anvil.rpcUrl, key.sessionId);
      expect(before.outcome.status).to.equal("finalized");
      // The last two blocks carried the round-2 payloads and the agreements.
      await chain.anvil.reorg(2);
      const after = await auditOne(chain.anvil.rpcUrl, key.sessionId);
      expect(failedChecks(after)).to.deep.equal([]);
      expect(after.outcome.status).to.equal("active");
      expect(after.record.actions.map((a) => a.kind)).to.deep.equal([
        ...Array(3).fill("accept"),
        ...Array(3).fill("submit"),
      ]);
      expect(after.record.end).to.equal(undefined);
      expect(checkOf(after, "state.matches-contract").evidence.contract).to.deep.include({
        round: 2,
      });
    });

    it("fails chain.block-hashes when the chain reorganises during the audit", async () => {
      const [key] = (await runKeygens(chain, [{ parties, threshold: 2 }])) as [KeygenOutcome];
      let logsRead = false;
      let reorganised = false;
      proxy = await startRpcProxy({
        target: chain.anvil.rpcUrl,
        async before(calls) {
          if (calls.some((c) => c.method === "eth_getLogs")) logsRead = true;
          // The first block re-read after the logs is the final recheck: reorganise just before it.
          if (logsRead && !reorganised && calls.some((c) => c.method === "eth_getBlockByNumber")) {
            reorganised = true;
            await chain.anvil.reorg(2);
          }
          return undefined;
        },
      });
      const audit = await auditOne(proxy.url, key.sessionId);
      expect(reorganised).to.equal(true);
      expect(audit.verdict).to.equal("fail");
      expect(failedChecks(audit)).to.include("chain.block-hashes");
      const { changed } = checkOf(audit, "chain.block-hashes").evidence as {
        changed: { blockNumber: bigint }[];
      };
      expect(changed.length).to.be.greaterThanOrEqual(2);
    });
  });
});
