import { expect } from "chai";
import type { Hash } from "viem";
import type { Relayer } from "../../src/relayer/server.js";
import { decodeAcceptData } from "../../src/sdk/eip712.js";
import { jsonRpc as rpc } from "../helpers/jsonRpc.js";
import {
  type AcceptSession,
  acceptedEvents,
  actionBody,
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

describe("Relayer", () => {
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let sessions: AcceptSession[];

  beforeEach(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
    sessions = await createAcceptSessions({ chain, parties: eoaParties("faults", 3), count: 1 });
  });

  afterEach(async () => {
    await chain?.stop();
    await dir?.remove();
  });

  describe("stuck and dropped transactions (R1)", () => {
    let relayer: Relayer;
    afterEach(() => relayer?.close());

    it("sends a dropped transaction again, and replaces one priced out by a fee spike", async () => {
      const { anvil } = chain;
      await rpc(anvil.rpcUrl, "evm_setAutomine", [false]);
      relayer = await startTestRelayer(chain, dir.path, { replaceAfterMs: 400 });
      const { body } = await postAction(relayer.url, sessions[0]!.accepts[0]!);
      const id = String(body.id);
      const sentHash = async () => {
        const state = await getAction(relayer.url, id);
        return state.status === "sent" ? (state.transactionHash as Hash) : undefined;
      };
      const first = await waitFor("the batch to be sent", sentHash);
      const inPool = async (hash: Hash) =>
        (await rpc(anvil.rpcUrl, "eth_getTransactionByHash", [hash])) !== null;

      // The node forgets the transaction: the relayer notices and sends it again.
      await rpc(anvil.rpcUrl, "anvil_dropTransaction", [first]);
      expect(await inPool(first)).to.equal(false);
      await waitFor("the transaction back in the pool", async () => {
        const hash = await sentHash();
        return hash !== undefined && (await inPool(hash)) ? true : undefined;
      });

      // A fee spike: the next block's base fee is far above what the transaction offers.
      const offered = (await anvil.publicClient.getTransaction({ hash: (await sentHash())! }))
        .maxFeePerGas!;
      const spike = offered * 50n;
      await rpc(anvil.rpcUrl, "anvil_setNextBlockBaseFeePerGas", [`0x${spike.toString(16)}`]);
      await rpc(anvil.rpcUrl, "evm_mine");
      expect((await getAction(relayer.url, id)).status).to.equal("sent");
      const replaced = await waitFor("a replacement paying the new base fee", async () => {
        const hash = await sentHash();
        if (hash === undefined || hash === first) return undefined;
        const tx = await anvil.publicClient.getTransaction({ hash }).catch(() => undefined);
        return tx !== undefined && tx.maxFeePerGas! > spike / 2n ? tx : undefined;
      });
      expect(replaced.nonce).to.equal(
        (await anvil.publicClient.getTransaction({ hash: first }).catch(() => replaced)).nonce,
      );
      await rpc(anvil.rpcUrl, "evm_mine");
      const done = await waitFor("inclusion", async () => {
        const state = await getAction(relayer.url, id);
        return state.final === true ? state : undefined;
      });
      expect(done.status).to.equal("included");
      expect(done.transactionHash).to.equal(replaced.hash);
      expect(await metric(relayer.url, /replacements_total\{kind="fee"\} (\d+)/)).to.be.greaterThan(
        0,
      );
      expect(
        await metric(relayer.url, /replacements_total\{kind="rebroadcast"\} (\d+)/),
      ).to.be.greaterThan(0);
      expect(await acceptedEvents(chain, sessions[0]!.sessionId)).to.have.length(1);
    });
  });

  describe("chain outage", () => {
    let relayer: Relayer;
    afterEach(() => relayer?.close());

    it("answers 503 chain_unavailable with Retry-After, and /healthz 503, when the chain does not answer", async () => {
      relayer = await startTestRelayer(chain, dir.path);
      await chain.stop();
      const response = await fetch(`${relayer.url}/v1/actions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(actionBody(sessions[0]!.accepts[2]!)),
      });
      expect(response.status).to.equal(503);
      expect(Number(response.headers.get("retry-after"))).to.be.greaterThan(0);
      expect(((await response.json()) as { error: { code: string } }).error.code).to.equal(
        "chain_unavailable",
      );
      const health = await fetch(`${relayer.url}/healthz`);
      expect(health.status).to.equal(503);
      expect(await health.json()).to.deep.include({ ok: false, relayer: relayer.address });
    });
  });

  describe("reorgs (R3)", () => {
    let relayer: Relayer;
    afterEach(() => relayer?.close());

    it("sends again an action whose inclusion a reorg undid, and it lands once", async () => {
      relayer = await startTestRelayer(chain, dir.path, { confirmations: 3 });
      const action = sessions[0]!.accepts[1]!;
      const { body } = await postAction(relayer.url, action);
      const id = String(body.id);
      const before = await waitFor("inclusion", async () => {
        const state = await getAction(relayer.url, id);
        return state.status === "included" ? state : undefined;
      });
      expect(before.final).to.equal(false);
      expect(before.confirmations).to.equal(1);

      // The block with the batch leaves the chain, and its transaction with it.
      await chain.anvil.reorg(1);
      expect(await acceptedEvents(chain, sessions[0]!.sessionId)).to.deep.equal([]);
      const again = await waitFor("inclusion in another block", async () => {
        const state = await getAction(relayer.url, id);
        return state.status === "included" && state.blockHash !== before.blockHash
          ? state
          : undefined;
      });
      await chain.anvil.mine(3);
      const final = await waitFor("finality", async () => {
        const state = await getAction(relayer.url, id);
        return state.final === true ? state : undefined;
      });
      expect(final.status).to.equal("included");
      expect(final.blockHash).to.equal(again.blockHash);
      expect(await metric(relayer.url, /roundtable_relayer_reorgs_total (\d+)/)).to.be.greaterThan(
        0,
      );
      expect(await acceptedEvents(chain, sessions[0]!.sessionId)).to.deep.equal([
        { index: 1, encryptionKey: decodeAcceptData(action.data).encryptionKey },
      ]);
    });
  });
});
