// Wire formats of the round payloads that travel through the contract (calldata and events).
//
//   keygen round 1   01 11 | t × commitment (33) | proof of knowledge (65 RFC 9591: R33 || z32;
//                                                   64 Taproot: x(R)32 || z32) |
//                    session binding: BIP-340 signature by a0 (64), see round1Binding.ts
//   keygen round 2   01 12 | (n-1) × encrypted share (48), ordered by recipient index, sender skipped
//   signing round 1  01 21 | hiding commitment (33) | binding commitment (33)
//   signing round 2  01 22 | signature share (32)
//   agreement        no header: the standard encoding of the result, so the contract can store it
//                    as is. Key generation: group key, 32-byte x-only (Taproot) or 33-byte
//                    compressed (RFC 9591). Signing: 64-byte BIP-340 or 65-byte RFC 9591 R || z.
//
// Counts are implied by the length and checked against the session (t, n); decoders name the
// sending party in every error.

import { schnorr } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE } from "@noble/curves/utils.js";
import type { CiphersuiteId } from "./ciphersuite.js";
import {
  type Ciphersuite,
  type CurvePoint,
  Fn,
  getCiphersuite,
  POINT_LENGTH,
  SCALAR_LENGTH,
} from "./ciphersuite.js";
import { ByteReader, ByteWriter, parsePoint } from "./encoding.js";
import { fail } from "./errors.js";
import { BINDING_SIGNATURE_LENGTH } from "./round1Binding.js";
import { SHARE_CIPHERTEXT_LENGTH } from "./shareEncryption.js";

// ---- key generation, round 1 ----

/**
 * Round 1 of key generation: VSS commitments, a proof of knowledge of the secret, and the
 * signature that binds both to this session and sender.
 */
export type KeygenRound1Payload = {
  /** t compressed points; `commitments[0]` commits to the party's secret. */
  readonly commitments: readonly Uint8Array[];
  /** noble's `R || z` for the party's identifier. */
  readonly proofOfKnowledge: Uint8Array;
  /** BIP-340 signature by a0 over the session binding (64 bytes; see `round1Binding.ts`). */
  readonly bindingSignature: Uint8Array;
};

/** What a decoder must know to check counts and lengths. */
export type KeygenRound1Shape = {
  readonly ciphersuite: CiphersuiteId;
  readonly threshold: number;
  /** The sender, named in errors. */
  readonly party?: number;
};

/** Encodes a key-generation round-1 payload (33·t + 130 or 131 bytes). */
export function encodeKeygenRound1(payload: KeygenRound1Payload): Uint8Array {
  const writer = new ByteWriter().header("keygenRound1");
  for (const commitment of payload.commitments) writer.bytes(commitment);
  return writer.bytes(payload.proofOfKnowledge).bytes(payload.bindingSignature).finish();
}

/**
 * Decodes and checks a key-generation round-1 payload: exactly t canonical non-identity points, a
 * well-formed proof (R a valid point, z below the group order) and a 64-byte binding signature.
 * The proof and the signature are verified in round 2 (they need the session).
 */
export function decodeKeygenRound1(
  bytes: Uint8Array,
  shape: KeygenRound1Shape,
): KeygenRound1Payload {
  const { commitments, proofOfKnowledge, bindingSignature } = readKeygenRound1(
    bytes,
    getCiphersuite(shape.ciphersuite),
    shape.threshold,
    shape.party,
  );
  return { commitments: commitments.map((c) => c.bytes), proofOfKnowledge, bindingSignature };
}

/** A decoded round-1 payload with its commitments parsed, so they are decompressed once. */
export type ReadKeygenRound1 = {
  readonly commitments: { readonly bytes: Uint8Array; readonly point: CurvePoint }[];
  readonly proofOfKnowledge: Uint8Array;
  readonly bindingSignature: Uint8Array;
};

/** {@link decodeKeygenRound1} with the parsed points; `party` is the sender, named in errors. */
export function readKeygenRound1(
  bytes: Uint8Array,
  suite: Ciphersuite,
  threshold: number,
  party: number | undefined,
): ReadKeygenRound1 {
  const reader = new ByteReader(bytes, "keygenRound1", party);
  reader.header("keygenRound1");
  const tail = suite.proofOfKnowledgeLength + BINDING_SIGNATURE_LENGTH;
  const body = reader.remaining - tail;
  if (body < 0 || body % POINT_LENGTH !== 0) {
    reader.fail(
      "INVALID_LENGTH",
      "commitments",
      `Length ${bytes.length} is not 2 + 33·t + ${tail}`,
    );
  }
  if (body / POINT_LENGTH !== threshold) {
    reader.fail(
      "WRONG_COUNT",
      "commitments",
      `Expected ${threshold} commitments (the threshold), found ${body / POINT_LENGTH}`,
    );
  }
  const commitments = [];
  for (let k = 0; k < threshold; k++) commitments.push(reader.point(`commitments[${k}]`));
  const proofOfKnowledge = readProof(reader, suite);
  const bindingSignature = reader.bytes(BINDING_SIGNATURE_LENGTH, "bindingSignature");
  reader.end();
  return { commitments, proofOfKnowledge, bindingSignature };
}

function readProof(reader: ByteReader, suite: Ciphersuite): Uint8Array {
  const start = suite.proofOfKnowledgeLength - SCALAR_LENGTH;
  const r = reader.bytes(start, "proofOfKnowledge.R");
  // Taproot proofs carry x(R) only; noble restores R with even y.
  const rPoint = start === POINT_LENGTH ? r : Uint8Array.of(0x02, ...r);
  if (parsePoint(rPoint) === undefined) {
    reader.fail("INVALID_POINT", "proofOfKnowledge.R", "R is not a valid point encoding");
  }
  const zBytes = reader.bytes(SCALAR_LENGTH, "proofOfKnowledge.z");
  if (bytesToNumberBE(zBytes) >= Fn.ORDER) {
    reader.fail("INVALID_SCALAR", "proofOfKnowledge.z", "z must be below the group order");
  }
  const out = new Uint8Array(suite.proofOfKnowledgeLength);
  out.set(r);
  out.set(zBytes, start);
  return out;
}

// ---- key generation, round 2 ----

/** Round 2 of key generation: one encrypted share per other party, in one payload. */
export type KeygenRound2Payload = {
  /** n-1 ciphertexts of 48 bytes, for recipients 1..n in order, the sender skipped. */
  readonly ciphertexts: readonly Uint8Array[];
};

/** Encodes a key-generation round-2 payload (2 + 48·(n-1) bytes). */
export function encodeKeygenRound2(payload: KeygenRound2Payload): Uint8Array {
  const writer = new ByteWriter().header("keygenRound2");
  for (const ciphertext of payload.ciphertexts) {
    if (ciphertext.length !== SHARE_CIPHERTEXT_LENGTH) {
      fail({
        code: "INVALID_LENGTH",
        message: `An encrypted share is ${SHARE_CIPHERTEXT_LENGTH} bytes`,
        field: "keygenRound2.ciphertexts",
      });
    }
    writer.bytes(ciphertext);
  }
  return writer.finish();
}

/** Decodes a key-generation round-2 payload of a session with `parties` parties. */
export function decodeKeygenRound2(
  bytes: Uint8Array,
  shape: { readonly parties: number; readonly party?: number },
): KeygenRound2Payload {
  const reader = new ByteReader(bytes, "keygenRound2", shape.party);
  reader.header("keygenRound2");
  if (reader.remaining % SHARE_CIPHERTEXT_LENGTH !== 0) {
    reader.fail("INVALID_LENGTH", "ciphertexts", `Length ${bytes.length} is not 2 + 48·(n-1)`);
  }
  const count = reader.remaining / SHARE_CIPHERTEXT_LENGTH;
  if (count !== shape.parties - 1) {
    reader.fail(
      "WRONG_COUNT",
      "ciphertexts",
      `Expected ${shape.parties - 1} encrypted shares (one per other party), found ${count}`,
    );
  }
  const ciphertexts = [];
  for (let k = 0; k < count; k++) {
    ciphertexts.push(reader.bytes(SHARE_CIPHERTEXT_LENGTH, `ciphertexts[${k}]`));
  }
  reader.end();
  return { ciphertexts };
}

/** Position of `recipient`'s ciphertext in `sender`'s round-2 payload (the sender is skipped). */
export function ciphertextSlot(sender: number, recipient: number): number {
  return recipient < sender ? recipient - 1 : recipient - 2;
}

// ---- signing ----

/** Round 1 of signing: the two nonce commitments (RFC 9591 Section 5.1). */
export type SigningRound1Payload = {
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
};

/** Encodes a signing round-1 payload (68 bytes). */
export function encodeSigningRound1(payload: SigningRound1Payload): Uint8Array {
  return new ByteWriter()
    .header("signingRound1")
    .bytes(payload.hiding)
    .bytes(payload.binding)
    .finish();
}

/** Decodes a signing round-1 payload: two canonical non-identity points. */
export function decodeSigningRound1(
  bytes: Uint8Array,
  shape: { readonly party?: number } = {},
): SigningRound1Payload {
  const reader = new ByteReader(bytes, "signingRound1", shape.party);
  reader.header("signingRound1");
  reader.expectRemaining(2 * POINT_LENGTH, "commitments");
  const hiding = reader.point("hiding").bytes;
  const binding = reader.point("binding").bytes;
  reader.end();
  return { hiding, binding };
}

/** Round 2 of signing: the signature share (RFC 9591 Section 5.2). */
export type SigningRound2Payload = { readonly share: Uint8Array };

/** Encodes a signing round-2 payload (34 bytes). */
export function encodeSigningRound2(payload: SigningRound2Payload): Uint8Array {
  return new ByteWriter().header("signingRound2").bytes(payload.share).finish();
}

/** Decodes a signing round-2 payload: one scalar below the group order. */
export function decodeSigningRound2(
  bytes: Uint8Array,
  shape: { readonly party?: number } = {},
): SigningRound2Payload {
  const reader = new ByteReader(bytes, "signingRound2", shape.party);
  reader.header("signingRound2");
  reader.expectRemaining(SCALAR_LENGTH, "share");
  const share = reader.bytes(SCALAR_LENGTH, "share");
  if (bytesToNumberBE(share) >= Fn.ORDER) {
    reader.fail("INVALID_SCALAR", "share", "Signature share must be below the group order");
  }
  reader.end();
  return { share };
}

// ---- agreement ----

/**
 * Checks an agreed group key: 32 bytes that are the x of a curve point (Taproot) or a 33-byte
 * compressed point (RFC 9591). Returns a copy.
 */
export function decodeGroupKey(
  bytes: Uint8Array,
  shape: { readonly ciphersuite: CiphersuiteId; readonly party?: number },
): Uint8Array {
  const suite = getCiphersuite(shape.ciphersuite);
  const reader = new ByteReader(bytes, "groupKey", shape.party);
  reader.expectRemaining(suite.groupKeyLength, "length");
  const key = reader.bytes(suite.groupKeyLength, "key");
  const compressed = suite.groupKeyLength === POINT_LENGTH ? key : Uint8Array.of(0x02, ...key);
  if (parsePoint(compressed) === undefined) {
    reader.fail("INVALID_POINT", "key", "Not the encoding of a secp256k1 point");
  }
  return key;
}

/**
 * Checks the form of an agreed signature: Taproot `x(R) || s` with x(R) < p and s < n (BIP-340);
 * RFC 9591 `R || z` with R a compressed point and z < n. It does not verify it.
 */
export function decodeSignature(
  bytes: Uint8Array,
  shape: { readonly ciphersuite: CiphersuiteId; readonly party?: number },
): Uint8Array {
  const suite = getCiphersuite(shape.ciphersuite);
  const reader = new ByteReader(bytes, "signature", shape.party);
  reader.expectRemaining(suite.signatureLength, "length");
  const rLength = suite.signatureLength - SCALAR_LENGTH;
  const r = reader.bytes(rLength, "R");
  if (rLength === POINT_LENGTH) {
    if (parsePoint(r) === undefined) reader.fail("INVALID_POINT", "R", "R is not a point");
  } else if (bytesToNumberBE(r) >= schnorr.Point.Fp.ORDER) {
    reader.fail("INVALID_POINT", "R", "x(R) must be below the field prime");
  }
  const z = reader.bytes(SCALAR_LENGTH, "z");
  if (bytesToNumberBE(z) >= Fn.ORDER) reader.fail("INVALID_SCALAR", "z", "z must be below n");
  return Uint8Array.from([...r, ...z]);
}
