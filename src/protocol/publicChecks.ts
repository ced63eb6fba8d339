// The public checks of one payload, shared by the plug-ins (which blame) and the judge (which
// re-runs them), so a runner and an auditor can never disagree about what "valid" means.
// Each returns the value or a ProtocolError that names the payload's sender.

import { type Session, validatePublicContext } from "./context.js";
import { type CheckedKeygenRound1, verifyProofOfKnowledge } from "./dkg.js";
import { ProtocolError } from "./errors.js";
import { type ReadKeygenRound1, readKeygenRound1 } from "./payloads.js";
import { invalidSessionBinding, verifyRound1Binding } from "./round1Binding.js";
import type { PublicSessionContext } from "./types.js";

/** A checked value, or the one fault that makes it unusable. */
export type Checked<T> = { ok: true; value: T } | { ok: false; fault: ProtocolError };

/**
 * Decodes a key-generation round-1 payload and verifies its session binding; throws the
 * ProtocolError (naming `party`) otherwise. The plug-in runs this before noble, which then
 * verifies the proofs of knowledge in one batch.
 */
export function readBoundKeygenRound1(
  session: Session,
  party: number,
  bytes: Uint8Array,
): ReadKeygenRound1 {
  const payload = readKeygenRound1(bytes, session.suite, session.threshold, party);
  const c0 = payload.commitments[0]!.bytes;
  if (!verifyRound1Binding(session, party, c0, payload.bindingSignature)) {
    throw invalidSessionBinding(party);
  }
  return payload;
}

/** Key-generation round 1, fully: decodes, session binding, proof of knowledge. */
export function checkKeygenRound1(
  session: Session,
  party: number,
  bytes: Uint8Array,
): Checked<CheckedKeygenRound1> {
  return attempt(party, () => {
    const payload = readBoundKeygenRound1(session, party, bytes);
    if (!verifyProofOfKnowledge(session.suite, party, payload)) {
      throw new ProtocolError({
        code: "INVALID_PROOF_OF_KNOWLEDGE",
        message: `Party ${party}'s proof of knowledge of its secret does not verify`,
        field: "keygenRound1.proofOfKnowledge",
        party,
      });
    }
    return payload;
  });
}

/**
 * The public check of one key-generation round-1 payload (decodes, session binding, proof of
 * knowledge), for auditors: `undefined` if it passes, else the fault naming `party`.
 * @example
 * ```ts
 * const fault = checkKeygenRound1Payload(context, 2, payload);
 * if (fault) console.log(fault.code); // e.g. INVALID_SESSION_BINDING for a copied package
 * ```
 */
export function checkKeygenRound1Payload(
  context: PublicSessionContext,
  party: number,
  bytes: Uint8Array,
): ProtocolError | undefined {
  const session = validatePublicContext(context);
  const checked = checkKeygenRound1(session, party, bytes);
  return checked.ok ? undefined : checked.fault;
}

/** Runs a decoder; a ProtocolError it throws becomes a fault of `party`. */
export function attempt<T>(party: number, run: () => T): Checked<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { ok: false, fault: error.withParty(party) };
  }
}
