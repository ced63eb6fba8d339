// Encryption of one secret share from one party to another, for the public log.
//
// key = HKDF-SHA256(ikm = ECDH point of the pair's registered encryption keys (33 bytes),
//                   salt = "roundtable/v1/frost-share-key",
//                   info = chainId (32) || contract (20) || sessionId (32) || sender (1) ||
//                          recipient (1) || sender key (33) || recipient key (33))
// ciphertext = AES-256-GCM-SIV(key, nonce = 12 zero bytes).encrypt(share)   -> 32 + 16 = 48 bytes
//
// The nonce is fixed because each key encrypts exactly one share: the key is unique to (chain,
// contract, session, sender, recipient) and the direction (sender/recipient order is in `info`),
// and a sender sends one share per recipient per session. GCM-SIV rather than GCM or ChaCha20-
// Poly1305 because it stays safe even if a buggy runner re-encrypted a different share under the
// same key: nonce reuse then reveals only whether the two plaintexts are equal, and it does not
// expose the authentication key. The ECDH point itself is what complaint evidence reveals, so
// anyone can re-derive exactly one pair's key and decrypt exactly that share.

import { gcmsiv } from "@noble/ciphers/aes.js";
import { bytesToNumberBE } from "@noble/curves/utils.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { type CurvePoint, Fn, Point, SCALAR_LENGTH } from "./ciphersuite.js";
import {
  type PartySession,
  type Session,
  sessionBinding,
  validatePublicContext,
  validateSessionContext,
} from "./context.js";
import { ByteWriter, parsePoint } from "./encoding.js";
import { fail } from "./errors.js";
import type { PublicSessionContext, SessionContext } from "./types.js";

/** AES-GCM-SIV tag length. */
const TAG_LENGTH = 16;
/** Bytes of one encrypted share: 32-byte share + 16-byte tag. */
export const SHARE_CIPHERTEXT_LENGTH = SCALAR_LENGTH + TAG_LENGTH;

const SALT = utf8ToBytes("roundtable/v1/frost-share-key");
const FIXED_NONCE = new Uint8Array(12);

/** Parameters of {@link encryptShare}. */
export type EncryptShareParameters = {
  readonly context: SessionContext;
  /** The recipient's 1-based index; the sender is `context.partyIndex`. */
  readonly recipient: number;
  /** The sender's encryption secret key (32 bytes), matching its registered key. */
  readonly encryptionSecretKey: Uint8Array;
  /** The 32-byte share. */
  readonly share: Uint8Array;
};

/**
 * Encrypts a share from this party to `recipient` (48 bytes out).
 * @example
 * ```ts
 * const ciphertext = encryptShare({ context, recipient: 2, encryptionSecretKey, share });
 * ```
 */
export function encryptShare({
  context,
  recipient,
  encryptionSecretKey,
  share,
}: EncryptShareParameters): Uint8Array {
  const session = validateSessionContext(context);
  const secret = parseEncryptionSecretKey(session, encryptionSecretKey);
  checkPeer(session, recipient, "recipient");
  return encryptShareInSession(session, secret, recipient, share);
}

/** Parameters of {@link decryptShare}. */
export type DecryptShareParameters = {
  readonly context: SessionContext;
  /** The sender's 1-based index; the recipient is `context.partyIndex`. */
  readonly sender: number;
  /** The recipient's encryption secret key. */
  readonly encryptionSecretKey: Uint8Array;
  readonly ciphertext: Uint8Array;
};

/**
 * Decrypts the share `sender` encrypted to this party.
 * @throws ProtocolError `DECRYPTION_FAILED` (naming the sender) if the ciphertext was not made
 *   for this session, pair and direction, or was altered.
 */
export function decryptShare({
  context,
  sender,
  encryptionSecretKey,
  ciphertext,
}: DecryptShareParameters): Uint8Array {
  const session = validateSessionContext(context);
  const secret = parseEncryptionSecretKey(session, encryptionSecretKey);
  checkPeer(session, sender, "sender");
  return decryptShareInSession(session, secret, sender, ciphertext);
}

/** Parameters of {@link decryptShareWithSharedPoint}. */
export type DecryptWithSharedPointParameters = {
  readonly context: PublicSessionContext;
  readonly sender: number;
  readonly recipient: number;
  /** The pair's ECDH point, compressed (as revealed by complaint evidence). */
  readonly sharedPoint: Uint8Array;
  readonly ciphertext: Uint8Array;
};

/** Decrypts one share with a revealed ECDH point: what a complaint judge does. */
export function decryptShareWithSharedPoint(params: DecryptWithSharedPointParameters): Uint8Array {
  const session = validatePublicContext(params.context);
  return decryptWithPoint(
    session,
    params.sender,
    params.recipient,
    params.sharedPoint,
    params.ciphertext,
  );
}

// ---- internal, over an already checked session ----

/** Parses an encryption secret key and checks it is the one registered for this party. */
export function parseEncryptionSecretKey(session: PartySession, secretKey: Uint8Array): bigint {
  const scalar =
    secretKey instanceof Uint8Array && secretKey.length === SCALAR_LENGTH
      ? bytesToNumberBE(secretKey)
      : 0n;
  if (scalar === 0n || scalar >= Fn.ORDER) {
    fail({
      code: "INVALID_INPUT",
      message: "Encryption secret key must be 32 bytes, a scalar in [1, n)",
      field: "secrets.encryptionSecretKey",
      party: session.self,
    });
  }
  const registered = session.encryptionPoints[session.self - 1]!;
  if (!registered.equals(Point.BASE.multiply(scalar))) {
    fail({
      code: "INVALID_INPUT",
      message: `Encryption secret key does not match party ${session.self}'s registered key`,
      field: "secrets.encryptionSecretKey",
      party: session.self,
    });
  }
  return scalar;
}

/** The pair's ECDH point: secret * peer key (constant-time multiply: the scalar is secret). */
function ecdhPoint(session: Session, secret: bigint, peer: number): CurvePoint {
  return session.encryptionPoints[peer - 1]!.multiply(secret);
}

/**
 * Both keys of the pair (this party, peer) from one ECDH: `send` encrypts this party's share to
 * the peer, `receive` decrypts the peer's share to this party. Key generation derives them once in
 * round 2 and keeps the receive keys in its state, so round 3 needs no second ECDH.
 */
export function pairKeys(
  session: PartySession,
  secret: bigint,
  peer: number,
): { send: Uint8Array; receive: Uint8Array } {
  const shared = ecdhPoint(session, secret, peer).toBytes(true);
  return {
    send: deriveShareKey(session, session.self, peer, shared),
    receive: deriveShareKey(session, peer, session.self, shared),
  };
}

function encryptShareInSession(
  session: PartySession,
  secret: bigint,
  recipient: number,
  share: Uint8Array,
): Uint8Array {
  return encryptWithKey(pairKeys(session, secret, recipient).send, share);
}

function decryptShareInSession(
  session: PartySession,
  secret: bigint,
  sender: number,
  ciphertext: Uint8Array,
): Uint8Array {
  return decryptWithKey(
    pairKeys(session, secret, sender).receive,
    sender,
    session.self,
    ciphertext,
  );
}

/** Encrypts a 32-byte share under a pair key. */
export function encryptWithKey(key: Uint8Array, share: Uint8Array): Uint8Array {
  if (!(share instanceof Uint8Array) || share.length !== SCALAR_LENGTH) {
    fail({ code: "INVALID_INPUT", message: "A share is 32 bytes", field: "share" });
  }
  return gcmsiv(key, FIXED_NONCE).encrypt(share);
}

/** Decrypts under a pair key; errors name the sender. */
export function decryptWithKey(
  key: Uint8Array,
  sender: number,
  recipient: number,
  ciphertext: Uint8Array,
): Uint8Array {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== SHARE_CIPHERTEXT_LENGTH) {
    fail({
      code: "INVALID_LENGTH",
      message: `An encrypted share is ${SHARE_CIPHERTEXT_LENGTH} bytes`,
      field: "ciphertext",
      party: sender,
    });
  }
  try {
    return gcmsiv(key, FIXED_NONCE).decrypt(ciphertext);
  } catch (cause) {
    return fail({
      code: "DECRYPTION_FAILED",
      message: `The share from party ${sender} to party ${recipient} does not decrypt in this session`,
      field: "ciphertext",
      party: sender,
      cause,
    });
  }
}

/** Decrypts with a given ECDH point (complaint judgement); errors name the sender. */
export function decryptWithPoint(
  session: Session,
  sender: number,
  recipient: number,
  sharedPoint: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  checkIndex(session, sender, "sender");
  checkIndex(session, recipient, "recipient");
  if (parsePoint(sharedPoint) === undefined) {
    fail({
      code: "INVALID_POINT",
      message: "Shared point is not a compressed secp256k1 point",
      field: "sharedPoint",
    });
  }
  const key = deriveShareKey(session, sender, recipient, sharedPoint);
  return decryptWithKey(key, sender, recipient, ciphertext);
}

/** HKDF-SHA256 bound to the session, the ordered pair and both registered keys. */
function deriveShareKey(
  session: Session,
  sender: number,
  recipient: number,
  sharedPoint: Uint8Array,
): Uint8Array {
  const info = new ByteWriter()
    .bytes(sessionBinding(session))
    .u8(sender)
    .u8(recipient)
    .bytes(session.encryptionKeys[sender - 1]!)
    .bytes(session.encryptionKeys[recipient - 1]!)
    .finish();
  return hkdf(sha256, sharedPoint, SALT, info, 32);
}

function checkPeer(session: PartySession, peer: number, field: string): void {
  checkIndex(session, peer, field);
  if (peer === session.self) {
    fail({
      code: "UNEXPECTED_PARTY",
      message: "A party does not encrypt shares to itself",
      field,
      party: peer,
    });
  }
}

function checkIndex(session: Session, index: number, field: string): void {
  if (!Number.isSafeInteger(index) || index < 1 || index > session.parties) {
    fail({
      code: "OUT_OF_RANGE",
      message: `Party index ${index} must be in [1, ${session.parties}]`,
      field,
    });
  }
}
