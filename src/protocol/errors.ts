// Typed errors of the protocol layer. Every failure carries a stable `code`, the name of the field
// that failed and, where one is to blame, the 1-based index of the party that sent it, so the party
// runner can decide who to accuse and the auditor can explain a verdict. Messages say what was
// expected; they never contain secret bytes (shares, nonces, keys), only lengths, indexes and codes.

/** Every reason the protocol layer can fail or blame a party. */
export const protocolErrorCodes = [
  /** The session context (chain, contract, parties, threshold, keys) is invalid. */
  "INVALID_CONTEXT",
  /** A ciphersuite id that this layer does not implement. */
  "UNSUPPORTED_CIPHERSUITE",
  /** The local caller's input (secret key, key share, random source) is unusable. */
  "INVALID_INPUT",
  /** An encoding has the wrong version byte. */
  "UNSUPPORTED_VERSION",
  /** An encoding has the type byte of another kind of message. */
  "WRONG_TYPE",
  /** An encoding is shorter or longer than its kind allows. */
  "INVALID_LENGTH",
  /** An encoding holds the wrong number of items (commitments, ciphertexts, shares). */
  "WRONG_COUNT",
  /** A field is outside its allowed range (index, flag, round). */
  "OUT_OF_RANGE",
  /** A point is not a canonical encoding of a non-identity curve point. */
  "INVALID_POINT",
  /** A scalar is zero or not below the group order. */
  "INVALID_SCALAR",
  /** `next` was called for a round that does not follow the state's round. */
  "UNEXPECTED_ROUND",
  /** A payload expected from a party is missing. */
  "MISSING_PAYLOAD",
  /** A payload came from a party that is not expected in that round (itself, or out of range). */
  "UNEXPECTED_PARTY",
  /** The state or key share belongs to another session, party, key or ciphersuite. */
  "STATE_MISMATCH",
  /** The payloads of an earlier round differ from the ones this state was computed from. */
  "TRANSCRIPT_MISMATCH",
  /** A signing nonce state was already used to produce a signature share. */
  "NONCE_REUSED",
  /** A key-generation proof of knowledge does not verify. */
  "INVALID_PROOF_OF_KNOWLEDGE",
  /** A key-generation round-1 package is not signed for this session and sender (THREATS B8). */
  "INVALID_SESSION_BINDING",
  /** An encrypted share does not decrypt under the pair's key. */
  "DECRYPTION_FAILED",
  /** A decrypted share does not match the sender's commitments. */
  "INVALID_SHARE",
  /** A signature share does not verify against the signer's verifying share. */
  "INVALID_SIGNATURE_SHARE",
  /** A Chaum-Pedersen proof in complaint evidence does not verify. */
  "INVALID_DLEQ_PROOF",
  /** Complaint evidence accuses a party of a share or payload that is in fact correct. */
  "FALSE_COMPLAINT",
  /**
   * A complaint that cannot stand whatever the payloads: its evidence names other parties or a
   * later round than the complaint, a payload not in the record, or another fault than its own.
   */
  "INVALID_COMPLAINT",
  /** A party's agreement payload differs from the result the public record implies. */
  "AGREEMENT_MISMATCH",
  /** A check inside @noble/curves failed for a reason this layer could not attribute. */
  "INTERNAL",
] as const;

/** One of {@link protocolErrorCodes}. */
export type ProtocolErrorCode = (typeof protocolErrorCodes)[number];

/** Constructor arguments of {@link ProtocolError}. */
export type ProtocolErrorParameters = {
  code: ProtocolErrorCode;
  message: string;
  /** The field that failed, e.g. `"keygenRound1.commitments[2]"`. */
  field?: string;
  /** 1-based index of the party whose data failed, when one is to blame. */
  party?: number;
  cause?: unknown;
};

/**
 * The only error type the protocol layer throws for bad input.
 * @example
 * ```ts
 * try {
 *   decodeKeygenRound1(bytes, { ciphersuite, threshold: 2, party: 3 });
 * } catch (error) {
 *   if (error instanceof ProtocolError) console.log(error.code, error.field, error.party);
 * }
 * ```
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: ProtocolErrorCode;
  /** The message without the party and field suffix. */
  readonly shortMessage: string;
  readonly field: string | undefined;
  readonly party: number | undefined;

  constructor({ code, message, field, party, cause }: ProtocolErrorParameters) {
    const where = [
      party === undefined ? undefined : `party ${party}`,
      field === undefined ? undefined : `field ${field}`,
    ].filter((part) => part !== undefined);
    super(where.length === 0 ? message : `${message} (${where.join(", ")})`, { cause });
    this.code = code;
    this.shortMessage = message;
    this.field = field;
    this.party = party;
  }

  /** A copy of this error that names `party`, for decoders that do not know who sent the bytes. */
  withParty(party: number): ProtocolError {
    if (this.party === party) return this;
    return new ProtocolError({
      code: this.code,
      message: this.shortMessage,
      ...(this.field === undefined ? {} : { field: this.field }),
      party,
      cause: this.cause,
    });
  }
}

/** Throws a {@link ProtocolError}; a one-liner for the many `assert…` helpers. */
export function fail(parameters: ProtocolErrorParameters): never {
  throw new ProtocolError(parameters);
}
