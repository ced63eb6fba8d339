// The bytes32 ids a session configuration carries for its protocol and ciphersuite, and helpers
// that build whole configurations. An id is the name's UTF-8 bytes, right-padded with zeros to 32
// bytes (viem's `stringToHex(name, { size: 32 })`), so anyone reading a `SessionCreated` event can
// read the name back without a registry.

import { type Address, type Hex, hexToString, isHex, stringToHex, zeroHash } from "viem";
import { type CiphersuiteId, ciphersuiteIds, DEFAULT_CIPHERSUITE } from "../protocol/index.js";
import { RoundtableInputError } from "./errors.js";
import {
  encodeMessagePreimage,
  type MessagePreimage,
  MessagePreimageError,
  messageDigest,
} from "./messagePreimage.js";
import { type RoundSpec, type SessionConfig, SessionKind } from "./types.js";

/** The protocols a Roundtable session can run: the names of the protocol layer's plug-ins. */
export const protocolNames = ["frost-keygen", "frost-signing"] as const;

/** One of {@link protocolNames}. */
export type ProtocolName = (typeof protocolNames)[number];

/** Default time every party has to accept: one day. */
export const DEFAULT_ACCEPTANCE_DURATION = 86_400;
/** Default time each phase of a round stays open: one hour. */
export const DEFAULT_ROUND_DURATION = 3_600;

/** The three rounds of both FROST plug-ins: two protocol rounds, then agreement. */
const FROST_ROUNDS = 3;

/**
 * The bytes32 id of a protocol name.
 * @example
 * ```ts
 * protocolId("frost-keygen"); // 0x66726f73742d6b657967656e0000…
 * ```
 */
export function protocolId(name: ProtocolName): Hex {
  if (!(protocolNames as readonly string[]).includes(name)) {
    throw new RoundtableInputError({
      parameter: "protocol",
      shortMessage: `Unknown protocol "${String(name)}": expected one of ${protocolNames.join(", ")}.`,
    });
  }
  return stringToHex(name, { size: 32 });
}

/**
 * The protocol name of a bytes32 id, as found in a session's configuration.
 * @throws RoundtableInputError for an id that names no protocol this version runs.
 * @example
 * ```ts
 * protocolName(session.config.protocol); // "frost-keygen"
 * ```
 */
export function protocolName(id: Hex): ProtocolName {
  const name = nameOf(id, "protocol");
  if (!(protocolNames as readonly string[]).includes(name)) {
    throw new RoundtableInputError({
      parameter: "protocol",
      shortMessage: `The protocol id ${id} names "${printable(name)}", which this version does not run. Expected one of ${protocolNames.join(", ")}; update Roundtable or decline the session.`,
    });
  }
  return name as ProtocolName;
}

/**
 * The bytes32 id of a ciphersuite.
 * @example
 * ```ts
 * ciphersuiteId("FROST-secp256k1-SHA256-TR-v1");
 * ```
 */
export function ciphersuiteId(suite: CiphersuiteId): Hex {
  if (!(ciphersuiteIds as readonly string[]).includes(suite)) {
    throw new RoundtableInputError({
      parameter: "ciphersuite",
      shortMessage: `Unknown ciphersuite "${String(suite)}": expected one of ${ciphersuiteIds.join(", ")}.`,
    });
  }
  return stringToHex(suite, { size: 32 });
}

/**
 * The ciphersuite of a bytes32 id, as found in a session's configuration.
 * @throws RoundtableInputError for an id that names no ciphersuite this version runs.
 * @example
 * ```ts
 * ciphersuiteName(session.config.ciphersuite); // "FROST-secp256k1-SHA256-TR-v1"
 * ```
 */
export function ciphersuiteName(id: Hex): CiphersuiteId {
  const name = nameOf(id, "ciphersuite");
  if (!(ciphersuiteIds as readonly string[]).includes(name)) {
    throw new RoundtableInputError({
      parameter: "ciphersuite",
      shortMessage: `The ciphersuite id ${id} names "${printable(name)}", which this version does not run. Expected one of ${ciphersuiteIds.join(", ")}; update Roundtable or decline the session.`,
    });
  }
  return name as CiphersuiteId;
}

/** Durations in seconds; anything left out takes its default. */
export type SessionDurations = {
  /** Time every party has to accept. @default 86400 (one day) */
  acceptance?: number | undefined;
  /** Time each phase of each round stays open: one number for all, or one per round. @default 3600 */
  rounds?: number | readonly number[] | undefined;
};

export type KeygenConfigParameters = {
  /** The parties, in any order: they are sorted by address, as the contract requires. */
  parties: readonly Address[];
  /** Signers needed later; FROST needs at least 2. */
  threshold: number;
  /** @default "FROST-secp256k1-SHA256-TR-v1" (BIP-340 signatures) */
  ciphersuite?: CiphersuiteId | undefined;
  durations?: SessionDurations | undefined;
  /**
   * Whether round 1 (the commitments) is commit-then-reveal, so that no party chooses its
   * polynomial after seeing the others' and grinds a bias into the group key. Off by default:
   * FROST's proofs of knowledge stop rogue keys, the bias such grinding buys does not weaken
   * Schnorr threshold signatures (Gennaro et al.), and the extra phase costs every party one
   * more transaction. Turn it on where an unbiased key matters. @default false
   */
  commitReveal?: boolean | undefined;
};

/**
 * A FROST key-generation configuration: three rounds (commitments, encrypted shares, agreement
 * on the group key), parties sorted, one day to accept and one hour per phase unless overridden.
 * @example
 * ```ts
 * const config = keygenConfig({ parties: [a, b, c], threshold: 2 });
 * const { sessionId } = await createSession({ publicClient, walletClient, address, config });
 * ```
 */
export function keygenConfig({
  parties,
  threshold,
  ciphersuite = DEFAULT_CIPHERSUITE,
  durations,
  commitReveal = false,
}: KeygenConfigParameters): SessionConfig {
  return {
    kind: SessionKind.KeyGeneration,
    protocol: protocolId("frost-keygen"),
    ciphersuite: ciphersuiteId(ciphersuite),
    parties: sortedParties(parties, "parties"),
    threshold,
    rounds: schedule(durations, commitReveal ? [1] : []),
    acceptanceDuration: durations?.acceptance ?? DEFAULT_ACCEPTANCE_DURATION,
    keySession: 0n,
    message: zeroHash,
    params: "0x",
  };
}

export type SigningConfigParameters = {
  /** The finalized key-generation session whose key signs. */
  keySession: bigint;
  /** The signers, holders of that key, in any order: they are sorted by address. */
  signers: readonly Address[];
  /** The key's threshold (the contract checks they are equal). */
  threshold: number;
  /**
   * The 32-byte digest to sign. With a text or typed-data `preimage` it may be left out (it is
   * the preimage's digest, and must equal it when given).
   */
  message?: Hex | undefined;
  /**
   * What the message is the digest of, carried in the configuration so that every signer sees it
   * and recomputes the digest (see messagePreimage.ts). `{ kind: "digest" }` marks it opaque.
   */
  preimage?: MessagePreimage | undefined;
  /** Must be the key session's ciphersuite. @default "FROST-secp256k1-SHA256-TR-v1" */
  ciphersuite?: CiphersuiteId | undefined;
  durations?: SessionDurations | undefined;
};

/**
 * A FROST signing configuration: three rounds (nonce commitments, signature shares, agreement on
 * the signature), signers sorted, one day to accept and one hour per phase unless overridden.
 * @example
 * ```ts
 * const config = signingConfig({ keySession: 1n, signers: [a, c], threshold: 2, message: digest });
 * ```
 */
export function signingConfig({
  keySession,
  signers,
  threshold,
  message: given,
  preimage,
  ciphersuite = DEFAULT_CIPHERSUITE,
  durations,
}: SigningConfigParameters): SessionConfig {
  let digest: Hex | undefined;
  let params: Hex = "0x";
  try {
    digest =
      preimage === undefined || preimage.kind === "digest" ? undefined : messageDigest(preimage);
    if (preimage !== undefined) params = encodeMessagePreimage(preimage);
  } catch (error) {
    if (!(error instanceof MessagePreimageError)) throw error;
    throw new RoundtableInputError({
      parameter: "preimage",
      shortMessage: `Invalid preimage: ${error.message}`,
    });
  }
  if (digest !== undefined && given !== undefined && given.toLowerCase() !== digest.toLowerCase()) {
    throw new RoundtableInputError({
      parameter: "message",
      shortMessage: `Invalid message ${given}: the ${preimage?.kind} given as its preimage hashes to ${digest}. Leave the message out, or give the preimage it is the digest of.`,
    });
  }
  const message = digest ?? given;
  if (typeof keySession !== "bigint" || keySession < 1n) {
    throw new RoundtableInputError({
      parameter: "keySession",
      shortMessage: `Invalid keySession ${String(keySession)}: expected the id of a finalized key-generation session, a bigint from 1n.`,
    });
  }
  if (!isHex(message, { strict: true }) || message.length !== 66 || message === zeroHash) {
    throw new RoundtableInputError({
      parameter: "message",
      shortMessage:
        "Invalid message: expected a non-zero 32-byte digest as hex (0x followed by 64 hex digits), such as keccak256 or sha256 of the data to sign.",
    });
  }
  return {
    kind: SessionKind.Signing,
    protocol: protocolId("frost-signing"),
    ciphersuite: ciphersuiteId(ciphersuite),
    parties: sortedParties(signers, "signers"),
    threshold,
    // FROST signing needs no commit-reveal: binding factors already tie each share to every
    // signer's commitments.
    rounds: schedule(durations, []),
    acceptanceDuration: durations?.acceptance ?? DEFAULT_ACCEPTANCE_DURATION,
    keySession,
    message,
    params,
  };
}

function schedule(durations: SessionDurations | undefined, commitReveal: number[]): RoundSpec[] {
  const given = durations?.rounds ?? DEFAULT_ROUND_DURATION;
  if (typeof given !== "number" && given.length !== FROST_ROUNDS) {
    throw new RoundtableInputError({
      parameter: "durations.rounds",
      shortMessage: `Invalid durations.rounds: ${given.length} durations for a ${FROST_ROUNDS}-round protocol. Give one number for every round, or exactly ${FROST_ROUNDS}.`,
    });
  }
  return Array.from({ length: FROST_ROUNDS }, (_, i) => ({
    duration: typeof given === "number" ? given : given[i]!,
    commitReveal: commitReveal.includes(i + 1),
  }));
}

/** Sorted by address as numbers; duplicates refused, since a party cannot hold two seats. */
function sortedParties(parties: readonly Address[], parameter: string): Address[] {
  const sorted = [...parties].sort((a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 1; i < sorted.length; i++) {
    if (BigInt(sorted[i]!) === BigInt(sorted[i - 1]!)) {
      throw new RoundtableInputError({
        parameter,
        shortMessage: `Invalid ${parameter}: ${sorted[i]} appears twice. Each party may hold one seat; remove the duplicate.`,
      });
    }
  }
  return sorted;
}

function nameOf(id: Hex, parameter: string): string {
  if (!isHex(id, { strict: true }) || id.length !== 66) {
    throw new RoundtableInputError({
      parameter,
      shortMessage: `Invalid ${parameter} id ${String(id).slice(0, 20)}…: expected bytes32 as hex (0x followed by 64 hex digits).`,
    });
  }
  return hexToString(id, { size: 32 });
}

/** A name read from chain data, safe to print: control characters replaced. */
function printable(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is stripped
  return name.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 32);
}
