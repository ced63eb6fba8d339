// Signing what you see (issue 15): a signing session carries the preimage of its message; every
// signer's runner shows it before accepting and refuses a session whose message is not its digest,
// before anything is sent, and the auditor fails such a session. Real anvil, real runners.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, createWalletClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { PartyError } from "../../src/party/errors.js";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import type { AcceptanceSummary } from "../../src/party/types.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { messageDigest } from "../../src/sdk/messagePreimage.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import type { SessionConfig } from "../../src/sdk/types.js";
import { auditAll, checkOf } from "../auditor/helpers.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";

type Member = { address: Address; account: ReturnType<typeof mnemonicToAccount> };
const POLL_MS = 50;

describe("signing what you see: the preimage a signing session carries", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let contract: Address;
  let deploymentBlock: bigint;
  let members: Member[];
  let keySession: bigint;
  const stores: SecretStore[] = [];
  const directories: string[] = [];

  const run = (member: Member, sessionId: bigint, store: SecretStore, seen: AcceptanceSummary[]) =>
    runParty({
      publicClient: createPublicClient({
        chain: anvil.chain,
        transport: http(anvil.rpcUrl),
        pollingInterval: POLL_MS,
      }) as unknown as RoundtablePublicClient,
      walletClient: createWalletClient({
        chain: anvil.chain,
        transport: http(anvil.rpcUrl),
        account: member.account,
      }) as unknown as RoundtableWalletClient,
      address: contract,
      sessionId,
      store,
      pollingInterval: POLL_MS,
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

  async function audit(sessionId: bigint) {
    const [found] = await auditAll({
      rpcUrls: [anvil.rpcUrl],
      contract,
      selection: { kind: "ids", ids: [sessionId] },
    });
    return found!;
  }

  before(async () => {
    anvil = await startAnvil();
    const deployed = await deployRoundtableOnAnvil(anvil);
    contract = deployed.address;
    deploymentBlock = deployed.deploymentBlock;
    members = [2, 3, 4]
      .map((addressIndex) => {
        const account = mnemonicToAccount(developmentMnemonic, { addressIndex });
        return { address: account.address, account };
      })
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    for (const _ of members) {
      const directory = await mkdtemp(join(tmpdir(), "roundtable-preimage-"));
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
    keySession = await create(
      keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
    );
    const outcomes = await Promise.all(members.map((m, i) => run(m, keySession, stores[i]!, [])));
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
  });

  after(async () => {
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  const signers = () => members.slice(0, 2);
  const config = (text: string) =>
    signingConfig({
      keySession,
      signers: signers().map((m) => m.address),
      threshold: 2,
      preimage: { kind: "text", text },
    });

  it("every signer is shown the text before accepting, signs its digest, and the audit checks it", async () => {
    const text = "release v1.2.0";
    const sessionId = await create(config(text));
    const seen: AcceptanceSummary[][] = [[], []];
    const outcomes: PartyOutcome[] = await Promise.all(
      signers().map((m, i) => run(m, sessionId, stores[i]!, seen[i]!)),
    );
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.status).to.equal("finalized");
      expect(seen[i]![0]!.messageShown).to.deep.equal([`the text ${JSON.stringify(text)}`]);
      expect(seen[i]![0]!.message).to.equal(messageDigest({ kind: "text", text }));
    }
    const audited = await audit(sessionId);
    expect(checkOf(audited, "signing.message-matches-preimage").status).to.equal("pass");
    expect(audited.verdict).to.equal("pass");
  });

  it("a message that is not the digest of the text shown: no signer is asked, nothing is sent, the audit says so", async () => {
    const shown = config("release v1.2.0");
    const lying = {
      ...shown,
      message: messageDigest({ kind: "text", text: "pay mallory 100 ETH" }),
    };
    const sessionId = await create(lying);
    const seen: AcceptanceSummary[] = [];
    for (const [i, member] of signers().entries()) {
      let error: unknown;
      try {
        await run(member, sessionId, stores[i]!, seen);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(PartyError);
      expect((error as PartyError).code).to.equal("UNSUPPORTED");
      expect((error as PartyError).shortMessage).to.match(
        /is not the digest of the text it carries.*decline it/,
      );
    }
    expect(seen, "no signer was asked to accept").to.deep.equal([]);
    const events = await getSessionEvents({
      publicClient: anvil.publicClient as unknown as RoundtablePublicClient,
      address: contract,
      sessionId,
      fromBlock: deploymentBlock,
    });
    expect(events.map((e) => e.eventName)).to.not.include("PartyAccepted");
    // Nobody accepted: the record is sound, and the check says whose attempt it was.
    const audited = await audit(sessionId);
    const check = checkOf(audited, "signing.message-matches-preimage");
    expect(check.status).to.equal("pass");
    expect(check.summary).to.match(/initiator's configuration is misleading.*no signer accepted/);
  });
});
