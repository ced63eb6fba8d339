// A contract-wallet party that runs with a session delegate (threats R9, D1–D4): only its
// acceptance is the wallet's own ERC-1271 signature; every later action is its delegate's ECDSA
// signature, which the contract checks without calling the wallet. The relayer treats those as
// ordinary items: no trace of the wallet's check, no wallet allowance in the batch's gas, batched
// with EOA parties' items. An action for such a party signed by anyone but the delegate the chain
// records is refused before the relayer simulates or traces anything.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { after, before, describe, it } from "mocha";
import {
  type Address,
  decodeFunctionData,
  type Hash,
  type Hex,
  keccak256,
  stringToHex,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { createRelayedTransport } from "../../src/party/relayedTransport.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type { RoundtableWalletClient } from "../../src/sdk/actions/internal.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { signAction } from "../../src/sdk/signAction.js";
import { ActionType, type SignedAction, type UnsignedAction } from "../../src/sdk/types.js";
import { byAddress, keyProofOf } from "../helpers/accounts.js";
import { type ForgingRpc, startForgingRpc } from "../helpers/forgingRpc.js";
import {
  createAcceptSessions,
  deployWalletOnAnvil,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

/** What the contract gives a wallet's ERC-1271 check in a batch (the batcher adds it per wallet item). */
const WALLET_ALLOWANCE = 520_000n;
const applySignedSelector = toFunctionSelector(
  roundtableAbi.find((item) => item.type === "function" && item.name === "applySigned")!,
);

/** The action an `applySigned` call carries, or undefined for any other call. */
function appliedAction(call: { params: unknown[] }): SignedAction | undefined {
  const data = (call.params[0] as { data?: Hex; input?: Hex } | undefined)?.data;
  if (data === undefined || !data.startsWith(applySignedSelector)) return undefined;
  const decoded = decodeFunctionData({ abi: roundtableAbi, data });
  return (decoded.args as readonly [SignedAction])[0];
}

describe("relayer › a contract-wallet party's delegate-signed items", function () {
  this.timeout(180_000);
  let chain: RelayerChain;
  let rpc: ForgingRpc;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let relayerUrl: string;
  let closeRelayer: () => Promise<void>;
  const directories: string[] = [];

  before(async () => {
    chain = await startRelayerChain();
    // The relayer reads the chain through a proxy that counts its calls (debug_traceCall among them).
    rpc = await startForgingRpc({ target: chain.anvil.rpcUrl });
    dir = await tempDir();
    // Batches close 400 ms after their oldest item, so that one round's items go together.
    const relayer = await startTestRelayer(chain, dir.path, {
      rpcUrl: rpc.url,
      maxBatchAgeMs: 400,
    });
    relayerUrl = relayer.url;
    closeRelayer = () => relayer.close();
  });
  after(async () => {
    await closeRelayer?.();
    await rpc?.stop();
    await chain?.stop();
    await dir?.remove();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function newStore() {
    const directory = await mkdtemp(join(tmpdir(), "roundtable-delegate-items-"));
    directories.push(directory);
    return openFileSecretStore({
      directory,
      password: "test",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
  }

  /** The relayer's traces of the wallet's check, by the kind of action traced. */
  function traces(): { accept: number; later: number } {
    const counts = { accept: 0, later: 0 };
    for (const call of rpc.calls) {
      if (call.method !== "debug_traceCall") continue;
      const action = appliedAction(call);
      if (action === undefined) continue;
      if (action.action === ActionType.Accept) counts.accept++;
      else counts.later++;
    }
    return counts;
  }

  async function metric(signer: string): Promise<number> {
    const text = await (await fetch(`${relayerUrl}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) =>
        l.startsWith(`roundtable_relayer_wallet_party_actions_total{signer="${signer}"}`),
      );
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  }

  it("relays them untraced, in batches with EOA items and no wallet allowance, and the key generation finishes", async () => {
    const wallet = await deployWalletOnAnvil(chain, "delegate items/wallet", 300_000n);
    const members = [4, 5].map((index) => ({
      address: chain.anvil.walletClient(index).account.address,
      walletClient: chain.anvil.walletClient(index) as unknown as RoundtableWalletClient,
    }));
    const parties = [wallet.address, ...members.map((m) => m.address)].sort((a, b) =>
      BigInt(a) < BigInt(b) ? -1 : 1,
    );
    const walletIndex = parties.indexOf(wallet.address);
    const { sessionId } = await createSession({
      publicClient: chain.publicClient,
      walletClient: chain.anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: chain.contract,
      config: keygenConfig({ parties, threshold: 2 }),
    });
    // Through the relayer only: a refusal there would stop the run, not fall back to a transaction.
    const relayed = (account?: LocalAccount) => [
      createRelayedTransport({
        url: relayerUrl,
        account,
        publicClient: chain.publicClient,
        chainId: chain.chainId,
        address: chain.contract,
        deliveryTimeout: 10_000,
        pollingInterval: 50,
      }),
    ];
    const tracesBefore = traces();
    const outcomes: PartyOutcome[] = await Promise.all([
      runParty({
        publicClient: chain.publicClient,
        account: wallet.address,
        address: chain.contract,
        sessionId,
        store: await newStore(),
        transports: relayed(),
        // The wallet's owner approves the acceptance (ERC-1271); the delegate signs the rest.
        delegate: {
          signAcceptance: async (request) => wallet.signer.sign({ hash: request.digest }),
        },
        confirm: async () => true,
        pollingInterval: 50,
      }),
      // EOA parties without delegates: their items are the EOA items the wallet's go with.
      ...members.map(async (m) =>
        runParty({
          publicClient: chain.publicClient,
          walletClient: m.walletClient,
          address: chain.contract,
          sessionId,
          store: await newStore(),
          transports: relayed(m.walletClient.account as LocalAccount),
          confirm: async () => true,
          pollingInterval: 50,
        }),
      ),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);

    // The wallet's own acceptance was traced; none of its delegate's actions were.
    const tracesAfter = traces();
    expect(tracesAfter.accept - tracesBefore.accept).to.equal(2); // opcodes and callTracer
    expect(tracesAfter.later - tracesBefore.later).to.equal(0);

    // Every action of the session, grouped by the batch transaction that carried it.
    const eventsOf = (eventName: "PayloadSubmitted" | "CommitmentSubmitted") =>
      chain.publicClient.getContractEvents({
        address: chain.contract,
        abi: roundtableAbi,
        eventName,
        args: { sessionId },
        fromBlock: 0n,
        toBlock: "latest",
      });
    const logs = [
      ...(await eventsOf("PayloadSubmitted")),
      ...(await eventsOf("CommitmentSubmitted")),
    ];
    const partiesOf = new Map<Hash, Set<number>>();
    for (const log of logs) {
      const index = Number((log.args as { index: number }).index);
      const set = partiesOf.get(log.transactionHash) ?? new Set<number>();
      set.add(index);
      partiesOf.set(log.transactionHash, set);
    }
    const walletBatches = [...partiesOf].filter(([, set]) => set.has(walletIndex));
    const walletActions = logs.filter(
      (l) => Number((l.args as { index: number }).index) === walletIndex,
    ).length;
    expect(walletActions).to.be.greaterThan(1);
    expect(await metric("delegate")).to.equal(walletActions);
    expect(await metric("wallet")).to.equal(1);
    // At least one batch carried the wallet's delegate item together with EOA parties' items.
    expect(walletBatches.some(([, set]) => set.size > 1)).to.equal(true);
    for (const [hash, set] of walletBatches) {
      const [transaction, receipt] = await Promise.all([
        chain.publicClient.getTransaction({ hash }),
        chain.publicClient.getTransactionReceipt({ hash }),
      ]);
      // A wallet item would add its whole allowance to the batch's gas limit: none was added.
      expect(
        transaction.gas - receipt.gasUsed < WALLET_ALLOWANCE,
        `batch ${hash} (parties ${[...set]}): limit ${transaction.gas}, used ${receipt.gasUsed}`,
      ).to.equal(true);
    }
    console.log(
      `      ${walletActions} delegate items in ${walletBatches.length} batches, ${walletBatches.filter(([, s]) => s.size > 1).length} shared with EOA items; ${tracesAfter.accept - tracesBefore.accept} debug_traceCall (the acceptance)`,
    );
  });

  describe("a wallet party that named a delegate", () => {
    const delegate = privateKeyToAccount(keccak256(stringToHex("delegate items/the delegate")));
    const stranger = privateKeyToAccount(keccak256(stringToHex("delegate items/a stranger")));
    let sessionId: bigint;
    let walletIndex: number;
    let walletOwner: ReturnType<typeof privateKeyToAccount>;
    let walletAddress: Address;

    function submitRound1(): UnsignedAction {
      return {
        action: ActionType.Submit,
        sessionId,
        party: walletIndex,
        round: 1,
        accused: 0,
        word: `0x${"00".repeat(32)}`,
        data: "0x1234",
      };
    }
    const sign = (account: ReturnType<typeof privateKeyToAccount>, action: UnsignedAction) =>
      signAction({ account, chainId: chain.chainId, contract: chain.contract, action });

    before(async () => {
      // Every party accepts through the relayer; the wallet's acceptance names `delegate`.
      const wallet = await deployWalletOnAnvil(chain, "delegate items/wallet 2", 300_000n);
      walletOwner = wallet.signer;
      walletAddress = wallet.address;
      const parties = [wallet, ...eoaParties("delegate items/peers", 2)].sort(byAddress);
      walletIndex = parties.indexOf(wallet);
      const [session] = await createAcceptSessions({ chain, parties, count: 1 });
      sessionId = session!.sessionId;
      const accepts = [...session!.accepts];
      const binding = { chainId: chain.chainId, contract: chain.contract, sessionId };
      accepts[walletIndex] = await sign(walletOwner, {
        ...accepts[walletIndex]!,
        data: encodeAcceptData({
          encryptionKey: wallet.encryptionKey,
          keyProof: keyProofOf({ ...binding, party: walletIndex }, wallet.encryptionSecret),
          delegate: delegate.address,
        }),
      });
      const ids: string[] = [];
      for (const accept of accepts) {
        const { status, body } = await postAction(relayerUrl, accept);
        expect(status, JSON.stringify(body)).to.equal(202);
        ids.push(String(body.id));
      }
      for (const id of ids) {
        const state = await waitFor(`acceptance ${id} final`, async () => {
          const s = await getAction(relayerUrl, id);
          return s.final === true ? s : undefined;
        });
        expect(state.status).to.equal("included");
      }
      const recorded = await chain.publicClient.readContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "delegateOf",
        args: [sessionId, walletIndex],
      });
      expect(recorded).to.equal(delegate.address);
      expect(recorded).to.not.equal(zeroAddress);
    });

    /** POSTs `action` and returns the answer with the chain calls the relayer made for it. */
    async function postCounting(action: SignedAction) {
      const from = rpc.calls.length;
      const answer = await postAction(relayerUrl, action);
      const calls = rpc.calls.slice(from);
      return {
        ...answer,
        simulations: calls.filter((c) => c.method === "eth_call" && appliedAction(c)).length,
        traces: calls.filter((c) => c.method === "debug_traceCall").length,
      };
    }

    it("refuses an action signed by another key with 422 not_the_delegate, before simulating or tracing it", async () => {
      const answer = await postCounting(await sign(stranger, submitRound1()));
      expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
      const error = answer.body.error as { code: string; message: string };
      expect(error.code).to.equal("not_the_delegate");
      expect(error.message).to.contain(`the contract wallet ${walletAddress}`);
      expect(error.message).to.contain(`named the delegate ${delegate.address}`);
      expect(error.message).to.contain(`recovers to ${stranger.address}`);
      expect(answer.simulations).to.equal(0);
      expect(answer.traces).to.equal(0);
    });

    it("refuses the wallet's own ERC-1271 signature too, once it named a delegate (the wallet may submit it itself)", async () => {
      const answer = await postCounting(await sign(walletOwner, submitRound1()));
      expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
      expect((answer.body.error as { code: string }).code).to.equal("not_the_delegate");
      expect(answer.simulations).to.equal(0);
      expect(answer.traces).to.equal(0);
    });

    it("relays the recorded delegate's signature for the same slot, simulated once and untraced", async () => {
      const answer = await postCounting(await sign(delegate, submitRound1()));
      expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
      expect(answer.simulations).to.equal(1);
      expect(answer.traces).to.equal(0);
      const state = await waitFor("the delegate's item final", async () => {
        const s = await getAction(relayerUrl, String(answer.body.id));
        return s.final === true ? s : undefined;
      });
      expect(state.status).to.equal("included");
    });
  });
});
