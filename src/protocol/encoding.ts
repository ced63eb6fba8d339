// Byte reader and writer shared by every encoding. Each encoding is `version || type || fields`
// with fixed-width fields; the reader checks each field as it reads it and `end()` rejects trailing
// bytes, so every accepted byte string has exactly one meaning (canonical). Points are compressed
// secp256k1 (33 bytes, re-encoded and compared, never the identity); scalars are 32-byte big-endian
// below the group order.

import { bytesToNumberBE, numberToBytesBE } from "@noble/curves/utils.js";
import { type CurvePoint, Fn, POINT_LENGTH, Point, SCALAR_LENGTH } from "./ciphersuite.js";
import { fail, type ProtocolErrorCode } from "./errors.js";

/** Version byte of every encoding defined here. */
export const ENCODING_VERSION = 1;

/**
 * Type bytes. They are distinct across payloads, evidence and secret states, so bytes of one kind
 * never decode as another.
 */
export const EncodingType = {
  keygenRound1: 0x11,
  keygenRound2: 0x12,
  signingRound1: 0x21,
  signingRound2: 0x22,
  complaintEvidence: 0x31,
  publicFaultEvidence: 0x32,
  keygenState: 0x41,
  keyShare: 0x42,
  signingState: 0x43,
} as const;

/** Name of one encoding, used in error fields. */
type EncodingName = keyof typeof EncodingType;

/** Appends fixed-width fields; the caller knows the layout. */
export class ByteWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  header(type: EncodingName): this {
    return this.u8(ENCODING_VERSION).u8(EncodingType[type]);
  }

  u8(value: number): this {
    return this.bytes(Uint8Array.of(value));
  }

  bytes(value: Uint8Array): this {
    this.#chunks.push(value);
    this.#length += value.length;
    return this;
  }

  u32(value: number): this {
    return this.bytes(
      Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff),
    );
  }

  scalar(value: bigint): this {
    return this.bytes(numberToBytesBE(value, SCALAR_LENGTH));
  }

  uint256(value: bigint): this {
    return this.bytes(numberToBytesBE(value, 32));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** Reads fixed-width fields, naming the field and the sending party in every error. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #name: string;
  readonly #party: number | undefined;
  #offset = 0;

  constructor(bytes: Uint8Array, name: string, party?: number) {
    if (!(bytes instanceof Uint8Array)) {
      fail({
        code: "INVALID_INPUT",
        message: `Expected ${name} as a Uint8Array`,
        field: name,
        ...partyOf(party),
      });
    }
    this.#bytes = bytes;
    this.#name = name;
    this.#party = party;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** Throws with the field `name.field`, attributed to the sending party. */
  fail(code: ProtocolErrorCode, field: string, message: string): never {
    return fail({ code, message, field: `${this.#name}.${field}`, ...partyOf(this.#party) });
  }

  /** Checks the version and type bytes. */
  header(type: EncodingName): void {
    const version = this.u8("version");
    if (version !== ENCODING_VERSION) {
      this.fail(
        "UNSUPPORTED_VERSION",
        "version",
        `Version ${version} is not supported; expected ${ENCODING_VERSION}`,
      );
    }
    const found = this.u8("type");
    if (found !== EncodingType[type]) {
      this.fail(
        "WRONG_TYPE",
        "type",
        `Type byte 0x${found.toString(16)} is not ${type} (0x${EncodingType[type].toString(16)})`,
      );
    }
  }

  /** Checks that exactly `length` bytes remain, before reading a fixed layout. */
  expectRemaining(length: number, what: string): void {
    if (this.remaining !== length) {
      this.fail("INVALID_LENGTH", what, `Expected ${length} more bytes, found ${this.remaining}`);
    }
  }

  bytes(length: number, field: string): Uint8Array {
    if (this.remaining < length) {
      this.fail(
        "INVALID_LENGTH",
        field,
        `Truncated: needs ${length} bytes, ${this.remaining} left`,
      );
    }
    const out = this.#bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  u8(field: string): number {
    return this.bytes(1, field)[0]!;
  }

  /** A compressed, canonical, non-identity point. */
  point(field: string): { bytes: Uint8Array; point: CurvePoint } {
    const bytes = this.bytes(POINT_LENGTH, field);
    const point = parsePoint(bytes);
    if (point === undefined) {
      this.fail("INVALID_POINT", field, "Not a compressed secp256k1 point");
    }
    return { bytes, point };
  }

  /** A scalar in [0, n); with `nonZero`, in [1, n). */
  scalar(field: string, nonZero: boolean): bigint {
    const value = bytesToNumberBE(this.bytes(SCALAR_LENGTH, field));
    if (value >= Fn.ORDER || (nonZero && value === 0n)) {
      this.fail(
        "INVALID_SCALAR",
        field,
        `Scalar must be ${nonZero ? "in [1, n)" : "below the group order n"}`,
      );
    }
    return value;
  }

  /** A 32-byte big-endian unsigned integer. */
  uint256(field: string): bigint {
    return bytesToNumberBE(this.bytes(32, field));
  }

  /** Rejects trailing bytes. */
  end(): void {
    if (this.remaining !== 0) {
      this.fail("INVALID_LENGTH", "end", `${this.remaining} trailing bytes`);
    }
  }
}

/**
 * Parses a 33-byte compressed point; `undefined` for anything else. Compressed encodings cannot
 * express the identity, and noble rejects x >= p and x not on the curve; the re-encoding check
 * makes the acceptance explicitly canonical.
 */
export function parsePoint(bytes: Uint8Array): CurvePoint | undefined {
  if (bytes.length !== POINT_LENGTH || (bytes[0] !== 0x02 && bytes[0] !== 0x03)) return undefined;
  try {
    const point = Point.fromBytes(bytes);
    if (point.is0() || !equalBytes(point.toBytes(true), bytes)) return undefined;
    return point;
  } catch {
    return undefined;
  }
}

/** Constant-length comparison of public byte strings. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Concatenates byte strings. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const writer = new ByteWriter();
  for (const part of parts) writer.bytes(part);
  return writer.finish();
}

function partyOf(party: number | undefined): { party?: number } {
  return party === undefined ? {} : { party };
}
