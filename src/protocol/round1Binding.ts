// Session binding of a key-generation round-1 package (THREATS B8). noble's proof of knowledge
// hashes only the identifier, C0 and its nonce (frost-rs, RFC 9591 Appendix C), so the same
// package verifies in every session in which its sender has the same index. We add a BIP-340
// signature by the polynomial's constant term a0 (the key of C0 = a0·G) over
//
//   sha256( "roundtable/protocol/v1/frost-keygen/round1-binding" || sessionBinding (84) ||
//           suite code (1) || party index (1) || C0 (33, compressed) )
//
// Only the holder of a0 can make it, so a package copied from another session, or re-sent under
// another index, fails here. It is an addition to our encoding: noble's values are unchanged.

import { schnorr } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { Fn } from "./ciphersuite.js";
import { type Session, sessionBinding } from "./context.js";
import { ByteWriter } from "./encoding.js";
import { ProtocolError } from "./errors.js";

/** Length of the round-1 binding signature (BIP-340). */
export const BINDING_SIGNATURE_LENGTH = 64;

const BINDING_LABEL = utf8ToBytes("roundtable/protocol/v1/frost-keygen/round1-binding");

/** The 32-byte message a party's round-1 binding signature signs. */
function round1BindingMessage(
  session: Session,
  party: number,
  constantCommitment: Uint8Array,
): Uint8Array {
  return sha256(
    new ByteWriter()
      .bytes(BINDING_LABEL)
      .bytes(sessionBinding(session))
      .u8(session.suite.code)
      .u8(party)
      .bytes(constantCommitment)
      .finish(),
  );
}

/**
 * Signs the binding with a0. `auxRandomness` (32 bytes) comes from the injected random source, so
 * a seeded run replays; BIP-340 stays safe with any aux value, as its nonce also hashes the key.
 */
export function signRound1Binding(
  session: Session,
  party: number,
  constantTerm: bigint,
  constantCommitment: Uint8Array,
  auxRandomness: Uint8Array,
): Uint8Array {
  const message = round1BindingMessage(session, party, constantCommitment);
  return schnorr.sign(message, Fn.toBytes(constantTerm), auxRandomness);
}

/** BIP-340 verification under x(C0); false for anything malformed. */
export function verifyRound1Binding(
  session: Session,
  party: number,
  constantCommitment: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const message = round1BindingMessage(session, party, constantCommitment);
    return schnorr.verify(signature, message, constantCommitment.subarray(1));
  } catch {
    return false;
  }
}

/** The error for a package whose binding does not verify, naming its sender. */
export function invalidSessionBinding(party: number): ProtocolError {
  return new ProtocolError({
    code: "INVALID_SESSION_BINDING",
    message: `Party ${party}'s round-1 package is not signed for this session and party index (copied or replayed?)`,
    field: "keygenRound1.bindingSignature",
    party,
  });
}
