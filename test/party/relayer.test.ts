// Parties running through a real relayer (src/relayer, on a real anvil chain): the parties pay no
// gas, and a relayer that drops one party's actions only delays it, since that party then goes
// direct and the session completes (threat S3).

import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { pino } from "pino";
import { type Address, getAddress, type Hex, parseEventLogs } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { createRelayedTransport } from "../../src/party/relayedTransport.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import { createDirectTransport, type Transport } from "../../src/party/transport.js";
import { createRelayer, type Relayer } from "../../src/relayer/server.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { actionDigest, relayerActionId } from "../../src/sdk/relayerActionId.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";

type Member = {
  address: Address;
  account: ReturnType<typeof mnemonicToAccount>;
  walletClient: RoundtableWalletClient;
};

/**
 * A relayer in front of the real one that swallows every action of `dropped`: it answers 202
 * with the right id and then reports it queued for ever, as a censoring relayer would.
 */
async function startDroppingProxy(
  upstream: string,
  dropped: Address,
  idOf: (body: Record<string, unknown>) => Hex,
  signerOf: (body: Record<string, unknown>) => Promise<Address>,
): Promise<{ url: string; swallowed: Hex[]; server: Server }> {
  const swallowed: Hex[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      const path = req.url ?? "/";
      const id = path.split("/").at(-1) as Hex;
      if (req.method === "GET" && swallowed.includes(id))
        return reply(200, { id, status: "queued" });
      if (req.method === "POST") {
        const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        if ((await signerOf(parsed)) === dropped) {
          swallowed.push(idOf(parsed));
          return reply(202, { id: idOf(parsed), status: "queued" });
        }
      }
      const forwarded = httpRequest(
        `${upstream}${path}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, swallowed, server };
}

describe("runParty › through a relayer", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let contract: Address;
  let relayer: Relayer;
  let members: Member[];
  const directories: string[] = [];
  const stop = new AbortController();

  before(async () => {
    anvil = await startAnvil();
    ({ address: contract } = await deployRoundtableOnAnvil(anvil));
    const directory = await mkdtemp(join(tmpdir(), "roundtable-relayed-"));
    directories.push(directory);
    relayer = await createRelayer({
      rpcUrl: anvil.rpcUrl,
      contract,
      account: mnemonicToAccount(developmentMnemonic, { addressIndex: 9 }),
      db: join(directory, "relayer.sqlite"),
      port: 0,
      maxBatchAgeMs: 50,
      confirmations: 1,
      pollIntervalMs: 50,
      logger: pino({ level: "silent" }),
    });
    members = [2, 3, 4]
      .map((index) => {
        const account = mnemonicToAccount(developmentMnemonic, { addressIndex: index });
        return {
          address: account.address,
          account,
          walletClient: anvil.walletClient(index) as unknown as RoundtableWalletClient,
        };
      })
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  });

  after(async () => {
    stop.abort(new Error("tests ended"));
    await relayer?.close();
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  const publicClient = () => anvil.publicClient as unknown as RoundtablePublicClient;

  async function newSession(): Promise<bigint> {
    const { sessionId } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
    });
    return sessionId;
  }

  async function runMember(
    member: Member,
    sessionId: bigint,
    relayerUrl: string,
  ): Promise<PartyOutcome> {
    const directory = await mkdtemp(join(tmpdir(), "roundtable-relayed-party-"));
    directories.push(directory);
    const store = await openFileSecretStore({
      directory,
      password: "test",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
    const transports: Transport[] = [
      createRelayedTransport({
        url: relayerUrl,
        publicClient: publicClient(),
        account: member.account,
        chainId: anvil.chain.id,
        address: contract,
        deliveryTimeout: 1_500,
        pollingInterval: 50,
      }),
      createDirectTransport({
        publicClient: publicClient(),
        walletClient: member.walletClient,
        address: contract,
      }),
    ];
    return runParty({
      publicClient: publicClient(),
      walletClient: member.walletClient,
      address: contract,
      sessionId,
      store,
      transports,
      confirm: async () => true,
      pollingInterval: 50,
      signal: stop.signal,
    });
  }

  /** Who sent the transaction of each party action of the session, by acting party. */
  async function sendersByParty(sessionId: bigint): Promise<Map<Address, Set<Address>>> {
    const logs = await publicClient().getLogs({ address: contract, fromBlock: 0n });
    const senders = new Map<Address, Set<Address>>();
    for (const event of parseEventLogs({ abi: roundtableAbi, logs })) {
      if (!("sessionId" in event.args) || event.args.sessionId !== sessionId) continue;
      // PartyInvited names a party too, but the initiator sent it.
      if (event.eventName === "PartyInvited") continue;
      const actor =
        "party" in event.args && typeof event.args.party === "string"
          ? event.args.party
          : "accuser" in event.args
            ? event.args.accuser
            : undefined;
      if (actor === undefined) continue;
      const tx = await publicClient().getTransaction({ hash: event.transactionHash });
      const set = senders.get(getAddress(actor)) ?? new Set<Address>();
      set.add(getAddress(tx.from));
      senders.set(getAddress(actor), set);
    }
    return senders;
  }

  it("runs a whole key generation with every party action carried by the relayer", async () => {
    const sessionId = await newSession();
    const nonces = await Promise.all(
      members.map((m) => publicClient().getTransactionCount({ address: m.address })),
    );
    const outcomes = await Promise.all(members.map((m) => runMember(m, sessionId, relayer.url)));
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    const senders = await sendersByParty(sessionId);
    expect([...senders.keys()].sort()).to.deep.equal(members.map((m) => m.address).sort());
    for (const set of senders.values()) expect([...set]).to.deep.equal([relayer.address]);
    // No party sent a transaction of its own.
    const after = await Promise.all(
      members.map((m) => publicClient().getTransactionCount({ address: m.address })),
    );
    expect(after).to.deep.equal(nonces);
  });

  it("completes when the relayer drops one party's actions: that party goes direct", async () => {
    const sessionId = await newSession();
    const [a, b, c] = members as [Member, Member, Member];
    const actionOf = (body: Record<string, unknown>) => ({
      action: Number(body.action),
      sessionId: BigInt(String(body.sessionId)),
      party: Number(body.party),
      round: Number(body.round),
      accused: Number(body.accused),
      word: body.word as Hex,
      data: body.data as Hex,
    });
    const proxy = await startDroppingProxy(
      relayer.url,
      c.address,
      (body) =>
        relayerActionId({
          digest: actionDigest({ chainId: anvil.chain.id, contract, action: actionOf(body) }),
          party: Number(body.party),
        }),
      async (body) => {
        const parties = await publicClient().readContract({
          address: contract,
          abi: roundtableAbi,
          functionName: "partiesOf",
          args: [BigInt(String(body.sessionId))],
        });
        return getAddress(parties[Number(body.party)] ?? "0x");
      },
    );
    try {
      const outcomes = await Promise.all([a, b, c].map((m) => runMember(m, sessionId, proxy.url)));
      expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
      expect(proxy.swallowed.length).to.be.greaterThan(0);
      const senders = await sendersByParty(sessionId);
      expect([...(senders.get(c.address) ?? [])]).to.deep.equal([c.address]);
      expect([...(senders.get(a.address) ?? [])]).to.deep.equal([relayer.address]);
      expect([...(senders.get(b.address) ?? [])]).to.deep.equal([relayer.address]);
    } finally {
      proxy.server.close();
    }
  });
});
