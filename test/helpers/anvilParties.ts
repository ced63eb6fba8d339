// Three parties on a real anvil node with Roundtable deployed, each with its own encrypted store,
// run in-process through runParty: the fixture of tests that need whole sessions and nothing else.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, createPublicClient, createWalletClient, http } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import type { AcceptanceSummary } from "../../src/party/types.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import type { SessionConfig } from "../../src/sdk/types.js";
import { type Anvil, deployRoundtableOnAnvil, developmentMnemonic, startAnvil } from "./anvil.js";

export type AnvilMember = { address: Address; account: HDAccount };

export type AnvilParties = {
  anvil: Anvil;
  contract: Address;
  deploymentBlock: bigint;
  /** Sorted by address, as the contract orders parties. */
  members: AnvilMember[];
  /** One store per member, in the same order. */
  stores: SecretStore[];
  /** Runs `member` to the session's end, accepting and recording each summary it is shown. */
  run(
    member: AnvilMember,
    sessionId: bigint,
    store: SecretStore,
    seen?: AcceptanceSummary[],
  ): Promise<PartyOutcome>;
  /** Creates a session from the development account 1 (not a party). */
  create(config: SessionConfig): Promise<bigint>;
  stop(): Promise<void>;
};

const POLL_MS = 50;

/** Starts anvil, deploys Roundtable and opens three members' stores (`label` names their dirs). */
export async function startAnvilParties(label: string): Promise<AnvilParties> {
  const anvil = await startAnvil();
  const deployed = await deployRoundtableOnAnvil(anvil);
  const contract = deployed.address;
  const members = [2, 3, 4]
    .map((addressIndex) => {
      const account = mnemonicToAccount(developmentMnemonic, { addressIndex });
      return { address: account.address, account };
    })
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const directories: string[] = [];
  const stores: SecretStore[] = [];
  for (const _ of members) {
    const directory = await mkdtemp(join(tmpdir(), `roundtable-${label}-`));
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
  return {
    anvil,
    contract,
    deploymentBlock: deployed.deploymentBlock,
    members,
    stores,
    run: (member, sessionId, store, seen = []) =>
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
      }),
    async create(config) {
      const { sessionId } = await createSession({
        publicClient: anvil.publicClient as unknown as RoundtablePublicClient,
        walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
        address: contract,
        config,
      });
      return sessionId;
    },
    async stop() {
      await anvil.stop();
      for (const directory of directories) await rm(directory, { recursive: true, force: true });
    },
  };
}
