// FROST signing as a Roundtable plug-in. A signing session's parties are a subset of a key
// generation's parties; `signerIdentifiers` maps each signing-session index to its key-generation
// index, which is its FROST identifier. Round 1 publishes nonce commitments, round 2 signature
// shares (consuming the nonces), round 3 agrees on the aggregated signature.

import { contextDigest, type PartySession, validateSessionContext } from "./context.js";
import { ByteWriter, equalBytes } from "./encoding.js";
import { fail, type ProtocolError } from "./errors.js";
import {
  decodeSigningRound1,
  decodeSigningRound2,
  encodeSigningRound1,
  encodeSigningRound2,
} from "./payloads.js";
import { collectRound, decodeEach, expectRound, publicAccusations } from "./rounds.js";
import {
  assertUnconsumed,
  decodeKeyShare,
  decodeSigningState,
  encodeSigningState,
  type KeyShare,
  type SigningState,
} from "./secretState.js";
import {
  aggregateSignature,
  commitNonces,
  groupPublicKey,
  type SigningCommitment,
  signShare,
} from "./signing.js";
import type { NextInput, ProtocolPlugin, RoundOutput, StartInput } from "./types.js";

/** Length of the message digest a signing session signs. */
export const MESSAGE_DIGEST_LENGTH = 32;

/** Public parameters of a signing session, from its configuration. */
export type SigningParams = {
  /**
   * `signerIdentifiers[k - 1]` is the key-generation index (= FROST identifier) of signing-session
   * party k. Distinct; at least the key's threshold of them.
   */
  readonly signerIdentifiers: readonly number[];
  /** The 32-byte digest to sign. */
  readonly messageDigest: Uint8Array;
  /** The key to sign with, as agreed in key generation (32 or 33 bytes). */
  readonly groupPublicKey: Uint8Array;
};

/** A signer's local secret. */
export type SigningSecrets = {
  /** The encoded key share from key generation (`KeygenResult.keyShare`). */
  readonly keyShare: Uint8Array;
};

/** A successful signing session's outcome. */
export type SigningResult = {
  /** 64-byte BIP-340 signature (Taproot) or 65-byte RFC 9591 signature. */
  readonly signature: Uint8Array;
};

/**
 * FROST signing in three rounds (nonce commitments, signature shares, agreement).
 * @example
 * ```ts
 * const params = { signerIdentifiers: [1, 3], messageDigest, groupPublicKey };
 * const r1 = frostSigning.start({ context, params, secrets: { keyShare }, random: secureRandom });
 * ```
 */
export const frostSigning: ProtocolPlugin<SigningParams, SigningSecrets, SigningResult> = {
  protocol: "frost-signing",
  rounds: 3,
  start: startSigning,
  next: nextSigning,
};

type Checked = { session: PartySession; keyShare: KeyShare; digest: Uint8Array };

function startSigning(
  input: StartInput<SigningParams, SigningSecrets>,
): RoundOutput<SigningResult> {
  const { keyShare, digest } = check(input);
  const { nonces, commitment } = commitNonces(keyShare, input.random);
  const state: SigningState = {
    ciphersuite: keyShare.ciphersuite,
    contextDigest: digest,
    identifier: keyShare.identifier,
    hidingCommitment: commitment.hiding,
    bindingCommitment: commitment.binding,
    consumed: false,
    hidingNonce: nonces.hiding,
    bindingNonce: nonces.binding,
  };
  return {
    kind: "payload",
    round: 1,
    payload: encodeSigningRound1({ hiding: commitment.hiding, binding: commitment.binding }),
    state: encodeSigningState(state),
  };
}

function nextSigning(input: NextInput<SigningParams, SigningSecrets>): RoundOutput<SigningResult> {
  const checked = check(input);
  const state = decodeSigningState(input.state);
  if (
    state.ciphersuite !== checked.keyShare.ciphersuite ||
    state.identifier !== checked.keyShare.identifier ||
    !equalBytes(state.contextDigest, checked.digest)
  ) {
    fail({
      code: "STATE_MISMATCH",
      message: "This signing state belongs to another session, signer, message or key",
      field: "state",
      party: checked.session.self,
    });
  }
  // Asking for round 2 again with a consumed state is the nonce reuse RFC 9591 forbids.
  if (input.round === 2) assertUnconsumed(state);
  expectRound(input, state.consumed ? 3 : 2, frostSigning.rounds);

  const commitments = decodeEach(collectRound(checked.session, input.received, 1), (bytes, party) =>
    decodeSigningRound1(bytes, { party }),
  );
  if (!commitments.ok) return blame(checked.session, input.round, 1, commitments.faults);
  const list: SigningCommitment[] = [
    {
      identifier: state.identifier,
      hiding: state.hidingCommitment,
      binding: state.bindingCommitment,
    },
  ];
  for (const [party, payload] of commitments.value) {
    list.push({ identifier: identifierOf(input.params, party), ...payload });
  }
  const message = input.params.messageDigest;

  if (!state.consumed) {
    const share = signShare(
      checked.keyShare,
      { hiding: state.hidingNonce, binding: state.bindingNonce },
      list,
      message,
    );
    const consumed: SigningState = {
      ciphersuite: state.ciphersuite,
      contextDigest: state.contextDigest,
      identifier: state.identifier,
      hidingCommitment: state.hidingCommitment,
      bindingCommitment: state.bindingCommitment,
      consumed: true,
      signatureShare: share,
    };
    return {
      kind: "payload",
      round: 2,
      payload: encodeSigningRound2({ share }),
      state: encodeSigningState(consumed),
    };
  }

  const received = decodeEach(collectRound(checked.session, input.received, 2), (bytes, party) =>
    decodeSigningRound2(bytes, { party }),
  );
  if (!received.ok) return blame(checked.session, 3, 2, received.faults);
  const shares = new Map<number, Uint8Array>([[state.identifier, state.signatureShare]]);
  for (const [party, { share }] of received.value)
    shares.set(identifierOf(input.params, party), share);
  const signature = aggregateSignature(checked.keyShare, list, shares, message);
  if (!signature.ok) {
    // noble names signers by key-generation identifier; accusations use session indexes. A bad
    // share is a public fault of round 2: the judge re-runs verifyShare on the record.
    const bySession = signature.faults.map((fault) =>
      fault.withParty(sessionIndexOf(input.params, fault.party!)),
    );
    return blame(checked.session, 3, 2, bySession);
  }
  return {
    kind: "result",
    round: 3,
    payload: signature.value,
    state: input.state,
    result: { signature: signature.value },
  };
}

/** Checks context, parameters and key share together; returns the state's context digest. */
function check(input: StartInput<SigningParams, SigningSecrets>): Checked {
  const session = validateSessionContext(input.context);
  const keyShare = decodeKeyShare(input.secrets.keyShare);
  const { signerIdentifiers, messageDigest } = input.params;
  const invalid = (field: string, message: string): never =>
    fail({ code: "INVALID_CONTEXT", message, field: `params.${field}` });
  if (keyShare.ciphersuite !== session.suite.id) {
    fail({
      code: "STATE_MISMATCH",
      message: `The key share is for ${keyShare.ciphersuite}, the session uses ${session.suite.id}`,
      field: "secrets.keyShare",
      party: session.self,
    });
  }
  if (!Array.isArray(signerIdentifiers) || signerIdentifiers.length !== session.parties) {
    invalid(
      "signerIdentifiers",
      `Expected one key-generation index per party (${session.parties})`,
    );
  }
  const keyParties = keyShare.verifyingShares.length;
  const seen = new Set<number>();
  for (const id of signerIdentifiers) {
    if (!Number.isSafeInteger(id) || id < 1 || id > keyParties || seen.has(id)) {
      invalid(
        "signerIdentifiers",
        `Signers must be distinct key-generation indexes in [1, ${keyParties}]`,
      );
    }
    seen.add(id);
  }
  if (session.parties < keyShare.threshold) {
    invalid(
      "signerIdentifiers",
      `The key needs ${keyShare.threshold} signers, the session has ${session.parties}`,
    );
  }
  if (signerIdentifiers[session.self - 1] !== keyShare.identifier) {
    fail({
      code: "STATE_MISMATCH",
      message: `Signing party ${session.self} maps to key-generation index ${signerIdentifiers[session.self - 1]}, but the key share is index ${keyShare.identifier}`,
      field: "secrets.keyShare",
      party: session.self,
    });
  }
  if (!(messageDigest instanceof Uint8Array) || messageDigest.length !== MESSAGE_DIGEST_LENGTH) {
    invalid("messageDigest", `The message digest must be ${MESSAGE_DIGEST_LENGTH} bytes`);
  }
  const key = groupPublicKey(keyShare);
  if (
    !(input.params.groupPublicKey instanceof Uint8Array) ||
    !equalBytes(input.params.groupPublicKey, key)
  ) {
    fail({
      code: "STATE_MISMATCH",
      message: "The key share is not a share of the session's group public key",
      field: "params.groupPublicKey",
      party: session.self,
    });
  }
  const extra = new ByteWriter().u8(signerIdentifiers.length);
  for (const id of signerIdentifiers) extra.u8(id);
  extra.bytes(messageDigest).bytes(key);
  return { session, keyShare, digest: contextDigest(session, "frost-signing", extra.finish()) };
}

function identifierOf(params: SigningParams, party: number): number {
  return params.signerIdentifiers[party - 1]!;
}

function sessionIndexOf(params: SigningParams, identifier: number): number {
  return params.signerIdentifiers.indexOf(identifier) + 1;
}

/** Public faults of the payloads of `faultRound`, each with evidence that points at them. */
function blame(
  session: PartySession,
  round: number,
  faultRound: number,
  faults: readonly ProtocolError[],
): RoundOutput<SigningResult> {
  return { kind: "blame", round, accusations: publicAccusations(session.self, faultRound, faults) };
}
