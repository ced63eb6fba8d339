// The shapes shared by every protocol: the session context the contract defines, the random
// source, and the plug-in interface the party runner drives. Protocols differ only in their
// `Params` (public, from the session configuration), `Secrets` (local, long-lived) and `Result`.

import type { CiphersuiteId } from "./ciphersuite.js";
import type { ProtocolError } from "./errors.js";

/** A 20-byte account address as `0x`-prefixed hex (viem's `Address` fits). */
export type Address = `0x${string}`;

/**
 * Returns `length` fresh random bytes. Inject a seeded one in tests to replay a run; use
 * {@link secureRandom} otherwise.
 */
export type RandomSource = (length: number) => Uint8Array;

/** What every party and every auditor knows about a session, from the contract. */
export type PublicSessionContext = {
  readonly ciphersuite: CiphersuiteId;
  readonly chainId: bigint;
  readonly contractAddress: Address;
  /** The contract's session id (uint256). */
  readonly sessionId: bigint;
  /**
   * The parties' registered encryption keys, 33-byte compressed secp256k1 points, in session
   * order: `encryptionKeys[i - 1]` belongs to party `i`. Their count is the number of parties n.
   */
  readonly encryptionKeys: readonly Uint8Array[];
  /** The session's threshold t (for key generation: signers needed later; 2 <= t <= n). */
  readonly threshold: number;
};

/** The session context as seen by one party. */
export type SessionContext = PublicSessionContext & {
  /** This party's 1-based index in the session. */
  readonly partyIndex: number;
};

/**
 * Payloads received so far: `received[r - 1]` maps each OTHER party's index to its round-`r`
 * payload. It never contains this party's own payloads.
 */
export type ReceivedPayloads = readonly ReadonlyMap<number, Uint8Array>[];

/** Inputs of a protocol's first round. */
export type StartInput<Params, Secrets> = {
  readonly context: SessionContext;
  readonly params: Params;
  readonly secrets: Secrets;
  readonly random: RandomSource;
};

/** Inputs of rounds 2 and later. */
export type NextInput<Params, Secrets> = StartInput<Params, Secrets> & {
  /** The state returned by the previous round, as persisted. */
  readonly state: Uint8Array;
  /** The round to produce, 2..rounds. */
  readonly round: number;
  /** All payloads of rounds 1..round-1 from the other parties. */
  readonly received: ReceivedPayloads;
};

/**
 * One party found at fault, with the evidence to file on chain as is: public-fault evidence
 * (`01 32`, "the accused's payload of round r fails a public check") for faults anyone can
 * re-check, or share evidence (`01 31`, a DLEQ-proven shared point) for a share only the accuser
 * can open. `judgeComplaint` decides either.
 */
export type Accusation = {
  readonly accused: number;
  readonly reason: ProtocolError;
  readonly evidence: Uint8Array;
};

/** What a round produced. Persist `state` (with `payload`) before sending `payload`. */
export type RoundOutput<Result> =
  | {
      readonly kind: "payload";
      readonly round: number;
      readonly payload: Uint8Array;
      readonly state: Uint8Array;
    }
  | {
      /** The last round: `payload` is the agreement payload, `result` the local outcome. */
      readonly kind: "result";
      readonly round: number;
      readonly payload: Uint8Array;
      /** Key generation: the encoded key share (= `result.keyShare`); signing: the spent state. */
      readonly state: Uint8Array;
      readonly result: Result;
    }
  | {
      /** Other parties misbehaved: no payload; complain (with evidence where given) and abort. */
      readonly kind: "blame";
      readonly round: number;
      readonly accusations: readonly Accusation[];
    };

/**
 * One protocol as a pure state machine. The runner calls `start` for round 1, then `next` for
 * each later round once every other party's payload of the previous round is in. Both are
 * deterministic given `random`, and `state` is bytes, so a crashed runner resumes at any round
 * boundary from what it persisted.
 */
export type ProtocolPlugin<Params, Secrets, Result> = {
  readonly protocol: string;
  /** Number of rounds; the last one is agreement on the result. */
  readonly rounds: number;
  start(input: StartInput<Params, Secrets>): RoundOutput<Result>;
  next(input: NextInput<Params, Secrets>): RoundOutput<Result>;
};
