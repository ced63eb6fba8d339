// The typed-data findings of signWhatYouSee.attack.test.ts end to end: real runners on anvil, a
// dishonest initiator that writes a signing session's params itself. The defence asserted: a
// signer is never asked to accept lines the digest does not commit to, and the audit fails the
// session. (Findings F2 and F3 of the first attack, where both signers were shown a message that
// was not hashed, accepted, and the group signed; typed data is now declined until it can be shown
// exactly as hashed.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  type Address,
  bytesToHex,
  concatBytes,
  createPublicClient,
  createWalletClient,
  type Hex,
  hashTypedData,
  http,
  type TypedDataDefinition,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import type { AcceptanceSummary } from "../../src/party/types.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import type { SessionConfig } from "../../src/sdk/types.js";
import { auditAll, checkOf } from "../auditor/helpers.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";

describe("attacks: signing what you see, with real runners", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let contract: Address;
  type Member = { address: Address; account: ReturnType<typeof mnemonicToAccount> };
  let members: Member[];
  const stores: SecretStore[] = [];
  const directories: string[] = [];

  const run = (member: Member, sessionId: bigint, store: SecretStore, seen: AcceptanceSummary[]) =>
    runParty({
      publicClient: createPublicClient({
        chain: anvil.chain,
        transport: http(anvil.rpcUrl),
        pollingInterval: 50,
      }) as unknown as RoundtablePublicClient,
      walletClient: createWalletClient({
        chain: anvil.chain,
        transport: http(anvil.rpcUrl),
        account: member.account,
      }) as unknown as RoundtableWalletClient,
      address: contract,
      sessionId,
      store,
      pollingInterval: 50,
      confirm: async (summary) => {
        seen.push(summary);
        return true;
      },
    });

  async function create(config: SessionConfig): Promise<bigint> {
    const { sessionId } = await createSession({
      publicClient: anvil.publicClient as unknown as RoundtablePublicClient,
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config,
    });
    return sessionId;
  }

  before(async () => {
    anvil = await startAnvil();
    contract = (await deployRoundtableOnAnvil(anvil)).address;
    members = [2, 3, 4]
      .map((addressIndex) => {
        const account = mnemonicToAccount(developmentMnemonic, { addressIndex });
        return { address: account.address, account };
      })
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    for (const _ of members) {
      const directory = await mkdtemp(join(tmpdir(), "roundtable-attack-runners-"));
      directories.push(directory);
      stores.push(
        await openFileSecretStore({
          directory,
          password: "test",
          scryptN: 2 ** 10,
          allowWeakKdf: true,
        }),
      );
    }
  });

  after(async () => {
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it("F2/F3: signers are shown message fields the digest does not commit to, accept, and sign", async () => {
    const keySession = await create(
      keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
    );
    const keys = await Promise.all(members.map((m, i) => run(m, keySession, stores[i]!, [])));
    expect(keys.map((k) => k.status)).to.deep.equal(["finalized", "finalized", "finalized"]);

    // primaryType EIP712Domain: the digest is the domain's alone; the message shown is decoration.
    const typedData = {
      domain: { name: "Treasury", version: "1", chainId: 31337 },
      types: {
        EIP712Domain: [
          { name: "name", type: "string" },
          { name: "version", type: "string" },
          { name: "chainId", type: "uint256" },
        ],
      },
      primaryType: "EIP712Domain",
      message: { action: "release v1.2.0", payments: "none" },
    };
    const message = hashTypedData(typedData as unknown as TypedDataDefinition);
    const params = bytesToHex(
      concatBytes([
        new Uint8Array([0x52, 0x54, 0x4d, 0x01, 0x02]),
        new TextEncoder().encode(JSON.stringify(typedData)),
      ]),
    ) as Hex;
    const signers = members.slice(0, 2);
    const base = signingConfig({
      keySession,
      signers: signers.map((m) => m.address),
      threshold: 2,
      message,
    });
    const sessionId = await create({ ...base, params });
    const seen: AcceptanceSummary[][] = [[], []];
    const outcomes = await Promise.all(
      signers.map((m, i) => run(m, sessionId, stores[i]!, seen[i]!).catch((e: unknown) => e)),
    );
    const shown = seen.flat().flatMap((s) => s.messageShown ?? []);
    const statuses = outcomes.map((o) =>
      o instanceof Error ? o.message : (o as { status: string }).status,
    );
    // The defence: no signer is shown the unhashed fields (declined, or shown only what is
    // hashed), and the audit names the initiator's misleading configuration, which nobody accepted.
    expect(shown.join("\n"), `signers were shown (outcomes: ${statuses.join(", ")})`).to.not.match(
      /release v1\.2\.0|payments/,
    );
    if (shown.length === 0) {
      const [audited] = await auditAll({
        rpcUrls: [anvil.rpcUrl],
        contract,
        selection: { kind: "ids", ids: [sessionId] },
      });
      const check = checkOf(audited!, "signing.message-matches-preimage");
      expect(check.summary).to.match(/misleading.*no signer accepted/);
      expect(audited!.outcome.status).to.not.equal("finalized");
    }
  });
});
