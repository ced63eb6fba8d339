// Builds audit corpora on a real anvil node: FROST key generations and signings run with the
// protocol plug-ins directly, every party action signed (EIP-712) and carried in `batch`
// transactions by one relayer, many sessions in lock step. Faults are injected per session: a
// wrong share, a false complaint, a disagreeing agreement, a silent party, an invalid proof of
// knowledge. Shared by test/auditor and scripts/bench-audit.ts; no top-level side effects.

import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Address,
  bytesToHex,
  decodeErrorResult,
  type Hash,
  type Hex,
  hexToBytes,
  keccak256,
  parseEventLogs,
  stringToHex,
  zeroAddress,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import {
  type CiphersuiteId,
  createComplaint,
  decodeKeygenRound2,
  encodeKeygenRound2,
  encryptShare,
  frostKeygen,
  frostSigning,
  type RoundOutput,
  type SessionContext,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import { packBatchItems } from "../../src/sdk/batchCall.js";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { proveEncryptionKey } from "../../src/sdk/encryptionKeyProof.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig as hashConfig } from "../../src/sdk/hashSessionConfig.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { signAction } from "../../src/sdk/signAction.js";
import {
  ActionType,
  type SessionConfig,
  type SignedAction,
  type UnsignedAction,
} from "../../src/sdk/types.js";
import { type Anvil, deployRoundtableOnAnvil, startAnvil } from "../helpers/anvil.js";

/** A chain with Roundtable deployed, an initiator (account 0) and a relayer (account 1). */
export type CorpusChain = {
  anvil: Anvil;
  contract: Address;
  deploymentBlock: bigint;
  /** Seconds the chain's clock moves forward, then one block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
};

export async function startCorpusChain(): Promise<CorpusChain> {
  const anvil = await startAnvil();
  try {
    const { address, deploymentBlock } = await deployRoundtableOnAnvil(anvil);
    return {
      anvil,
      contract: address,
      deploymentBlock,
      async advance(seconds) {
        await anvil.publicClient.request({
          method: "evm_increaseTime" as never,
          params: [seconds] as never,
        });
        await anvil.mine(1);
      },
      stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** `count` deterministic party accounts, sorted by address as a session lists them. */
export function partyAccounts(label: string, count: number): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) =>
    privateKeyToAccount(keccak256(stringToHex(`audit corpus ${label} ${i}`))),
  ).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** A fault in one key generation; parties are 0-based session indexes. */
export type KeygenFault =
  | { kind: "none" }
  /** `sender` encrypts a share to `recipient` that does not match its commitments; the recipient complains. */
  | { kind: "wrong-share"; sender: number; recipient: number }
  /** `accuser` complains (with valid-looking evidence) about a correct share from `accused`. */
  | { kind: "false-complaint"; accuser: number; accused: number }
  /** `party` agrees on another group key. */
  | { kind: "disagree"; party: number }
  /** `party` never sends its round-`round` payload; the session is expired. */
  | { kind: "silent"; party: number; round: number }
  /** `party`'s round-1 proof of knowledge is corrupted; the lowest honest party complains. */
  | { kind: "bad-pok"; party: number };

export type KeygenSpec = {
  parties: readonly PrivateKeyAccount[];
  threshold: number;
  fault?: KeygenFault | undefined;
  ciphersuite?: CiphersuiteId | undefined;
  /** Round 1 as commit-then-reveal. */
  commitReveal?: boolean | undefined;
};

export type KeygenOutcome = {
  sessionId: bigint;
  parties: readonly PrivateKeyAccount[];
  /** The encoded key share of each party (by 0-based index), for signing later. */
  keyShares: Map<number, Uint8Array>;
  groupKey: Hex | undefined;
};

export type SigningSpec = {
  key: KeygenOutcome;
  /** 0-based indexes in the key session of the signers. */
  signers: readonly number[];
  message: Hex;
  threshold: number;
};

/** One step of a session: actions to carry, or an expiry to force. */
type Step = { actions: { account: PrivateKeyAccount; action: UnsignedAction }[]; expire?: boolean };

type Driver = { sessionId: bigint; steps: Generator<Step, void, void> };

const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));

/** Drives sessions in lock step; items per batch transaction. */
export type RunOptions = { batchSize?: number | undefined };

/**
 * Creates and runs key generations, all in lock step (accept, round 1, round 2, agreement),
 * with each step's actions of every session carried in `batch` transactions.
 */
export async function runKeygens(
  chain: CorpusChain,
  specs: readonly KeygenSpec[],
  options: RunOptions = {},
): Promise<KeygenOutcome[]> {
  const configs = specs.map((spec) =>
    keygenConfig({
      parties: spec.parties.map((p) => p.address),
      threshold: spec.threshold,
      ciphersuite: spec.ciphersuite ?? TAPROOT_CIPHERSUITE,
      commitReveal: spec.commitReveal ?? false,
    }),
  );
  const ids = await createSessions(chain, configs);
  const outcomes: KeygenOutcome[] = specs.map((spec, i) => ({
    sessionId: ids[i]!,
    parties: spec.parties,
    keyShares: new Map(),
    groupKey: undefined,
  }));
  const drivers = specs.map((spec, i) => ({
    sessionId: ids[i]!,
    steps: keygenSteps(chain, ids[i]!, spec, outcomes[i]!),
  }));
  await drive(chain, drivers, options);
  return outcomes;
}

/** Creates and runs signing sessions in lock step. */
export async function runSignings(
  chain: CorpusChain,
  specs: readonly SigningSpec[],
  options: RunOptions = {},
): Promise<bigint[]> {
  const configs = specs.map((spec) =>
    signingConfig({
      keySession: spec.key.sessionId,
      signers: spec.signers.map((i) => spec.key.parties[i]!.address),
      threshold: spec.threshold,
      message: spec.message,
    }),
  );
  const ids = await createSessions(chain, configs);
  const drivers = specs.map((spec, i) => ({
    sessionId: ids[i]!,
    steps: signingSteps(chain, ids[i]!, spec),
  }));
  await drive(chain, drivers, options);
  return ids;
}

async function createSessions(
  chain: CorpusChain,
  configs: readonly SessionConfig[],
): Promise<bigint[]> {
  const wallet = chain.anvil.walletClient(0);
  const hashes: Hash[] = [];
  for (const config of configs) {
    hashes.push(
      await wallet.writeContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "createSession",
        args: [config],
        gas: 3_000_000n,
      }),
    );
  }
  const ids: bigint[] = [];
  for (const hash of hashes) {
    const receipt = await chain.anvil.publicClient.waitForTransactionReceipt({ hash });
    const [created] = parseEventLogs({
      abi: roundtableAbi,
      logs: receipt.logs,
      eventName: "SessionCreated",
    });
    if (created === undefined) throw new Error(`createSession ${hash} created no session`);
    ids.push(created.args.sessionId);
  }
  return ids;
}

async function drive(
  chain: CorpusChain,
  drivers: Driver[],
  { batchSize = 36 }: RunOptions,
): Promise<void> {
  const relayer = chain.anvil.walletClient(1);
  let live = drivers;
  // Expiry moves the clock for every session: it waits until all others are done.
  const expiring: bigint[] = [];
  while (live.length > 0) {
    const items: { account: PrivateKeyAccount; action: UnsignedAction }[] = [];
    const next: Driver[] = [];
    for (const driver of live) {
      const step = driver.steps.next();
      if (step.done) continue;
      next.push(driver);
      items.push(...step.value.actions);
      if (step.value.expire) expiring.push(driver.sessionId);
    }
    live = next;
    const signed: SignedAction[] = await Promise.all(
      items.map(({ account, action }) =>
        signAction({ account, chainId: chain.anvil.chain.id, contract: chain.contract, action }),
      ),
    );
    const hashes: Hash[] = [];
    for (let i = 0; i < signed.length; i += batchSize) {
      const chunk = signed.slice(i, i + batchSize);
      hashes.push(
        await relayer.writeContract({
          address: chain.contract,
          abi: roundtableAbi,
          functionName: "batch",
          args: [packBatchItems(chunk)],
          gas: BigInt(chunk.length) * 400_000n + 200_000n,
        }),
      );
    }
    for (const hash of hashes) {
      const receipt = await chain.anvil.publicClient.waitForTransactionReceipt({ hash });
      const rejected = parseEventLogs({
        abi: roundtableAbi,
        logs: receipt.logs,
        eventName: "ActionRejected",
      });
      if (receipt.status !== "success" || rejected.length > 0) {
        const reasons = rejected.map((r) => {
          try {
            return decodeErrorResult({ abi: roundtableAbi, data: r.args.reason }).errorName;
          } catch {
            return r.args.reason;
          }
        });
        throw new Error(
          `batch ${hash} ${receipt.status === "success" ? `rejected ${rejected.length} items: ${reasons.join(", ")}` : "reverted"}`,
        );
      }
    }
  }
  if (expiring.length > 0) {
    await chain.advance(7_200);
    for (const sessionId of expiring) {
      const hash = await relayer.writeContract({
        address: chain.contract,
        abi: roundtableAbi,
        functionName: "expire",
        args: [sessionId],
      });
      await chain.anvil.publicClient.waitForTransactionReceipt({ hash });
    }
  }
}

/** An Accept's data: the encryption key of `secretKey`, its proof for this session and party, no delegate. */
function acceptData(
  chain: CorpusChain,
  sessionId: bigint,
  party: number,
  secretKey: Uint8Array,
): Hex {
  const proven = proveEncryptionKey({
    chainId: chain.anvil.chain.id,
    contract: chain.contract,
    sessionId,
    party,
    secretKey,
  });
  return encodeAcceptData({ ...proven, delegate: zeroAddress });
}

function* keygenSteps(
  chain: CorpusChain,
  sessionId: bigint,
  spec: KeygenSpec,
  outcome: KeygenOutcome,
): Generator<Step, void, void> {
  const n = spec.parties.length;
  const fault = spec.fault ?? { kind: "none" };
  const secrets = spec.parties.map(() => secp256k1.utils.randomSecretKey());
  const keys = secrets.map((s) => secp256k1.getPublicKey(s, true));
  const suite = spec.ciphersuite ?? TAPROOT_CIPHERSUITE;
  const context = (party: number): SessionContext => ({
    ciphersuite: suite,
    chainId: BigInt(chain.anvil.chain.id),
    contractAddress: chain.contract,
    sessionId,
    encryptionKeys: keys,
    threshold: spec.threshold,
    partyIndex: party + 1,
  });
  const act = (party: number, action: Omit<UnsignedAction, "sessionId" | "party">) => ({
    account: spec.parties[party]!,
    action: { sessionId, party, ...action },
  });
  const submit = (party: number, round: number, payload: Uint8Array) =>
    act(party, {
      action: ActionType.Submit,
      round,
      accused: 0,
      word: `0x${"00".repeat(32)}`,
      data: bytesToHex(payload),
    });
  const complain = (party: number, round: number, accused: number, evidence: Uint8Array) =>
    act(party, {
      action: ActionType.Complain,
      round,
      accused,
      word: `0x${"00".repeat(32)}`,
      data: bytesToHex(evidence),
    });

  // Acceptance.
  yield {
    actions: spec.parties.map((_, i) =>
      act(i, {
        action: ActionType.Accept,
        round: 0,
        accused: 0,
        word: configHashOf(chain, spec),
        data: acceptData(chain, sessionId, i, secrets[i]!),
      }),
    ),
  };
  // Round 1: commitments and proofs of knowledge.
  const r1 = spec.parties.map((_, i) =>
    frostKeygen.start({
      context: context(i),
      params: {},
      secrets: { encryptionSecretKey: secrets[i]! },
      random,
    }),
  );
  const r1Payloads = r1.map((out, i) => {
    const payload = payloadOf(out).slice();
    if (fault.kind === "bad-pok" && fault.party === i) payload[payload.length - 1]! ^= 0x01;
    return payload;
  });
  if (fault.kind === "silent" && fault.round === 1) {
    yield {
      actions: r1Payloads.flatMap((p, i) => (i === fault.party ? [] : [submit(i, 1, p)])),
      expire: true,
    };
    return;
  }
  if (spec.commitReveal) {
    yield {
      actions: r1Payloads.map((p, i) =>
        act(i, {
          action: ActionType.Commit,
          round: 1,
          accused: 0,
          word: commitmentOf(sessionId, 1, spec.parties[i]!.address, bytesToHex(p)),
          data: "0x",
        }),
      ),
    };
  }
  yield { actions: r1Payloads.map((p, i) => submit(i, 1, p)) };
  const received1 = (self: number) =>
    new Map(r1Payloads.flatMap((p, j) => (j === self ? [] : [[j + 1, p] as const])));
  // Round 2: encrypted shares.
  const r2 = spec.parties.map((_, i) =>
    frostKeygen.next({
      context: context(i),
      params: {},
      secrets: { encryptionSecretKey: secrets[i]! },
      random,
      state: stateOf(r1[i]!),
      round: 2,
      received: [received1(i)],
    }),
  );
  if (fault.kind === "bad-pok") {
    const accuser = fault.party === 0 ? 1 : 0;
    const blamed = r2[accuser]!;
    const accusation =
      blamed.kind === "blame"
        ? blamed.accusations.find((a) => a.accused === fault.party + 1)
        : undefined;
    if (accusation === undefined) throw new Error("an invalid proof of knowledge went unnoticed");
    // The protocol's own evidence: a public fault that points at the cheater's round-1 payload.
    yield { actions: [complain(accuser, 2, fault.party, accusation.evidence)] };
    return;
  }
  const r2Payloads = r2.map((out, i) => {
    const payload = payloadOf(out);
    if (fault.kind !== "wrong-share" || fault.sender !== i) return payload;
    // A share that decrypts but matches no commitment: a random scalar, properly encrypted.
    const ciphertexts = [...decodeKeygenRound2(payload, { parties: n }).ciphertexts];
    const slot = fault.recipient < i ? fault.recipient : fault.recipient - 1;
    ciphertexts[slot] = encryptShare({
      context: context(i),
      recipient: fault.recipient + 1,
      encryptionSecretKey: secrets[i]!,
      share: secp256k1.utils.randomSecretKey(),
    });
    return encodeKeygenRound2({ ciphertexts });
  });
  if (fault.kind === "silent" && fault.round === 2) {
    yield {
      actions: r2Payloads.flatMap((p, i) => (i === fault.party ? [] : [submit(i, 2, p)])),
      expire: true,
    };
    return;
  }
  yield { actions: r2Payloads.map((p, i) => submit(i, 2, p)) };
  const received2 = (self: number) =>
    new Map(r2Payloads.flatMap((p, j) => (j === self ? [] : [[j + 1, p] as const])));
  // Round 3: agreement (or a complaint).
  const r3 = spec.parties.map((_, i) =>
    frostKeygen.next({
      context: context(i),
      params: {},
      secrets: { encryptionSecretKey: secrets[i]! },
      random,
      state: stateOf(r2[i]!),
      round: 3,
      received: [received1(i), received2(i)],
    }),
  );
  if (fault.kind === "wrong-share") {
    const out = r3[fault.recipient]!;
    const accusation = out.kind === "blame" ? out.accusations[0] : undefined;
    if (accusation?.evidence === undefined) throw new Error("the wrong share went unnoticed");
    yield { actions: [complain(fault.recipient, 3, accusation.accused - 1, accusation.evidence)] };
    return;
  }
  if (fault.kind === "false-complaint") {
    const evidence = createComplaint({
      context: context(fault.accuser),
      accused: fault.accused + 1,
      encryptionSecretKey: secrets[fault.accuser]!,
      random,
    });
    yield { actions: [complain(fault.accuser, 3, fault.accused, evidence)] };
    return;
  }
  const agreements = r3.map((out, i) => {
    if (out.kind !== "result")
      throw new Error(`party ${i} found a fault in a clean key generation`);
    outcome.keyShares.set(i, out.result.keyShare);
    if (fault.kind === "disagree" && fault.party === i)
      return secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true).subarray(1);
    outcome.groupKey = bytesToHex(out.result.groupPublicKey);
    return out.payload;
  });
  if (fault.kind === "silent" && fault.round === 3) {
    yield {
      actions: agreements.flatMap((p, i) => (i === fault.party ? [] : [submit(i, 3, p)])),
      expire: true,
    };
    return;
  }
  yield { actions: agreements.map((p, i) => submit(i, 3, p)) };
}

function* signingSteps(
  chain: CorpusChain,
  sessionId: bigint,
  spec: SigningSpec,
): Generator<Step, void, void> {
  const signers = spec.signers.map((i) => spec.key.parties[i]!);
  const order = spec.signers
    .map((keyIndex, k) => ({ keyIndex, account: signers[k]! }))
    .sort((a, b) => (BigInt(a.account.address) < BigInt(b.account.address) ? -1 : 1));
  const secrets = order.map(() => secp256k1.utils.randomSecretKey());
  const keys = secrets.map((s) => secp256k1.getPublicKey(s, true));
  const context = (k: number): SessionContext => ({
    ciphersuite: TAPROOT_CIPHERSUITE,
    chainId: BigInt(chain.anvil.chain.id),
    contractAddress: chain.contract,
    sessionId,
    encryptionKeys: keys,
    threshold: spec.threshold,
    partyIndex: k + 1,
  });
  const params = {
    signerIdentifiers: order.map((o) => o.keyIndex + 1),
    messageDigest: hexToBytes(spec.message),
    groupPublicKey: hexToBytes(spec.key.groupKey!),
  };
  const act = (k: number, action: Omit<UnsignedAction, "sessionId" | "party">) => ({
    account: order[k]!.account,
    action: { sessionId, party: k, ...action },
  });
  const submit = (k: number, round: number, payload: Uint8Array) =>
    act(k, {
      action: ActionType.Submit,
      round,
      accused: 0,
      word: `0x${"00".repeat(32)}`,
      data: bytesToHex(payload),
    });
  const config = signingConfig({
    keySession: spec.key.sessionId,
    signers: order.map((o) => o.account.address),
    threshold: spec.threshold,
    message: spec.message,
  });
  yield {
    actions: order.map((_, k) =>
      act(k, {
        action: ActionType.Accept,
        round: 0,
        accused: 0,
        word: hashConfig(config),
        data: acceptData(chain, sessionId, k, secrets[k]!),
      }),
    ),
  };
  const secretsOf = (k: number) => ({ keyShare: spec.key.keyShares.get(order[k]!.keyIndex)! });
  const r1 = order.map((_, k) =>
    frostSigning.start({ context: context(k), params, secrets: secretsOf(k), random }),
  );
  yield { actions: r1.map((out, k) => submit(k, 1, payloadOf(out))) };
  const others = (outs: RoundOutput<unknown>[], self: number) =>
    new Map(outs.flatMap((o, j) => (j === self ? [] : [[j + 1, payloadOf(o)] as const])));
  const r2 = order.map((_, k) =>
    frostSigning.next({
      context: context(k),
      params,
      secrets: secretsOf(k),
      random,
      state: stateOf(r1[k]!),
      round: 2,
      received: [others(r1, k)],
    }),
  );
  yield { actions: r2.map((out, k) => submit(k, 2, payloadOf(out))) };
  const r3 = order.map((_, k) =>
    frostSigning.next({
      context: context(k),
      params,
      secrets: secretsOf(k),
      random,
      state: stateOf(r2[k]!),
      round: 3,
      received: [others(r1, k), others(r2, k)],
    }),
  );
  yield { actions: r3.map((out, k) => submit(k, 3, payloadOf(out))) };
}

function payloadOf(out: RoundOutput<unknown>): Uint8Array {
  if (out.kind === "blame")
    throw new Error(`round ${out.round}: unexpected blame of party ${out.accusations[0]?.accused}`);
  return out.payload;
}

function stateOf(out: RoundOutput<unknown>): Uint8Array {
  if (out.kind === "blame") throw new Error(`round ${out.round}: unexpected blame`);
  return out.state;
}

function configHashOf(_chain: CorpusChain, spec: KeygenSpec): Hex {
  return hashConfig(
    keygenConfig({
      parties: spec.parties.map((p) => p.address),
      threshold: spec.threshold,
      ciphersuite: spec.ciphersuite ?? TAPROOT_CIPHERSUITE,
      commitReveal: spec.commitReveal ?? false,
    }),
  );
}
