import { request } from "node:http";
import { expect } from "chai";
import { createWalletClient, http, zeroAddress } from "viem";
import type { Relayer } from "../../src/relayer/server.js";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import { cancelSession } from "../../src/sdk/actions/cancelSession.js";
import { decodeAcceptData, encodeAcceptData } from "../../src/sdk/eip712.js";
import { signAction } from "../../src/sdk/signAction.js";
import type { SignedAction } from "../../src/sdk/types.js";
import { byAddress, encryptionKeyOf, encryptionSecretOf, keyProofOf } from "../helpers/accounts.js";
import {
  type AcceptSession,
  acceptedEvents,
  actionBody,
  createAcceptSessions,
  deployWalletOnAnvil,
  eoaParties,
  getAction,
  initiatorIndex,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

/** POSTs from a chosen loopback source address, so that the relayer sees distinct clients. */
function postFrom(
  url: string,
  localAddress: string,
  action: SignedAction,
): Promise<{ status: number; retryAfter: string | undefined; code: string | undefined }> {
  const body = JSON.stringify(actionBody(action));
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/actions`,
      {
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        res.on("end", () => {
          const parsed = JSON.parse(text) as { error?: { code: string } };
          const retryAfter = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
            code: parsed.error?.code,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("Relayer", () => {
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let sessions: AcceptSession[];

  before(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
    sessions = await createAcceptSessions({ chain, parties: eoaParties("limits", 3), count: 3 });
  });

  after(async () => {
    await chain?.stop();
    await dir?.remove();
  });

  describe("batch", () => {
    let relayer: Relayer;
    before(async () => {
      // Batches close only at three items, so that a party can go direct while its action waits.
      relayer = await startTestRelayer(chain, `${dir.path}`, {
        db: `${dir.path}/batch.sqlite`,
        maxBatch: 3,
        maxBatchAgeMs: 3_600_000,
      });
    });
    after(() => relayer?.close());

    it("lands the other items when one was front-run by its party going direct", async () => {
      const session = sessions[0]!;
      const [a, b, c] = session.accepts;
      const first = await postAction(relayer.url, a!);
      const second = await postAction(relayer.url, b!);
      expect([first.status, second.status]).to.deep.equal([202, 202]);
      // Party 1 does not wait for the relayer and accepts directly.
      const party = session.parties[1]!;
      await chain.anvil.walletClient(0).sendTransaction({ to: party.address, value: 10n ** 18n });
      await acceptSession({
        publicClient: chain.publicClient,
        walletClient: createWalletClient({
          account: party.signer,
          chain: chain.anvil.chain,
          transport: http(chain.anvil.rpcUrl),
        }),
        address: chain.contract,
        sessionId: session.sessionId,
        configHash: b!.word,
        ...decodeAcceptData(b!.data),
      });
      const third = await postAction(relayer.url, c!);
      expect(third.status).to.equal(202);
      const states = await waitFor("the batch's outcomes", async () => {
        const all = await Promise.all(
          [first, second, third].map((r) => getAction(relayer.url, String(r.body.id))),
        );
        return all.every((s) => s.final === true) ? all : undefined;
      });
      expect(states.map((s) => s.status)).to.deep.equal(["included", "skipped", "included"]);
      expect(states[0]!.transactionHash).to.equal(states[1]!.transactionHash);
      const events = await acceptedEvents(chain, session.sessionId);
      expect(events.map((e) => e.index).sort()).to.deep.equal([0, 1, 2]);
    });
  });

  describe("batch outcomes", () => {
    let relayer: Relayer;
    before(async () => {
      relayer = await startTestRelayer(chain, dir.path, {
        db: `${dir.path}/rejected.sqlite`,
        maxBatch: 2,
        maxBatchAgeMs: 3_600_000,
      });
    });
    after(() => relayer?.close());

    it("marks an item rejected, with the decoded reason, when its session closed before the batch ran", async () => {
      const [cancelled, other] = await createAcceptSessions({
        chain,
        parties: eoaParties("rejected", 2),
        count: 2,
      });
      const first = await postAction(relayer.url, cancelled!.accepts[0]!);
      expect(first.status).to.equal(202);
      await cancelSession({
        publicClient: chain.publicClient,
        walletClient: chain.anvil.walletClient(initiatorIndex),
        address: chain.contract,
        sessionId: cancelled!.sessionId,
      });
      const second = await postAction(relayer.url, other!.accepts[0]!);
      expect(second.status).to.equal(202);
      const state = await waitFor("the outcome", async () => {
        const s = await getAction(relayer.url, String(first.body.id));
        return s.final === true ? s : undefined;
      });
      expect(state.status).to.equal("rejected");
      expect(state.reason).to.deep.include({ code: "contract_rejected" });
      expect((state.reason as { contractError: unknown }).contractError).to.deep.equal({
        name: "RoundtableSessionClosed",
        args: { sessionId: cancelled!.sessionId.toString(), status: "4" },
      });
      expect((await getAction(relayer.url, String(second.body.id))).status).to.equal("included");
    });
  });

  describe("queue limit", () => {
    let relayer: Relayer;
    before(async () => {
      relayer = await startTestRelayer(chain, dir.path, {
        db: `${dir.path}/queue.sqlite`,
        queueLimit: 1,
        maxBatchAgeMs: 3_600_000,
      });
    });
    after(() => relayer?.close());

    it("answers 503 queue_full with Retry-After once the queue holds its limit, and still answers a stored action", async () => {
      const [session] = await createAcceptSessions({
        chain,
        parties: eoaParties("queue", 2),
        count: 1,
      });
      const first = await postAction(relayer.url, session!.accepts[0]!);
      expect(first.status).to.equal(202);
      const second = await postAction(relayer.url, session!.accepts[1]!);
      expect(second.status).to.equal(503);
      expect(second.body.error).to.deep.include({ code: "queue_full" });
      expect(Number(second.headers.get("retry-after"))).to.be.greaterThan(0);
      const again = await postAction(relayer.url, session!.accepts[0]!);
      expect(again.status).to.equal(202);
      expect(again.body.id).to.equal(first.body.id);
    });
  });

  describe("contract-wallet parties (ERC-1271)", () => {
    let relayer: Relayer;
    before(async () => {
      relayer = await startTestRelayer(chain, dir.path, { db: `${dir.path}/wallets.sqlite` });
    });
    after(() => relayer?.close());

    it("lands a wallet party's action, whose check needs the contract's 500,000 gas allowance", async () => {
      // A wallet whose signature check burns 300,000 gas: a batch gas limit from a plain
      // estimate plus headroom must still leave it the fixed allowance.
      const wallet = await deployWalletOnAnvil(chain, "relayer wallet", 300_000n);
      const [session] = await createAcceptSessions({
        chain,
        parties: [wallet, ...eoaParties("wallet peers", 2)].sort(byAddress),
        count: 1,
      });
      const index = session!.parties.indexOf(wallet);
      const { status, body } = await postAction(relayer.url, session!.accepts[index]!);
      expect(status, JSON.stringify(body)).to.equal(202);
      const state = await waitFor("inclusion", async () => {
        const s = await getAction(relayer.url, String(body.id));
        return s.final === true ? s : undefined;
      });
      expect(state.status).to.equal("included");
      expect((await acceptedEvents(chain, session!.sessionId)).map((e) => e.index)).to.deep.equal([
        index,
      ]);
    });

    it("refuses a wallet party's action that the wallet does not accept with 422 wrong_signer", async () => {
      const wallet = await deployWalletOnAnvil(chain, "relayer wallet 2", 0n);
      const [session] = await createAcceptSessions({
        chain,
        parties: [wallet, ...eoaParties("wallet peers 2", 2)].sort(byAddress),
        count: 1,
      });
      const index = session!.parties.indexOf(wallet);
      const other = session!.accepts[(index + 1) % 3]!;
      const { status, body } = await postAction(relayer.url, {
        ...session!.accepts[index]!,
        signature: other.signature,
      });
      expect(status).to.equal(422);
      expect(body.error).to.deep.include({ code: "wrong_signer" });
      expect((body.error as { message: string }).message).to.contain(
        `the contract wallet ${wallet.address}`,
      );
    });
  });

  describe("rate limits", () => {
    let relayer: Relayer;
    before(async () => {
      relayer = await startTestRelayer(chain, dir.path, {
        db: `${dir.path}/limits.sqlite`,
        host: "127.0.0.1",
        clientRate: 1,
        clientBurst: 5,
        partyRate: 0.5,
        partyBurst: 2,
      });
    });
    after(() => relayer?.close());

    it("answers 429 rate_limited with Retry-After to a flooding client, and still serves another", async () => {
      const session = sessions[1]!;
      const flood = [];
      for (let i = 0; i < 20; i++)
        flood.push(await postFrom(relayer.url, "127.0.0.2", session.accepts[0]!));
      const limited = flood.filter((r) => r.status === 429);
      expect(limited.length).to.be.greaterThan(10);
      expect(limited.every((r) => r.code === "rate_limited" && Number(r.retryAfter) >= 1)).to.equal(
        true,
      );
      expect(flood.every((r) => r.status === 202 || r.status === 429)).to.equal(true);
      const polite = await postFrom(relayer.url, "127.0.0.3", session.accepts[1]!);
      expect(polite.status).to.equal(202);
    });

    it("relays one action per slot: a party's other acceptances are 409 slot_taken, not charged, and other parties are served", async () => {
      const session = sessions[2]!;
      const party = session.parties[0]!;
      // Three different acceptances by one party (other encryption keys, each with its proof): each
      // would pass alone.
      const binding = {
        chainId: chain.chainId,
        contract: chain.contract,
        sessionId: session.sessionId,
        party: 0,
      };
      const variants = await Promise.all(
        [0, 1, 2].map((i) =>
          signAction({
            account: party.signer,
            chainId: chain.chainId,
            contract: chain.contract,
            action: {
              ...session.accepts[0]!,
              data: encodeAcceptData({
                encryptionKey: encryptionKeyOf(`variant ${i}`),
                keyProof: keyProofOf(binding, encryptionSecretOf(`variant ${i}`)),
                delegate: zeroAddress,
              }),
            },
          }),
        ),
      );
      const answers = [];
      for (const variant of variants)
        answers.push(await postFrom(relayer.url, "127.0.0.4", variant));
      // One action per slot (threat R10): the first is kept, the others refused before any chain read.
      expect(answers.map((a) => a.status)).to.deep.equal([202, 409, 409]);
      expect(answers.slice(1).map((a) => a.code)).to.deep.equal(["slot_taken", "slot_taken"]);
      const other = await postFrom(relayer.url, "127.0.0.4", session.accepts[1]!);
      expect(other.status).to.equal(202);
    });
  });
});
