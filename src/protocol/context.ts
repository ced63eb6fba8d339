// Validation of the session context at the boundary, once per call, into a checked internal form;
// and the two byte strings derived from it: the session binding (chain, contract, session) that
// keys, proofs and states are bound to, and a digest that ties a persisted state to its context.

import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { type Ciphersuite, type CurvePoint, getCiphersuite } from "./ciphersuite.js";
import { ByteWriter, parsePoint } from "./encoding.js";
import { fail } from "./errors.js";
import type { PublicSessionContext, SessionContext } from "./types.js";

/** The contract allows 1 to 255 parties per session; indexes fit in one byte. */
export const MAX_PARTIES = 255;

const UINT256_MAX = (1n << 256n) - 1n;

/** A checked public context. */
export type Session = {
  readonly suite: Ciphersuite;
  readonly chainId: bigint;
  readonly contract: Uint8Array;
  readonly sessionId: bigint;
  readonly parties: number;
  readonly threshold: number;
  readonly encryptionKeys: readonly Uint8Array[];
  readonly encryptionPoints: readonly CurvePoint[];
};

/** A checked context of one party. */
export type PartySession = Session & { readonly self: number };

/**
 * Checks a public context: known ciphersuite, chain id and session id in uint256, a 20-byte
 * contract address, 2..255 parties with distinct valid encryption keys, and 1 <= t <= n.
 * (Protocols add their own bounds: FROST key generation needs t >= 2.)
 */
export function validatePublicContext(context: PublicSessionContext): Session {
  const suite = getCiphersuite(context.ciphersuite);
  checkUint256(context.chainId, "chainId");
  checkUint256(context.sessionId, "sessionId");
  const contract = parseAddress(context.contractAddress);
  const keys = context.encryptionKeys;
  if (!Array.isArray(keys) || keys.length < 2 || keys.length > MAX_PARTIES) {
    fail({
      code: "INVALID_CONTEXT",
      message: `A session needs 2 to ${MAX_PARTIES} parties' encryption keys, got ${Array.isArray(keys) ? keys.length : typeof keys}`,
      field: "context.encryptionKeys",
    });
  }
  const parties = keys.length;
  const encryptionPoints = keys.map((key, i) => {
    const point = key instanceof Uint8Array ? parsePoint(key) : undefined;
    if (point === undefined) {
      fail({
        code: "INVALID_CONTEXT",
        message: "Encryption key is not a 33-byte compressed secp256k1 point",
        field: `context.encryptionKeys[${i}]`,
        party: i + 1,
      });
    }
    return point;
  });
  // A party that registered another's key could read the shares sent to it; refuse the session.
  const seen = new Map<string, number>();
  keys.forEach((key, i) => {
    const hex = toHex(key);
    const first = seen.get(hex);
    if (first !== undefined) {
      fail({
        code: "INVALID_CONTEXT",
        message: `Parties ${first} and ${i + 1} registered the same encryption key`,
        field: `context.encryptionKeys[${i}]`,
        party: i + 1,
      });
    }
    seen.set(hex, i + 1);
  });
  const threshold = context.threshold;
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > parties) {
    fail({
      code: "INVALID_CONTEXT",
      message: `Threshold ${threshold} must be an integer in [1, ${parties}]`,
      field: "context.threshold",
    });
  }
  return {
    suite,
    chainId: context.chainId,
    contract,
    sessionId: context.sessionId,
    parties,
    threshold,
    encryptionKeys: keys.map((key) => key.slice()),
    encryptionPoints,
  };
}

/** Checks a party's context: the public part plus a 1-based party index in [1, n]. */
export function validateSessionContext(context: SessionContext): PartySession {
  const session = validatePublicContext(context);
  const self = context.partyIndex;
  if (!Number.isSafeInteger(self) || self < 1 || self > session.parties) {
    fail({
      code: "INVALID_CONTEXT",
      message: `Party index ${self} must be an integer in [1, ${session.parties}]`,
      field: "context.partyIndex",
    });
  }
  return { ...session, self };
}

/** FROST in noble needs t >= 2 (1-of-n is a plain signature, not a threshold one). */
export function requireFrostThreshold(session: Session): void {
  if (session.threshold < 2) {
    fail({
      code: "INVALID_CONTEXT",
      message: `FROST needs a threshold of at least 2, got ${session.threshold}`,
      field: "context.threshold",
    });
  }
}

/** chainId (32) || contract (20) || sessionId (32): what "this session" means everywhere. */
export function sessionBinding(session: Session): Uint8Array {
  return new ByteWriter()
    .uint256(session.chainId)
    .bytes(session.contract)
    .uint256(session.sessionId)
    .finish();
}

/**
 * SHA-256 over a label, the whole checked context and protocol-specific extras. A persisted state
 * stores it, so a state is never resumed under another session, party, key set or parameters.
 */
export function contextDigest(session: PartySession, label: string, extra: Uint8Array): Uint8Array {
  const writer = new ByteWriter()
    .bytes(utf8ToBytes(`roundtable/protocol/v1/${label}`))
    .u8(session.suite.code)
    .bytes(sessionBinding(session))
    .u8(session.self)
    .u8(session.threshold)
    .u8(session.parties);
  for (const key of session.encryptionKeys) writer.bytes(key);
  return sha256(writer.bytes(extra).finish());
}

/** Parses a `0x`-prefixed 40-hex-digit address (any letter case) to 20 bytes. */
function parseAddress(address: string): Uint8Array {
  if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    fail({
      code: "INVALID_CONTEXT",
      message: "Contract address must be 0x followed by 40 hex digits",
      field: "context.contractAddress",
    });
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = Number.parseInt(address.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

function checkUint256(value: bigint, field: string): void {
  if (typeof value !== "bigint" || value < 0n || value > UINT256_MAX) {
    fail({
      code: "INVALID_CONTEXT",
      message: `${field} must be a bigint in [0, 2^256)`,
      field: `context.${field}`,
    });
  }
}

/** Lower-case hex of public bytes (map keys, never messages with secrets). */
function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
