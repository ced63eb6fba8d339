// The party's side of a relayer: the relayer is an untrusted courier, so every answer it gives is
// checked, and any failure to deliver sends the party on to its next transport (threat S3). These
// tests use hostile relayers: real HTTP servers on 127.0.0.1 that refuse, stall, or lie.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import {
  encodePacked,
  getAddress,
  type Hex,
  hashTypedData,
  keccak256,
  zeroAddress,
  zeroHash,
} from "viem";
import { createRelayedTransport, RelayerDeliveryError } from "../../src/party/relayedTransport.js";
import { deliver, type Transport } from "../../src/party/transport.js";
import { actionTypedData, encodeAcceptData, roundtableDomain } from "../../src/sdk/eip712.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { ActionType, type SessionConfig, type UnsignedAction } from "../../src/sdk/types.js";
import { encryptionKeyOf, encryptionSecretOf, keyProofOf } from "../helpers/accounts.js";
import {
  cleanUp,
  create,
  type Deployment,
  deploy,
  direct,
  eventsOf,
  newParties,
  runAll,
  type TestParty,
} from "./fixtures/parties.js";

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/** A scripted relayer: `answer` decides the reply to each request. */
type FakeRelayer = { url: string; requests: { method: string; path: string; body: unknown }[] };

const servers: Server[] = [];

async function startFakeRelayer(
  answer: (request: { method: string; path: string; body: unknown }) => Answer,
): Promise<FakeRelayer> {
  const requests: FakeRelayer["requests"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const request = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        body: text === "" ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(request);
      const { status, body, headers } = answer(request);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

describe("createRelayedTransport", () => {
  let d: Deployment;
  let parties: TestParty[];
  let config: SessionConfig;
  let sessionId: bigint;
  let chainId: number;

  before(async () => {
    d = await deploy();
    chainId = await d.publicClient.getChainId();
    parties = await newParties(d, "relayed", 3);
  });

  beforeEach(async () => {
    config = keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 });
    sessionId = await create(d, config);
  });

  after(async () => {
    for (const server of servers.splice(0)) server.close();
    await cleanUp();
  });

  function acceptOf(index: number): UnsignedAction {
    return {
      action: ActionType.Accept,
      sessionId,
      party: index,
      round: 0,
      accused: 0,
      word: hashSessionConfig(config),
      data: encodeAcceptData({
        encryptionKey: encryptionKeyOf(`relayed ${index}`),
        keyProof: keyProofOf(
          { chainId, contract: d.address, sessionId, party: index },
          encryptionSecretOf(`relayed ${index}`),
        ),
        delegate: zeroAddress,
      }),
    };
  }

  /** The relayer's id of an action: keccak256(EIP-712 digest ‖ party), as docs/relayer.md defines it. */
  function idOf(action: UnsignedAction): Hex {
    const digest = hashTypedData(actionTypedData(roundtableDomain(chainId, d.address), action));
    return keccak256(encodePacked(["bytes32", "uint8"], [digest, action.party]));
  }

  function relayedFor(party: TestParty, url: string, deliveryTimeout = 2_000): Transport {
    return createRelayedTransport({
      url,
      publicClient: d.publicClient,
      account: party.account,
      chainId,
      address: d.address,
      deliveryTimeout,
      pollingInterval: 20,
    });
  }

  /** The addresses that sent the transactions recording each party's acceptance, by party index. */
  async function acceptanceSenders(): Promise<Map<number, string>> {
    const senders = new Map<number, string>();
    for (const event of await eventsOf(d, sessionId)) {
      if (event.eventName !== "PartyAccepted") continue;
      const tx = await d.publicClient.getTransaction({ hash: event.transactionHash });
      senders.set(Number(event.args.index), getAddress(tx.from));
    }
    return senders;
  }

  it("posts the signed action with the session id as a decimal string", async () => {
    const party = parties[0] as TestParty;
    const relayer = await startFakeRelayer(() => ({
      status: 503,
      body: { error: { code: "queue_full", message: "full" } },
    }));
    await relayedFor(party, relayer.url)
      .submit(acceptOf(0))
      .catch(() => {});
    const [request] = relayer.requests;
    expect(request?.method).to.equal("POST");
    expect(request?.path).to.equal("/v1/actions");
    const body = request?.body as Record<string, unknown>;
    expect(body.sessionId).to.equal(sessionId.toString());
    expect(body.party).to.equal(0);
    expect(body.word).to.equal(hashSessionConfig(config));
    expect(body.signature).to.match(/^0x[0-9a-f]{130}$/);
  });

  it("passes over a relayer that refuses, naming its code and status, and the party goes direct", async () => {
    const party = parties[0] as TestParty;
    const relayer = await startFakeRelayer(() => ({
      status: 429,
      body: { error: { code: "rate_limited", message: "slow down" } },
      headers: { "retry-after": "1" },
    }));
    const delivery = await deliver([relayedFor(party, relayer.url), direct(d, party)], acceptOf(0));
    expect(delivery.status).to.equal("delivered");
    expect(delivery.status === "delivered" && delivery.transport).to.equal("direct");
    const refused = await relayedFor(party, relayer.url)
      .submit(acceptOf(0))
      .catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(RelayerDeliveryError);
    expect((refused as RelayerDeliveryError).code).to.equal("rate_limited");
    expect((refused as RelayerDeliveryError).status).to.equal(429);
    expect((await acceptanceSenders()).get(0)).to.equal(party.address);
  });

  it("gives up on a relayer that accepts but has not got the action mined within the bound", async () => {
    const party = parties[1] as TestParty;
    const action = acceptOf(1);
    const relayer = await startFakeRelayer(({ method }) => ({
      status: method === "POST" ? 202 : 200,
      body: { id: idOf(action), status: "queued" },
    }));
    const error = await relayedFor(party, relayer.url, 300)
      .submit(action)
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RelayerDeliveryError);
    expect((error as RelayerDeliveryError).code).to.equal("timeout");
    expect(relayer.requests.filter((r) => r.method === "GET").length).to.be.greaterThan(0);
    expect(relayer.requests.at(-1)?.path).to.equal(`/v1/actions/${idOf(action)}`);
  });

  it("refuses an id that is not the action's EIP-712 digest", async () => {
    const party = parties[1] as TestParty;
    const relayer = await startFakeRelayer(() => ({
      status: 202,
      body: { id: zeroHash, status: "queued" },
    }));
    const error = await relayedFor(party, relayer.url)
      .submit(acceptOf(1))
      .catch((e: unknown) => e);
    expect((error as RelayerDeliveryError).code).to.equal("bad_response");
    expect((error as RelayerDeliveryError).shortMessage).to.contain(idOf(acceptOf(1)));
  });

  it("does not believe 'included' when the named transaction does not record the action", async () => {
    const party = parties[2] as TestParty;
    const action = acceptOf(2);
    // A real transaction of this contract, but not one that carries party 2's acceptance.
    const [created] = (await eventsOf(d, sessionId)).filter(
      (e) => e.eventName === "SessionCreated",
    );
    const relayer = await startFakeRelayer(() => ({
      status: 202,
      body: { id: idOf(action), status: "included", transactionHash: created?.transactionHash },
    }));
    const error = await relayedFor(party, relayer.url)
      .submit(action)
      .catch((e: unknown) => e);
    expect((error as RelayerDeliveryError).code).to.equal("unverified");
    const delivery = await deliver([relayedFor(party, relayer.url), direct(d, party)], action);
    expect(delivery.status === "delivered" && delivery.transport).to.equal("direct");
    expect((await acceptanceSenders()).get(2)).to.equal(party.address);
  });

  it("does not count a 409 already_recorded without evidence on chain: the party goes direct", async () => {
    const party = parties[0] as TestParty;
    const relayer = await startFakeRelayer(() => ({
      status: 409,
      body: { error: { code: "already_recorded", message: "slot filled" } },
    }));
    const transport = relayedFor(party, relayer.url);
    // The relayer's word alone is not a delivery (threat R13).
    const alone = await deliver([transport], acceptOf(0));
    expect(alone.status).to.equal("failed");
    const again = await deliver([transport, direct(d, party)], acceptOf(0));
    expect(again.status === "delivered" && again.transport).to.equal("direct");
    expect(relayer.requests).to.have.length(2);
  });

  it("names a relayer that does not answer", async () => {
    const closed = await startFakeRelayer(() => ({ status: 200, body: {} }));
    const server = servers.pop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const error = await relayedFor(parties[0] as TestParty, closed.url)
      .submit(acceptOf(0))
      .catch((e: unknown) => e);
    expect((error as RelayerDeliveryError).code).to.equal("unreachable");
    expect((error as RelayerDeliveryError).shortMessage).to.contain(closed.url.slice(7));
  });

  it("rejects a URL that is not http(s)", () => {
    expect(() => relayedFor(parties[0] as TestParty, "ftp://127.0.0.1:1")).to.throw(
      RelayerDeliveryError,
      /expected an http or https URL/,
    );
  });

  it("completes a key generation when a relayer lies that every action is already recorded", async () => {
    const liar = await startFakeRelayer(() => ({
      status: 409,
      body: { error: { code: "already_recorded", message: "trust me" } },
    }));
    const outcomes = await runAll(d, parties, sessionId, (party) => ({
      transports: [relayedFor(party, liar.url), direct(d, party)],
    }));
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    const senders = await acceptanceSenders();
    expect([...senders.values()].sort()).to.deep.equal(parties.map((p) => p.address).sort());
  });
});
