// The shapes the runner hands to its caller (a CLI, a browser client, a test). Party indexes are
// 0-based everywhere here, as the contract and the SDK number parties.

import type { Address, Hex } from "viem";

/**
 * What a party is asked to accept: everything the configuration hash covers, in readable form,
 * and the digest its acceptance signs. Shown once, before the first acceptance.
 */
export type AcceptanceSummary = {
  sessionId: bigint;
  chainId: number;
  contract: Address;
  kind: "key-generation" | "signing";
  /** The protocol name, such as "frost-keygen". */
  protocol: string;
  /** The ciphersuite, such as "FROST-secp256k1-SHA256-TR-v1". */
  ciphersuite: string;
  parties: readonly Address[];
  /** This party's 0-based index in `parties`. */
  partyIndex: number;
  threshold: number;
  rounds: readonly { duration: number; commitReveal: boolean }[];
  acceptanceDeadline: Date;
  configHash: Hex;
  /**
   * Names this session on this chain and contract with its configuration (see
   * `sessionFingerprint`): unlike the configuration hash, no clone session shares it.
   */
  sessionFingerprint: Hex;
  /** The EIP-712 digest of this party's Accept (session, configuration hash, encryption key). */
  acceptDigest: Hex;
  /** The session delegate this acceptance names: it signs every later action of this party. */
  delegate?: Address;
  /** The contract's EIP-712 domain separator, to compare with what a hardware wallet shows. */
  domainSeparator?: Hex;
  /** Signing only: the key-generation session whose key signs. */
  keySession?: bigint;
  /** Signing only: the 32-byte digest to sign. */
  message?: Hex;
  /**
   * Signing only: what the digest is of, as a person reads it (the configuration's preimage, which
   * the runner has checked hashes to `message`), or a warning that it is opaque.
   */
  messageShown?: string[];
};

/** Where a session stands, for a progress line. */
export type PartyProgress = {
  sessionId: bigint;
  /** The phase name, such as "Committing" or "Agreeing". */
  phase: string;
  round: number;
  /** How many parties have acted in this phase. */
  acted: number;
  partyCount: number;
  /** When the phase closes. */
  deadline: Date;
  /** Now by the chain's clock (the last block read, plus the time since), for countdowns. */
  chainTime?: Date;
  /** What this party just did or waits for; never secret. */
  note?: string;
};

/** How a session ended. `blame` holds 0-based party indexes. */
export type PartyOutcome =
  | {
      status: "finalized";
      sessionId: bigint;
      /** The agreed result as the contract stores it. */
      result: Hex;
      /** The group key: the result of a key generation, the signing key of a signing session. */
      groupPublicKey?: Hex;
      /** Signing only: the signature (64 bytes BIP-340, 65 bytes RFC 9591). */
      signature?: Hex;
    }
  | {
      status: "aborted";
      sessionId: bigint;
      /**
       * expired: the parties in `blame` did not act in time (the contract's record). complaint:
       * `blame` holds whoever the evidence convicts, the accused or a lying accuser, judged by the
       * same judge as the auditor. disagreement: the parties whose result differs from the one
       * the session's payloads imply.
       */
      reason: "expired" | "complaint" | "disagreement";
      blame: number[];
      /** Why the judge named them, when the session ended by a complaint or a disagreement. */
      finding?: string;
    }
  | { status: "cancelled"; sessionId: bigint };
