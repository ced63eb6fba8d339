// What the runner keeps in the secret store, and the byte layout of a round record. A round's
// outgoing payload and the protocol state it came from are ONE record, written before the payload
// is sent: after a crash the runner re-sends exactly those bytes, so it never sends two different
// payloads for one round (threat R8) and never runs a signing nonce twice.
//
//   round record   01 | kind (1) | round (1) | …
//     kind 1 (payload)   payload length (4) | payload | state length (4) | state
//     kind 2 (blame)     accused (1, 0-based) | evidence length (4) | evidence
//
// Lengths are big-endian. Names, bound to (chain, contract, session, party index) by the store:
//   encryption-key   this session's encryption secret key (32 bytes)
//   delegate-key     this session's delegate secp256k1 secret key (32 bytes), when the party runs
//                    with a delegate: written before the acceptance that names its address
//   round-<r>        the round-r record
//   key-share        the encoded key share, under the KEY session's binding and index
//   config-hash      the configuration hash this party accepted (32 bytes, not secret): every later
//                    step uses that configuration, whatever a provider serves afterwards

import type { Address } from "viem";
import type { SecretBinding } from "./secretStore.js";

/** The store name of the encryption secret key registered in a session. */
export const ENCRYPTION_KEY_RECORD = "encryption-key";
/** The store name of the session delegate's secret key, stored before the Accept that names it. */
export const DELEGATE_KEY_RECORD = "delegate-key";
/** The store name of the configuration hash this party accepted, pinned before its Accept. */
export const CONFIG_HASH_RECORD = "config-hash";
/** The store name of a key-generation party's key share, under the key session's binding. */
export const KEY_SHARE_RECORD = "key-share";

/** The store name of round `round`'s record. */
export function roundRecordName(round: number): string {
  return `round-${round}`;
}

/** What this party computed for one round. */
export type RoundRecord =
  | {
      kind: "payload";
      round: number;
      /** The bytes to send (and re-send, byte for byte, after a crash). */
      payload: Uint8Array;
      /** SECRET: the protocol state after this round. */
      state: Uint8Array;
    }
  | {
      /** The round found another party at fault: complain instead of sending a payload. */
      kind: "blame";
      round: number;
      /** 0-based index of the party accused. */
      accused: number;
      /** Public complaint evidence. */
      evidence: Uint8Array;
    };

const VERSION = 1;
const KIND_PAYLOAD = 1;
const KIND_BLAME = 2;

/** Encodes a round record for the store. */
export function encodeRoundRecord(record: RoundRecord): Uint8Array {
  const parts: Uint8Array[] = [
    new Uint8Array([VERSION, record.kind === "payload" ? KIND_PAYLOAD : KIND_BLAME, record.round]),
  ];
  if (record.kind === "payload") {
    parts.push(u32(record.payload.length), record.payload, u32(record.state.length), record.state);
  } else {
    parts.push(new Uint8Array([record.accused]), u32(record.evidence.length), record.evidence);
  }
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Decodes a round record. The store has already authenticated the bytes, so a failure here means
 * a record written by another version: the message names the record, never its contents.
 */
export function decodeRoundRecord(bytes: Uint8Array, expectedRound: number): RoundRecord {
  const bad = (why: string): never => {
    throw new RangeError(`Store record ${roundRecordName(expectedRound)} is unreadable: ${why}`);
  };
  let offset = 0;
  const take = (length: number): Uint8Array => {
    if (offset + length > bytes.length) bad("it is truncated");
    const out = bytes.slice(offset, offset + length);
    offset += length;
    return out;
  };
  const byte = () => take(1)[0]!;
  const length = () => {
    const b = take(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  };
  if (byte() !== VERSION) bad(`unknown version (expected ${VERSION})`);
  const kind = byte();
  const round = byte();
  if (round !== expectedRound) bad(`it holds round ${round}`);
  let record: RoundRecord;
  if (kind === KIND_PAYLOAD) {
    const payload = take(length());
    const state = take(length());
    record = { kind: "payload", round, payload, state };
  } else if (kind === KIND_BLAME) {
    const accused = byte();
    const evidence = take(length());
    record = { kind: "blame", round, accused, evidence };
  } else {
    return bad(`unknown kind ${kind}`);
  }
  if (offset !== bytes.length) bad("it has trailing bytes");
  return record;
}

/** The store binding of one party in one session. */
export function bindingOf(
  chainId: number,
  contract: Address,
  sessionId: bigint,
  party: number,
): SecretBinding {
  return { chainId, contract, sessionId, party };
}

function u32(value: number): Uint8Array {
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}
