// Fixtures for the protocol tests: a seeded random source, party key pairs, contexts, and an
// in-process simulation of whole sessions through the plug-in interface.

import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { expect } from "chai";
import {
  type CiphersuiteId,
  frostKeygen,
  frostSigning,
  type KeygenResult,
  ProtocolError,
  type ProtocolErrorCode,
  type RandomSource,
  type RoundOutput,
  type SessionContext,
  type SigningParams,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";

/** A deterministic random source: SHA-256(seed || counter) blocks. */
export function seededRandom(seed: string): RandomSource {
  const seedBytes = utf8ToBytes(seed);
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(new Uint8Array([...seedBytes, ...u32(counter++)]));
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

function u32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

export const CHAIN_ID = 31337n;
export const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;

/** n encryption key pairs derived from a seed. */
export function encryptionKeys(
  n: number,
  seed = "keys",
): { secret: Uint8Array[]; public: Uint8Array[] } {
  const random = seededRandom(seed);
  const secret = [];
  const publicKeys = [];
  for (let i = 0; i < n; i++) {
    const sk = secp256k1.utils.randomSecretKey(random(48));
    secret.push(sk);
    publicKeys.push(secp256k1.getPublicKey(sk, true));
  }
  return { secret, public: publicKeys };
}

export type SessionFixture = {
  ciphersuite: CiphersuiteId;
  threshold: number;
  parties: number;
  sessionId: bigint;
  keys: { secret: Uint8Array[]; public: Uint8Array[] };
};

export function sessionFixture(
  threshold: number,
  parties: number,
  ciphersuite: CiphersuiteId = TAPROOT_CIPHERSUITE,
  sessionId = 7n,
): SessionFixture {
  return {
    ciphersuite,
    threshold,
    parties,
    sessionId,
    keys: encryptionKeys(parties, `keys-${parties}`),
  };
}

export function contextOf(fixture: SessionFixture, partyIndex: number): SessionContext {
  return {
    ciphersuite: fixture.ciphersuite,
    chainId: CHAIN_ID,
    contractAddress: CONTRACT,
    sessionId: fixture.sessionId,
    encryptionKeys: fixture.keys.public,
    threshold: fixture.threshold,
    partyIndex,
  };
}

/** Payloads of one round as the plug-ins receive them: everyone's but the receiver's. */
export function othersOf(
  all: ReadonlyMap<number, Uint8Array>,
  self: number,
): Map<number, Uint8Array> {
  return new Map([...all].filter(([party]) => party !== self));
}

export type KeygenRun = {
  fixture: SessionFixture;
  /** payloads[r - 1]: every party's round-r payload. */
  payloads: Map<number, Uint8Array>[];
  /** states[r - 1]: every party's state after round r. */
  states: Map<number, Uint8Array>[];
  results: Map<number, KeygenResult>;
};

export function expectPayload<R>(output: RoundOutput<R>): {
  payload: Uint8Array;
  state: Uint8Array;
} {
  if (output.kind === "blame") {
    expect.fail(`unexpected blame: ${output.accusations.map((a) => a.reason.message).join("; ")}`);
  }
  return output;
}

/** Runs a whole key generation, every party in this process. */
export function runKeygen(fixture: SessionFixture, seed = "keygen"): KeygenRun {
  const payloads: Map<number, Uint8Array>[] = [new Map(), new Map(), new Map()];
  const states: Map<number, Uint8Array>[] = [new Map(), new Map(), new Map()];
  const results = new Map<number, KeygenResult>();
  const input = (party: number) => ({
    context: contextOf(fixture, party),
    params: {},
    secrets: { encryptionSecretKey: fixture.keys.secret[party - 1]! },
    random: seededRandom(`${seed}-${party}`),
  });
  for (let party = 1; party <= fixture.parties; party++) {
    const out = expectPayload(frostKeygen.start(input(party)));
    payloads[0]!.set(party, out.payload);
    states[0]!.set(party, out.state);
  }
  for (const round of [2, 3]) {
    for (let party = 1; party <= fixture.parties; party++) {
      const out = frostKeygen.next({
        ...input(party),
        state: states[round - 2]!.get(party)!,
        round,
        received: payloads.slice(0, round - 1).map((all) => othersOf(all, party)),
      });
      const { payload, state } = expectPayload(out);
      payloads[round - 1]!.set(party, payload);
      states[round - 1]!.set(party, state);
      if (out.kind === "result") results.set(party, out.result);
    }
  }
  return { fixture, payloads, states, results };
}

export type SigningRun = {
  payloads: Map<number, Uint8Array>[];
  states: Map<number, Uint8Array>[];
  signatures: Map<number, Uint8Array>;
};

/**
 * Runs a signing session among `signers` (key-generation indexes, in signing-session order) of a
 * finished key generation.
 */
export function runSigning(
  keygen: KeygenRun,
  signers: readonly number[],
  messageDigest: Uint8Array,
  seed = "signing",
  sessionId = 99n,
): SigningRun {
  const groupPublicKey = keygen.results.get(signers[0]!)!.groupPublicKey;
  const fixture: SessionFixture = {
    ...keygen.fixture,
    sessionId,
    parties: signers.length,
    threshold: signers.length,
    keys: {
      secret: signers.map((i) => keygen.fixture.keys.secret[i - 1]!),
      public: signers.map((i) => keygen.fixture.keys.public[i - 1]!),
    },
  };
  const params: SigningParams = { signerIdentifiers: signers, messageDigest, groupPublicKey };
  const input = (party: number) => ({
    context: contextOf(fixture, party),
    params,
    secrets: { keyShare: keygen.results.get(signers[party - 1]!)!.keyShare },
    random: seededRandom(`${seed}-${party}`),
  });
  const payloads: Map<number, Uint8Array>[] = [new Map(), new Map(), new Map()];
  const states: Map<number, Uint8Array>[] = [new Map(), new Map(), new Map()];
  const signatures = new Map<number, Uint8Array>();
  for (let party = 1; party <= signers.length; party++) {
    const out = expectPayload(frostSigning.start(input(party)));
    payloads[0]!.set(party, out.payload);
    states[0]!.set(party, out.state);
  }
  for (const round of [2, 3]) {
    for (let party = 1; party <= signers.length; party++) {
      const out = frostSigning.next({
        ...input(party),
        state: states[round - 2]!.get(party)!,
        round,
        received: payloads.slice(0, round - 1).map((all) => othersOf(all, party)),
      });
      const { payload, state } = expectPayload(out);
      payloads[round - 1]!.set(party, payload);
      states[round - 1]!.set(party, state);
      if (out.kind === "result") signatures.set(party, out.result.signature);
    }
  }
  return { payloads, states, signatures };
}

/** Asserts that `fn` throws a ProtocolError with this code (and party, field when given). */
export function expectProtocolError(
  fn: () => unknown,
  code: ProtocolErrorCode,
  where: { party?: number; field?: string | RegExp } = {},
): ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ProtocolError);
    const e = error as ProtocolError;
    expect(e.code, e.message).to.equal(code);
    if (where.party !== undefined) expect(e.party, e.message).to.equal(where.party);
    if (typeof where.field === "string") expect(e.field).to.equal(where.field);
    if (where.field instanceof RegExp) expect(e.field).to.match(where.field);
    return e;
  }
  return expect.fail(`expected a ProtocolError ${code}, nothing was thrown`);
}

export const hex = bytesToHex;
export const fromHex = hexToBytes;

/** All k-element subsets of [1..n], in lexicographic order. */
export function subsets(n: number, k: number): number[][] {
  const out: number[][] = [];
  const walk = (start: number, chosen: number[]) => {
    if (chosen.length === k) {
      out.push(chosen);
      return;
    }
    for (let i = start; i <= n; i++) walk(i + 1, [...chosen, i]);
  };
  walk(1, []);
  return out;
}

/**
 * The one BIP-340 verifier the tests use (noble's `schnorr.verify`, not the FROST code path);
 * bip340.test.ts checks its verdicts against the BIP-340 CSV vectors.
 */
export function bip340Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return schnorr.verify(signature, message, publicKey);
}

/** Every signer agreed on one 64-byte signature that BIP-340 verification accepts. */
export function expectBip340(
  keygen: KeygenRun,
  signers: readonly number[],
  message: Uint8Array,
  run: SigningRun,
): void {
  const key = keygen.results.get(signers[0]!)!.groupPublicKey;
  const signatures = new Set([...run.signatures.values()].map(hex));
  expect(run.signatures.size, "every signer finished").to.equal(signers.length);
  expect(signatures.size, "all signers agree").to.equal(1);
  const signature = run.signatures.get(1)!;
  expect(signature).to.have.length(64);
  expect(bip340Verify(signature, message, key), `signers ${signers.join(",")}`).to.equal(true);
}
