// The auditor and session delegates (D1–D4), on a real anvil chain: a key generation whose parties
// all run with delegates audits clean, each action showing who signed it (account or delegate) in
// the checks and the reports; and an action signed by neither the party nor the delegate its
// acceptance names is flagged, which a provider serving another delegate in a PartyAccepted log
// produces (the contract itself never records one).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, encodeEventTopics, getAddress, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { sessionJson } from "../../src/auditor/report/json.js";
import { textSession } from "../../src/auditor/report/text.js";
import type { SessionAudit } from "../../src/auditor/types.js";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { runParty } from "../../src/party/runParty.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";
import { auditAll, checkOf, failedChecks, type RpcCall, startRpcProxy } from "./helpers.js";

const [partyAccepted] = encodeEventTopics({ abi: roundtableAbi, eventName: "PartyAccepted" });

type RawLog = { topics: Hex[]; data: Hex };
type Row = { party: number; kind: string; signer: Address | null; signedBy: string | null };

describe("Auditor › session delegates (D1–D4)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let contract: Address;
  let sessionId: bigint;
  let parties: Address[];
  const directories: string[] = [];

  before(async () => {
    anvil = await startAnvil();
    ({ address: contract } = await deployRoundtableOnAnvil(anvil));
    const publicClient = anvil.publicClient as unknown as RoundtablePublicClient;
    const members = [5, 6, 7]
      .map((index) => ({
        account: mnemonicToAccount(developmentMnemonic, { addressIndex: index }),
        walletClient: anvil.walletClient(index) as unknown as RoundtableWalletClient,
      }))
      .sort((a, b) => (BigInt(a.account.address) < BigInt(b.account.address) ? -1 : 1));
    parties = members.map((m) => m.account.address);
    ({ sessionId } = await createSession({
      publicClient,
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config: keygenConfig({ parties, threshold: 2 }),
    }));
    // Default transports: the delegates have no gas, so each account's wallet sends the
    // delegate-signed actions with applySigned (the account signs its acceptance only).
    const outcomes = await Promise.all(
      members.map(async (m) => {
        const directory = await mkdtemp(join(tmpdir(), "roundtable-audit-delegates-"));
        directories.push(directory);
        return runParty({
          publicClient,
          walletClient: m.walletClient,
          address: contract,
          sessionId,
          store: await openFileSecretStore({
            directory,
            password: "test",
            scryptN: 2 ** 10,
            allowWeakKdf: true,
          }),
          delegate: true,
          confirm: async () => true,
          pollingInterval: 50,
        });
      }),
    );
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
  });

  after(async () => {
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function audit(rpcUrl: string): Promise<SessionAudit> {
    const [only] = await auditAll({
      rpcUrls: [rpcUrl],
      contract,
      selection: { kind: "ids", ids: [sessionId] },
    });
    if (only === undefined) throw new Error("nothing audited");
    return only;
  }

  const rowsOf = (result: SessionAudit, id: "acceptance.signer" | "action.signer") =>
    (checkOf(result, id).evidence as { actions: Row[] }).actions;

  it("passes, showing the account behind each acceptance and the delegate behind every later action", async () => {
    const result = await audit(anvil.rpcUrl);
    expect(failedChecks(result)).to.deep.equal([]);
    expect(checkOf(result, "action.signer").summary).to.match(
      /by the delegates their acceptances named/,
    );
    const accepts = rowsOf(result, "acceptance.signer").sort((a, b) => a.party - b.party);
    expect(accepts.map((r) => r.signedBy)).to.deep.equal(["account", "account", "account"]);
    expect(accepts.map((r) => r.signer)).to.deep.equal(parties);
    const rounds = rowsOf(result, "action.signer");
    expect(rounds.length).to.be.greaterThan(3);
    expect(new Set(rounds.map((r) => r.signedBy))).to.deep.equal(new Set(["delegate"]));
    for (const row of rounds) expect(parties).to.not.include(row.signer);

    // The reports name each party's delegate and who signed each action.
    const json = sessionJson(result) as {
      parties: { delegate: Address | null }[];
      timeline: { event: string; signedBy: string | null; signer: Address | null }[];
    };
    const delegates = json.parties.map((p) => p.delegate);
    expect(delegates.every((d) => d !== null)).to.equal(true);
    for (const entry of json.timeline.filter((e) => e.event === "PayloadSubmitted")) {
      expect(entry.signedBy).to.equal("delegate");
      expect(delegates).to.include(entry.signer);
    }
    const text = textSession(result).join("\n");
    expect(text).to.include(`delegate ${delegates[0]}`);
    expect(text).to.match(/signer 0x[0-9a-fA-F]{40} \(delegate\)/);
  });

  it("flags every action signed by neither the party nor the delegate its acceptance names (D4)", async () => {
    // Party 0's acceptance, as served, names party 1's delegate instead of its own (D1's shape).
    const honest = await audit(anvil.rpcUrl);
    const named = (sessionJson(honest) as { parties: { delegate: Address }[] }).parties.map(
      (p) => p.delegate,
    );
    const liar = await startRpcProxy({
      target: anvil.rpcUrl,
      rewrite: (call: RpcCall, result: unknown) => {
        if (call.method !== "eth_getLogs" || !Array.isArray(result)) return undefined;
        return (result as RawLog[]).map((log) => {
          // Data words: index, offset of the key, delegate, key length, key.
          if (log.topics[0] !== partyAccepted || BigInt(log.data.slice(0, 66)) !== 0n) return log;
          const word = `${"0".repeat(24)}${named[1]!.slice(2).toLowerCase()}`;
          return { ...log, data: `${log.data.slice(0, 2 + 128)}${word}${log.data.slice(2 + 192)}` };
        });
      },
    });
    try {
      const result = await audit(liar.url);
      expect(failedChecks(result)).to.include("action.signer");
      const check = checkOf(result, "action.signer");
      expect(check.summary).to.include(`nor by the delegate ${getAddress(named[1]!)}`);
      const flagged = rowsOf(result, "action.signer").filter((r) => r.signedBy === null);
      expect(flagged.length).to.be.greaterThan(0);
      expect(new Set(flagged.map((r) => r.party))).to.deep.equal(new Set([0]));
      // The other parties' actions still show their delegates.
      const others = rowsOf(result, "action.signer").filter((r) => r.party !== 0);
      expect(new Set(others.map((r) => r.signedBy))).to.deep.equal(new Set(["delegate"]));
    } finally {
      await liar.stop();
    }
  });
});
