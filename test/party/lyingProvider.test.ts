// Threats N1–N3 (and N5-style proofs for the runner), ../shared/THREATS.md: parties run runParty
// in-process on a real anvil node but read and send ONLY through a lying JSON-RPC proxy. In each
// case the victim must send nothing that depends on the lie, sign nothing the pinned
// configuration does not say, stop with UNTRUSTED_READ naming what was forged, and (resumed with
// the same store through the honest node) finish the session with no honest party blamed.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import {
  type AbiEvent,
  type Address,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  decodeFunctionData,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionResult,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  parseTransaction,
  toHex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { encryptionPublicKey, newEncryptionSecretKey } from "../../src/party/acceptance.js";
import { PartyError } from "../../src/party/errors.js";
import { openFileSecretStore } from "../../src/party/fileSecretStore.js";
import { bindingOf, roundRecordName } from "../../src/party/records.js";
import { type PartyOutcome, type RunPartyParameters, runParty } from "../../src/party/runParty.js";
import type { SecretStore } from "../../src/party/secretStore.js";
import { createDirectTransport } from "../../src/party/transport.js";
import { secureRandom } from "../../src/protocol/index.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { type TranscriptAction, transcriptOf } from "../../src/sdk/transcript.js";
import { Phase, type SessionConfig } from "../../src/sdk/types.js";
import {
  type Anvil,
  deployRoundtableOnAnvil,
  developmentMnemonic,
  startAnvil,
} from "../helpers/anvil.js";
import { type ForgedCall, type ForgingRpc, startForgingRpc } from "../helpers/forgingRpc.js";

type Member = { address: Address; account: ReturnType<typeof mnemonicToAccount> };
type Args = Record<string, unknown>;
type Decoded = { eventName: string; args: Args };
type RpcLog = { data: Hex; topics: [Hex, ...Hex[]]; [k: string]: unknown };
type Sent = { functionName: string; args: readonly unknown[] };

const POLL_MS = 50;

describe("lying provider (issue 11): the runner verifies what one RPC provider serves", function () {
  this.timeout(240_000);
  let anvil: Anvil;
  let contract: Address;
  let deployment: { number: bigint; hash: Hex };
  let members: Member[];
  const proxies: ForgingRpc[] = [];
  const directories: string[] = [];
  const stopAll = new AbortController();
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
  });

  after(async () => {
    stopAll.abort(new Error("tests ended"));
    for (const proxy of proxies) await proxy.stop();
    await anvil?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  // ───────────────────────────────────────────────────────────── fixtures

  async function proxy(): Promise<ForgingRpc> {
    const p = await startForgingRpc({ target: anvil.rpcUrl });
    proxies.push(p);
    return p;
  }

  async function newStore(): Promise<SecretStore> {
    const directory = await mkdtemp(join(tmpdir(), "roundtable-lying-"));
    directories.push(directory);
    return openFileSecretStore({
      directory,
      password: "test",
      scryptN: 2 ** 10,
      allowWeakKdf: true,
    });
  }

  /** Public and wallet clients that read and send only through `url`; the key signs locally. */
  function clientsAt(url: string, member: Member) {
    const publicClient = createPublicClient({
      chain: anvil.chain,
      transport: http(url),
      pollingInterval: POLL_MS,
    }) as unknown as RoundtablePublicClient;
    const walletClient = createWalletClient({
      chain: anvil.chain,
      transport: http(url),
      account: member.account,
    }) as unknown as RoundtableWalletClient;
    return { publicClient, walletClient };
  }

  function runVia(
    url: string,
    member: Member,
    sessionId: bigint,
    store: SecretStore,
    extra: Partial<RunPartyParameters> = {},
  ): Promise<PartyOutcome> {
    const { signal, ...rest } = extra;
    return runParty({
      ...clientsAt(url, member),
      address: contract,
      sessionId,
      store,
      confirm: async () => true,
      pollingInterval: POLL_MS,
      signal: signal === undefined ? stopAll.signal : AbortSignal.any([signal, stopAll.signal]),
      ...rest,
    });
  }

  async function create(config: SessionConfig): Promise<bigint> {
    const { sessionId } = await createSession({
      publicClient: honest(),
      walletClient: anvil.walletClient(1) as unknown as RoundtableWalletClient,
      address: contract,
      config,
    });
    return sessionId;
  }

  const keygen = () =>
    create(keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }));

  const events = (sessionId: bigint) =>
    getSessionEvents({ publicClient: honest(), address: contract, sessionId });

  async function phaseOf(sessionId: bigint): Promise<number> {
    const state = await honest().readContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "sessionState",
      args: [sessionId],
    });
    return state.phase;
  }

  /** The session finalized on the honest chain with no complaint and no abort: nobody blamed. */
  async function expectFinalizedWithoutBlame(sessionId: bigint): Promise<void> {
    expect(await phaseOf(sessionId)).to.equal(Phase.Finalized);
    const names = (await events(sessionId)).map((e) => e.eventName);
    expect(names).to.not.include("ComplaintFiled");
    expect(names).to.not.include("SessionAborted");
  }

  /** Every Roundtable call the proxy was asked to send, from call number `from` on. */
  function sentThrough(p: ForgingRpc, from = 0): Sent[] {
    return p.calls
      .slice(from)
      .filter((c) => c.method === "eth_sendRawTransaction")
      .map((c) => decodeRaw(c.params[0] as Hex))
      .filter((s): s is Sent => s !== undefined);
  }

  function decodeRaw(raw: Hex): Sent | undefined {
    const tx = parseTransaction(raw);
    if (tx.data === undefined) return undefined;
    try {
      const { functionName, args } = decodeFunctionData({ abi: roundtableAbi, data: tx.data });
      return { functionName, args: args ?? [] };
    } catch {
      return undefined;
    }
  }

  const isSubmit = (s: Sent, round?: number) =>
    s.functionName === "submit" && (round === undefined || s.args[2] === round);

  async function expectUntrusted(run: Promise<unknown>, named: RegExp): Promise<PartyError> {
    let error: unknown;
    try {
      await run;
    } catch (e) {
      error = e;
    }
    expect(error, "the run should stop").to.be.instanceOf(PartyError);
    const party = error as PartyError;
    expect(party.code, party.message).to.equal("UNTRUSTED_READ");
    expect(`${party.shortMessage}\n${(party.metaMessages ?? []).join("\n")}`).to.match(named);
    return party;
  }

  // ───────────────────────────────────────────────────────────── forgeries

  /**
   * Rewrites the data of every log `forge` changes (indexed topics stay as they were); a log it
   * answers `null` for is dropped.
   */
  function forgeLogs(result: unknown, forge: (e: Decoded) => Args | undefined | null): unknown {
    if (!Array.isArray(result)) return result;
    const dropped = Symbol("dropped");
    const logs = (result as RpcLog[]).map((log) => {
      let decoded: Decoded;
      try {
        decoded = decodeEventLog({
          abi: roundtableAbi,
          data: log.data,
          topics: log.topics,
        }) as unknown as Decoded;
      } catch {
        return log;
      }
      const args = forge(decoded);
      if (args === null) return dropped;
      if (args === undefined) return log;
      const item = roundtableAbi.find(
        (x) => x.type === "event" && x.name === decoded.eventName,
      ) as AbiEvent;
      const inputs = item.inputs.filter((i) => !i.indexed);
      return {
        ...log,
        data: encodeAbiParameters(
          inputs,
          inputs.map((i) => args[i.name!]),
        ),
      };
    });
    return logs.filter((log) => log !== dropped);
  }

  /** Rewrites the answer of a contract read `forge` changes. */
  function forgeCall(
    call: ForgedCall,
    result: unknown,
    forge: (functionName: string, args: readonly unknown[], value: unknown) => unknown,
  ): unknown {
    const [tx] = call.params as [{ to?: string; data?: Hex; input?: Hex }];
    const data = tx?.data ?? tx?.input;
    if (data === undefined || tx?.to?.toLowerCase() !== contract.toLowerCase()) return result;
    let decoded: { functionName: string; args?: readonly unknown[] };
    try {
      decoded = decodeFunctionData({ abi: roundtableAbi, data });
    } catch {
      return result;
    }
    const { functionName } = decoded;
    const value = decodeFunctionResult({
      abi: roundtableAbi,
      functionName: functionName as never,
      data: result as Hex,
    });
    const forged = forge(functionName, decoded.args ?? [], value);
    if (forged === undefined) return result;
    return encodeFunctionResult({
      abi: roundtableAbi,
      functionName: functionName as never,
      result: forged as never,
    });
  }

  /** The transcript the contract would hold at `block` had the logs been as `forge` makes them. */
  async function transcriptOfForged(
    sessionId: bigint,
    block: Hex | undefined,
    forge: (e: Decoded) => Args | undefined | null,
  ): Promise<Hex> {
    const toBlock = block === undefined || !block.startsWith("0x") ? undefined : BigInt(block);
    const logged = await getSessionEvents({
      publicClient: honest(),
      address: contract,
      sessionId,
      ...(toBlock === undefined ? {} : { toBlock }),
    });
    const configHash = await honest().readContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "configHashOf",
      args: [sessionId],
    });
    const actions: TranscriptAction[] = [];
    for (const event of logged as unknown as Decoded[]) {
      const forged = forge(event);
      if (forged === null) continue;
      const a = forged ?? event.args;
      if (event.eventName === "PartyAccepted") {
        actions.push({
          kind: "accept",
          party: a.index as number,
          round: 0,
          data: a.encryptionKey as Hex,
          delegate: a.delegate as Address,
        });
      } else if (event.eventName === "CommitmentSubmitted") {
        actions.push({
          kind: "commit",
          party: a.index as number,
          round: a.round as number,
          data: "0x",
          commitment: a.commitment as Hex,
        });
      } else if (event.eventName === "PayloadSubmitted") {
        actions.push({
          kind: "submit",
          party: a.index as number,
          round: a.round as number,
          data: a.payload as Hex,
        });
      } else if (event.eventName === "ComplaintFiled") {
        actions.push({
          kind: "complain",
          party: a.accuserIndex as number,
          round: a.round as number,
          data: a.evidence as Hex,
          accused: a.accusedIndex as number,
        });
      }
    }
    return transcriptOf({ sessionId, actions, configHash });
  }

  /** A key the provider holds, in place of every acceptance but `victim`'s. */
  function keySwap(victim: number): { keys: Hex[]; forge: (e: Decoded) => Args | undefined } {
    // One key per party (the provider holds every secret): equal keys would trip the protocol's
    // own duplicate-key check and hide whether the runner's checks work.
    const keys = members.map(() => encryptionPublicKey(newEncryptionSecretKey(secureRandom)));
    return {
      keys,
      forge: (e) =>
        e.eventName === "PartyAccepted" && e.args.index !== victim
          ? { ...e.args, encryptionKey: keys[e.args.index as number] }
          : undefined,
    };
  }

  /** The store still holds the victim's encryption key and these round records. */
  async function expectStoreKept(
    store: SecretStore,
    sessionId: bigint,
    party: number,
    rounds: number[],
  ): Promise<void> {
    const binding = bindingOf(anvil.chain.id, contract, sessionId, party);
    expect(await store.get(binding, "encryption-key"), "encryption-key").to.not.equal(undefined);
    for (const round of rounds) {
      expect(await store.get(binding, roundRecordName(round)), `round-${round}`).to.not.equal(
        undefined,
      );
    }
  }

  /** Runs the others honestly; returns their runs (which wait for the victim). */
  function runOthers(sessionId: bigint, victim: number, stores: SecretStore[]) {
    const runs = members
      .map((m, i) => (i === victim ? undefined : runVia(anvil.rpcUrl, m, sessionId, stores[i]!)))
      .filter((r): r is Promise<PartyOutcome> => r !== undefined);
    // Awaited later; a rejection before then must not go unhandled.
    for (const run of runs) run.catch(() => undefined);
    return runs;
  }

  async function expectOneGroupKey(outcomes: PartyOutcome[]): Promise<void> {
    const keys = outcomes.map((o) => (o.status === "finalized" ? o.groupPublicKey : o.status));
    expect(new Set(keys).size, JSON.stringify(keys)).to.equal(1);
    expect(keys[0]).to.match(/^0x[0-9a-f]{64,66}$/);
  }

  // ───────────────────────────────────────────────────────────── N1

  describe("N1: a provider substitutes encryption keys", () => {
    it("one victim behind it stops with UNTRUSTED_READ before round 2, then finishes honestly", async () => {
      const victim = 0;
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liar = await proxy();
      const { forge } = keySwap(victim);
      liar.lie({
        rewrite: (call, result) =>
          call.method === "eth_getLogs" ? forgeLogs(result, forge) : result,
      });
      const others = runOthers(sessionId, victim, stores);
      const error = await expectUntrusted(
        runVia(liar.url, members[victim]!, sessionId, stores[victim]!),
        /not signed by its party|not signed by their parties/,
      );
      console.log(`      victim's error: ${error.shortMessage}`);
      expect(sentThrough(liar).filter((s) => isSubmit(s, 2))).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });

    it("every party behind it stops; nobody encrypts to the provider's key; all finish honestly", async () => {
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liars = await Promise.all(members.map(() => proxy()));
      members.forEach((_, i) => {
        const { forge } = keySwap(i);
        liars[i]!.lie({
          rewrite: (call, result) =>
            call.method === "eth_getLogs" ? forgeLogs(result, forge) : result,
        });
      });
      const runs = members.map((m, i) => runVia(liars[i]!.url, m, sessionId, stores[i]!));
      const settled = await Promise.allSettled(runs);
      for (const s of settled) {
        await expectUntrusted(
          s.status === "rejected" ? Promise.reject(s.reason) : Promise.resolve(s.value),
          /not signed by/,
        );
      }
      for (const liar of liars) {
        expect(sentThrough(liar).filter((s) => isSubmit(s, 2))).to.deep.equal([]);
      }
      const resumed = await Promise.all(
        members.map((m, i) => runVia(anvil.rpcUrl, m, sessionId, stores[i]!)),
      );
      await expectOneGroupKey(resumed);
      await expectFinalizedWithoutBlame(sessionId);
    });

    it("a lie that starts after round 1, with the transcript forged to match, is still refused", async () => {
      // The victim has verified every acceptance honestly before the lie: the forged keys then
      // reuse transaction hashes it already checked.
      const victim = 0;
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liar = await proxy();
      const { forge } = keySwap(victim);
      const lying = {
        rewrite: async (call: ForgedCall, result: unknown) => {
          if (call.method === "eth_getLogs") return forgeLogs(result, forge);
          if (call.method !== "eth_call") return result;
          const forgedTranscript = await transcriptOfForged(
            sessionId,
            call.params[1] as Hex | undefined,
            forge,
          );
          return forgeCall(call, result, (fn) =>
            fn === "transcriptOf" ? forgedTranscript : undefined,
          );
        },
      };
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const sent = decodeRaw(call.params[0] as Hex);
          if (sent !== undefined && isSubmit(sent, 1)) liar.lie(lying);
          return undefined;
        },
      });
      const others = runOthers(sessionId, victim, stores);
      const run = runVia(liar.url, members[victim]!, sessionId, stores[victim]!);
      const error = await expectUntrusted(run, /not signed by|transcript/).catch((e: unknown) => e);
      const leaked = sentThrough(liar).filter((s) => isSubmit(s, 2));
      if (error instanceof Error && !(error instanceof PartyError)) {
        const after = (await events(sessionId)).map(
          (e) => `${e.eventName}${"index" in e.args ? `#${String(e.args.index)}` : ""}`,
        );
        console.log(
          `      BUG evidence: victim sent ${leaked.length} round-2 payload(s) encrypted under the forged keys; honest log now: ${after.join(", ")}`,
        );
        throw error;
      }
      expect(leaked).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });

    it("keys forged only in readSession's log query (the signed-action query left honest) are refused", async () => {
      const victim = 0;
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liar = await proxy();
      const { forge } = keySwap(victim);
      liar.lie({
        rewrite: (call, result) => {
          if (call.method !== "eth_getLogs") return result;
          // readSession asks for [SessionCreated, PartyAccepted, SessionAborted] by topic;
          // getSessionEvents (whose actions verifyView checks) asks for every topic.
          const [filter] = call.params as [{ topics?: unknown[] }];
          return Array.isArray(filter?.topics?.[0]) ? forgeLogs(result, forge) : result;
        },
      });
      const others = runOthers(sessionId, victim, stores);
      const error = await runVia(liar.url, members[victim]!, sessionId, stores[victim]!).then(
        (outcome) => outcome,
        (e: unknown) => e,
      );
      const leaked = sentThrough(liar).filter((s) => isSubmit(s, 2));
      if (!(error instanceof PartyError) || error.code !== "UNTRUSTED_READ") {
        const log = (await events(sessionId)).map((e) => e.eventName);
        console.log(
          `      BUG evidence: victim run ended with ${error instanceof Error ? error.message.split("\n")[0] : JSON.stringify(error, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}; it sent ${leaked.length} round-2 payload(s) through the liar; honest log: ${log.join(", ")}`,
        );
        const finished = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
        const outcomes = await Promise.all(others);
        console.log(
          `      then resumed honestly: victim ${finished.status}; others ${JSON.stringify(outcomes.map((o) => (o.status === "aborted" ? { reason: o.reason, blame: o.blame } : o.status)))}`,
        );
      }
      expect(error).to.be.instanceOf(PartyError);
      expect((error as PartyError).code).to.equal("UNTRUSTED_READ");
      expect(leaked).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });
  });

  describe("N1: a provider's logs lag its state", () => {
    it("a view whose state has every party accepted but whose logs lack one acceptance is re-read, never run", async () => {
      // What a node serves for a block it has not finished writing: the state says the session is
      // past acceptance, the logs (and a transcript read that agrees with them) miss one party. The
      // transcript check alone passes; run on it, the round would fail "on this party's own inputs".
      const victim = 0;
      const hidden = 2;
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liar = await proxy();
      const forge = (e: Decoded) =>
        e.eventName === "PartyAccepted" && e.args.index === hidden ? null : undefined;
      liar.lie({
        rewrite: async (call: ForgedCall, result: unknown) => {
          if (call.method === "eth_getLogs") return forgeLogs(result, forge);
          if (call.method !== "eth_call") return result;
          const forged = await transcriptOfForged(
            sessionId,
            call.params[1] as Hex | undefined,
            forge,
          );
          return forgeCall(call, result, (fn) => (fn === "transcriptOf" ? forged : undefined));
        },
      });
      const others = runOthers(sessionId, victim, stores);
      // The victim waits for the hidden party's acceptance to land on chain before it reads.
      while (
        !(await events(sessionId)).some(
          (e) => e.eventName === "PartyAccepted" && e.args.index === hidden,
        )
      ) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const error = await expectUntrusted(
        runVia(liar.url, members[victim]!, sessionId, stores[victim]!),
        /party 2 accepted, but no acceptance of it is logged/,
      );
      console.log(`      victim's error: ${error.shortMessage}`);
      expect(sentThrough(liar).filter((s) => isSubmit(s))).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });
  });

  // ───────────────────────────────────────────────────────────── N2

  describe("N2: a provider changes what a signing session signs after acceptance", () => {
    it("the signer refuses the swapped digest and signs only the pinned message", async () => {
      const keySession = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const keys = await Promise.all(
        members.map((m, i) => runVia(anvil.rpcUrl, m, keySession, stores[i]!)),
      );
      await expectOneGroupKey(keys);
      const message = keccak256(toHex("the message the signers accepted"));
      const swapped = keccak256(toHex("the provider's message"));
      const signers = members.slice(0, 2);
      const sessionId = await create(
        signingConfig({
          keySession,
          signers: signers.map((m) => m.address),
          threshold: 2,
          message,
        }),
      );
      const victim = 0;
      const liar = await proxy();
      let liedFrom = Number.POSITIVE_INFINITY;
      const forgeCreated = (e: Decoded): Args | undefined => {
        if (e.eventName !== "SessionCreated" || e.args.sessionId !== sessionId) return undefined;
        const config = { ...(e.args.config as SessionConfig), message: swapped };
        return { ...e.args, config, configHash: hashSessionConfig(config) };
      };
      const lying = {
        rewrite: (call: ForgedCall, result: unknown) => {
          if (call.method === "eth_getLogs") return forgeLogs(result, forgeCreated);
          if (call.method !== "eth_call") return result;
          return forgeCall(call, result, (fn, args) => {
            if (fn !== "configHashOf" || args[0] !== sessionId) return undefined;
            return hashSessionConfig({
              ...signingConfig({
                keySession,
                signers: signers.map((m) => m.address),
                threshold: 2,
                message,
              }),
              message: swapped,
            });
          });
        },
      };
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          if (decodeRaw(call.params[0] as Hex)?.functionName === "accept") {
            liedFrom = liar.calls.length;
            liar.lie(lying);
          }
          return undefined;
        },
      });
      const other = runVia(anvil.rpcUrl, signers[1]!, sessionId, stores[1]!);
      const error = await expectUntrusted(
        runVia(liar.url, signers[victim]!, sessionId, stores[victim]!),
        /configuration served now hashes to|accepted/,
      );
      console.log(`      signer's error: ${error.shortMessage}`);
      expect(liedFrom).to.be.lessThan(Number.POSITIVE_INFINITY);
      // Nothing after the acceptance went out through the liar: no nonce, no signature share.
      expect(sentThrough(liar, liedFrom).filter((s) => isSubmit(s))).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, signers[victim]!, sessionId, stores[victim]!);
      const outcomes = [resumed, await other];
      await expectFinalizedWithoutBlame(sessionId);
      for (const outcome of outcomes) {
        if (outcome.status !== "finalized") return expect.fail(outcome.status);
        const groupKey = hexToBytes(outcome.groupPublicKey!);
        const xOnly = groupKey.length === 33 ? groupKey.slice(1) : groupKey;
        expect(schnorr.verify(hexToBytes(outcome.signature!), hexToBytes(message), xOnly)).to.equal(
          true,
        );
      }
    });
  });

  // ───────────────────────────────────────────────────────────── N3

  describe("N3: a provider fakes results, endings, deliveries or shares", () => {
    /** A keygen where the victim runs behind `liar`, the others honestly. */
    async function setup() {
      const victim = 1;
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liar = await proxy();
      return { victim, sessionId, stores, liar };
    }

    const fakeFinal = (result: Hex, sessionId: bigint) => ({
      // The node reverts resultOf for an active session: the provider answers it itself.
      answer: (call: ForgedCall) => {
        if (call.method !== "eth_call") return undefined;
        const [tx] = call.params as [{ data?: Hex; input?: Hex }];
        const data = tx?.data ?? tx?.input;
        if (data === undefined) return undefined;
        try {
          const { functionName, args } = decodeFunctionData({ abi: roundtableAbi, data });
          if (functionName !== "resultOf" || args[0] !== sessionId) return undefined;
        } catch {
          return undefined;
        }
        return {
          result: encodeFunctionResult({ abi: roundtableAbi, functionName: "resultOf", result }),
        };
      },
      rewrite: (call: ForgedCall, value: unknown) =>
        call.method !== "eth_call"
          ? value
          : forgeCall(call, value, (fn, args, decoded) => {
              if (args[0] !== sessionId) return undefined;
              if (fn === "sessionState") return { ...(decoded as Args), phase: Phase.Finalized };
              if (fn === "resultOf") return result;
              return undefined;
            }),
    });

    it("a faked result before its agreement: keeps its round records, stops, finishes honestly", async () => {
      const { victim, sessionId, stores, liar } = await setup();
      const invented = toHex(hexToBytes(encryptionPublicKey(newEncryptionSecretKey(secureRandom))));
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const sent = decodeRaw(call.params[0] as Hex);
          if (sent !== undefined && isSubmit(sent, 2)) liar.lie(fakeFinal(invented, sessionId));
          return undefined;
        },
      });
      const others = runOthers(sessionId, victim, stores);
      const error = await expectUntrusted(
        runVia(liar.url, members[victim]!, sessionId, stores[victim]!),
        /reported finalized/,
      );
      console.log(`      victim's error: ${error.shortMessage}`);
      await expectStoreKept(stores[victim]!, sessionId, victim, [1, 2]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });

    it("a faked end with its own result before its agreement landed: keeps everything, stops", async () => {
      const { victim, sessionId, stores, liar } = await setup();
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const sent = decodeRaw(call.params[0] as Hex);
          if (sent === undefined || !isSubmit(sent, 3)) return undefined;
          // The agreement never reaches the node; the provider says the session ended with it.
          liar.lie(fakeFinal(sent.args[3] as Hex, sessionId));
          return { error: { code: -32000, message: "connection lost" } };
        },
      });
      const others = runOthers(sessionId, victim, stores);
      const error = await expectUntrusted(
        runVia(liar.url, members[victim]!, sessionId, stores[victim]!),
        /own agreement/,
      );
      console.log(`      victim's error: ${error.shortMessage}`);
      await expectStoreKept(stores[victim]!, sessionId, victim, [1, 2, 3]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });

    it("a swallowed transaction is not reported delivered; resumed honestly, the session finishes", async () => {
      const { victim, sessionId, stores, liar } = await setup();
      const swallowed: Hex[] = [];
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const raw = call.params[0] as Hex;
          const sent = decodeRaw(raw);
          if (sent === undefined || !isSubmit(sent, 2)) return undefined;
          swallowed.push(keccak256(raw));
          return { result: keccak256(raw) };
        },
      });
      const notes: string[] = [];
      const others = runOthers(sessionId, victim, stores);
      const stopFirst = new AbortController();
      let settled: string | undefined;
      const first = runVia(liar.url, members[victim]!, sessionId, stores[victim]!, {
        signal: stopFirst.signal,
        onProgress: (p) => p.note !== undefined && notes.push(p.note),
      }).then(
        (o) => {
          settled = `resolved ${o.status}`;
        },
        (e: unknown) => {
          settled = `rejected ${e instanceof PartyError ? e.code : String(e)}`;
        },
      );
      const deadline = Date.now() + 30_000;
      while (swallowed.length === 0 && Date.now() < deadline) await sleep(50);
      expect(swallowed.length, "the victim sent its round-2 payload").to.be.greaterThan(0);
      await sleep(3_000);
      // Three seconds on: not claimed delivered, not on chain, the run still going.
      expect(notes.filter((n) => n.includes("round-2 payload"))).to.deep.equal([]);
      expect(settled).to.equal(undefined);
      const state = await honest().readContract({
        address: contract,
        abi: roundtableAbi,
        functionName: "sessionState",
        args: [sessionId],
      });
      expect((state.acted >> BigInt(victim)) & 1n).to.equal(0n);
      // Pointed at the honest node with the same store, it re-sends the stored payload.
      stopFirst.abort(new Error("moving to the honest node"));
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
      const stopAsked = Date.now();
      await Promise.race([first, sleep(5_000)]);
      console.log(
        `      the swallowed run after its stop signal: ${settled ?? `still waiting ${Date.now() - stopAsked} ms later (stuck in the receipt wait)`}`,
      );
    });

    it("a swallowed transaction with a faked receipt: a second, honest transport still delivers it", async () => {
      const { victim, sessionId, stores, liar } = await setup();
      const swallowed = new Set<Hex>();
      liar.lie({
        answer: async (call) => {
          if (call.method === "eth_getTransactionReceipt") {
            const hash = (call.params[0] as Hex).toLowerCase() as Hex;
            if (!swallowed.has(hash)) return undefined;
            const head = await anvil.publicClient.getBlock();
            return {
              result: {
                transactionHash: hash,
                transactionIndex: "0x0",
                blockHash: head.hash,
                blockNumber: toHex(head.number),
                from: members[victim]!.address.toLowerCase(),
                to: contract.toLowerCase(),
                cumulativeGasUsed: "0x5208",
                gasUsed: "0x5208",
                effectiveGasPrice: "0x1",
                contractAddress: null,
                logs: [],
                logsBloom: `0x${"00".repeat(256)}`,
                status: "0x1",
                type: "0x2",
              },
            };
          }
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const raw = call.params[0] as Hex;
          const sent = decodeRaw(raw);
          if (sent === undefined || !isSubmit(sent, 2)) return undefined;
          swallowed.add(keccak256(raw).toLowerCase() as Hex);
          return { result: keccak256(raw) };
        },
      });
      const others = runOthers(sessionId, victim, stores);
      const viaLiar = clientsAt(liar.url, members[victim]!);
      const viaHonest = clientsAt(anvil.rpcUrl, members[victim]!);
      const stopLooping = new AbortController();
      const run = runVia(liar.url, members[victim]!, sessionId, stores[victim]!, {
        signal: stopLooping.signal,
        transports: [
          createDirectTransport({ ...viaLiar, address: contract }),
          createDirectTransport({ ...viaHonest, address: contract }),
        ],
      });
      const outcome = await Promise.race([run, sleep(20_000).then(() => "timeout" as const)]);
      if (outcome === "timeout") {
        const state = await honest().readContract({
          address: contract,
          abi: roundtableAbi,
          functionName: "sessionState",
          args: [sessionId],
        });
        console.log(
          `      BUG evidence: after 20 s the victim had sent its round-2 payload ${sentThrough(liar).filter((x) => isSubmit(x, 2)).length} times (${swallowed.size} distinct transaction) into the liar (each "delivered" by a faked receipt) and never through its honest transport; on chain: round ${state.round}, acted bitmap ${state.acted.toString(2)}`,
        );
        // Stop the looping run (it would go on into later tests), then finish the session.
        stopLooping.abort(new Error("the test gave up on it"));
        run.catch(() => undefined);
        liar.lie({});
        const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
        await Promise.all(others);
        expect.fail(
          `the runner kept believing the liar's receipts (${sentThrough(liar).filter((x) => isSubmit(x, 2)).length} swallowed sends; resumed honestly: ${resumed.status})`,
        );
      }
      await expectOneGroupKey([outcome, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });

    it("a faked share is not complained about; the victim stops and finishes honestly", async () => {
      const { victim, sessionId, stores, liar } = await setup();
      const sender = 0;
      liar.lie({
        rewrite: (call, result) =>
          call.method !== "eth_getLogs"
            ? result
            : forgeLogs(result, (e) => {
                if (e.eventName !== "PayloadSubmitted") return undefined;
                if (e.args.index !== sender || e.args.round !== 2) return undefined;
                const payload = hexToBytes(e.args.payload as Hex);
                payload[payload.length - 7]! ^= 0x01;
                return { ...e.args, payload: toHex(payload) };
              }),
      });
      const others = runOthers(sessionId, victim, stores);
      const error = await expectUntrusted(
        runVia(liar.url, members[victim]!, sessionId, stores[victim]!),
        /not signed by its party/,
      );
      console.log(`      victim's error: ${error.shortMessage}`);
      expect(sentThrough(liar).filter((s) => s.functionName === "complain")).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });
  });

  // ───────────────────────────────────────────────────────────── N5-style proofs

  describe("N5 (runner): with proofs, a consistent forgery of logs and transcript is caught", () => {
    it("an honest provider passes with proofs; the extra RPC calls are printed", async () => {
      const counts: Record<string, number>[] = [];
      for (const withProofs of [false, true]) {
        const sessionId = await keygen();
        const stores = await Promise.all(members.map(() => newStore()));
        const p = await proxy();
        const started = Date.now();
        const outcomes = await Promise.all(
          members.map((m, i) =>
            runVia(p.url, m, sessionId, stores[i]!, {
              ...(withProofs ? { proofs: { trustedBlock: deployment } } : {}),
            }),
          ),
        );
        await expectOneGroupKey(outcomes);
        await expectFinalizedWithoutBlame(sessionId);
        counts.push({
          total: p.count(),
          eth_getProof: p.count("eth_getProof"),
          eth_getBlockByNumber: p.count("eth_getBlockByNumber"),
          eth_getTransactionByHash: p.count("eth_getTransactionByHash"),
          ms: Date.now() - started,
        });
      }
      const [without, withProofs] = counts as [Record<string, number>, Record<string, number>];
      console.log(
        `      RPC calls per 3-party key generation (all parties): without proofs ${JSON.stringify(without)}; with proofs ${JSON.stringify(withProofs)}; extra ${withProofs.total! - without.total!} (${((withProofs.total! - without.total!) / 3).toFixed(0)} per party)`,
      );
      expect(withProofs.eth_getProof).to.be.greaterThan(0);
    });

    it("keys and transcript forged consistently after round 1 are refused by the storage proof", async () => {
      const victim = 0;
      const sessionId = await keygen();
      const stores = await Promise.all(members.map(() => newStore()));
      const liar = await proxy();
      const { forge } = keySwap(victim);
      const lying = {
        rewrite: async (call: ForgedCall, result: unknown) => {
          if (call.method === "eth_getLogs") return forgeLogs(result, forge);
          if (call.method !== "eth_call") return result;
          const forged = await transcriptOfForged(
            sessionId,
            call.params[1] as Hex | undefined,
            forge,
          );
          return forgeCall(call, result, (fn) => (fn === "transcriptOf" ? forged : undefined));
        },
      };
      liar.lie({
        answer: (call) => {
          if (call.method !== "eth_sendRawTransaction") return undefined;
          const sent = decodeRaw(call.params[0] as Hex);
          if (sent !== undefined && isSubmit(sent, 1)) liar.lie(lying);
          return undefined;
        },
      });
      const others = runOthers(sessionId, victim, stores);
      const error = await expectUntrusted(
        runVia(liar.url, members[victim]!, sessionId, stores[victim]!, {
          proofs: { trustedBlock: deployment },
        }),
        /proven transcript|not signed by/,
      );
      console.log(`      victim's error: ${error.shortMessage}`);
      expect(sentThrough(liar).filter((s) => isSubmit(s, 2))).to.deep.equal([]);
      const resumed = await runVia(anvil.rpcUrl, members[victim]!, sessionId, stores[victim]!);
      await expectOneGroupKey([resumed, ...(await Promise.all(others))]);
      await expectFinalizedWithoutBlame(sessionId);
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
