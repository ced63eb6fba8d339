import { expect } from "chai";
import { createWalletClient, http, zeroHash } from "viem";
import type { Relayer } from "../../src/relayer/server.js";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { decodeAcceptData } from "../../src/sdk/eip712.js";
import { signAction } from "../../src/sdk/signAction.js";
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

async function post(url: string, body: string, contentType = "application/json") {
  const response = await fetch(`${url}/v1/actions`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as { error: { code: string; message: string } },
  };
}

describe("Relayer", () => {
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let relayer: Relayer;
  let sessions: AcceptSession[];

  before(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
    relayer = await startTestRelayer(chain, dir.path, { maxBatchAgeMs: 200 });
    sessions = await createAcceptSessions({ chain, parties: eoaParties("api", 3), count: 3 });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
    await dir?.remove();
  });

  describe("POST /v1/actions", () => {
    it("answers 202 queued, and the action lands on chain with exactly the bytes it signed", async () => {
      const [session] = sessions;
      const action = session!.accepts[0]!;
      const { status, body } = await postAction(relayer.url, action);
      expect(status).to.equal(202);
      expect(body.status).to.equal("queued");
      expect(body.id).to.match(/^0x[0-9a-f]{64}$/);
      const done = await waitFor("inclusion", async () => {
        const state = await getAction(relayer.url, String(body.id));
        return state.final === true ? state : undefined;
      });
      expect(done.status).to.equal("included");
      expect(done.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(done.sessionId).to.equal(session!.sessionId.toString());
      const events = await acceptedEvents(chain, session!.sessionId);
      expect(events).to.deep.equal([
        { index: 0, encryptionKey: decodeAcceptData(action.data).encryptionKey },
      ]);
    });

    it("returns the same id for the same action sent twice, and stores it once", async () => {
      const action = sessions[1]!.accepts[0]!;
      const first = await postAction(relayer.url, action);
      const second = await postAction(relayer.url, action);
      expect(first.status).to.equal(202);
      expect(second.status).to.equal(202);
      expect(second.body.id).to.equal(first.body.id);
      await waitFor("inclusion", async () =>
        (await getAction(relayer.url, String(first.body.id))).final === true ? true : undefined,
      );
      const third = await postAction(relayer.url, action);
      expect(third.status).to.equal(202);
      expect(third.body).to.deep.equal({ id: first.body.id, status: "included" });
      expect(await acceptedEvents(chain, sessions[1]!.sessionId)).to.have.length(1);
    });

    it("refuses an action signed by another key with 422 wrong_signer, naming both addresses", async () => {
      const [session] = sessions;
      const action = { ...session!.accepts[1]!, signature: session!.accepts[2]!.signature };
      const { status, body } = await postAction(relayer.url, action);
      expect(status).to.equal(422);
      const error = body.error as { code: string; message: string };
      expect(error.code).to.equal("wrong_signer");
      expect(error.message).to.match(/^The signature recovers to 0x[0-9a-fA-F]{40}, but party 1 /);
      expect(error.message).to.contain(session!.parties[1]!.address);
    });

    it("refuses an action for a filled slot with 409 already_recorded and the decoded contract error", async () => {
      const session = sessions[2]!;
      // Party 0 goes direct first; its own signed acceptance then has nothing left to do.
      const walletClient = createWalletClient({
        account: session.parties[0]!.signer,
        chain: chain.anvil.chain,
        transport: http(chain.anvil.rpcUrl),
      });
      await chain.anvil.walletClient(0).sendTransaction({
        to: session.parties[0]!.address,
        value: 10n ** 18n,
      });
      await acceptSession({
        publicClient: chain.publicClient as RoundtablePublicClient,
        walletClient,
        address: chain.contract,
        sessionId: session.sessionId,
        configHash: session.accepts[0]!.word,
        ...decodeAcceptData(session.accepts[0]!.data),
      });
      const { status, body } = await postAction(relayer.url, session.accepts[0]!);
      expect(status).to.equal(409);
      expect(body.error).to.deep.include({ code: "already_recorded" });
      expect((body.error as { contractError: unknown }).contractError).to.deep.equal({
        name: "RoundtableAlreadyActed",
        args: { sessionId: session.sessionId.toString(), round: "0", party: "0" },
      });
    });

    it("refuses an action the contract would reject with 422 simulation_failed", async () => {
      const [session] = sessions;
      // A commitment, signed by its party, before the session has started: the wrong phase.
      const commit = await signAction({
        account: session!.parties[1]!.signer,
        chainId: chain.chainId,
        contract: chain.contract,
        action: {
          ...session!.accepts[1]!,
          action: 1,
          round: 1,
          word: `0x${"11".repeat(32)}`,
          data: "0x",
        },
      });
      const { status, body } = await postAction(relayer.url, commit);
      expect(status).to.equal(422);
      expect(body.error).to.deep.include({ code: "simulation_failed" });
      expect((body.error as { contractError: unknown }).contractError).to.deep.equal({
        name: "RoundtableUnexpectedRound",
        args: { sessionId: session!.sessionId.toString(), current: "0", given: "1" },
      });
      const unknown = await postAction(relayer.url, { ...commit, sessionId: 999n });
      expect(unknown.status).to.equal(422);
      expect(unknown.body.error).to.deep.include({ code: "simulation_failed" });
      expect(
        (unknown.body.error as { contractError: { name: string } }).contractError.name,
      ).to.equal("RoundtableUnknownSession");
    });

    it("refuses a body with an unknown key with 400 invalid_body naming the key", async () => {
      const body = JSON.stringify({ ...actionBody(sessions[0]!.accepts[2]!), extra: 1 });
      const answer = await post(relayer.url, body);
      expect(answer.status).to.equal(400);
      expect(answer.body.error.code).to.equal("invalid_body");
      expect(answer.body.error.message).to.contain('"extra"');
    });

    it("refuses a malformed field with 400 invalid_body naming the field", async () => {
      const body = JSON.stringify({
        ...actionBody(sessions[0]!.accepts[2]!),
        word: zeroHash.slice(0, 20),
      });
      const answer = await post(relayer.url, body);
      expect(answer.status).to.equal(400);
      expect(answer.body.error.message).to.match(/^Invalid word:/);
    });

    it("refuses JSON that does not parse with 400 invalid_body", async () => {
      const answer = await post(relayer.url, '{"action": 0,');
      expect(answer.status).to.equal(400);
      expect(answer.body.error.code).to.equal("invalid_body");
    });

    it("refuses a body over the size cap with 413 body_too_large", async () => {
      const answer = await post(relayer.url, `{"data":"0x${"00".repeat(40_000)}"}`);
      expect(answer.status).to.equal(413);
      expect(answer.body.error.code).to.equal("body_too_large");
    });

    it("refuses another content type with 415 unsupported_media_type", async () => {
      const answer = await post(relayer.url, "action=0", "application/x-www-form-urlencoded");
      expect(answer.status).to.equal(415);
      expect(answer.body.error.code).to.equal("unsupported_media_type");
    });
  });

  describe("GET /v1/actions/:id", () => {
    it("answers 400 invalid_id for a malformed id and 404 not_found for an unknown one", async () => {
      const bad = await fetch(`${relayer.url}/v1/actions/0x1234`);
      expect(bad.status).to.equal(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).to.equal("invalid_id");
      const unknown = await fetch(`${relayer.url}/v1/actions/${zeroHash}`);
      expect(unknown.status).to.equal(404);
      expect(((await unknown.json()) as { error: { code: string } }).error.code).to.equal(
        "not_found",
      );
    });
  });

  describe("GET /healthz and /metrics", () => {
    it("reports the chain, contract, relayer and head", async () => {
      const response = await fetch(`${relayer.url}/healthz`);
      expect(response.status).to.equal(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).to.include({ ok: true, chainId: chain.chainId, relayer: relayer.address });
      expect(String(body.contract).toLowerCase()).to.equal(chain.contract.toLowerCase());
      expect(body.head).to.be.a("number");
    });

    it("serves Prometheus text with requests, batches and item outcomes", async () => {
      const text = await (await fetch(`${relayer.url}/metrics`)).text();
      expect(text).to.match(
        /roundtable_relayer_http_requests_total\{route="POST \/v1\/actions",status="202"\} \d+/,
      );
      expect(text).to.match(/roundtable_relayer_batches_sent_total \d+/);
      expect(text).to.match(/roundtable_relayer_items_total\{outcome="included"\} \d+/);
      expect(text).to.contain("roundtable_relayer_accept_seconds_bucket");
    });
  });
});
