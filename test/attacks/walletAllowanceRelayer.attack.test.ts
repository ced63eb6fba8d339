// Attacks on the relayer's side of the per-item wallet allowance (issue 12): the allowance it
// stores for a wallet item (twice what the traced check spent, and 10,000 more, at most 500,000),
// the store's migration from the schema without it, and what a wallet that earns a large
// allowance and then burns it costs the relayer, set against what it costs the attacker. The
// contract's side: walletAllowance.attack.test.ts. Real chain (anvil), real relayer, real files.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { expect } from "chai";
import {
  type Abi,
  type Address,
  createWalletClient,
  decodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  http,
  parseAbi,
  parseEventLogs,
} from "viem";
import { walletAllowance } from "../../src/relayer/batchGasLimit.js";
import type { Relayer } from "../../src/relayer/server.js";
import { openRelayerStore } from "../../src/relayer/store.js";
import { MAX_WALLET_GAS, unpackBatchItems } from "../../src/sdk/batchCall.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { actionDigest, relayerActionId } from "../../src/sdk/relayerActionId.js";
import type { SignedAction } from "../../src/sdk/types.js";
import {
  byAddress,
  encryptionKeyOf,
  encryptionSecretOf,
  type Party,
  testAccount,
} from "../helpers/accounts.js";
import { jsonRpc } from "../helpers/jsonRpc.js";
import { batchGas } from "../relayer/gamingWallets.js";
import {
  createAcceptSessions,
  deployWalletOnAnvil,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  relayerAccount,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "../relayer/helpers.js";

/** The `actions` table and its indexes as the relayer created them before wallet allowances (git 9ac76cc..HEAD). */
const previousSchema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  action INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  party INTEGER NOT NULL,
  round INTEGER NOT NULL,
  accused INTEGER NOT NULL,
  word TEXT NOT NULL,
  data TEXT NOT NULL,
  signature TEXT NOT NULL,
  gas INTEGER NOT NULL,
  status TEXT NOT NULL,
  batch_id INTEGER,
  reason TEXT,
  final INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_by_status ON actions (status, seq);
CREATE INDEX IF NOT EXISTS actions_by_batch ON actions (batch_id);
CREATE INDEX IF NOT EXISTS actions_by_slot ON actions (session_id, party, round, action);
`;

/** What the previous relayer stored as a wallet item's expected gas (its itemGas with 520,000). */
const previousItemGas = (action: SignedAction, wallet: boolean) =>
  60_000 +
  40 * ((action.data.length - 2) / 2 + (action.signature.length - 2) / 2) +
  (wallet ? 520_000 : 0);

const costlyWalletAbi = parseAbi(["function flip(bool refusing)"]);

/** Writes a database as the previous relayer would have left it: identity, and `queued` actions. */
function writePreviousDatabase(
  path: string,
  identity: { chainId: number; contract: Address; relayer: Address },
  queued: readonly { id: Hash; action: SignedAction; gas: number }[],
): void {
  const db = new DatabaseSync(path);
  db.exec(previousSchema);
  const meta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  meta.run("chainId", String(identity.chainId));
  meta.run("contract", identity.contract.toLowerCase());
  meta.run("relayer", identity.relayer);
  const insert = db.prepare(
    `INSERT INTO actions (id, action, session_id, party, round, accused, word, data, signature, gas, status, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
  );
  for (const { id, action, gas } of queued) {
    insert.run(
      id,
      action.action,
      action.sessionId.toString(),
      action.party,
      action.round,
      action.accused,
      action.word,
      action.data,
      action.signature,
      gas,
      Date.now(),
    );
  }
  db.close();
}

function idOf(chain: RelayerChain, action: SignedAction): Hash {
  return relayerActionId({
    digest: actionDigest({ chainId: chain.chainId, contract: chain.contract, action }),
    party: action.party,
  });
}

async function finalState(url: string, id: string) {
  return waitFor(`final state of ${id}`, async () => {
    const s = await getAction(url, id);
    return s.final === true ? s : undefined;
  });
}

describe("attack: the relayer's per-item wallet allowance (issue 12)", function () {
  this.timeout(180_000);
  let chain: RelayerChain;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    chain = await startRelayerChain({ stepsTracing: true });
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await chain?.stop();
  });

  async function freshDir() {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    return dir.path;
  }

  async function startRelayer(dir: string): Promise<Relayer> {
    // One batch in flight: on automine, "the next batch" is "the next block".
    const relayer = await startTestRelayer(chain, dir, { maxInFlight: 1 });
    cleanups.push(() => relayer.close());
    return relayer;
  }

  describe("a database written by the schema without allowances", () => {
    it("opens it, reads its actions with no allowance, stores new ones with theirs, and opens it again", async () => {
      const path = join(await freshDir(), "relayer.sqlite");
      const wallet = await deployWalletOnAnvil(chain, "allowanceRelayer/migrated", 0n);
      const [session] = await createAcceptSessions({
        chain,
        parties: [wallet, ...eoaParties("allowanceRelayer/migrated peers", 2)].sort(byAddress),
        count: 1,
      });
      const w = session!.parties.indexOf(wallet);
      const old = session!.accepts.filter((_, i) => i !== w);
      const identity = {
        chainId: chain.chainId,
        contract: chain.contract,
        relayer: relayerAccount.address,
      };
      writePreviousDatabase(
        path,
        identity,
        old.map((action) => ({
          id: idOf(chain, action),
          action,
          gas: previousItemGas(action, false),
        })),
      );

      const store = openRelayerStore({ path, ...identity });
      const read = old.map((action) => store.getAction(idOf(chain, action)));
      expect(read.map((a) => [a?.status, a?.walletGas, a?.action.sessionId])).to.deep.equal(
        old.map((a) => ["queued", undefined, a.sessionId]),
      );
      const fresh = session!.accepts[w]!;
      const [outcome] = store.insertActions([
        {
          id: idOf(chain, fresh),
          action: fresh,
          gas: 100_000,
          walletGas: 26_000,
          receivedAt: Date.now(),
        },
      ]);
      expect(outcome!.ok).to.equal(true);
      // A second, different action for a slot an old row holds is still refused (threat R10).
      const [again] = store.insertActions([
        {
          id: `0x${"ee".repeat(32)}`,
          action: { ...old[0]!, signature: `0x${"11".repeat(65)}` },
          gas: 1,
          receivedAt: Date.now(),
        },
      ]);
      expect(again!.ok).to.equal(false);
      store.close();

      const reopened = openRelayerStore({ path, ...identity });
      expect(reopened.getAction(idOf(chain, fresh))?.walletGas).to.equal(26_000);
      expect(reopened.queuedActions(10).map((a) => a.id)).to.deep.equal(
        [...old, fresh].map((a) => idOf(chain, a)),
      );
      reopened.close();
    });

    it("a wallet item the previous relayer queued is sent after the upgrade with the most (ERC1271_GAS) and lands", async () => {
      const dir = await freshDir();
      // A check of 300,000 gas: any allowance short of the most would fail it.
      const wallet = await deployWalletOnAnvil(chain, "allowanceRelayer/queued", 300_000n);
      const [session] = await createAcceptSessions({
        chain,
        parties: [wallet, ...eoaParties("allowanceRelayer/queued peers", 2)].sort(byAddress),
        count: 1,
      });
      const w = session!.parties.indexOf(wallet);
      const action = session!.accepts[w]!;
      const id = idOf(chain, action);
      writePreviousDatabase(
        join(dir, "relayer.sqlite"),
        { chainId: chain.chainId, contract: chain.contract, relayer: relayerAccount.address },
        [{ id, action, gas: previousItemGas(action, true) }],
      );
      const relayer = await startRelayer(dir);
      const state = await finalState(relayer.url, id);
      expect(state.status, JSON.stringify(state)).to.equal("included");
      const tx = await chain.publicClient.getTransaction({ hash: state.transactionHash as Hash });
      const [item] = unpackBatchItems(
        (decodeFunctionData({ abi: roundtableAbi, data: tx.input }).args as readonly [Hex])[0],
      );
      expect(item!.walletGas ?? MAX_WALLET_GAS).to.equal(MAX_WALLET_GAS);
    });
  });

  describe("a wallet whose honest check is expensive, flipped after its trace", () => {
    async function deployCostlyWallet(label: string, verificationGas: bigint) {
      const artifact = JSON.parse(
        await readFile(
          "artifacts/contracts/mocks/CostlyFlippingWallet.sol/CostlyFlippingWallet.json",
          "utf8",
        ),
      ) as { abi: Abi; bytecode: Hex };
      const owner = testAccount(`${label}/owner`);
      await jsonRpc(chain.anvil.rpcUrl, "anvil_setBalance", [owner.address, "0x56bc75e2d63100000"]);
      const client = createWalletClient({
        chain: chain.anvil.chain,
        transport: http(chain.anvil.rpcUrl),
        account: owner,
      });
      const hash = await client.deployContract({
        abi: artifact.abi,
        bytecode: artifact.bytecode,
        args: [owner.address, verificationGas],
      });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      const party: Party = {
        address: getAddress(receipt.contractAddress!),
        signer: owner,
        encryptionSecret: encryptionSecretOf(label),
        encryptionKey: encryptionKeyOf(label),
      };
      return { party, client, deployGas: receipt.gasUsed };
    }

    it("costs the relayer the allowance its trace earned (all 500,000 here), once, and the EOA items land in the next batch (figures: relayer wasted against attacker spent)", async () => {
      const relayer = await startRelayer(await freshDir());
      const {
        party: wallet,
        client,
        deployGas,
      } = await deployCostlyWallet("allowanceRelayer/costly", 250_000n);
      const [session] = await createAcceptSessions({
        chain,
        parties: [wallet, ...eoaParties("allowanceRelayer/costly peers", 2)].sort(byAddress),
        count: 1,
      });
      const w = session!.parties.indexOf(wallet);
      const fromBlock = await chain.publicClient.getBlockNumber({ cacheTime: 0 });

      await jsonRpc(chain.anvil.rpcUrl, "evm_setAutomine", [false]);
      let flipGas: bigint;
      const eoaIds: string[] = [];
      let walletId: string;
      try {
        const posted = await postAction(relayer.url, session!.accepts[w]!);
        expect(posted.status, JSON.stringify(posted.body)).to.equal(202);
        walletId = String(posted.body.id);
        await waitFor("the wallet's batch sent", async () =>
          (await getAction(relayer.url, walletId)).status === "sent" ? true : undefined,
        );
        // The flip outbids the relayer's batch for the same block.
        const flipHash = await client.writeContract({
          address: wallet.address,
          abi: costlyWalletAbi,
          functionName: "flip",
          args: [true],
          maxPriorityFeePerGas: 10n ** 11n,
          maxFeePerGas: 4n * 10n ** 11n,
        });
        for (const [i, action] of session!.accepts.entries()) {
          if (i === w) continue;
          const { status, body } = await postAction(relayer.url, action);
          expect(status, JSON.stringify(body)).to.equal(202);
          eoaIds.push(String(body.id));
        }
        await jsonRpc(chain.anvil.rpcUrl, "evm_mine", []);
        flipGas = (await chain.publicClient.getTransactionReceipt({ hash: flipHash })).gasUsed;
      } finally {
        await jsonRpc(chain.anvil.rpcUrl, "evm_setAutomine", [true]);
      }

      const walletState = await finalState(relayer.url, walletId);
      const eoaStates = await Promise.all(eoaIds.map((id) => finalState(relayer.url, id)));
      const error = (
        walletState.reason as { contractError: { name: string; args: { allowance: string } } }
      ).contractError;
      expect(error.name).to.equal("RoundtableWalletAllowanceSpent");
      const allowance = BigInt(error.args.allowance);
      // The traced check spent about 250,000: twice that and 10,000 is more than the most.
      expect(allowance).to.equal(BigInt(walletAllowance(250_000)));
      expect(eoaStates.map((s) => s.status)).to.deep.equal(eoaIds.map(() => "included"));
      expect(
        eoaStates.every((s) => Number(s.blockNumber) === Number(walletState.blockNumber) + 1),
      ).to.equal(true);

      const gas = await batchGas({ chain, relayer: relayerAccount.address, fromBlock });
      const attacker = deployGas + flipGas;
      console.log(
        `      relayer: ${gas.total} gas in ${gas.batches} batches, ${gas.wasted} on the flipped wallet's item (allowance ${allowance}); attacker: ${attacker} (deploy ${deployGas}, flip ${flipGas}); wasted / attacker ${(Number(gas.wasted) / Number(attacker)).toFixed(2)}`,
      );
      expect(gas.failedItems).to.equal(1);
      expect(gas.wasted < allowance + 100_000n, `wasted ${gas.wasted}`).to.equal(true);
      // All of the allowance was burnt, and the item's own checks on top.
      expect(gas.wasted > allowance, `wasted ${gas.wasted}`).to.equal(true);
    });

    it("ten cheap clones of such a wallet, flipped by one shared code switch, cost the relayer no more than its hourly budget for unproven wallets", async () => {
      // A budget of two full allowances: the third clone on is told to wait (429).
      const budget = 1_000_000;
      const relayer = await startTestRelayer(chain, await freshDir(), {
        maxInFlight: 1,
        unprovenWalletGasPerHour: budget,
      });
      cleanups.push(() => relayer.close());
      const artifact = JSON.parse(
        await readFile(
          "artifacts/contracts/mocks/SwitchedCostlyWallets.sol/SwitchedCostlyWalletFactory.json",
          "utf8",
        ),
      ) as { abi: Abi; bytecode: Hex };
      const attacker = testAccount("allowanceRelayer/clones attacker");
      await jsonRpc(chain.anvil.rpcUrl, "anvil_setBalance", [
        attacker.address,
        "0x56bc75e2d63100000",
      ]);
      const client = createWalletClient({
        chain: chain.anvil.chain,
        transport: http(chain.anvil.rpcUrl),
        account: attacker,
      });
      const spent: bigint[] = [];
      const mine = async (hash: Hash) => {
        const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
        expect(receipt.status).to.equal("success");
        spent.push(receipt.gasUsed);
        return receipt;
      };
      const deployed = await mine(
        await client.deployContract({
          abi: artifact.abi,
          bytecode: artifact.bytecode,
          args: [250_000n],
        }),
      );
      const factory = getAddress(deployed.contractAddress!);
      const wallets: Party[] = [];
      for (let i = 0; i < 10; i++) {
        const label = `allowanceRelayer/clone ${i}`;
        const owner = testAccount(`${label}/owner`);
        const receipt = await mine(
          await client.writeContract({
            address: factory,
            abi: artifact.abi,
            functionName: "make",
            args: [owner.address],
          }),
        );
        const [made] = parseEventLogs({
          abi: artifact.abi,
          logs: receipt.logs,
          eventName: "WalletMade",
        });
        wallets.push({
          address: getAddress((made as unknown as { args: { wallet: Address } }).args.wallet),
          signer: owner,
          encryptionSecret: encryptionSecretOf(label),
          encryptionKey: encryptionKeyOf(label),
        });
      }
      const sessions = [];
      for (const [i, wallet] of wallets.entries()) {
        const [session] = await createAcceptSessions({
          chain,
          parties: [wallet, ...eoaParties(`allowanceRelayer/clone peers ${i}`, 2)].sort(byAddress),
          count: 1,
        });
        sessions.push({ session: session!, w: session!.parties.indexOf(wallet) });
      }
      const fromBlock = await chain.publicClient.getBlockNumber({ cacheTime: 0 });

      await jsonRpc(chain.anvil.rpcUrl, "evm_setAutomine", [false]);
      const walletIds: string[] = [];
      const eoaIds: string[] = [];
      const refused: { status: number; code: string; retryAfter: string | null }[] = [];
      let flipHash: Hash;
      try {
        for (const { session, w } of sessions) {
          const posted = await postAction(relayer.url, session.accepts[w]!);
          if (posted.status === 202) walletIds.push(String(posted.body.id));
          else {
            refused.push({
              status: posted.status,
              code: (posted.body.error as { code: string }).code,
              retryAfter: posted.headers.get("retry-after"),
            });
          }
        }
        expect(walletIds).to.have.length(2);
        expect(refused.map((r) => [r.status, r.code])).to.deep.equal(
          refused.map(() => [429, "unproven_wallet_budget"]),
        );
        expect(refused).to.have.length(8);
        // Told how long until the budget holds another allowance, not refused for good.
        for (const r of refused) expect(Number(r.retryAfter)).to.be.greaterThan(0);
        await waitFor("a wallet batch sent", async () =>
          (await getAction(relayer.url, walletIds[0]!)).status === "sent" ? true : undefined,
        );
        // One transaction flips them all, outbidding the relayer's batch for the same block.
        flipHash = await client.writeContract({
          address: factory,
          abi: artifact.abi,
          functionName: "flipAll",
          maxPriorityFeePerGas: 10n ** 11n,
          maxFeePerGas: 4n * 10n ** 11n,
        });
        for (const { session, w } of sessions) {
          for (const [i, action] of session.accepts.entries()) {
            if (i === w) continue;
            const { status, body } = await postAction(relayer.url, action);
            expect(status, JSON.stringify(body)).to.equal(202);
            eoaIds.push(String(body.id));
          }
        }
        await jsonRpc(chain.anvil.rpcUrl, "evm_mine", []);
      } finally {
        await jsonRpc(chain.anvil.rpcUrl, "evm_setAutomine", [true]);
      }
      await mine(flipHash);
      const walletStates = await Promise.all(walletIds.map((id) => finalState(relayer.url, id)));
      const eoaStates = await Promise.all(eoaIds.map((id) => finalState(relayer.url, id)));
      expect(eoaStates.map((s) => s.status)).to.deep.equal(eoaIds.map(() => "included"));
      // The honest items, posted while the first wallet batch was in flight, went in the next one.
      const firstWalletBlock = Math.min(...walletStates.map((s) => Number(s.blockNumber)));
      expect(eoaStates.every((s) => Number(s.blockNumber) === firstWalletBlock + 1)).to.equal(true);
      const gas = await batchGas({ chain, relayer: relayerAccount.address, fromBlock });
      const attack = spent.reduce((a, b) => a + b, 0n);
      const reasons = walletStates.map(
        (s) =>
          (s.reason as { contractError?: { name: string }; code?: string }).contractError?.name ??
          (s.reason as { code?: string }).code,
      );
      console.log(
        `      wallet items: ${reasons.join(", ")}\n      relayer: ${gas.total} gas in ${gas.batches} batches, ${gas.wasted} on ${gas.failedItems} items that did not land (${((100 * Number(gas.wasted)) / Number(gas.total)).toFixed(1)} %); attacker: ${attack} gas in all (factory ${spent[0]}, ten clones ${spent.slice(1, 11).reduce((a, b) => a + b, 0n)}, one flip ${spent[11]}); wasted / attacker ${(Number(gas.wasted) / Number(attack)).toFixed(2)}`,
      );
      // Threat R9: however many wallets the attacker makes, the relayer loses at most its budget
      // an hour (and each item's own checks and bytes, under 40,000 each).
      expect(gas.failedItems).to.equal(2);
      expect(
        gas.wasted <= BigInt(budget) + 2n * 40_000n,
        `relayer wasted ${gas.wasted}, budget ${budget}`,
      ).to.equal(true);
    });
  });
});
