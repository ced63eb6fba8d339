// The party's relayed transport believes only the chain (threat R13): lying relayers, real HTTP
// servers on 127.0.0.1 backed by real chain data (a real transaction of another action, a real
// ActionSkipped the liar triggered itself), a 400 MiB answer, a redirect, a 429. Against the
// transport alone, and against real runners, which fall back to going direct and finish.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { getAddress, zeroAddress } from "viem";
import { createRelayedTransport, RelayerDeliveryError } from "../../src/party/relayedTransport.js";
import { deliver, type Transport } from "../../src/party/transport.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { ActionType, type SessionConfig, type UnsignedAction } from "../../src/sdk/types.js";
import { encryptionKeyOf, encryptionSecretOf, keyProofOf } from "../helpers/accounts.js";
import { type Lie, type LyingRelayer, startLyingRelayer } from "../helpers/lyingRelayer.js";
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
} from "../party/fixtures/parties.js";

describe("Relayed transport › against lying relayers", function () {
  this.timeout(120_000);
  let d: Deployment;
  let parties: TestParty[];
  let chainId: number;
  let config: SessionConfig;
  let sessionId: bigint;
  const liars: LyingRelayer[] = [];
  const servers: Server[] = [];

  before(async () => {
    d = await deploy();
    chainId = await d.publicClient.getChainId();
    parties = await newParties(d, "lied-to", 3);
  });

  beforeEach(async () => {
    config = keygenConfig({ parties: parties.map((p) => p.address), threshold: 2 });
    sessionId = await create(d, config);
  });

  after(async () => {
    for (const liar of liars.splice(0)) await liar.close();
    for (const server of servers.splice(0)) server.close();
    await cleanUp();
  });

  async function liar(lie: (action: UnsignedAction, n: number) => Lie, extra = {}) {
    const started = await startLyingRelayer({
      lie,
      publicClient: d.publicClient,
      sender: d.initiator,
      chainId,
      address: d.address,
      ...extra,
    });
    liars.push(started);
    return started;
  }

  function acceptOf(index: number, variant = ""): UnsignedAction {
    return {
      action: ActionType.Accept,
      sessionId,
      party: index,
      round: 0,
      accused: 0,
      word: hashSessionConfig(config),
      data: encodeAcceptData({
        encryptionKey: encryptionKeyOf(`lied-to ${index}${variant}`),
        keyProof: keyProofOf(
          { chainId, contract: d.address, sessionId, party: index },
          encryptionSecretOf(`lied-to ${index}${variant}`),
        ),
        delegate: zeroAddress,
      }),
    };
  }

  function relayedFor(party: TestParty, url: string): Transport {
    return createRelayedTransport({
      url,
      publicClient: d.publicClient,
      account: party.account,
      chainId,
      address: d.address,
      deliveryTimeout: 3_000,
      pollingInterval: 20,
    });
  }

  async function failure(promise: Promise<unknown>): Promise<RelayerDeliveryError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RelayerDeliveryError);
    return error as RelayerDeliveryError;
  }

  /** Who sent the transaction recording each acting party's events in the session. */
  async function sendersOf(eventName: string): Promise<Map<number, string>> {
    const senders = new Map<number, string>();
    for (const event of await eventsOf(d, sessionId)) {
      if (event.eventName !== eventName || !("index" in event.args)) continue;
      const tx = await d.publicClient.getTransaction({ hash: event.transactionHash });
      senders.set(Number(event.args.index), getAddress(tx.from));
    }
    return senders;
  }

  it("does not count a 409 without evidence, of either code: the party goes direct", async () => {
    for (const [index, lie] of [
      [0, "already-recorded"],
      [1, "slot-taken"],
    ] as const) {
      const party = parties[index]!;
      const relayer = await liar(() => lie);
      const error = await failure(relayedFor(party, relayer.url).submit(acceptOf(index)));
      expect(error.status).to.equal(409);
      expect(error.code).to.equal(lie === "already-recorded" ? "already_recorded" : "slot_taken");
      const delivery = await deliver(
        [relayedFor(party, relayer.url), direct(d, party)],
        acceptOf(index),
      );
      expect(delivery).to.deep.include({ status: "delivered", transport: "direct" });
    }
    const senders = await sendersOf("PartyAccepted");
    expect(senders.get(0)).to.equal(parties[0]!.address);
    expect(senders.get(1)).to.equal(parties[1]!.address);
  });

  it("does not believe a real receipt of another action of the same party, nor a skip it caused", async () => {
    const party = parties[0]!;
    // Party 0 accepted with one key; the relayer is asked to carry an acceptance with another.
    await deliver([direct(d, party)], acceptOf(0));
    const other = acceptOf(0, " other key");
    const receiptLiar = await liar(() => "other-receipt");
    const lied = await failure(relayedFor(party, receiptLiar.url).submit(other));
    expect(lied.code).to.equal("unverified");
    expect(receiptLiar.requests.some((r) => r.method === "GET")).to.equal(true);

    const skipLiar = await liar(() => "anyone-skip");
    const skipped = await failure(relayedFor(party, skipLiar.url).submit(other));
    expect(skipped.code).to.equal("unverified");
    expect(skipped.shortMessage).to.contain("skip");
    // The skip was real: the liar made the contract emit ActionSkipped for party 0.
    const skips = (await eventsOf(d, sessionId)).filter(
      (e) => e.eventName === "ActionSkipped" && e.args.party === 0,
    );
    expect(skips.length).to.be.greaterThan(0);
  });

  it("cuts a 400 MiB answer off at the cap: far fewer bytes read, memory stays flat", async () => {
    const relayer = await liar(() => "huge-body");
    const rssBefore = process.memoryUsage().rss;
    const error = await failure(relayedFor(parties[2]!, relayer.url).submit(acceptOf(2)));
    expect(error.code).to.equal("response_too_large");
    expect(error.shortMessage).to.contain("1048576 bytes");
    // The liar writes only as the client reads: what it got out is the cap plus socket buffers.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(relayer.hugeBytesWritten()).to.be.lessThan(16 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).to.be.lessThan(100 * 1024 * 1024);
  });

  it("refuses a redirect instead of following it to another host", async () => {
    let followed = 0;
    const elsewhere = createServer((_req, res) => {
      followed++;
      res.writeHead(202, { "content-type": "application/json" });
      res.end("{}");
    });
    servers.push(elsewhere);
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    const relayer = await liar(() => "redirect", { redirectTo: target });
    const error = await failure(relayedFor(parties[1]!, relayer.url).submit(acceptOf(1)));
    expect(error.code).to.equal("redirect_refused");
    expect(error.status).to.equal(307);
    expect(followed).to.equal(0);
  });

  it("tries a 429 again after its Retry-After, within the delivery bound", async () => {
    const posts: number[] = [];
    const upstream = createServer((req, res) => {
      if (req.method === "POST") posts.push(Date.now());
      req.resume();
      req.on("end", () => {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "queue_full", message: "full" } }));
      });
    });
    servers.push(upstream);
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const relayer = await liar(() => "rate-limit-once", {
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    const started = Date.now();
    const error = await failure(relayedFor(parties[0]!, relayer.url).submit(acceptOf(0)));
    // Retried once the second was up, and then told the next answer (not the 429).
    expect(error.code).to.equal("queue_full");
    expect(posts).to.have.length(1);
    expect(posts[0]! - started).to.be.at.least(950);
    expect(relayer.requests.filter((r) => r.method === "POST").map((r) => r.lie)).to.deep.equal([
      "rate-limit-once",
      "forward",
    ]);
  });

  it("finishes a key generation when the relayer tells every kind of lie: each party went direct", async () => {
    const lies: Lie[] = [
      "already-recorded",
      "slot-taken",
      "other-receipt",
      "anyone-skip",
      "huge-body",
      "redirect",
    ];
    // Acceptances: the liar lands each one itself together with a junk copy (a real skip of that
    // party, which it names for the party's later actions); then every lie in turn.
    let later = 0;
    const relayer = await liar(
      (action) =>
        action.action === ActionType.Accept ? "anyone-skip" : lies[later++ % lies.length]!,
      { hugeBytes: 8 << 20 },
    );
    const outcomes = await runAll(d, parties, sessionId, (party) => ({
      transports: [relayedFor(party, relayer.url), direct(d, party)],
    }));
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    const told = new Set(relayer.requests.filter((r) => r.method === "POST").map((r) => r.lie));
    expect(told.size).to.equal(lies.length);
    expect(
      (await eventsOf(d, sessionId)).filter((e) => e.eventName === "ActionSkipped"),
    ).to.have.length(parties.length);
    // Every round action on chain was sent by its own party: no lie was taken as a delivery.
    for (const eventName of ["PayloadSubmitted"]) {
      const senders = await sendersOf(eventName);
      expect(senders.size).to.equal(parties.length);
      for (const [index, sender] of senders) expect(sender).to.equal(parties[index]!.address);
    }
  });
});
