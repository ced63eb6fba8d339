// A session's public record, checked once, and the public check of any one payload in it. The
// check of a payload may depend on other parties' payloads (a signature share is verified against
// every signer's nonce commitments; an agreement against the result all payloads imply); then the
// fault returned may name another party than the one whose payload was asked about, and the
// judge decides what that means for a complaint.

import { requireFrostThreshold, type Session, validatePublicContext } from "./context.js";
import type { CheckedKeygenRound1 } from "./dkg.js";
import { equalBytes } from "./encoding.js";
import { fail, ProtocolError } from "./errors.js";
import { decodeKeygenRound2, decodeSigningRound1, decodeSigningRound2 } from "./payloads.js";
import { attempt, type Checked, checkKeygenRound1 } from "./publicChecks.js";
import { aggregateWithKey, type SigningCommitment, verifySignatureShare } from "./signing.js";
import { keyFromCheckedRound1, type SigningKeyMaterial } from "./signingKey.js";
import { MESSAGE_DIGEST_LENGTH } from "./signingProtocol.js";
import type { PublicSessionContext } from "./types.js";

/** Number of rounds of both protocols; the last is agreement. */
export const RECORD_ROUNDS = 3;

/** A session's public record: what the contract's events hold. */
export type PublicRecord = {
  readonly protocol: "frost-keygen" | "frost-signing";
  /** Suite, chain, contract, session, the parties' encryption keys, threshold. */
  readonly context: PublicSessionContext;
  /** payloads[r - 1]: 1-based party index → its round-r payload as on chain (rounds 1..3; 3 = agreement). */
  readonly payloads: readonly ReadonlyMap<number, Uint8Array>[];
  /** Signing only: the configuration's signers and message, and the key from its key generation. */
  readonly signing?: SigningRecord;
};

/** What a signing session's record adds. */
export type SigningRecord = {
  /** Key-generation index (FROST identifier) of each signing-session party, in session order. */
  readonly signerIdentifiers: readonly number[];
  /** The 32-byte digest signed. */
  readonly messageDigest: Uint8Array;
  /** From {@link keyFromKeygenRecord} over the key generation's round-1 payloads. */
  readonly key: SigningKeyMaterial;
};

/** A checked record. */
export type RecordView = {
  readonly session: Session;
  readonly protocol: PublicRecord["protocol"];
  readonly payloads: readonly ReadonlyMap<number, Uint8Array>[];
  readonly signing: SigningRecord | undefined;
};

/** Checks the record's shape; a bad record is the caller's error, not any party's. */
export function viewOf(record: PublicRecord): RecordView {
  const session = validatePublicContext(record.context);
  requireFrostThreshold(session);
  const invalid = (field: string, message: string): never =>
    fail({ code: "INVALID_INPUT", message, field: `record.${field}` });
  if (record.protocol !== "frost-keygen" && record.protocol !== "frost-signing") {
    invalid("protocol", 'Expected "frost-keygen" or "frost-signing"');
  }
  const { payloads } = record;
  if (!Array.isArray(payloads) || payloads.length > RECORD_ROUNDS) {
    invalid("payloads", `Expected up to ${RECORD_ROUNDS} rounds of payloads`);
  }
  for (const round of payloads) if (!(round instanceof Map)) invalid("payloads", "Expected Maps");
  const signing = record.protocol === "frost-signing" ? checkSigning(session, record) : undefined;
  return { session, protocol: record.protocol, payloads, signing };
}

function checkSigning(session: Session, record: PublicRecord): SigningRecord {
  const signing = record.signing;
  const invalid = (field: string, message: string): never =>
    fail({ code: "INVALID_INPUT", message, field: `record.signing.${field}` });
  if (signing === undefined) return invalid("", "A signing record needs signers, message and key");
  const { signerIdentifiers: ids, messageDigest, key } = signing;
  if (key.ciphersuite !== session.suite.id) invalid("key", "The key is of another ciphersuite");
  const holders = key.verifyingShares.length;
  if (!Array.isArray(ids) || ids.length !== session.parties || ids.length < key.threshold) {
    invalid(
      "signerIdentifiers",
      `Expected one key-generation index per party (${session.parties}), at least ${key.threshold}`,
    );
  }
  if (
    new Set(ids).size !== ids.length ||
    ids.some((id) => !Number.isSafeInteger(id) || id < 1 || id > holders)
  ) {
    invalid(
      "signerIdentifiers",
      `Signers must be distinct key-generation indexes in [1, ${holders}]`,
    );
  }
  if (!(messageDigest instanceof Uint8Array) || messageDigest.length !== MESSAGE_DIGEST_LENGTH) {
    invalid("messageDigest", `The message digest must be ${MESSAGE_DIGEST_LENGTH} bytes`);
  }
  return signing;
}

/** A party's payload of a round, if the record has it. */
export function payloadOf(view: RecordView, party: number, round: number): Uint8Array | undefined {
  const payload = view.payloads[round - 1]?.get(party);
  return payload instanceof Uint8Array ? payload : undefined;
}

/**
 * The public check of `party`'s round-`round` payload: `undefined` if it passes, else the first
 * fault found. The party's own earlier payloads are checked before anyone else's, so a fault of
 * its own is always reported as its own.
 */
export function payloadFault(
  view: RecordView,
  party: number,
  round: number,
): ProtocolError | undefined {
  if (round === RECORD_ROUNDS) {
    const expected = expectedResult(view, party);
    if (!expected.ok) return expected.fault;
    const payload = payloadOf(view, party, round);
    if (payload === undefined) return missing(party, round);
    return equalBytes(payload, expected.value) ? undefined : agreementMismatch(party);
  }
  if (view.protocol === "frost-keygen") {
    const checked = round === 1 ? keygenRound1(view, party) : decode(view, party, 2);
    return checked.ok ? undefined : checked.fault;
  }
  const ownRound1 = decode(view, party, 1);
  if (!ownRound1.ok) return ownRound1.fault;
  if (round === 1) return undefined;
  const own = decode(view, party, 2);
  if (!own.ok) return own.fault;
  // Signing round 2: the share, verified against every signer's nonce commitments.
  const commitments = signingCommitments(view, party);
  if (!commitments.ok) return commitments.fault;
  const { share } = decodeSigningRound2(own.value, { party });
  const { key, messageDigest } = view.signing!;
  if (
    verifySignatureShare(key, commitments.value, messageDigest, identifierOf(view, party), share)
  ) {
    return undefined;
  }
  return new ProtocolError({
    code: "INVALID_SIGNATURE_SHARE",
    message: `Party ${party}'s signature share does not verify against its verifying share`,
    field: "signingRound2.share",
    party,
  });
}

/**
 * The result the record implies: keygen, the group key from every round-1 payload; signing, the
 * aggregate of every round-2 share. `first` is checked first, so its own fault is preferred.
 */
export function expectedResult(view: RecordView, first?: number): Checked<Uint8Array> {
  const order = partiesFirst(view.session.parties, first);
  if (view.protocol === "frost-keygen") {
    const round1 = new Map<number, CheckedKeygenRound1>();
    for (const party of order) {
      const checked = keygenRound1(view, party);
      if (!checked.ok) return checked;
      round1.set(party, checked.value);
    }
    return { ok: true, value: keyFromCheckedRound1(view.session, round1).groupPublicKey };
  }
  const commitments = signingCommitments(view, first);
  if (!commitments.ok) return commitments;
  const shares = new Map<number, Uint8Array>();
  for (const party of order) {
    const decoded = decode(view, party, 2);
    if (!decoded.ok) return decoded;
    shares.set(identifierOf(view, party), decodeSigningRound2(decoded.value, { party }).share);
  }
  const { key, messageDigest, signerIdentifiers } = view.signing!;
  const aggregate = aggregateWithKey(key, commitments.value, shares, messageDigest);
  if (aggregate.ok) return { ok: true, value: aggregate.value };
  // noble names signers by key-generation identifier; the record by session index.
  const byIndex = aggregate.faults.map((f) => f.withParty(signerIdentifiers.indexOf(f.party!) + 1));
  return { ok: false, fault: byIndex.find((f) => f.party === first) ?? byIndex[0]! };
}

/** Every signer's nonce commitments, `first`'s checked first. */
function signingCommitments(view: RecordView, first?: number): Checked<SigningCommitment[]> {
  const list: SigningCommitment[] = [];
  for (const party of partiesFirst(view.session.parties, first)) {
    const decoded = decode(view, party, 1);
    if (!decoded.ok) return decoded;
    const { hiding, binding } = decodeSigningRound1(decoded.value, { party });
    list.push({ identifier: identifierOf(view, party), hiding, binding });
  }
  return { ok: true, value: list };
}

function keygenRound1(view: RecordView, party: number): Checked<CheckedKeygenRound1> {
  const payload = payloadOf(view, party, 1);
  if (payload === undefined) return { ok: false, fault: missing(party, 1) };
  return checkKeygenRound1(view.session, party, payload);
}

/** The payload, if present and it decodes (rounds 1 and 2 other than keygen round 1). */
function decode(view: RecordView, party: number, round: 1 | 2): Checked<Uint8Array> {
  const payload = payloadOf(view, party, round);
  if (payload === undefined) return { ok: false, fault: missing(party, round) };
  return attempt(party, () => {
    if (view.protocol === "frost-keygen") {
      decodeKeygenRound2(payload, { parties: view.session.parties, party });
    } else if (round === 1) {
      decodeSigningRound1(payload, { party });
    } else {
      decodeSigningRound2(payload, { party });
    }
    return payload;
  });
}

function identifierOf(view: RecordView, party: number): number {
  return view.signing!.signerIdentifiers[party - 1]!;
}

/** 1..n with `first` moved to the front. */
function partiesFirst(parties: number, first: number | undefined): number[] {
  const all = Array.from({ length: parties }, (_, i) => i + 1);
  return first === undefined ? all : [first, ...all.filter((p) => p !== first)];
}

function missing(party: number, round: number): ProtocolError {
  return new ProtocolError({
    code: "MISSING_PAYLOAD",
    message: `The record has no round-${round} payload from party ${party}`,
    field: `payloads[${round - 1}]`,
    party,
  });
}

/** The fault of an agreement payload that is not the implied result. */
function agreementMismatch(party: number): ProtocolError {
  return new ProtocolError({
    code: "AGREEMENT_MISMATCH",
    message: `Party ${party}'s agreement payload differs from the result the public record implies`,
    field: "agreement",
    party,
  });
}
