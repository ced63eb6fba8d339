// The runner's per-run cache of checked actions (src/party/verifyView.ts VerifiedActions): a poll
// re-reads the whole session, and an action seen before must cost neither a signature check nor
// a struct hash again, while any byte a provider changes in an old log is checked again, and the
// transcript recomputed from the cached struct hashes is still compared with the contract's on
// every read. On a real anvil chain, with sessions run by the audit corpus.
import { expect } from "chai";
import { createPublicClient, type Hex, http } from "viem";
import { readSessionView, type SessionView } from "../../src/party/sessionView.js";
import { VerifiedActions, verifyView } from "../../src/party/verifyView.js";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { transcriptOf } from "../../src/sdk/transcript.js";
import type { ReportedAction } from "../../src/sdk/verifyActionOrigin.js";
import {
  type CorpusChain,
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  startCorpusChain,
} from "../auditor/corpus.js";

/** A client that reads as if the chain's head were `block` (readSession pins every read to it). */
function pinnedAt(client: RoundtablePublicClient, block: bigint): RoundtablePublicClient {
  return { ...client, getBlockNumber: async () => block } as RoundtablePublicClient;
}

/** `view` as a provider would serve it with `actions` instead, and its transcript forged to match. */
function served(view: SessionView, actions: ReportedAction[], forgeTranscript: boolean) {
  const transcript = forgeTranscript
    ? transcriptOf({ sessionId: view.sessionId, actions, configHash: view.configHash })
    : view.transcript;
  return { ...view, actions, transcript };
}

/** `data` with its last byte changed. */
function flipLastByte(data: Hex): Hex {
  const last = Number.parseInt(data.slice(-2), 16);
  return `${data.slice(0, -2)}${((last ^ 1) & 0xff).toString(16).padStart(2, "0")}` as Hex;
}

describe("party: verifyView's cache of checked actions", function () {
  this.timeout(120_000);

  let chain: CorpusChain;
  let key: KeygenOutcome;
  /** Transactions fetched by verifyActionOrigin through `client`: one per action checked. */
  let transactionReads = 0;
  let client: RoundtablePublicClient;

  before(async () => {
    chain = await startCorpusChain();
    // One action per transaction, so that every block of the session is a partial log.
    [key] = (await runKeygens(chain, [{ parties: partyAccounts("cache", 3), threshold: 2 }], {
      batchSize: 1,
    })) as [KeygenOutcome];
    client = createPublicClient({
      transport: http(chain.anvil.rpcUrl, {
        async onFetchRequest(request) {
          const body = JSON.parse(await request.clone().text()) as
            | { method: string }
            | { method: string }[];
          for (const call of Array.isArray(body) ? body : [body]) {
            if (call.method === "eth_getTransactionByHash") transactionReads++;
          }
        },
      }),
    }) as unknown as RoundtablePublicClient;
  });

  after(async () => {
    await chain?.stop();
  });

  async function readView(): Promise<SessionView> {
    return readSessionView({
      publicClient: client,
      address: chain.contract,
      sessionId: key.sessionId,
      account: key.parties[0]!.address,
    });
  }

  /** verifyView, and the transactions it fetched. */
  async function verify(view: SessionView, verified: VerifiedActions) {
    const before = transactionReads;
    const problem = await verifyView({ publicClient: client, view, verified });
    return { problem, transactionsFetched: transactionReads - before };
  }

  it("an action seen before is neither checked nor hashed again; a re-read log is only compared", async () => {
    const verified = new VerifiedActions();
    const first = await readView();
    const n = first.actions.length;
    expect(n).to.equal(3 * 4); // accept, round 1, round 2, agreement
    expect(await verify(first, verified)).to.deep.equal({
      problem: undefined,
      transactionsFetched: n,
    });
    expect(verified.counts).to.deep.equal({ checked: n, reused: 0, folded: n });

    // The next poll: the same log, freshly read and decoded (new strings, same bytes).
    const second = await readView();
    expect(await verify(second, verified)).to.deep.equal({
      problem: undefined,
      transactionsFetched: 0,
    });
    expect(verified.counts).to.deep.equal({ checked: n, reused: n, folded: n });
  });

  it("a payload changed under the same transaction is checked again and refused; the cache is not poisoned", async () => {
    const verified = new VerifiedActions();
    const view = await readView();
    await verify(view, verified);
    const before = { ...verified.counts };
    const i = view.actions.findIndex((a) => a.kind === "submit" && a.round === 2);
    const original = view.actions[i]!;
    const changed = { ...original, data: flipLastByte(original.data) };
    const actions = view.actions.map((a, j) => (j === i ? changed : a));
    // The transcript forged to match: only the signature check can catch it.
    const { problem, transactionsFetched } = await verify(served(view, actions, true), verified);
    expect(transactionsFetched).to.equal(1);
    expect(problem?.what).to.match(/1 action in the provider's logs is not signed by its party/);
    expect(problem?.metaMessages).to.deep.equal([
      `party ${original.party}'s submit in transaction ${original.transactionHash}: no signed item in the transaction is this action`,
    ]);
    expect(verified.counts.checked).to.equal(before.checked);
    expect(verified.counts.reused).to.equal(before.reused + view.actions.length - 1);

    // Served again, forged: refused again (a refusal is never remembered).
    expect((await verify(served(view, actions, true), verified)).transactionsFetched).to.equal(1);
    // The true log still checks out, from the cache.
    expect(await verify(await readView(), verified)).to.deep.equal({
      problem: undefined,
      transactionsFetched: 0,
    });
  });

  it("an action moved to another block is checked again (the block is part of its identity)", async () => {
    const verified = new VerifiedActions();
    const view = await readView();
    await verify(view, verified);
    const moved = { ...view.actions[0]!, blockNumber: view.actions[0]!.blockNumber + 1n };
    const actions = [moved, ...view.actions.slice(1)];
    const { problem, transactionsFetched } = await verify(served(view, actions, true), verified);
    expect(transactionsFetched).to.equal(1);
    expect(problem?.metaMessages[0]).to.match(
      new RegExp(`the event says block ${moved.blockNumber}, the transaction block`),
    );
  });

  it("with every action cached, the transcript still catches a dropped or reordered action", async () => {
    const verified = new VerifiedActions();
    const view = await readView();
    await verify(view, verified);
    const a = view.actions;
    const dropped = [...a.slice(0, 5), ...a.slice(6)];
    const reordered = [...a.slice(0, 5), a[6]!, a[5]!, ...a.slice(7)];
    for (const [label, actions] of [
      ["dropped", dropped],
      ["reordered", reordered],
    ] as const) {
      const { problem, transactionsFetched } = await verify(served(view, actions, false), verified);
      expect(transactionsFetched, label).to.equal(0);
      expect(problem?.what, label).to.equal(
        `the transcript recomputed from the provider's ${actions.length} logged actions is ${transcriptOf(
          { sessionId: view.sessionId, actions, configHash: view.configHash },
        )}, but the contract's transcriptOf answers ${view.transcript}`,
      );
    }
    // And the true order checks out again right after.
    expect((await verify(view, verified)).problem).to.equal(undefined);
  });

  it("read at every block of the session's life with one cache: each action checked and folded once", async () => {
    const verified = new VerifiedActions();
    const head = await client.getBlockNumber();
    const whole = await readView();
    const created = whole.createdAtBlock;
    let previous: SessionView | undefined;
    let views = 0;
    for (let block = created; block <= head; block++) {
      const view = await readSessionView({
        publicClient: pinnedAt(client, block),
        address: chain.contract,
        sessionId: key.sessionId,
        account: key.parties[1]!.address,
        previous,
      });
      previous = view;
      views++;
      const { problem } = await verify(view, verified);
      expect(problem, `block ${block}: ${JSON.stringify(problem)}`).to.equal(undefined);
    }
    const n = whole.actions.length;
    expect(views).to.be.greaterThan(n);
    expect(verified.counts.checked).to.equal(n);
    expect(verified.counts.folded).to.equal(n);
  });
});
