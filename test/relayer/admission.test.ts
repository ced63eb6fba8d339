// What a relayer admits, and who pays for refusals (threats R10, R11): at most one paid action
// per slot, however many different signed actions a party posts for it; and a stranger's flood of
// garbage-signed copies naming a party is limited at the stranger's own address, never charged to
// the party, whose real runner delivers every action through the relayer. Real anvil, a real
// relayer HTTP server, real runners.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, getAddress, type Hex, parseEventLogs, toHex, zeroAddress } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { createRelayedTransport } from "../../src/party/relayedTransport.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import { createDirectTransport } from "../../src/party/transport.js";
import type { Relayer } from "../../src/relayer/server.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type { RoundtableWalletClient } from "../../src/sdk/actions/internal.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { signAction } from "../../src/sdk/signAction.js";
import { encryptionKeyOf, encryptionSecretOf, keyProofOf } from "../helpers/accounts.js";
import { developmentMnemonic } from "../helpers/anvil.js";
import {
  type AcceptSession,
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  postJsonFrom,
  type RelayerChain,
  relayerAccount,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

describe("Relayer › admission", function () {
  this.timeout(180_000);
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
  });

  after(async () => {
    await chain?.stop();
    await dir?.remove();
  });

  describe("one paid action per slot (R10)", () => {
    let relayer: Relayer;
    let session: AcceptSession;
    before(async () => {
      relayer = await startTestRelayer(chain, dir.path, { db: join(dir.path, "slot.sqlite") });
      [session] = (await createAcceptSessions({
        chain,
        parties: eoaParties("slot", 3),
        count: 1,
      })) as [AcceptSession];
    });
    after(() => relayer?.close());

    it("sends exactly one of 20 different signed acceptances for one slot; the rest are 409 and cost no gas", async () => {
      const party = session.parties[0]!;
      const binding = {
        chainId: chain.chainId,
        contract: chain.contract,
        sessionId: session.sessionId,
        party: 0,
      };
      const variants = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          signAction({
            account: party.signer,
            chainId: chain.chainId,
            contract: chain.contract,
            action: {
              ...session.accepts[0]!,
              data: encodeAcceptData({
                encryptionKey: encryptionKeyOf(`equivocation ${i}`),
                keyProof: keyProofOf(binding, encryptionSecretOf(`equivocation ${i}`)),
                delegate: zeroAddress,
              }),
            },
          }),
        ),
      );
      const nonceBefore = await chain.publicClient.getTransactionCount({
        address: relayerAccount.address,
      });
      const balanceBefore = await chain.publicClient.getBalance({
        address: relayerAccount.address,
      });
      // All at once: the store's check inside the write decides the race.
      const answers = await Promise.all(variants.map((v) => postAction(relayer.url, v)));
      const accepted = answers.filter((a) => a.status === 202);
      expect(accepted).to.have.length(1);
      const keptId = String(accepted[0]!.body.id);
      const refused = answers.filter((a) => a.status !== 202);
      expect(refused).to.have.length(19);
      for (const r of refused) {
        expect(r.status).to.equal(409);
        const error = r.body.error as { code: string; message: string };
        expect(error.code).to.equal("slot_taken");
        expect(r.body.existingId).to.equal(keptId);
        expect(error.message).to.contain(keptId);
      }
      // The same action again is still the one stored: 202, same id.
      const again = await postAction(relayer.url, variants[answers.indexOf(accepted[0]!)]!);
      expect([again.status, again.body.id]).to.deep.equal([202, keptId]);

      const final = await waitFor("the kept action final", async () => {
        const s = await getAction(relayer.url, keptId);
        return s.final === true ? s : undefined;
      });
      expect(final.status).to.equal("included");
      // One batch transaction, carrying one item, and all the relayer spent is that transaction.
      const nonceAfter = await chain.publicClient.getTransactionCount({
        address: relayerAccount.address,
      });
      expect(nonceAfter - nonceBefore).to.equal(1);
      const receipt = await chain.publicClient.getTransactionReceipt({
        hash: final.transactionHash as Hex,
      });
      const events = parseEventLogs({ abi: roundtableAbi, logs: receipt.logs });
      expect(events.map((e) => e.eventName).filter((n) => n !== "PhaseOpened")).to.deep.equal([
        "PartyAccepted",
      ]);
      const balanceAfter = await chain.publicClient.getBalance({
        address: relayerAccount.address,
      });
      expect(balanceBefore - balanceAfter).to.equal(receipt.gasUsed * receipt.effectiveGasPrice);
      const metrics = await (await fetch(`${relayer.url}/metrics`)).text();
      expect(metrics).to.not.match(/roundtable_relayer_items_total\{outcome="skipped"\} [1-9]/);
    });
  });

  describe("a stranger's flood against a real runner (R11)", () => {
    type Member = {
      address: Address;
      account: ReturnType<typeof mnemonicToAccount>;
      walletClient: RoundtableWalletClient;
    };
    let relayer: Relayer;
    let members: Member[];
    const stop = new AbortController();
    const directories: string[] = [];

    before(async () => {
      // A small party budget: under the old order (charged before the signature), the stranger's
      // copies used it up within a second.
      relayer = await startTestRelayer(chain, dir.path, {
        db: join(dir.path, "flood.sqlite"),
        partyRate: 0.5,
        partyBurst: 4,
        maxBatchAgeMs: 50,
        pollIntervalMs: 50,
      });
      members = [2, 3, 4]
        .map((index) => {
          const account = mnemonicToAccount(developmentMnemonic, { addressIndex: index });
          return {
            address: account.address,
            account,
            walletClient: chain.anvil.walletClient(index) as unknown as RoundtableWalletClient,
          };
        })
        .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    });

    after(async () => {
      stop.abort(new Error("tests ended"));
      await relayer?.close();
      for (const directory of directories) await rm(directory, { recursive: true, force: true });
    });

    async function runMember(member: Member, sessionId: bigint): Promise<PartyOutcome> {
      const directory = await mkdtemp(join(tmpdir(), "roundtable-flooded-party-"));
      directories.push(directory);
      const store = await openFileSecretStore({
        directory,
        password: "test",
        scryptN: 2 ** 10,
        allowWeakKdf: true,
      });
      return runParty({
        publicClient: chain.publicClient,
        walletClient: member.walletClient,
        address: chain.contract,
        sessionId,
        store,
        transports: [
          createRelayedTransport({
            url: relayer.url,
            publicClient: chain.publicClient,
            account: member.account,
            chainId: chain.chainId,
            address: chain.contract,
            deliveryTimeout: 8_000,
            pollingInterval: 50,
          }),
          createDirectTransport({
            publicClient: chain.publicClient,
            walletClient: member.walletClient,
            address: chain.contract,
          }),
        ],
        confirm: async () => true,
        pollingInterval: 50,
        signal: stop.signal,
      });
    }

    it("delivers every action of every party through the relayer while a stranger floods copies naming them", async () => {
      const { sessionId } = await createSession({
        publicClient: chain.publicClient,
        walletClient: chain.anvil.walletClient(1) as unknown as RoundtableWalletClient,
        address: chain.contract,
        config: keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
      });
      const nonces = await Promise.all(
        members.map((m) => chain.publicClient.getTransactionCount({ address: m.address })),
      );
      // The stranger (another client address) posts well-formed actions naming each party, for
      // each round, with garbage signatures, as fast as it is answered, until the runs end.
      const strangerAnswers = new Map<number, number>();
      let flooding = true;
      const flood = (async () => {
        for (let n = 0; flooding; n++) {
          const answer = await postJsonFrom(relayer.url, "127.0.0.2", {
            action: 2,
            sessionId: sessionId.toString(),
            party: n % members.length,
            round: n % 3,
            accused: 0,
            word: toHex(randomBytes(32)),
            data: toHex(randomBytes(64)),
            signature: toHex(randomBytes(65)),
          });
          strangerAnswers.set(answer.status, (strangerAnswers.get(answer.status) ?? 0) + 1);
        }
      })();
      let outcomes: PartyOutcome[];
      try {
        outcomes = await Promise.all(members.map((m) => runMember(m, sessionId)));
      } finally {
        flooding = false;
        await flood;
      }
      expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
      // Every party action on chain was sent by the relayer: no party had to go direct.
      const logs = await chain.publicClient.getLogs({ address: chain.contract, fromBlock: 0n });
      let actions = 0;
      for (const event of parseEventLogs({ abi: roundtableAbi, logs })) {
        if (!("sessionId" in event.args) || event.args.sessionId !== sessionId) continue;
        if (!["PartyAccepted", "CommitmentSubmitted", "PayloadSubmitted"].includes(event.eventName))
          continue;
        const tx = await chain.publicClient.getTransaction({ hash: event.transactionHash });
        expect(getAddress(tx.from)).to.equal(relayer.address);
        actions++;
      }
      expect(actions).to.be.at.least(members.length * 2);
      const after = await Promise.all(
        members.map((m) => chain.publicClient.getTransactionCount({ address: m.address })),
      );
      expect(after).to.deep.equal(nonces);
      // The stranger was refused at its own address, and sent far more than the party budget.
      const total = [...strangerAnswers.values()].reduce((a, b) => a + b, 0);
      expect(total).to.be.greaterThan(10 * 4);
      expect(strangerAnswers.get(202) ?? 0).to.equal(0);
      expect(strangerAnswers.get(429) ?? 0).to.be.greaterThan(total / 2);
    });
  });
});
