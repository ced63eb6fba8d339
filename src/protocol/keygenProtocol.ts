// FROST key generation as a Roundtable plug-in: session context in, payloads and persisted state
// out. Round 1 broadcasts commitments with a proof of knowledge; round 2 sends every other party
// its share, encrypted, in one payload; round 3 checks the shares and agrees on the group key.

import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { createComplaintInSession } from "./complaint.js";
import {
  contextDigest,
  type PartySession,
  requireFrostThreshold,
  validateSessionContext,
} from "./context.js";
import {
  type CheckedKeygenRound1,
  type KeygenParameters,
  keygenRound1,
  keygenRound2,
  keygenRound3,
} from "./dkg.js";
import { ByteWriter, equalBytes } from "./encoding.js";
import { fail, ProtocolError } from "./errors.js";
import {
  ciphertextSlot,
  decodeKeygenRound2,
  encodeKeygenRound1,
  encodeKeygenRound2,
} from "./payloads.js";
import { readBoundKeygenRound1 } from "./publicChecks.js";
import { checkedRandom } from "./random.js";
import { signRound1Binding } from "./round1Binding.js";
import { collectRound, decodeEach, expectRound, publicAccusations } from "./rounds.js";
import {
  decodeKeygenState,
  encodeKeygenState,
  encodeKeyShare,
  type KeygenState,
} from "./secretState.js";
import {
  decryptWithKey,
  encryptWithKey,
  pairKeys,
  parseEncryptionSecretKey,
} from "./shareEncryption.js";
import type { Accusation, NextInput, ProtocolPlugin, RoundOutput, StartInput } from "./types.js";

/** Key generation takes no parameters beyond the session context. */
export type KeygenParams = Record<string, never>;

/** A key-generation party's long-lived secret. */
export type KeygenSecrets = {
  /** The 32-byte secret of the encryption key this party registered for the session. */
  readonly encryptionSecretKey: Uint8Array;
};

/** What a party keeps from a successful key generation. */
export type KeygenResult = {
  /** The agreed group key: 32-byte x-only (Taproot) or 33-byte compressed (RFC 9591). */
  readonly groupPublicKey: Uint8Array;
  /** The encoded {@link KeyShare}: SECRET, persist encrypted; the signing plug-in takes it. */
  readonly keyShare: Uint8Array;
};

/**
 * FROST key generation in three rounds (commitments, encrypted shares, agreement).
 * @example
 * ```ts
 * const r1 = frostKeygen.start({ context, params: {}, secrets, random: secureRandom });
 * // persist r1.state, submit r1.payload, wait for the others' round-1 payloads, then:
 * const r2 = frostKeygen.next({ context, params: {}, secrets, random: secureRandom,
 *   state: r1.state, round: 2, received: [round1Payloads] });
 * ```
 */
export const frostKeygen: ProtocolPlugin<KeygenParams, KeygenSecrets, KeygenResult> = {
  protocol: "frost-keygen",
  rounds: 3,
  start: startKeygen,
  next: nextKeygen,
};

function startKeygen(input: StartInput<KeygenParams, KeygenSecrets>): RoundOutput<KeygenResult> {
  const session = checkedSession(input.context);
  parseEncryptionSecretKey(session, input.secrets.encryptionSecretKey);
  const random = checkedRandom(input.random);
  const { coefficients, payload } = keygenRound1(parameters(session), random);
  // Drawn after noble's draws, so the standard vectors' polynomial and proof stay reproducible.
  const bindingSignature = signRound1Binding(
    session,
    session.self,
    coefficients[0]!,
    payload.commitments[0]!,
    random(32),
  );
  const state: KeygenState = {
    ciphersuite: session.suite.id,
    contextDigest: digest(session),
    parties: session.parties,
    coefficients,
    round: 1,
  };
  return {
    kind: "payload",
    round: 1,
    payload: encodeKeygenRound1({ ...payload, bindingSignature }),
    state: encodeKeygenState(state),
  };
}

function nextKeygen(input: NextInput<KeygenParams, KeygenSecrets>): RoundOutput<KeygenResult> {
  const session = checkedSession(input.context);
  const secret = parseEncryptionSecretKey(session, input.secrets.encryptionSecretKey);
  const state = decodeKeygenState(input.state);
  if (
    state.ciphersuite !== session.suite.id ||
    state.parties !== session.parties ||
    !equalBytes(state.contextDigest, digest(session))
  ) {
    fail({
      code: "STATE_MISMATCH",
      message: "This key-generation state belongs to another session, party or parameter set",
      field: "state",
      party: session.self,
    });
  }
  expectRound(input, state.round + 1, frostKeygen.rounds);
  const round1Bytes = collectRound(session, input.received, 1);
  // Session bindings are checked here, before noble sees the packages (THREATS B8).
  const round1 = decodeEach(
    round1Bytes,
    (bytes, party): CheckedKeygenRound1 => readBoundKeygenRound1(session, party, bytes),
  );
  if (!round1.ok) return blame(session, input.round, 1, round1.faults);

  if (state.round === 1) {
    return keygenSendShares(session, secret, state, round1.value, round1Bytes);
  }
  if (!equalBytes(state.transcriptDigest, transcriptDigest(round1Bytes))) {
    fail({
      code: "TRANSCRIPT_MISMATCH",
      message:
        "The round-1 payloads differ from the ones this party answered in round 2; pass the payloads from the log",
      field: "received[0]",
      party: session.self,
    });
  }
  return keygenFinish(input, session, secret, state, round1.value);
}

/** Round 2: verify proofs, encrypt one share per other party. */
function keygenSendShares(
  session: PartySession,
  secret: bigint,
  state: KeygenState,
  round1: ReadonlyMap<number, CheckedKeygenRound1>,
  round1Bytes: ReadonlyMap<number, Uint8Array>,
): RoundOutput<KeygenResult> {
  const shares = keygenRound2(parameters(session), state.coefficients, round1);
  if (!shares.ok) return blame(session, 2, 1, shares.faults);
  const ciphertexts: Uint8Array[] = [];
  const receiveKeys: Uint8Array[] = [];
  for (let peer = 1; peer <= session.parties; peer++) {
    if (peer === session.self) continue;
    const keys = pairKeys(session, secret, peer);
    ciphertexts.push(encryptWithKey(keys.send, shares.value.get(peer)!));
    receiveKeys.push(keys.receive);
  }
  const next: KeygenState = {
    ciphersuite: state.ciphersuite,
    contextDigest: state.contextDigest,
    parties: state.parties,
    coefficients: state.coefficients,
    round: 2,
    transcriptDigest: transcriptDigest(round1Bytes),
    receiveKeys,
  };
  return {
    kind: "payload",
    round: 2,
    payload: encodeKeygenRound2({ ciphertexts }),
    state: encodeKeygenState(next),
  };
}

/** Round 3: decrypt and check the shares, derive the key share, agree on the group key. */
function keygenFinish(
  input: NextInput<KeygenParams, KeygenSecrets>,
  session: PartySession,
  secret: bigint,
  state: Extract<KeygenState, { round: 2 }>,
  round1: ReadonlyMap<number, CheckedKeygenRound1>,
): RoundOutput<KeygenResult> {
  const round2 = decodeEach(collectRound(session, input.received, 2), (bytes, party) =>
    decodeKeygenRound2(bytes, { parties: session.parties, party }),
  );
  if (!round2.ok) return blame(session, 3, 2, round2.faults);

  // Shares that do not decrypt are provable only by this party: complain with evidence.
  const shares = new Map<number, Uint8Array>();
  const undecryptable: ProtocolError[] = [];
  for (const [sender, payload] of round2.value) {
    const ciphertext = payload.ciphertexts[ciphertextSlot(sender, session.self)]!;
    // receiveKeys skip this party just as ciphertexts skip the sender.
    const key = state.receiveKeys[ciphertextSlot(session.self, sender)]!;
    try {
      shares.set(sender, decryptWithKey(key, sender, session.self, ciphertext));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      undecryptable.push(error);
    }
  }
  if (undecryptable.length > 0) return complain(input, session, secret, undecryptable);

  const key = keygenRound3(parameters(session), state.coefficients, round1, shares);
  if (!key.ok) return complain(input, session, secret, key.faults);
  const groupPublicKey = session.suite.encodeGroupKey(key.value.commitments[0]!);
  const keyShare = encodeKeyShare(key.value);
  return {
    kind: "result",
    round: 3,
    payload: groupPublicKey,
    state: keyShare,
    result: { groupPublicKey, keyShare },
  };
}

function complain(
  input: NextInput<KeygenParams, KeygenSecrets>,
  session: PartySession,
  secret: bigint,
  faults: readonly ProtocolError[],
): RoundOutput<KeygenResult> {
  const accusations: Accusation[] = faults.map((reason) => {
    const accused = reason.party!;
    return {
      accused,
      reason,
      evidence: createComplaintInSession(session, secret, accused, input.random),
    };
  });
  return { kind: "blame", round: 3, accusations };
}

/** Public faults of the payloads of `faultRound`: anyone can re-check them, so the evidence only points. */
function blame(
  session: PartySession,
  round: number,
  faultRound: number,
  faults: readonly ProtocolError[],
): RoundOutput<KeygenResult> {
  return { kind: "blame", round, accusations: publicAccusations(session.self, faultRound, faults) };
}

function checkedSession(context: StartInput<KeygenParams, KeygenSecrets>["context"]): PartySession {
  const session = validateSessionContext(context);
  requireFrostThreshold(session);
  return session;
}

function parameters(session: PartySession): KeygenParameters {
  return {
    suite: session.suite,
    identifier: session.self,
    threshold: session.threshold,
    parties: session.parties,
  };
}

function digest(session: PartySession): Uint8Array {
  return contextDigest(session, "frost-keygen", new Uint8Array(0));
}

const TRANSCRIPT_LABEL = utf8ToBytes("roundtable/protocol/v1/frost-keygen/round1-transcript");

/** SHA-256 over the other parties' round-1 payloads, in index order, length-prefixed. */
function transcriptDigest(round1: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const writer = new ByteWriter().bytes(TRANSCRIPT_LABEL);
  for (const party of [...round1.keys()].sort((a, b) => a - b)) {
    const payload = round1.get(party)!;
    writer.u8(party).u32(payload.length).bytes(payload);
  }
  return sha256(writer.finish());
}
