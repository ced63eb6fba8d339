// The "one deviating party" matrix (issue 10, THREATS B1–B10): real runners on Hardhat's
// in-process chain, one of them bent by a tampering transport (or a script with the SDK), and
// three judges read afterwards: the contract's blame, every honest runner's outcome and an
// in-process audit. Everything here is self-contained: its own deployment, parties with in-memory
// stores, a JSON-RPC bridge for the auditor, and the table of deviations.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { network } from "hardhat";
import {
  type Address,
  bytesToHex,
  createWalletClient,
  custom,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
  stringToHex,
  toHex,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { auditSession, createAuditCaches } from "../../src/auditor/auditSession.js";
import { createChainReader } from "../../src/auditor/readChain.js";
import type { SessionAudit } from "../../src/auditor/types.js";
import { PartyError } from "../../src/party/errors.js";
import { bindingOf, ENCRYPTION_KEY_RECORD } from "../../src/party/records.js";
import { type PartyOutcome, type PartyProgress, runParty } from "../../src/party/runParty.js";
import { bindingLabel, type SecretBinding, type SecretStore } from "../../src/party/secretStore.js";
import { createDirectTransport, type Transport } from "../../src/party/transport.js";
import {
  ciphertextSlot,
  createComplaint,
  decodeKeygenRound1,
  decodeKeygenRound2,
  decodeSigningRound2,
  encodeKeygenRound1,
  encodeKeygenRound2,
  encodePublicFaultEvidence,
  encodeSigningRound2,
  encryptShare,
  proveKeyPossession,
  type SessionContext,
  secureRandom,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { expireSession } from "../../src/sdk/actions/expireSession.js";
import {
  getSessionEvents,
  type RoundtableEventLog,
} from "../../src/sdk/actions/getSessionEvents.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { submitSignedActions } from "../../src/sdk/actions/submitSignedActions.js";
import { decodeAcceptData, encodeAcceptData } from "../../src/sdk/eip712.js";
import { keyProofDigest } from "../../src/sdk/encryptionKeyProof.js";
import { RoundtableContractError, toRoundtableError } from "../../src/sdk/errors.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { signAction } from "../../src/sdk/signAction.js";
import {
  ActionType,
  Phase,
  type SessionConfig,
  type SessionState,
  type SignedAction,
  type UnsignedAction,
} from "../../src/sdk/types.js";

export const connection = await network.create();
const { viem, networkHelpers } = connection;

/** Runner polling in tests: fast, the chain is in-process. */
const POLL_MS = 25;
/** How long the chain must stay still, every runner waiting, before the deadline is jumped. */
const STALL_MS = 500;
/** A cell that has not ended by then is a failure (and its runs are stopped). */
const CELL_TIMEOUT_MS = 45_000;
const N = 3;
const T = 2;
const CHAIN_ID = 31337;
/** The contract's payload cap (Roundtable.MAX_PAYLOAD_BYTES) and result cap (MAX_RESULT_BYTES). */
export const MAX_PAYLOAD_BYTES = 16_384;
export const MAX_RESULT_BYTES = 96;

// ───────────────────────────────────────────────────────────── chain, parties, stores

export type Matrix = {
  address: Address;
  publicClient: RoundtablePublicClient;
  initiator: RoundtableWalletClient;
  /** Relayers: one carries honest parties' signed actions, one is the deviator's script. */
  relayer: RoundtableWalletClient;
  scripter: RoundtableWalletClient;
  parties: MatrixParty[];
  /** The key session every signing cell signs with (honest 2-of-3 key generation). */
  keySession: bigint;
  rpcUrl: string;
  stop(): Promise<void>;
};

export type MatrixParty = {
  index: number;
  account: PrivateKeyAccount;
  address: Address;
  walletClient: RoundtableWalletClient;
  store: MemoryStore;
};

/** A secret store in memory (the runner's contract only; bindings kept apart by label). */
export class MemoryStore implements SecretStore {
  readonly #map = new Map<string, Uint8Array>();
  async get(binding: SecretBinding, name: string): Promise<Uint8Array | undefined> {
    const value = this.#map.get(bindingLabel(binding, name));
    return value === undefined ? undefined : value.slice();
  }
  async put(binding: SecretBinding, name: string, value: Uint8Array): Promise<void> {
    this.#map.set(bindingLabel(binding, name), value.slice());
  }
  async delete(binding: SecretBinding, name: string): Promise<void> {
    this.#map.delete(bindingLabel(binding, name));
  }
}

function walletOf(account: PrivateKeyAccount, m: { publicClient: RoundtablePublicClient }) {
  return createWalletClient({
    account,
    chain: m.publicClient.chain,
    transport: custom(connection.provider),
  }) as unknown as RoundtableWalletClient;
}

/** A JSON-RPC server on 127.0.0.1 in front of the in-process chain, for the auditor's reader. */
async function startBridge(): Promise<{ url: string; server: Server }> {
  type Call = { id: unknown; method: string; params?: unknown[] };
  const answer = async (call: Call) => {
    try {
      const result = await connection.provider.request({
        method: call.method,
        params: call.params ?? [],
      });
      return { jsonrpc: "2.0", id: call.id, result };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: call.id,
        error: { code: e.code ?? -32000, message: e.message ?? String(error), data: e.data },
      };
    }
  };
  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Call | Call[];
      const out = Array.isArray(parsed)
        ? await Promise.all(parsed.map(answer))
        : await answer(parsed);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? toHex(v) : v)));
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** Deploys a Roundtable, makes three funded parties and runs the honest key session. */
export async function setUpMatrix(): Promise<Matrix> {
  const contract = await viem.deployContract("Roundtable");
  const publicClient = (await viem.getPublicClient()) as unknown as RoundtablePublicClient;
  const [initiator, relayer, scripter] = await viem.getWalletClients();
  if (!initiator || !relayer || !scripter) throw new Error("Hardhat has too few accounts");
  const base = { publicClient };
  const accounts = Array.from({ length: N }, (_, i) =>
    privateKeyToAccount(keccak256(stringToHex(`roundtable blame matrix party ${i}`))),
  ).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const parties: MatrixParty[] = [];
  for (const [index, account] of accounts.entries()) {
    await networkHelpers.setBalance(account.address, 10n ** 21n);
    parties.push({
      index,
      account,
      address: account.address,
      walletClient: walletOf(account, base),
      store: new MemoryStore(),
    });
  }
  const bridge = await startBridge();
  const m: Matrix = {
    address: getAddress(contract.address),
    publicClient,
    initiator: initiator as unknown as RoundtableWalletClient,
    relayer: relayer as unknown as RoundtableWalletClient,
    scripter: scripter as unknown as RoundtableWalletClient,
    parties,
    keySession: 0n,
    rpcUrl: bridge.url,
    stop: () =>
      new Promise<void>((resolve) => {
        bridge.server.closeAllConnections();
        bridge.server.close(() => resolve());
      }),
  };
  const { sessionId } = await createSession({
    publicClient,
    walletClient: m.initiator,
    address: m.address,
    config: keygenConfig({ parties: accounts.map((a) => a.address), threshold: T }),
  });
  const outcomes = await Promise.all(
    parties.map((party) =>
      runParty({
        publicClient,
        walletClient: party.walletClient,
        address: m.address,
        sessionId,
        store: party.store,
        confirm: async () => true,
        pollingInterval: POLL_MS,
      }),
    ),
  );
  if (outcomes.some((o) => o.status !== "finalized")) {
    throw new Error(`the key session did not finalize: ${JSON.stringify(outcomes, replacer)}`);
  }
  m.keySession = sessionId;
  return m;
}

// ───────────────────────────────────────────────────────────── the deviations

export type Protocol = "keygen" | "signing";

/** What a deviation does to the deviator's actions, with everything it may need. */
export type CellContext = {
  m: Matrix;
  protocol: Protocol;
  sessionId: bigint;
  /** The deviator (0-based) and an honest victim it acts against. */
  deviator: number;
  victim: number;
  /** The other honest party (neither deviator nor victim). */
  bystander: number;
  /** Every action each party's transport was asked to deliver (before any tampering). */
  asked: UnsignedAction[][];
  /** Honest parties' signed actions (victims that go through the relayer). */
  signed: SignedAction[];
  /** Contract errors the deviator's tampered actions were refused with. */
  refusals: string[];
  /** What the deviator's script did, in words. */
  notes: string[];
};

export type Deviation = {
  id: string;
  /** The phase it happens in: accept, round 1, 2, 3 (agreement), or creation. */
  phase: "create" | "accept" | "r1" | "r2" | "r3";
  protocols: readonly Protocol[];
  what: string;
  /** Session options. */
  commitReveal?: boolean;
  /** Honest victim sends through the relayer with signed actions (replay cells). */
  victimRelayed?: boolean;
  /** The deviator's transport, around its direct one. */
  transport?: (inner: Transport, ctx: CellContext) => Transport;
  /** The contract must refuse the tampered action with one of these errors. */
  refusedWith?: readonly string[];
  /** Creation-time cells: what config the initiator tries (the session must not exist). */
  create?: (ctx: Omit<CellContext, "sessionId">) => SessionConfig;
  /** The initiator, not a party, deviates: the config is unrunnable but the contract takes it. */
  unrunnable?: (ctx: Omit<CellContext, "sessionId">) => SessionConfig;
};

const zeroWord = `0x${"00".repeat(32)}` as Hex;

const isSubmit = (a: UnsignedAction, round: number) =>
  a.action === ActionType.Submit && a.round === round;

/** Rewrites the deviator's round-`round` payload. */
function rewrite(
  round: number,
  change: (payload: Uint8Array, ctx: CellContext) => Uint8Array | Promise<Uint8Array>,
): (inner: Transport, ctx: CellContext) => Transport {
  return (inner, ctx) => ({
    name: `rewriting round ${round}`,
    async submit(action) {
      if (!isSubmit(action, round)) return inner.submit(action);
      const data = bytesToHex(await change(hexToBytes(action.data), ctx));
      return inner.submit({ ...action, data });
    },
  });
}

/** Refuses to send the matching action: the deviator goes silent there. */
function silentOn(match: (a: UnsignedAction) => boolean) {
  return (inner: Transport): Transport => ({
    name: "silent",
    submit(action) {
      if (match(action)) return Promise.reject(new Error("this party went silent"));
      return inner.submit(action);
    },
  });
}

/** Files a complaint instead of the deviator's action in `round` (Submit, or Accept for round 0). */
function complainInstead(
  round: number,
  build: (
    ctx: CellContext,
  ) =>
    | Promise<{ accused: number; evidence: Uint8Array }>
    | { accused: number; evidence: Uint8Array },
): (inner: Transport, ctx: CellContext) => Transport {
  return (inner, ctx) => ({
    name: `complaining in round ${round}`,
    async submit(action) {
      if (!isSubmit(action, round)) return inner.submit(action);
      const { accused, evidence } = await build(ctx);
      ctx.notes.push(`complained in round ${round} against party ${accused}`);
      return inner.submit({
        ...action,
        action: ActionType.Complain,
        accused,
        data: bytesToHex(evidence),
      });
    },
  });
}

/** Public-fault evidence (01 32), 1-based inside, from 0-based parties. */
function publicFault(accuser: number, accused: number, round: number): Uint8Array {
  return encodePublicFaultEvidence({ accuser: accuser + 1, accused: accused + 1, round });
}

function flipLast(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length - 1] = out[out.length - 1]! ^ 1;
  return out;
}

function padTo(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, Math.min(bytes.length, length)));
  return out;
}

async function eventsOf(m: Matrix, sessionId: bigint): Promise<RoundtableEventLog[]> {
  return getSessionEvents({ publicClient: m.publicClient, address: m.address, sessionId });
}

/** Resolves once `check` yields a value (polling the chain), or throws after 20 s. */
async function until<V>(check: () => Promise<V | undefined>, what: string): Promise<V> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - start > 20_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A party's round-`round` payload as the chain holds it, once it is there. */
function payloadOnChain(ctx: CellContext, party: number, round: number, sessionId = ctx.sessionId) {
  return until(async () => {
    for (const e of await eventsOf(ctx.m, sessionId)) {
      if (e.eventName === "PayloadSubmitted" && e.args.index === party && e.args.round === round)
        return hexToBytes(e.args.payload);
    }
    return undefined;
  }, `party ${party}'s round-${round} payload`);
}

/** The deviator's protocol context (1-based index), from the registered keys. */
async function contextOf(ctx: CellContext): Promise<SessionContext> {
  const keys: Uint8Array[] = [];
  for (const e of await eventsOf(ctx.m, ctx.sessionId)) {
    if (e.eventName === "PartyAccepted") keys[e.args.index] = hexToBytes(e.args.encryptionKey);
  }
  return {
    ciphersuite: TAPROOT_CIPHERSUITE,
    chainId: BigInt(CHAIN_ID),
    contractAddress: ctx.m.address,
    sessionId: ctx.sessionId,
    encryptionKeys: keys,
    threshold: T,
    partyIndex: ctx.deviator + 1,
  };
}

/** The deviator's own encryption secret key for this session, from its store. */
async function deviatorSecret(ctx: CellContext): Promise<Uint8Array> {
  const party = ctx.m.parties[ctx.deviator]!;
  const secret = await party.store.get(
    bindingOf(CHAIN_ID, ctx.m.address, ctx.sessionId, ctx.deviator),
    ENCRYPTION_KEY_RECORD,
  );
  if (secret === undefined) throw new Error("the deviator has no encryption key stored");
  return secret;
}

/** Replaces the deviator's Accept data. */
function acceptWith(
  data: (ctx: CellContext, action: UnsignedAction) => Hex | Promise<Hex>,
): (inner: Transport, ctx: CellContext) => Transport {
  return (inner, ctx) => ({
    name: "bad key",
    async submit(action) {
      if (action.action !== ActionType.Accept) return inner.submit(action);
      return inner.submit({ ...action, data: await data(ctx, action) });
    },
  });
}

/** Tries another party's signed action in the deviator's own slot, then acts honestly. */
function replayInto(match: (a: UnsignedAction) => boolean) {
  return (inner: Transport, ctx: CellContext): Transport => ({
    name: "replaying",
    async submit(action) {
      if (!match(action)) return inner.submit(action);
      const theirs = await until(
        async () =>
          ctx.signed.find(
            (s) => s.party === ctx.victim && s.action === action.action && s.round === action.round,
          ),
        "the victim's signed action",
      );
      try {
        await submitSignedActions({
          publicClient: ctx.m.publicClient,
          walletClient: ctx.m.scripter,
          address: ctx.m.address,
          actions: [{ ...theirs, party: ctx.deviator }],
        });
        ctx.notes.push("the replay was ACCEPTED on chain");
      } catch (error) {
        recordRefusal(ctx, error);
      }
      return inner.submit(action);
    },
  });
}

function recordRefusal(ctx: CellContext, error: unknown): void {
  const reason = toRoundtableError(error);
  ctx.refusals.push(
    reason instanceof RoundtableContractError
      ? reason.errorName
      : `non-contract: ${reason.shortMessage}`,
  );
}

/** Wraps the deviator's transport so refusals of its tampered actions are recorded. */
function noticing(inner: Transport, ctx: CellContext): Transport {
  return {
    name: inner.name,
    async submit(action) {
      try {
        return await inner.submit(action);
      } catch (error) {
        recordRefusal(ctx, error);
        throw error;
      }
    },
  };
}

const both: readonly Protocol[] = ["keygen", "signing"];
const keygenOnly: readonly Protocol[] = ["keygen"];
const signingOnly: readonly Protocol[] = ["signing"];

/** Every deviation of the matrix. */
export const deviations: readonly Deviation[] = [
  // ── creation: impossible parameters (the initiator deviates)
  {
    id: "impossible-t1",
    phase: "create",
    protocols: both,
    what: "the initiator asks for threshold 1",
    create: (ctx) => configFor(ctx, { threshold: 1 }),
  },
  {
    id: "impossible-n1",
    phase: "create",
    protocols: both,
    what: "the initiator asks for one party (t = 1, n = 1)",
    create: (ctx) => configFor(ctx, { threshold: 1, parties: [ctx.m.parties[0]!.address] }),
  },
  {
    id: "unrunnable-params",
    phase: "create",
    protocols: both,
    what: "the initiator adds protocol parameters the protocol does not take (contract accepts; parties decline)",
    unrunnable: (ctx) => ({ ...configFor(ctx, {}), params: "0x01" }),
  },
  // ── acceptance
  {
    id: "silent-accept",
    phase: "accept",
    protocols: both,
    what: "never accepts",
    transport: silentOn((a) => a.action === ActionType.Accept),
  },
  {
    id: "key-off-curve",
    phase: "accept",
    protocols: both,
    what: "registers an off-curve encryption key (0x02 ‖ x with no point)",
    refusedWith: ["RoundtableInvalidKeyProof", "RoundtableInvalidEncryptionKey"],
    transport: acceptWith((_ctx, action) => {
      const { delegate, keyProof } = decodeAcceptData(action.data);
      return encodeAcceptData({ encryptionKey: offCurveKey(), keyProof, delegate });
    }),
  },
  {
    id: "key-copied",
    phase: "accept",
    protocols: both,
    what: "registers a copy of another party's key and key proof (read from its Accept)",
    refusedWith: ["RoundtableInvalidKeyProof"],
    transport: acceptWith(async (ctx, action) => {
      const theirs = await until(
        async () => ctx.asked[ctx.victim]!.find((a) => a.action === ActionType.Accept),
        "the victim's Accept",
      );
      const { encryptionKey, keyProof } = decodeAcceptData(theirs.data);
      const { delegate } = decodeAcceptData(action.data);
      return encodeAcceptData({ encryptionKey, keyProof, delegate });
    }),
  },
  {
    id: "key-generator",
    phase: "accept",
    protocols: both,
    what: "registers the generator (secret 1) with a valid proof of possession",
    refusedWith: ["RoundtableKnownEncryptionKey"],
    transport: acceptWith((ctx, action) => {
      const one = new Uint8Array(32);
      one[31] = 1;
      const encryptionKey = bytesToHex(secp256k1.getPublicKey(one, true));
      const digest = keyProofDigest({
        chainId: CHAIN_ID,
        contract: ctx.m.address,
        sessionId: ctx.sessionId,
        party: ctx.deviator,
        encryptionKey,
      });
      const keyProof = bytesToHex(proveKeyPossession(one, hexToBytes(digest), secureRandom));
      const { delegate } = decodeAcceptData(action.data);
      return encodeAcceptData({ encryptionKey, keyProof, delegate });
    }),
  },
  {
    id: "key-bad-proof",
    phase: "accept",
    protocols: both,
    what: "registers its own key with a broken proof of possession",
    refusedWith: ["RoundtableInvalidKeyProof"],
    transport: acceptWith((_ctx, action) => {
      const { encryptionKey, keyProof, delegate } = decodeAcceptData(action.data);
      return encodeAcceptData({
        encryptionKey,
        keyProof: bytesToHex(flipLast(hexToBytes(keyProof))),
        delegate,
      });
    }),
  },
  {
    id: "replay-accept",
    phase: "accept",
    protocols: both,
    what: "replays another party's signed Accept into its own slot, then accepts honestly",
    victimRelayed: true,
    // The key proof names its party too, and is checked before the signature.
    refusedWith: [
      "RoundtableInvalidKeyProof",
      "RoundtableInvalidSignature",
      "RoundtableUnauthorized",
    ],
    transport: replayInto((a) => a.action === ActionType.Accept),
  },
  // ── silence
  ...([1, 2, 3] as const).map(
    (round): Deviation => ({
      id: `silent-r${round}`,
      phase: `r${round}`,
      protocols: both,
      what: `goes silent in round ${round}`,
      transport: silentOn((a) => isSubmit(a, round)),
    }),
  ),
  // ── malformed, oversized
  ...([1, 2, 3] as const).map(
    (round): Deviation => ({
      id: `malformed-r${round}`,
      phase: `r${round}`,
      protocols: both,
      what: `sends its round-${round} payload one byte short`,
      transport: rewrite(round, (p) => p.subarray(0, p.length - 1)),
    }),
  ),
  ...([1, 2] as const).map(
    (round): Deviation => ({
      id: `oversized-r${round}`,
      phase: `r${round}`,
      protocols: both,
      what: `sends a round-${round} payload padded to the ${MAX_PAYLOAD_BYTES}-byte cap`,
      transport: rewrite(round, (p) => padTo(p, MAX_PAYLOAD_BYTES)),
    }),
  ),
  {
    id: "oversized-r3",
    phase: "r3",
    protocols: both,
    what: `sends an agreement padded to the ${MAX_RESULT_BYTES}-byte result cap`,
    transport: rewrite(3, (p) => padTo(p, MAX_RESULT_BYTES)),
  },
  {
    id: "over-cap-r1",
    phase: "r1",
    protocols: both,
    what: `sends a round-1 payload of ${MAX_PAYLOAD_BYTES + 1} bytes (over the cap)`,
    refusedWith: ["RoundtableInvalidPayloadLength"],
    transport: rewrite(1, (p) => padTo(p, MAX_PAYLOAD_BYTES + 1)),
  },
  // ── wrong values
  {
    id: "wrong-agreement",
    phase: "r3",
    protocols: both,
    what: "agrees on a wrong result (last bit flipped)",
    transport: rewrite(3, flipLast),
  },
  {
    id: "copied-round1-other-session",
    phase: "r1",
    protocols: keygenOnly,
    what: "sends its own round-1 package from another session (the key session)",
    transport: rewrite(1, (_p, ctx) => payloadOnChain(ctx, ctx.deviator, 1, ctx.m.keySession)),
  },
  {
    id: "copied-round1-other-party",
    phase: "r1",
    protocols: both,
    what: "sends another party's round-1 package of this session as its own",
    transport: rewrite(1, (_p, ctx) => payloadOnChain(ctx, ctx.victim, 1)),
  },
  {
    id: "bad-proof-of-knowledge",
    phase: "r1",
    protocols: keygenOnly,
    what: "sends a round-1 package with a broken proof of knowledge",
    transport: rewrite(1, (p) => {
      const shape = { ciphersuite: TAPROOT_CIPHERSUITE, threshold: T } as const;
      const decoded = decodeKeygenRound1(p, shape);
      return encodeKeygenRound1({
        ...decoded,
        proofOfKnowledge: flipLast(decoded.proofOfKnowledge),
      });
    }),
  },
  {
    id: "bad-session-binding",
    phase: "r1",
    protocols: keygenOnly,
    what: "sends a round-1 package with a broken session-binding signature",
    transport: rewrite(1, flipLast),
  },
  {
    id: "equivocating-reveal",
    phase: "r1",
    protocols: keygenOnly,
    what: "commits to one round-1 payload and reveals another (commit-then-reveal)",
    commitReveal: true,
    refusedWith: ["RoundtableCommitmentMismatch"],
    transport: rewrite(1, flipLast),
  },
  {
    id: "wrong-share-garbage",
    phase: "r2",
    protocols: keygenOnly,
    what: "sends one recipient a ciphertext that does not decrypt",
    transport: rewrite(2, (p, ctx) => {
      const out = p.slice();
      const at = 2 + 48 * ciphertextSlot(ctx.deviator + 1, ctx.victim + 1) + 5;
      out[at] = out[at]! ^ 1;
      return out;
    }),
  },
  {
    id: "wrong-share-scalar",
    phase: "r2",
    protocols: keygenOnly,
    what: "sends one recipient a well-encrypted wrong share",
    transport: rewrite(2, async (p, ctx) => {
      const { ciphertexts } = decodeKeygenRound2(p, { parties: N });
      const wrong = encryptShare({
        context: await contextOf(ctx),
        recipient: ctx.victim + 1,
        encryptionSecretKey: await deviatorSecret(ctx),
        share: new Uint8Array(32).fill(0x11),
      });
      const slot = ciphertextSlot(ctx.deviator + 1, ctx.victim + 1);
      return encodeKeygenRound2({
        ciphertexts: ciphertexts.map((c, i) => (i === slot ? wrong : c)),
      });
    }),
  },
  {
    id: "bad-signature-share",
    phase: "r2",
    protocols: signingOnly,
    what: "sends a wrong signature share",
    transport: rewrite(2, (p) => {
      const { share } = decodeSigningRound2(p);
      return encodeSigningRound2({ share: flipLast(share) });
    }),
  },
  // ── false complaints
  ...([1, 2, 3] as const).map(
    (round): Deviation => ({
      id: `false-public-complaint-r${round}`,
      phase: `r${round}`,
      protocols: both,
      what: `complains in round ${round} (01 32) about an honest party's valid round-${round === 1 ? 1 : round - 1} payload`,
      transport: complainInstead(round, async (ctx) => {
        const about = round === 1 ? 1 : round - 1;
        await payloadOnChain(ctx, ctx.victim, about);
        return { accused: ctx.victim, evidence: publicFault(ctx.deviator, ctx.victim, about) };
      }),
    }),
  ),
  {
    id: "false-public-complaint-agreement",
    phase: "r3",
    protocols: both,
    what: "complains in round 3 (01 32) about an honest party's valid agreement",
    transport: complainInstead(3, async (ctx) => {
      await payloadOnChain(ctx, ctx.victim, 3);
      return { accused: ctx.victim, evidence: publicFault(ctx.deviator, ctx.victim, 3) };
    }),
  },
  {
    id: "false-share-complaint",
    phase: "r3",
    protocols: keygenOnly,
    what: "complains in round 3 with share evidence (01 31) against an honest sender",
    transport: complainInstead(3, async (ctx) => ({
      accused: ctx.victim,
      evidence: createComplaint({
        context: await contextOf(ctx),
        accused: ctx.victim + 1,
        encryptionSecretKey: await deviatorSecret(ctx),
        random: secureRandom,
      }),
    })),
  },
  {
    id: "share-evidence-early",
    phase: "r2",
    protocols: keygenOnly,
    what: "complains in round 2 with share evidence before any share was sent",
    transport: complainInstead(2, async (ctx) => ({
      accused: ctx.victim,
      evidence: createComplaint({
        context: await contextOf(ctx),
        accused: ctx.victim + 1,
        encryptionSecretKey: await deviatorSecret(ctx),
        random: secureRandom,
      }),
    })),
  },
  {
    id: "share-evidence-in-signing",
    phase: "r3",
    protocols: signingOnly,
    what: "complains in a signing session with share evidence (01 31)",
    transport: complainInstead(3, async (ctx) => ({
      accused: ctx.victim,
      evidence: createComplaint({
        context: await contextOf(ctx),
        accused: ctx.victim + 1,
        encryptionSecretKey: await deviatorSecret(ctx),
        random: secureRandom,
      }),
    })),
  },
  // ── complaints whose parts disagree (B2)
  {
    id: "complaint-accused-mismatch",
    phase: "r2",
    protocols: both,
    what: "files on chain against one honest party with evidence accusing the other",
    transport: complainInstead(2, async (ctx) => {
      await payloadOnChain(ctx, ctx.bystander, 1);
      return { accused: ctx.victim, evidence: publicFault(ctx.deviator, ctx.bystander, 1) };
    }),
  },
  {
    id: "complaint-accuser-mismatch",
    phase: "r2",
    protocols: both,
    what: "files on chain with evidence naming an honest party as the accuser",
    transport: complainInstead(2, async (ctx) => {
      await payloadOnChain(ctx, ctx.victim, 1);
      return { accused: ctx.victim, evidence: publicFault(ctx.bystander, ctx.victim, 1) };
    }),
  },
  {
    id: "complaint-share-accused-mismatch",
    phase: "r3",
    protocols: keygenOnly,
    what: "files on chain against one honest party with share evidence against the other",
    transport: complainInstead(3, async (ctx) => ({
      accused: ctx.victim,
      evidence: createComplaint({
        context: await contextOf(ctx),
        accused: ctx.bystander + 1,
        encryptionSecretKey: await deviatorSecret(ctx),
        random: secureRandom,
      }),
    })),
  },
  // ── complaints the contract refuses, or whose evidence is junk
  {
    id: "complaint-in-accept",
    phase: "accept",
    protocols: both,
    what: "files a complaint instead of accepting",
    refusedWith: ["RoundtableUnexpectedPhase"],
    transport: (inner, ctx) => ({
      name: "complaining early",
      submit(action) {
        if (action.action !== ActionType.Accept) return inner.submit(action);
        return inner.submit({
          ...action,
          action: ActionType.Complain,
          accused: ctx.victim,
          word: zeroWord,
          data: bytesToHex(publicFault(ctx.deviator, ctx.victim, 1)),
        });
      },
    }),
  },
  {
    id: "accept-malformed-key",
    phase: "accept",
    protocols: both,
    what: "accepts with a 32-byte encryption key, sent raw past the SDK's own checks",
    refusedWith: ["RoundtableInvalidEncryptionKey"],
    transport: (inner, ctx) => ({
      name: "raw accept",
      async submit(action) {
        if (action.action !== ActionType.Accept) return inner.submit(action);
        const { encryptionKey, keyProof, delegate } = decodeAcceptData(action.data);
        const party = ctx.m.parties[ctx.deviator]!;
        try {
          const { request } = await ctx.m.publicClient.simulateContract({
            address: ctx.m.address,
            abi: roundtableAbi,
            functionName: "accept",
            args: [
              action.sessionId,
              action.party,
              action.word,
              encryptionKey.slice(0, -2) as Hex,
              keyProof,
              delegate,
            ],
            account: party.account,
          });
          const hash = await party.walletClient.writeContract(request);
          return { transactionHash: hash };
        } catch (error) {
          recordRefusal(ctx, error);
          throw error;
        }
      },
    }),
  },
  {
    id: "self-complaint",
    phase: "r2",
    protocols: both,
    what: "complains against itself in round 2",
    refusedWith: ["RoundtableSelfComplaint"],
    transport: complainInstead(2, (ctx) => ({
      accused: ctx.deviator,
      evidence: publicFault(ctx.deviator, ctx.victim, 1),
    })),
  },
  {
    id: "complaint-junk-evidence",
    phase: "r2",
    protocols: both,
    what: "complains in round 2 with evidence that does not decode",
    transport: complainInstead(2, (ctx) => ({
      accused: ctx.victim,
      evidence: new Uint8Array([1, 0x32, 0xff, 0xee, 0xdd, 0xcc, 0xbb]),
    })),
  },
  {
    id: "complaint-future-round",
    phase: "r2",
    protocols: both,
    what: "complains in round 2 about the accused's round-3 payload",
    transport: complainInstead(2, (ctx) => ({
      accused: ctx.victim,
      evidence: publicFault(ctx.deviator, ctx.victim, 3),
    })),
  },
  // ── commit-then-reveal silence (key generation's optional committing phase)
  {
    id: "silent-commit",
    phase: "r1",
    protocols: keygenOnly,
    what: "never commits in a commit-then-reveal round 1",
    commitReveal: true,
    transport: silentOn((a) => a.action === ActionType.Commit),
  },
  {
    id: "silent-reveal",
    phase: "r1",
    protocols: keygenOnly,
    what: "commits but never reveals in a commit-then-reveal round 1",
    commitReveal: true,
    transport: silentOn((a) => isSubmit(a, 1)),
  },
  // ── replay (B6)
  {
    id: "replay-submit-r1",
    phase: "r1",
    protocols: both,
    what: "replays another party's signed round-1 Submit into its own slot, then submits honestly",
    victimRelayed: true,
    refusedWith: ["RoundtableInvalidSignature", "RoundtableUnauthorized"],
    transport: replayInto((a) => isSubmit(a, 1)),
  },
];

/** A 33-byte compressed key whose x has no point on secp256k1. */
function offCurveKey(): Hex {
  for (let x = 5n; ; x++) {
    const hex = `0x02${x.toString(16).padStart(64, "0")}` as Hex;
    try {
      secp256k1.Point.fromHex(hex.slice(2));
    } catch {
      return hex;
    }
  }
}

function configFor(
  ctx: Pick<CellContext, "m" | "protocol">,
  over: { threshold?: number; parties?: Address[]; commitReveal?: boolean; tag?: string },
): SessionConfig {
  const parties = over.parties ?? ctx.m.parties.map((p) => p.address);
  const threshold = over.threshold ?? T;
  if (ctx.protocol === "keygen") {
    return keygenConfig({ parties, threshold, commitReveal: over.commitReveal ?? false });
  }
  return signingConfig({
    keySession: ctx.m.keySession,
    signers: parties,
    threshold,
    message: keccak256(stringToHex(`blame matrix ${over.tag ?? "message"}`)),
  });
}

// ───────────────────────────────────────────────────────────── one cell

export type Cell = { protocol: Protocol; deviation: Deviation; deviator: number };

export type CellResult = {
  cell: string;
  sessionId: bigint | undefined;
  /** What the contract did: its end event and blame. */
  contract: string;
  contractBlame: number[];
  /** Each honest runner's outcome or error. */
  runners: { party: number; outcome?: PartyOutcome; error?: string }[];
  deviatorRun: string;
  audit:
    | { verdict: string; outcome: string; findings: string[]; failedChecks: string[] }
    | undefined;
  refusals: string[];
  notes: string[];
  /** Broken promises; empty when the cell holds. */
  violations: string[];
  /** Whether anyone (contract, runners, auditor) named the deviator. */
  named: boolean;
  ms: number;
};

export function cellName({ protocol, deviation, deviator }: Cell): string {
  const rows = threatRows(deviation.id);
  return `${protocol} · ${deviation.phase} · ${deviation.id} · deviator ${deviator}${rows === "" ? "" : ` [${rows}]`}`;
}

/** The THREATS.md rows a deviation exercises, so a reader finds each row's tests by name. */
function threatRows(id: string): string {
  const rows: string[] = [];
  if (id.startsWith("key-") || id === "accept-malformed-key") rows.push("B1");
  if (id.includes("mismatch")) rows.push("B2");
  if (
    id.startsWith("wrong-share") ||
    id === "false-share-complaint" ||
    id === "share-evidence-early"
  )
    rows.push("B3");
  if (id === "bad-signature-share" || id === "share-evidence-in-signing") rows.push("B4");
  if (id.startsWith("replay")) rows.push("B6");
  if (id.startsWith("impossible") || id === "unrunnable-params") rows.push("B7");
  if (id.startsWith("copied-round1")) rows.push("B8");
  return rows.join(", ");
}

/** Every (protocol, deviation) pair the table allows, with a deviator chosen round robin. */
export function allCells(): Cell[] {
  const cells: Cell[] = [];
  let k = 0;
  for (const protocol of ["keygen", "signing"] as const) {
    for (const deviation of deviations) {
      if (!deviation.protocols.includes(protocol)) continue;
      cells.push({ protocol, deviation, deviator: k++ % N });
    }
  }
  return cells;
}

export async function runCell(m: Matrix, cell: Cell): Promise<CellResult> {
  const started = Date.now();
  const { protocol, deviation, deviator } = cell;
  const victim = (deviator + 1) % N;
  const bystander = (deviator + 2) % N;
  const ctx: CellContext = {
    m,
    protocol,
    sessionId: 0n,
    deviator,
    victim,
    bystander,
    asked: Array.from({ length: N }, () => []),
    signed: [],
    refusals: [],
    notes: [],
  };
  const result: CellResult = {
    cell: cellName(cell),
    sessionId: undefined,
    contract: "",
    contractBlame: [],
    runners: [],
    deviatorRun: "",
    audit: undefined,
    refusals: ctx.refusals,
    notes: ctx.notes,
    violations: [],
    named: false,
    ms: 0,
  };
  const violate = (what: string) => result.violations.push(what);

  if (deviation.create !== undefined) {
    await creationCell(m, ctx, deviation, result);
    result.ms = Date.now() - started;
    return result;
  }

  const config =
    deviation.unrunnable?.(ctx) ??
    configFor(ctx, { commitReveal: deviation.commitReveal ?? false, tag: result.cell });
  const { sessionId } = await createSession({
    publicClient: m.publicClient,
    walletClient: m.initiator,
    address: m.address,
    config,
  });
  ctx.sessionId = sessionId;
  result.sessionId = sessionId;
  const honestParties = deviation.unrunnable ? [0, 1, 2] : [0, 1, 2].filter((i) => i !== deviator);

  // Runs, with what each last said, and how many actions are in flight.
  let busy = 0;
  const stop = new AbortController();
  type Run = { party: number; settled: boolean; last: PartyProgress | undefined };
  const runs: Run[] = [];
  const settled: Promise<void>[] = [];
  const outcomes = new Map<number, { outcome?: PartyOutcome; error?: unknown }>();
  for (const party of m.parties) {
    const i = party.index;
    const deviant = i === deviator && deviation.unrunnable === undefined;
    const direct = createDirectTransport({
      publicClient: m.publicClient,
      walletClient: party.walletClient,
      address: m.address,
    });
    let transport: Transport =
      !deviant && i === victim && deviation.victimRelayed === true
        ? relayed(m, party, ctx)
        : direct;
    if (deviant && deviation.transport !== undefined)
      transport = deviation.transport(noticing(direct, ctx), ctx);
    const recorded = transport;
    const counted: Transport = {
      name: recorded.name,
      async submit(action) {
        ctx.asked[i]!.push(action);
        busy++;
        try {
          return await recorded.submit(action);
        } finally {
          busy--;
        }
      },
    };
    const run: Run = { party: i, settled: false, last: undefined };
    runs.push(run);
    settled.push(
      runParty({
        publicClient: m.publicClient,
        walletClient: party.walletClient,
        address: m.address,
        sessionId,
        store: party.store,
        transports: [counted],
        confirm: async () => true,
        pollingInterval: POLL_MS,
        signal: stop.signal,
        onProgress: (p) => {
          run.last = p;
        },
      }).then(
        (outcome) => {
          outcomes.set(i, { outcome });
          run.settled = true;
        },
        (error: unknown) => {
          outcomes.set(i, { error });
          run.settled = true;
        },
      ),
    );
  }

  // Drive the clock: when nothing moves and every run still going only waits, the deadline passes.
  let lastKey = "";
  let since = Date.now();
  while (runs.some((r) => !r.settled)) {
    if (Date.now() - started > CELL_TIMEOUT_MS) {
      violate(
        `the cell did not end within ${CELL_TIMEOUT_MS} ms (runs still going: ${runs
          .filter((r) => !r.settled)
          .map((r) => `${r.party} (${r.last?.note ?? r.last?.phase})`)
          .join(", ")})`,
      );
      stop.abort(new Error("cell timeout"));
      break;
    }
    await sleep(40);
    const state = await stateOf(m, sessionId);
    const key = `${state.phase}/${state.round}/${state.acted}/${busy}`;
    if (key !== lastKey) {
      lastKey = key;
      since = Date.now();
      continue;
    }
    if (busy > 0 || Date.now() - since < STALL_MS) continue;
    const waiting = runs
      .filter((r) => !r.settled)
      .every(
        (r) =>
          r.last !== undefined && (r.last.note === undefined || r.last.note.startsWith("waiting")),
      );
    if (!waiting) continue;
    const { timestamp } = await m.publicClient.getBlock();
    if (BigInt(state.deadline) >= timestamp) {
      await networkHelpers.time.increaseTo(Number(state.deadline) + 1);
      ctx.notes.push(`time jumped past the deadline of phase ${state.phase} round ${state.round}`);
    } else {
      await networkHelpers.mine();
    }
    since = Date.now();
  }
  await Promise.all(settled);
  // Every run ended but the session did not (every party declined): let it expire.
  const last = await stateOf(m, sessionId);
  if (last.phase <= Phase.Expired) {
    if (last.phase !== Phase.Expired)
      await networkHelpers.time.increaseTo(Number(last.deadline) + 1);
    await expireSession({
      publicClient: m.publicClient,
      walletClient: m.initiator,
      address: m.address,
      sessionId,
    });
    ctx.notes.push("every run ended with the session open: the initiator expired it");
  }

  // The contract.
  const events = await eventsOf(m, sessionId);
  const end = events.find(
    (e) => e.eventName === "SessionAborted" || e.eventName === "SessionFinalized",
  );
  if (end?.eventName === "SessionAborted") {
    result.contractBlame = bitsOf(end.args.blame);
    result.contract = `aborted (${["expired", "complaint", "disagreement"][end.args.reason] ?? end.args.reason}), blame [${result.contractBlame}]`;
  } else if (end?.eventName === "SessionFinalized") {
    result.contract = "finalized";
  } else {
    result.contract = `no end (status ${(await stateOf(m, sessionId)).phase})`;
  }
  const complaint = events.find((e) => e.eventName === "ComplaintFiled");
  if (complaint?.eventName === "ComplaintFiled") {
    result.contract += `; complaint by ${complaint.args.accuserIndex} against ${complaint.args.accusedIndex}`;
  }

  // The runners.
  for (const [party, o] of [...outcomes.entries()].sort((a, b) => a[0] - b[0])) {
    const error = o.error === undefined ? undefined : describeError(o.error);
    if (!honestParties.includes(party)) {
      result.deviatorRun = error ?? summary(o.outcome);
      continue;
    }
    result.runners.push({
      party,
      ...(o.outcome === undefined ? {} : { outcome: o.outcome }),
      ...(error === undefined ? {} : { error }),
    });
  }

  // The auditor.
  const audit = await auditOne(m, sessionId);
  result.audit = {
    verdict: audit.verdict,
    outcome: `${audit.outcome.status}${audit.outcome.reason ? ` (${audit.outcome.reason})` : ""}, blame [${audit.outcome.blame}]`,
    findings: audit.findings.map((f) => `party ${f.party} ${f.kind} (${f.check}): ${f.summary}`),
    failedChecks: audit.checks
      .filter((c) => c.status === "fail")
      .map((c) => `${c.id}: ${c.summary}`),
  };

  // The invariant.
  const allowed = deviation.unrunnable ? [] : [deviator];
  const outside = (parties: readonly number[]) => parties.filter((p) => !allowed.includes(p));
  if (deviation.unrunnable) {
    // The initiator deviated: every party declines, and the chain's expiry record names them
    // all as silent; the auditor must excuse them (the initiator is at fault).
    for (const r of result.runners) {
      if (r.error === undefined || !/UNSUPPORTED|REFUSED/.test(r.error))
        violate(
          `party ${r.party} did not decline with UNSUPPORTED/REFUSED: ${r.error ?? summary(r.outcome)}`,
        );
    }
  } else {
    const bad = outside(result.contractBlame);
    if (bad.length > 0)
      violate(`the contract blames honest part${bad.length > 1 ? "ies" : "y"} ${bad}`);
    for (const r of result.runners) {
      if (r.error !== undefined) violate(`honest runner ${r.party} threw: ${r.error}`);
      else if (r.outcome?.status === "aborted") {
        const wrong = outside(r.outcome.blame);
        if (wrong.length > 0)
          violate(
            `honest runner ${r.party}'s outcome blames honest ${wrong} (${summary(r.outcome)})`,
          );
      }
    }
  }
  const findingParties = [...new Set(audit.findings.map((f) => f.party))];
  const wrongFindings = outside(findingParties);
  if (wrongFindings.length > 0) violate(`the auditor's findings name honest ${wrongFindings}`);
  const wrongAuditBlame = outside(audit.outcome.blame);
  if (wrongAuditBlame.length > 0 && !deviation.unrunnable)
    violate(`the auditor's outcome blames honest ${wrongAuditBlame}`);
  if (audit.verdict !== "pass")
    violate(`the audit verdict is ${audit.verdict} (${result.audit.failedChecks.join("; ")})`);
  if (deviation.refusedWith !== undefined) {
    if (!ctx.refusals.some((r) => deviation.refusedWith!.includes(r)))
      violate(
        `the contract did not refuse the tampered action with ${deviation.refusedWith.join("/")} (refusals: ${ctx.refusals.join(", ") || "none"})`,
      );
    if (ctx.notes.some((n) => n.includes("ACCEPTED")))
      violate("the contract accepted a replayed action");
  }
  // One rule everywhere: the judges that name someone agree with each other.
  if (!deviation.unrunnable) {
    const key = (parties: readonly number[]) => `[${[...parties].sort((a, b) => a - b)}]`;
    const runnerBlames = new Set(
      result.runners.flatMap((r) =>
        r.outcome?.status === "aborted" ? [key(r.outcome.blame)] : [],
      ),
    );
    const auditBlame = key(audit.outcome.blame);
    if (runnerBlames.size > 1)
      violate(`honest runners disagree on the blame: ${[...runnerBlames].join(" vs ")}`);
    for (const blame of runnerBlames) {
      if (blame !== auditBlame)
        violate(
          `the runners blame ${blame} but the auditor's outcome blames ${auditBlame} (findings: ${key(findingParties)})`,
        );
    }
  }
  result.named =
    !deviation.unrunnable &&
    (result.contractBlame.includes(deviator) ||
      result.runners.some(
        (r) => r.outcome?.status === "aborted" && r.outcome.blame.includes(deviator),
      ) ||
      findingParties.includes(deviator));
  result.ms = Date.now() - started;
  return result;
}

/** Impossible parameters: the SDK and the contract both refuse to create the session. */
async function creationCell(
  m: Matrix,
  ctx: CellContext,
  deviation: Deviation,
  result: CellResult,
): Promise<void> {
  const config = deviation.create!(ctx);
  const before = await sessionCount(m);
  try {
    await createSession({
      publicClient: m.publicClient,
      walletClient: m.initiator,
      address: m.address,
      config,
    });
    result.violations.push("the SDK created the session");
  } catch (error) {
    ctx.notes.push(`SDK: ${toRoundtableError(error).shortMessage}`);
  }
  // The contract itself, past the SDK's own check.
  try {
    await m.publicClient.simulateContract({
      address: m.address,
      abi: roundtableAbi,
      functionName: "createSession",
      args: [config],
      account: m.initiator.account,
    });
    result.violations.push("the contract would create the session");
  } catch (error) {
    recordRefusal(ctx, error);
  }
  const after = await sessionCount(m);
  if (after !== before)
    result.violations.push(`a session was created (count ${before} → ${after})`);
  result.contract = `refused at creation: ${ctx.refusals.join(", ")}`;
  if (!ctx.refusals.some((r) => /InvalidThreshold|InvalidPartyCount|ThresholdMismatch/.test(r)))
    result.violations.push(`unexpected refusal: ${ctx.refusals.join(", ")}`);
}

/** An honest party that sends signed actions through a relayer, recording each signature. */
function relayed(m: Matrix, party: MatrixParty, ctx: CellContext): Transport {
  return {
    name: "relayer",
    async submit(action) {
      const signed = await signAction({
        account: party.account,
        chainId: CHAIN_ID,
        contract: m.address,
        action,
      });
      ctx.signed.push(signed);
      const { transactionHash } = await submitSignedActions({
        publicClient: m.publicClient,
        walletClient: m.relayer,
        address: m.address,
        actions: [signed],
      });
      return { transactionHash };
    },
  };
}

async function auditOne(m: Matrix, sessionId: bigint): Promise<SessionAudit> {
  const reader = await createChainReader({
    endpoints: [{ url: m.rpcUrl, shown: "in-process" }],
    contract: m.address,
  });
  const reportBlock = await reader.reportBlock({ kind: "latest" });
  return auditSession({ reader, sessionId, reportBlock, caches: createAuditCaches() });
}

function stateOf(m: Matrix, sessionId: bigint): Promise<SessionState> {
  return m.publicClient.readContract({
    address: m.address,
    abi: roundtableAbi,
    functionName: "sessionState",
    args: [sessionId],
  });
}

function sessionCount(m: Matrix): Promise<bigint> {
  return m.publicClient.readContract({
    address: m.address,
    abi: roundtableAbi,
    functionName: "sessionCount",
  });
}

function bitsOf(bitmap: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 256; i++) if ((bitmap >> BigInt(i)) & 1n) out.push(i);
  return out;
}

function summary(outcome: PartyOutcome | undefined): string {
  if (outcome === undefined) return "no outcome";
  if (outcome.status !== "aborted") return outcome.status;
  return `aborted (${outcome.reason}), blame [${outcome.blame}]${outcome.finding ? `: ${outcome.finding}` : ""}`;
}

function describeError(error: unknown): string {
  if (error instanceof PartyError) return `PartyError ${error.code}: ${error.shortMessage}`;
  return error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error);
}

/** A cell's result in a few lines, for the report. */
export function describeCell(r: CellResult): string {
  const lines = [
    `${r.cell} (session ${r.sessionId ?? "-"}, ${r.ms} ms, deviator named: ${r.named ? "yes" : "no"})`,
    `  contract: ${r.contract}`,
    ...r.runners.map((x) => `  runner ${x.party}: ${x.error ?? summary(x.outcome)}`),
    `  deviator's run: ${r.deviatorRun || "-"}`,
  ];
  if (r.audit !== undefined) {
    lines.push(`  audit: ${r.audit.verdict}; ${r.audit.outcome}`);
    for (const f of r.audit.findings) lines.push(`    finding: ${f}`);
    for (const c of r.audit.failedChecks) lines.push(`    failed check: ${c}`);
  }
  if (r.refusals.length > 0) lines.push(`  refused on chain: ${r.refusals.join(", ")}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  for (const v of r.violations) lines.push(`  VIOLATION: ${v}`);
  return lines.join("\n");
}

export function replacer(_: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
