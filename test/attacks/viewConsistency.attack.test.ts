// Attacks on the runner's view checks (src/party/sessionView.ts stateAgainstLogs, verifyView.ts).
// Two questions:
//  1. False alarms: can an honest chain ever make the checks refuse a view (which stops an honest
//     party)? Every session of a corpus (clean, commit-reveal, complaints, disagreement, expiries
//     in each round, a signing session, a cancelled one) is read at EVERY block of its life, as a
//     provider pinned to that block serves it, and every view must check out.
//  2. A lying provider without storage proofs: can it get the runner to compute on a view that
//     lacks an action, by dropping a past round's payload and forging transcriptOf to match?
//
// Finding V1 of the first attack (the run stopped on "its own inputs") is now a test of its fix.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  decodeFunctionData,
  decodeFunctionResult,
  encodeFunctionResult,
  type Hex,
  http,
  keccak256,
  parseTransaction,
  toHex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { PartyError } from "../../src/party/errors.js";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { type PartyOutcome, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import { readSessionView, type SessionView } from "../../src/party/sessionView.js";
import { VerifiedActions, verifyView } from "../../src/party/verifyView.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { type TranscriptAction, transcriptOf } from "../../src/sdk/transcript.js";
import { Phase } from "../../src/sdk/types.js";
import {
  type CorpusChain,
  type KeygenSpec,
  partyAccounts,
  runKeygens,
  runSignings,
  startCorpusChain,
} from "../auditor/corpus.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";
import { type ForgedCall, type ForgingRpc, startForgingRpc } from "../helpers/forgingRpc.js";

/** A client that reads as if the chain's head were `block` (readSession pins every read to it). */
function pinnedAt(client: RoundtablePublicClient, block: bigint): RoundtablePublicClient {
  return { ...client, getBlockNumber: async () => block } as RoundtablePublicClient;
}

describe("attacks: the runner's view checks", function () {
  this.timeout(300_000);

  describe("false alarms on an honest chain: every session, read at every block of its life", () => {
    let chain: CorpusChain;
    const sessions: { label: string; sessionId: bigint; parties: Address[] }[] = [];

    before(async () => {
      chain = await startCorpusChain();
      const specs: (KeygenSpec & { label: string })[] = [
        { label: "clean", parties: partyAccounts("va", 3), threshold: 2 },
        {
          label: "commit-reveal",
          parties: partyAccounts("vb", 3),
          threshold: 2,
          commitReveal: true,
        },
        {
          label: "wrong share, complaint",
          parties: partyAccounts("vc", 3),
          threshold: 2,
          fault: { kind: "wrong-share", sender: 0, recipient: 2 },
        },
        {
          label: "false complaint",
          parties: partyAccounts("vd", 3),
          threshold: 2,
          fault: { kind: "false-complaint", accuser: 1, accused: 0 },
        },
        {
          label: "disagreement",
          parties: partyAccounts("ve", 3),
          threshold: 2,
          fault: { kind: "disagree", party: 2 },
        },
        {
          label: "bad proof of knowledge",
          parties: partyAccounts("vf", 3),
          threshold: 2,
          fault: { kind: "bad-pok", party: 1 },
        },
        {
          label: "silent in round 1 (expired)",
          parties: partyAccounts("vg", 3),
          threshold: 2,
          fault: { kind: "silent", party: 1, round: 1 },
        },
        {
          label: "silent in agreement, commit-reveal (expired)",
          parties: partyAccounts("vh", 3),
          threshold: 2,
          commitReveal: true,
          fault: { kind: "silent", party: 0, round: 3 },
        },
      ];
      // One action per transaction, so that every partial state is a block a provider can serve.
      const keys = await runKeygens(chain, specs, { batchSize: 1 });
      // And in batches, as a relayer sends them: actions of the next phase land in the block
      // (and transaction) whose first items complete the phase before.
      const batched = [specs[1]!, specs[6]!].map((spec) => ({
        ...spec,
        label: `${spec.label}, batched`,
        parties: partyAccounts(`${spec.label} batched`, 3),
      }));
      const batchedKeys = await runKeygens(chain, batched, { batchSize: 4 });
      for (const [spec, key] of [
        ...specs.map((spec, i) => [spec, keys[i]!] as const),
        ...batched.map((spec, i) => [spec, batchedKeys[i]!] as const),
      ]) {
        sessions.push({
          label: spec.label,
          sessionId: key.sessionId,
          parties: spec.parties.map((p) => p.address),
        });
      }
      const [signing] = await runSignings(
        chain,
        [{ key: keys[0]!, signers: [0, 2], threshold: 2, message: keccak256(toHex("release")) }],
        { batchSize: 1 },
      );
      sessions.push({
        label: "signing",
        sessionId: signing!,
        parties: [keys[0]!.parties[0]!.address, keys[0]!.parties[2]!.address],
      });
      // A session cancelled before anyone accepted, and one nobody accepts, expired at the end.
      const create = async (label: string) => {
        const config = keygenConfig({
          parties: partyAccounts(label, 3).map((p) => p.address),
          threshold: 2,
        });
        const { sessionId } = await createSession({
          publicClient: chain.anvil.publicClient as unknown as RoundtablePublicClient,
          walletClient: chain.anvil.walletClient(0) as unknown as RoundtableWalletClient,
          address: chain.contract,
          config,
        });
        sessions.push({ label, sessionId, parties: [...config.parties] });
        return sessionId;
      };
      const cancelled = await create("cancelled");
      await chain.anvil.walletClient(0).writeContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "cancel",
        args: [cancelled],
      });
      const unaccepted = await create("never accepted (expired)");
      // Blocks past every deadline, so that the derived Expired phase is read too, then the end.
      await chain.advance(10 * 86_400);
      await chain.anvil.walletClient(0).writeContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "expire",
        args: [unaccepted],
      });
      await chain.anvil.mine(1);
    });

    after(async () => {
      await chain?.stop();
    });

    it("defence: no honest view is ever refused (stateAgainstLogs, keys, signatures, transcript)", async () => {
      const client = chain.anvil.publicClient as unknown as RoundtablePublicClient;
      const head = await client.getBlockNumber();
      const phasesSeen = new Set<string>();
      let views = 0;
      for (const session of sessions) {
        const events = await getSessionEvents({
          publicClient: client,
          address: chain.contract,
          sessionId: session.sessionId,
        });
        const created = events[0]!.blockNumber;
        const last = events.at(-1)!.blockNumber;
        // Every block of its life, the one after its last event, and the head (past deadlines).
        const blocks: bigint[] = [];
        for (let block = created; block <= last + 1n && block <= head; block++) blocks.push(block);
        if (blocks.at(-1) !== head) blocks.push(head);
        let previous: SessionView | undefined;
        for (const block of blocks) {
          const view = await readSessionView({
            publicClient: pinnedAt(client, block),
            address: chain.contract,
            sessionId: session.sessionId,
            account: session.parties[0]!,
            previous,
          });
          previous = view;
          views++;
          phasesSeen.add(`${view.phaseName} r${view.round}`);
          const where = `${session.label}, session ${session.sessionId} at block ${block} (${view.phaseName}, round ${view.round})`;
          expect(view.blockNumber).to.equal(block);
          expect(view.inconsistencies, where).to.deep.equal([]);
          const problem = await verifyView({
            publicClient: client,
            view,
            verified: new VerifiedActions(),
          });
          expect(problem, `${where}: ${JSON.stringify(problem)}`).to.equal(undefined);
        }
      }
      // The corpus did reach every kind of phase.
      for (const name of ["Accepting", "Committing", "Revealing", "Submitting", "Agreeing"]) {
        expect(
          [...phasesSeen].some((p) => p.startsWith(name)),
          `${name} in ${[...phasesSeen]}`,
        ).to.equal(true);
      }
      for (const name of ["Expired", "Finalized", "Aborted", "Cancelled"]) {
        expect(
          [...phasesSeen].some((p) => p.startsWith(name)),
          name,
        ).to.equal(true);
      }
      console.log(
        `      ${views} views of ${sessions.length} sessions checked, phases: ${[...phasesSeen].join(", ")}`,
      );
    });
  });

  describe("a lying provider without proofs drops a past round's payload", () => {
    let anvil: Anvil;
    let contract: Address;
    let liar: ForgingRpc;
    let deployment: { number: bigint; hash: Hex };
    const directories: string[] = [];
    const stopAll = new AbortController();
    type Member = { address: Address; account: ReturnType<typeof mnemonicToAccount> };
    let members: Member[];
    const honest = () => anvil.publicClient as unknown as RoundtablePublicClient;

    before(async () => {
      anvil = await startAnvil();
      const deployed = await deployRoundtableOnAnvil(anvil);
      contract = deployed.address;
      const block = await anvil.publicClient.getBlock({ blockNumber: deployed.deploymentBlock });
      deployment = { number: deployed.deploymentBlock, hash: block.hash };
      members = [2, 3, 4]
        .map((addressIndex) => {
          const account = mnemonicToAccount(developmentMnemonic, { addressIndex });
          return { address: account.address, account };
        })
        .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      liar = await startForgingRpc({ target: anvil.rpcUrl });
    });

    after(async () => {
      stopAll.abort(new Error("tests ended"));
      await liar?.stop();
      await anvil?.stop();
      for (const directory of directories) await rm(directory, { recursive: true, force: true });
    });

    async function newStore(): Promise<SecretStore> {
      const directory = await mkdtemp(join(tmpdir(), "roundtable-attack-view-"));
      directories.push(directory);
      return openFileSecretStore({
        directory,
        password: "test",
        scryptN: 2 ** 10,
        allowWeakKdf: true,
      });
    }

    function runVia(
      url: string,
      member: Member,
      sessionId: bigint,
      store: SecretStore,
      withProofs = false,
    ) {
      return runParty({
        ...(withProofs ? { proofs: { trustedBlock: deployment } } : {}),
        publicClient: createPublicClient({
          chain: anvil.chain,
          transport: http(url),
          pollingInterval: 50,
        }) as unknown as RoundtablePublicClient,
        walletClient: createWalletClient({
          chain: anvil.chain,
          transport: http(url),
          account: member.account,
        }) as unknown as RoundtableWalletClient,
        address: contract,
        sessionId,
        store,
        confirm: async () => true,
        pollingInterval: 50,
        signal: stopAll.signal,
      });
    }

    /** Round and function of a Roundtable call in a raw transaction, if it is one. */
    function sentCall(raw: Hex): { functionName: string; round: number | undefined } | undefined {
      const tx = parseTransaction(raw);
      if (tx.data === undefined) return undefined;
      try {
        const { functionName, args } = decodeFunctionData({ abi: roundtableAbi, data: tx.data });
        return { functionName, round: functionName === "submit" ? Number(args?.[2]) : undefined };
      } catch {
        return undefined;
      }
    }

    const dropped =
      (sessionId: bigint, party: number, round: number) =>
      (log: { data: Hex; topics: [Hex, ...Hex[]] }) => {
        try {
          const event = decodeEventLog({
            abi: roundtableAbi,
            data: log.data,
            topics: log.topics,
          }) as {
            eventName: string;
            args: Record<string, unknown>;
          };
          return (
            event.eventName === "PayloadSubmitted" &&
            event.args.sessionId === sessionId &&
            event.args.index === party &&
            event.args.round === round
          );
        } catch {
          return false;
        }
      };

    /** The transcript the contract would hold at `block` without the dropped action. */
    async function transcriptWithout(
      sessionId: bigint,
      block: bigint,
      party: number,
      round: number,
    ): Promise<Hex> {
      const events = await getSessionEvents({
        publicClient: honest(),
        address: contract,
        sessionId,
        toBlock: block,
      });
      const configHash = await honest().readContract({
        address: contract,
        abi: roundtableAbi,
        functionName: "configHashOf",
        args: [sessionId],
      });
      const actions: TranscriptAction[] = [];
      for (const event of events) {
        if (event.eventName === "PartyAccepted") {
          const a = event.args;
          actions.push({
            kind: "accept",
            party: a.index,
            round: 0,
            data: a.encryptionKey,
            delegate: a.delegate,
          });
        } else if (event.eventName === "PayloadSubmitted") {
          const a = event.args;
          if (a.index === party && a.round === round) continue;
          actions.push({ kind: "submit", party: a.index, round: a.round, data: a.payload });
        } else if (event.eventName === "CommitmentSubmitted") {
          const a = event.args;
          actions.push({
            kind: "commit",
            party: a.index,
            round: a.round,
            data: "0x",
            commitment: a.commitment,
          });
        } else if (event.eventName === "ComplaintFiled") {
          const a = event.args;
          actions.push({
            kind: "complain",
            party: a.accuserIndex,
            round: a.round,
            data: a.evidence,
            accused: a.accusedIndex,
          });
        }
      }
      return transcriptOf({ sessionId, actions, configHash });
    }

    /**
     * Hides party 1's round-1 payload from the victim's provider once the victim has sent its
     * own, with transcriptOf forged to match; returns how the victim's run ended, then resumes it
     * through the honest node and checks that the session finalizes with nobody blamed.
     */
    async function dropRound1Payload(withProofs: boolean): Promise<PartyError> {
      const { sessionId } = await createSession({
        publicClient: honest(),
        walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
        address: contract,
        config: keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
      });
      const stores = await Promise.all(members.map(() => newStore()));
      const victim = 0;
      const hidden = 1;
      let computedRound2 = false;
      const lying = {
        rewrite: async (call: ForgedCall, result: unknown) => {
          if (call.method === "eth_getLogs" && Array.isArray(result)) {
            return result.filter((log) => !dropped(sessionId, hidden, 1)(log as never));
          }
          if (call.method !== "eth_call") return result;
          const [tx, tag] = call.params as [{ to?: string; data?: Hex; input?: Hex }, string];
          const data = tx.data ?? tx.input;
          if (data === undefined || tx.to?.toLowerCase() !== contract.toLowerCase()) return result;
          const decoded = decodeFunctionData({ abi: roundtableAbi, data });
          if (decoded.functionName !== "transcriptOf" || decoded.args?.[0] !== sessionId)
            return result;
          const block = tag.startsWith("0x") ? BigInt(tag) : await honest().getBlockNumber();
          // Before the hidden payload landed the honest transcript is already right.
          const honestValue = decodeFunctionResult({
            abi: roundtableAbi,
            functionName: "transcriptOf",
            data: result as Hex,
          });
          const forged = await transcriptWithout(sessionId, block, hidden, 1);
          return forged === honestValue
            ? result
            : encodeFunctionResult({
                abi: roundtableAbi,
                functionName: "transcriptOf",
                result: forged,
              });
        },
      };
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const sent = sentCall(call.params[0] as Hex);
          if (sent?.functionName === "submit" && sent.round === 1) liar.lie(lying);
          if (sent?.functionName === "submit" && sent.round === 2) computedRound2 = true;
          return undefined;
        },
      });
      const others = members
        .map((m, i) => (i === victim ? undefined : runVia(anvil.rpcUrl, m, sessionId, stores[i]!)))
        .filter((r): r is Promise<PartyOutcome> => r !== undefined);
      for (const run of others) run.catch(() => undefined);
      let error: unknown;
      try {
        await runVia(liar.url, members[victim]!, sessionId, stores[victim]!, withProofs);
      } catch (e) {
        error = e;
      }
      expect(computedRound2, "the victim sent a round-2 payload computed without party 1").to.equal(
        false,
      );
      expect(error).to.be.instanceOf(PartyError);
      // Then, through an honest node, the session completes with nobody blamed.
      liar.lie({});
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      expect(resumed.status).to.equal("finalized");
      for (const outcome of await Promise.all(others)) expect(outcome.status).to.equal("finalized");
      const names = (
        await getSessionEvents({ publicClient: honest(), address: contract, sessionId })
      ).map((e) => e.eventName);
      expect(names).to.not.include("ComplaintFiled");
      expect(await phase(sessionId)).to.equal(Phase.Finalized);
      return error as PartyError;
    }

    it("V1: a round-1 payload dropped from the logs (transcript forged to match) stops the run as an untrusted read, not on 'its own inputs'", async () => {
      const error = await dropRound1Payload(false);
      // The defence: the view is refused before any computation, as a read not to be trusted.
      expect(error.code, error.message).to.equal("UNTRUSTED_READ");
    });

    it("defence: with storage proofs (--trusted-block) the same drop is refused before round 2", async () => {
      const error = await dropRound1Payload(true);
      expect(error.code, error.message).to.equal("UNTRUSTED_READ");
      // Refused by the state-against-logs check already, or else by the proven transcript.
      expect(`${error.shortMessage}\n${(error.metaMessages ?? []).join("\n")}`).to.match(
        /proven transcript|round 1 is closed/,
      );
    });

    async function phase(sessionId: bigint): Promise<number> {
      const state = await honest().readContract({
        address: contract,
        abi: roundtableAbi,
        functionName: "sessionState",
        args: [sessionId],
      });
      return state.phase;
    }
  });
});
