// A real Safe as a party (THREATS C7, D1–D4): the Safe singleton, proxy factory and fallback
// handler deployed on anvil from @safe-global/safe-contracts' published artifacts (no mock). Its
// owners, 2 of 3, approve each session's acceptance once through the Safe's own ERC-1271 check;
// the session delegate the acceptance names then runs the session through a relayer: a whole key
// generation, then a signing session of a text with the key it made. The auditor shows the Safe
// behind each acceptance and the delegate behind every later action.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import { pino } from "pino";
import { type Address, type Hex, hexToBytes } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { createRelayedTransport } from "../../src/party/relayedTransport.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import { createDirectTransport, type Transport } from "../../src/party/transport.js";
import { createRelayer, type Relayer } from "../../src/relayer/server.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { messageDigest } from "../../src/sdk/messagePreimage.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import type { SessionConfig } from "../../src/sdk/types.js";
import { auditAll, checkOf, failedChecks } from "../auditor/helpers.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";
import { deployTestSafe, type TestSafe } from "./safeFixture.js";

type Row = { party: number; signer: Address; signedBy: string; signature: string };

describe("A Safe (2 of 3 owners) as a party, with a session delegate", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let contract: Address;
  let relayer: Relayer;
  let safe: TestSafe;
  const directories: string[] = [];
  const publicClient = () => anvil.publicClient as unknown as RoundtablePublicClient;
  const members = [4, 5].map((index) => ({
    account: mnemonicToAccount(developmentMnemonic, { addressIndex: index }),
    index,
  }));
  /** The key generation's session and group key, for the signing session. */
  let keySession: bigint | undefined;
  let groupKey: Hex | undefined;
  let keyParties: readonly Address[] = [];

  const stores = new Map<Address, Promise<SecretStore>>();
  /** Each party's one store: the signing session needs the key share its key generation kept. */
  function storeOf(party: Address): Promise<SecretStore> {
    const known = stores.get(party);
    if (known !== undefined) return known;
    const opened = (async () => {
      const directory = await mkdtemp(join(tmpdir(), "roundtable-safe-"));
      directories.push(directory);
      return openFileSecretStore({
        directory,
        password: "test",
        scryptN: 2 ** 10,
        allowWeakKdf: true,
      });
    })();
    stores.set(party, opened);
    return opened;
  }

  before(async () => {
    anvil = await startAnvil();
    ({ address: contract } = await deployRoundtableOnAnvil(anvil));
    safe = await deployTestSafe(anvil);
    const directory = await mkdtemp(join(tmpdir(), "roundtable-safe-relayer-"));
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
  });

  after(async () => {
    await relayer?.close();
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  const byAddress = (a: Address, b: Address) => (BigInt(a) < BigInt(b) ? -1 : 1);

  /** Through the relayer first, then the delegate's own transaction: never the Safe's or an owner's. */
  const transports = (): Transport[] => [
    createRelayedTransport({
      url: relayer.url,
      publicClient: publicClient(),
      chainId: anvil.chain.id,
      address: contract,
      deliveryTimeout: 5_000,
      pollingInterval: 50,
    }),
    createDirectTransport({ publicClient: publicClient(), address: contract, payer: "delegate" }),
  ];

  /**
   * Creates a session of `config`, runs the Safe (owners approve its acceptance; one owner alone
   * is checked to be refused by the Safe first) and the members with delegates, and returns
   * their outcomes in `parties` order and the approvals the Safe's owners were asked for.
   */
  async function runSession(config: SessionConfig) {
    const { sessionId } = await createSession({
      publicClient: publicClient(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config,
    });
    const approvals: { digest: Hex; oneOwnerValid: boolean }[] = [];
    const runs = config.parties.map(async (party): Promise<PartyOutcome> => {
      const member = members.find((m) => m.account.address === party);
      if (member === undefined) {
        return runParty({
          publicClient: publicClient(),
          account: safe.address,
          address: contract,
          sessionId,
          store: await storeOf(party),
          transports: transports(),
          delegate: {
            signAcceptance: async (request) => {
              const one = await safe.approve(request.digest, safe.owners.slice(0, 1));
              approvals.push({
                digest: request.digest,
                oneOwnerValid: await publicClient().verifyHash({
                  address: safe.address,
                  hash: request.digest,
                  signature: one,
                }),
              });
              return safe.approve(request.digest, [safe.owners[0]!, safe.owners[2]!]);
            },
          },
          confirm: async () => true,
          pollingInterval: 50,
        });
      }
      return runParty({
        publicClient: publicClient(),
        walletClient: anvil.walletClient(member.index) as unknown as RoundtableWalletClient,
        address: contract,
        sessionId,
        store: await storeOf(party),
        transports: transports(),
        delegate: true,
        confirm: async () => true,
        pollingInterval: 50,
      });
    });
    return { sessionId, outcomes: await Promise.all(runs), approvals };
  }

  /**
   * The audit of a session, which must pass, and the Safe's rows in it: its acceptance's signer
   * and the signers of its later actions, as the auditor recovers them from the chain.
   */
  async function auditSafe(sessionId: bigint, parties: readonly Address[]) {
    const [audit] = await auditAll({
      rpcUrls: [anvil.rpcUrl],
      contract,
      selection: { kind: "ids", ids: [sessionId] },
    });
    if (audit === undefined) expect.fail(`session ${sessionId} not audited`);
    expect(failedChecks(audit), `session ${sessionId}`).to.deep.equal([]);
    const index = parties.indexOf(safe.address);
    const rowsOf = (id: "acceptance.signer" | "action.signer") =>
      (checkOf(audit, id).evidence as { actions: Row[] }).actions.filter((r) => r.party === index);
    return { audit, accepts: rowsOf("acceptance.signer"), rounds: rowsOf("action.signer") };
  }

  /** The Safe's account made one approval (its acceptance, ERC-1271) and its delegate the rest. */
  function expectOneApproval(safeRows: Awaited<ReturnType<typeof auditSafe>>) {
    expect(safeRows.accepts).to.have.length(1);
    expect(safeRows.accepts[0]).to.include({
      signer: safe.address,
      signedBy: "account",
      signature: "erc1271",
    });
    expect(safeRows.rounds.length).to.be.greaterThan(1);
    for (const row of safeRows.rounds) {
      expect(row.signedBy).to.equal("delegate");
      expect(row.signer).to.not.equal(safe.address);
    }
  }

  it("approves the acceptance once through ERC-1271, then its delegate runs the whole key generation", async () => {
    const parties = [safe.address, ...members.map((m) => m.account.address)].sort(byAddress);
    const { sessionId, outcomes, approvals } = await runSession(
      keygenConfig({ parties, threshold: 2 }),
    );
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
    expect(approvals).to.have.length(1);
    expect(approvals[0]?.oneOwnerValid, "one owner of 2-of-3 must not be enough").to.equal(false);
    expectOneApproval(await auditSafe(sessionId, parties));
    keySession = sessionId;
    keyParties = parties;
    groupKey = outcomes[0]?.status === "finalized" ? outcomes[0].result : undefined;
    // The owners never sent a transaction, nor did the Safe: their one act was the approval.
    for (const owner of safe.owners) {
      expect(await publicClient().getTransactionCount({ address: owner.address })).to.equal(0);
    }
    expect(await safe.onChain()).to.deep.equal({ nonce: 0n, signMsg: 0, approveHash: 0 });
  });

  it("signs a text with that key: one approval by the Safe, its delegate signs the rounds, and the signature verifies under the group key", async () => {
    if (keySession === undefined || groupKey === undefined) {
      expect.fail("needs the key generation above");
    }
    const text = "Roundtable treasury: pay invoice 2026-117, 12.5 ETH to the auditors";
    const signers = [safe.address, members[0]!.account.address].sort(byAddress);
    const config = signingConfig({
      keySession,
      signers,
      threshold: 2,
      preimage: { kind: "text", text },
    });
    const { sessionId, outcomes, approvals } = await runSession(config);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized"]);
    const done = outcomes.map((o) => (o.status === "finalized" ? o : expect.fail(o.status)));
    expect(done[0]!.groupPublicKey).to.equal(groupKey);
    const signature = done[0]!.signature as Hex;
    expect(done[1]!.signature).to.equal(signature);
    // The group signed the text's digest, and the signature is a valid BIP-340 one under the key.
    const digest = messageDigest({ kind: "text", text });
    expect(config.message).to.equal(digest);
    expect(
      schnorr.verify(hexToBytes(signature), hexToBytes(digest), hexToBytes(groupKey)),
    ).to.equal(true);
    const other = messageDigest({ kind: "text", text: `${text}0` });
    expect(schnorr.verify(hexToBytes(signature), hexToBytes(other), hexToBytes(groupKey))).to.equal(
      false,
    );

    // One approval per session: the owners were asked once here, once in the key generation.
    expect(approvals).to.have.length(1);
    expect(approvals[0]?.oneOwnerValid).to.equal(false);
    const safeRows = await auditSafe(sessionId, signers);
    expectOneApproval(safeRows);
    expect(checkOf(safeRows.audit, "signing.message-matches-preimage").status).to.equal("pass");
    // Both sessions, read back from the chain: the Safe's account signed one thing in each.
    // Both sessions, audited again from the chain now: each passes, and in each the Safe's
    // account made exactly one approval.
    for (const [id, parties] of [
      [keySession, keyParties],
      [sessionId, signers],
    ] as const) {
      expectOneApproval(await auditSafe(id, parties));
    }
    // The relayer carried the Safe's delegate-signed actions as ECDSA items (no trace of the
    // Safe's check) and refused none of them.
    const metrics = await (await fetch(`${relayer.url}/metrics`)).text();
    const relayed = (signer: string) =>
      Number(
        metrics
          .split("\n")
          .find((l) =>
            l.startsWith(`roundtable_relayer_wallet_party_actions_total{signer="${signer}"}`),
          )
          ?.split(" ")
          .at(-1) ?? 0,
      );
    expect(relayed("delegate")).to.be.greaterThan(0);
    expect(relayed("wallet")).to.equal(2); // the two acceptances
    expect(relayed("not-delegate")).to.equal(0);
    // Still no Safe transaction, no on-chain message or hash approval, no owner transaction.
    expect(await safe.onChain()).to.deep.equal({ nonce: 0n, signMsg: 0, approveHash: 0 });
    for (const owner of safe.owners) {
      expect(await publicClient().getTransactionCount({ address: owner.address })).to.equal(0);
    }
  });
});
