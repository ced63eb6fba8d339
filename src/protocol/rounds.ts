// Round bookkeeping shared by the plug-ins: is this the round that follows the state, did the
// runner pass exactly one payload from every other party, and which payloads fail to decode.

import type { PartySession } from "./context.js";
import { fail, ProtocolError } from "./errors.js";
import { encodePublicFaultEvidence } from "./publicFault.js";
import type { Accusation, ReceivedPayloads } from "./types.js";

/** Success, or the parties at fault with the reason for each. */
export type Attributed<T> = { ok: true; value: T } | { ok: false; faults: ProtocolError[] };

/** Checks that `round` follows the state and that `received` holds rounds 1..round-1. */
export function expectRound(
  input: { readonly round: number; readonly received: ReceivedPayloads },
  expected: number,
  rounds: number,
): void {
  if (input.round !== expected) {
    fail({
      code: "UNEXPECTED_ROUND",
      message: `The state is ready for round ${expected} of ${rounds}, not round ${input.round}`,
      field: "round",
    });
  }
  if (!Array.isArray(input.received) || input.received.length !== expected - 1) {
    fail({
      code: "UNEXPECTED_ROUND",
      message: `Round ${expected} needs the payloads of rounds 1..${expected - 1}, got ${
        Array.isArray(input.received) ? input.received.length : "no"
      } rounds`,
      field: "received",
    });
  }
}

/** The round-`round` payloads, checked to come from exactly every other party. */
export function collectRound(
  session: PartySession,
  received: ReceivedPayloads,
  round: number,
): ReadonlyMap<number, Uint8Array> {
  const payloads = received[round - 1];
  if (!(payloads instanceof Map)) {
    fail({
      code: "MISSING_PAYLOAD",
      message: `received[${round - 1}] must be a Map from party index to payload`,
      field: `received[${round - 1}]`,
    });
  }
  for (const [party, payload] of payloads) {
    if (
      party === session.self ||
      !Number.isSafeInteger(party) ||
      party < 1 ||
      party > session.parties
    ) {
      fail({
        code: "UNEXPECTED_PARTY",
        message: `Round ${round} payloads must come from the other parties (1..${session.parties} except ${session.self})`,
        field: `received[${round - 1}]`,
        party,
      });
    }
    if (!(payload instanceof Uint8Array)) {
      fail({
        code: "INVALID_INPUT",
        message: `Round ${round} payload is not a Uint8Array`,
        field: `received[${round - 1}]`,
        party,
      });
    }
  }
  for (let party = 1; party <= session.parties; party++) {
    if (party !== session.self && !payloads.has(party)) {
      fail({
        code: "MISSING_PAYLOAD",
        message: `No round-${round} payload from party ${party}; wait for it or let the deadline pass`,
        field: `received[${round - 1}]`,
        party,
      });
    }
  }
  return payloads;
}

/** Decodes every payload; collects the ProtocolErrors of all that fail, each naming its party. */
export function decodeEach<T>(
  payloads: ReadonlyMap<number, Uint8Array>,
  decode: (bytes: Uint8Array, party: number) => T,
): Attributed<Map<number, T>> {
  const value = new Map<number, T>();
  const faults: ProtocolError[] = [];
  for (const party of [...payloads.keys()].sort((a, b) => a - b)) {
    try {
      value.set(party, decode(payloads.get(party)!, party));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      faults.push(error.withParty(party));
    }
  }
  return faults.length > 0 ? { ok: false, faults } : { ok: true, value };
}

/**
 * Accusations for public faults found in other parties' payloads of `faultRound`: each carries
 * public-fault evidence (01 32) naming this party as the accuser, so the runner can file it as is.
 */
export function publicAccusations(
  self: number,
  faultRound: number,
  faults: readonly ProtocolError[],
): Accusation[] {
  return faults.map((reason) => ({
    accused: reason.party!,
    reason,
    evidence: encodePublicFaultEvidence({
      accuser: self,
      accused: reason.party!,
      round: faultRound,
    }),
  }));
}
