// The party runner's one error type. Every message names the session, the party and the phase,
// and says what to do next; none ever carries secret bytes (shares, nonces, keys, states).

import { RoundtableError } from "../sdk/errors.js";

/** Why the runner stopped. */
export const partyErrorCodes = [
  /** The wallet's account is not among the session's parties. */
  "NOT_A_PARTY",
  /** `confirm` answered false: nothing was sent. */
  "REFUSED",
  /** The chain is somewhere this party's saved progress cannot be from. */
  "WRONG_PHASE",
  /** The secret store failed, or lacks a secret the next step needs. */
  "STORE",
  /** The session runs a protocol, ciphersuite or schedule this version does not. */
  "UNSUPPORTED",
  /** The protocol layer refused this party's inputs (not another party's fault). */
  "PROTOCOL",
  /** Every transport failed to deliver an action. */
  "SUBMIT",
  /** The read of the chain failed. */
  "CHAIN",
  /**
   * What the RPC provider(s) served does not check out (an action its party never signed, a
   * transcript that does not match, a configuration other than the one accepted): nothing was
   * sent on it. Use other or more providers.
   */
  "UNTRUSTED_READ",
  /** The caller's AbortSignal stopped the runner. */
  "STOPPED",
] as const;

/** One of {@link partyErrorCodes}. */
export type PartyErrorCode = (typeof partyErrorCodes)[number];

export type PartyErrorParameters = {
  code: PartyErrorCode;
  sessionId: bigint;
  /** The party's index in the session (0-based, as the contract numbers parties), when known. */
  party?: number | undefined;
  /** The session's phase name when it happened, such as "Revealing". */
  phase?: string | undefined;
  shortMessage: string;
  metaMessages?: string[] | undefined;
  details?: string | undefined;
  cause?: unknown;
};

/**
 * What stopped {@link runParty}. `code` is stable; the message says what to do. A run can be
 * started again with the same store at any time: it resumes where the chain and the store are.
 * @example
 * ```ts
 * try {
 *   await runParty(parameters);
 * } catch (error) {
 *   if (error instanceof PartyError && error.code === "REFUSED") console.log("declined");
 * }
 * ```
 */
export class PartyError extends RoundtableError {
  override name = "PartyError";
  readonly code: PartyErrorCode;
  readonly sessionId: bigint;
  readonly party: number | undefined;
  readonly phase: string | undefined;

  constructor({
    code,
    sessionId,
    party,
    phase,
    shortMessage,
    metaMessages,
    details,
    cause,
  }: PartyErrorParameters) {
    const where = [
      `Session: ${sessionId}`,
      ...(party === undefined ? [] : [`Party:   ${party}`]),
      ...(phase === undefined ? [] : [`Phase:   ${phase}`]),
    ];
    super({
      shortMessage,
      metaMessages: [...where, ...(metaMessages ?? [])],
      details,
      cause,
      name: "PartyError",
    });
    this.code = code;
    this.sessionId = sessionId;
    this.party = party;
    this.phase = phase;
  }
}
