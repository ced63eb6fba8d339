// A session simulator with exactly one deviating party, for the judge's tests. Honest parties run
// the plug-ins and file every accusation they output, as the runner does; after agreement they
// file one against every party judgeAgreement names. The session aborts at the end of the first
// round with a complaint. What comes out is the public record and every complaint filed.

import {
  type Complaint,
  createComplaint,
  decodeKeygenRound1,
  decodeKeygenRound2,
  decodeSigningRound2,
  encodeKeygenRound1,
  encodeKeygenRound2,
  encodePublicFaultEvidence,
  encodeSigningRound2,
  encryptShare,
  frostKeygen,
  frostSigning,
  judgeAgreement,
  keyFromKeygenRecord,
  type PublicRecord,
  type PublicSessionContext,
  type RoundOutput,
  type SessionContext,
} from "../../src/protocol/index.js";
import {
  contextOf,
  type KeygenRun,
  othersOf,
  type SessionFixture,
  seededRandom,
} from "./helpers.js";

/** What the one deviating party does. */
export type Deviation =
  | { readonly kind: "none" }
  | { readonly kind: "wrongShare"; readonly victim: number }
  | { readonly kind: "malformed"; readonly round: 1 | 2 | 3 }
  | { readonly kind: "badProof" }
  | { readonly kind: "copiedRound1" }
  | { readonly kind: "badSignatureShare" }
  | { readonly kind: "wrongAgreement" }
  /** Complains in `round` (instead of submitting) against an honest party's payload of `about`. */
  | {
      readonly kind: "falseComplaint";
      readonly round: 1 | 2 | 3;
      readonly about: 1 | 2 | 3;
      readonly victim: number;
      readonly share: boolean;
    }
  /** Complains on chain against `victim` with evidence that names `named` as accuser or accused. */
  | {
      readonly kind: "wrongAccused";
      readonly round: 1 | 2 | 3;
      readonly victim: number;
      readonly named: number;
      readonly asAccuser: boolean;
    };

/** One protocol session's parties, ready to run. */
export type Setup = {
  readonly protocol: PublicRecord["protocol"];
  readonly parties: number;
  readonly base: Omit<PublicRecord, "payloads">;
  readonly contextOf: (party: number) => SessionContext;
  readonly encryptionSecret: (party: number) => Uint8Array;
  readonly run: (
    party: number,
    round: number,
    state: Uint8Array | undefined,
    received: Map<number, Uint8Array>[],
  ) => RoundOutput<unknown>;
  /** A key-generation round-1 payload of the same party from another session (sessionId + 1). */
  readonly otherSessionRound1?: (party: number) => Uint8Array;
};

export type Outcome = { record: PublicRecord; complaints: Complaint[]; abortedIn?: number };

export function publicContext(context: SessionContext): PublicSessionContext {
  const { partyIndex: _, ...rest } = context;
  return rest;
}

/** A key-generation setup over a fixture; `seed` makes runs replay. */
export function keygenSetup(fixture: SessionFixture, seed: string): Setup {
  const input = (party: number) => ({
    context: contextOf(fixture, party),
    params: {},
    secrets: { encryptionSecretKey: fixture.keys.secret[party - 1]! },
    random: seededRandom(`${seed}-${party}`),
  });
  return {
    protocol: "frost-keygen",
    parties: fixture.parties,
    base: { protocol: "frost-keygen", context: publicContext(contextOf(fixture, 1)) },
    contextOf: (party) => contextOf(fixture, party),
    encryptionSecret: (party) => fixture.keys.secret[party - 1]!,
    run: (party, round, state, received) =>
      round === 1
        ? frostKeygen.start(input(party))
        : frostKeygen.next({ ...input(party), state: state!, round, received }),
    otherSessionRound1: (party) => {
      const other = { ...fixture, sessionId: fixture.sessionId + 1n };
      const out = frostKeygen.start({ ...input(party), context: contextOf(other, party) });
      return out.kind === "payload" ? out.payload : new Uint8Array(0);
    },
  };
}

/** A signing setup among `signers` (key-generation indexes) of a finished key generation. */
export function signingSetup(
  keygen: KeygenRun,
  signers: readonly number[],
  messageDigest: Uint8Array,
  seed: string,
): Setup {
  const key = keyFromKeygenRecord(publicContext(contextOf(keygen.fixture, 1)), keygen.payloads[0]!);
  const fixture: SessionFixture = {
    ...keygen.fixture,
    sessionId: 99n,
    parties: signers.length,
    threshold: signers.length,
    keys: {
      secret: signers.map((i) => keygen.fixture.keys.secret[i - 1]!),
      public: signers.map((i) => keygen.fixture.keys.public[i - 1]!),
    },
  };
  const params = { signerIdentifiers: signers, messageDigest, groupPublicKey: key.groupPublicKey };
  const input = (party: number) => ({
    context: contextOf(fixture, party),
    params,
    secrets: { keyShare: keygen.results.get(signers[party - 1]!)!.keyShare },
    random: seededRandom(`${seed}-${party}`),
  });
  return {
    protocol: "frost-signing",
    parties: signers.length,
    base: {
      protocol: "frost-signing",
      context: publicContext(contextOf(fixture, 1)),
      signing: { signerIdentifiers: signers, messageDigest, key },
    },
    contextOf: (party) => contextOf(fixture, party),
    encryptionSecret: (party) => fixture.keys.secret[party - 1]!,
    run: (party, round, state, received) =>
      round === 1
        ? frostSigning.start(input(party))
        : frostSigning.next({ ...input(party), state: state!, round, received }),
  };
}

/** Runs the session with `deviator` deviating; everyone else is honest. */
export function simulate(setup: Setup, deviator: number, deviation: Deviation): Outcome {
  const payloads: Map<number, Uint8Array>[] = [];
  const states = new Map<number, Uint8Array>();
  const complaints: Complaint[] = [];
  const record = (): PublicRecord => ({ ...setup.base, payloads });
  for (let round = 1; round <= 3; round++) {
    const current = new Map<number, Uint8Array>();
    payloads.push(current);
    for (let party = 1; party <= setup.parties; party++) {
      const received = payloads.slice(0, round - 1).map((all) => othersOf(all, party));
      const out = setup.run(party, round, states.get(party), received);
      if (party === deviator) {
        const complaint = deviantComplaint(setup, deviator, deviation, round);
        if (complaint !== undefined) {
          complaints.push(complaint);
          continue;
        }
      }
      if (out.kind === "blame") {
        for (const a of out.accusations) {
          complaints.push({ accuser: party, accused: a.accused, round, evidence: a.evidence });
        }
        continue;
      }
      states.set(party, out.state);
      current.set(
        party,
        party === deviator ? deviate(setup, deviator, deviation, round, out.payload) : out.payload,
      );
    }
    if (complaints.length > 0) return { record: record(), complaints, abortedIn: round };
  }
  // After agreement an honest runner files against whoever judgeAgreement names.
  for (const accused of judgeAgreement(record()).faulty) {
    for (let accuser = 1; accuser <= setup.parties; accuser++) {
      if (accuser === deviator || accuser === accused) continue;
      complaints.push({
        accuser,
        accused,
        round: 3,
        evidence: encodePublicFaultEvidence({ accuser, accused, round: 3 }),
      });
    }
  }
  return { record: record(), complaints };
}

function deviantComplaint(
  setup: Setup,
  deviator: number,
  d: Deviation,
  round: number,
): Complaint | undefined {
  if ((d.kind !== "falseComplaint" && d.kind !== "wrongAccused") || d.round !== round)
    return undefined;
  if (d.kind === "falseComplaint") {
    const evidence = d.share
      ? createComplaint({
          context: setup.contextOf(deviator),
          accused: d.victim,
          encryptionSecretKey: setup.encryptionSecret(deviator),
          random: seededRandom("false"),
        })
      : encodePublicFaultEvidence({ accuser: deviator, accused: d.victim, round: d.about });
    return { accuser: deviator, accused: d.victim, round, evidence };
  }
  const evidence = d.asAccuser
    ? encodePublicFaultEvidence({
        accuser: d.named,
        accused: d.victim,
        round: Math.max(1, round - 1),
      })
    : encodePublicFaultEvidence({
        accuser: deviator,
        accused: d.named,
        round: Math.max(1, round - 1),
      });
  return { accuser: deviator, accused: d.victim, round, evidence };
}

/** The deviator's published payload of `round`. */
function deviate(
  setup: Setup,
  deviator: number,
  d: Deviation,
  round: number,
  payload: Uint8Array,
): Uint8Array {
  const keygen = setup.protocol === "frost-keygen";
  const { threshold } = setup.base.context;
  const ciphersuite = setup.base.context.ciphersuite;
  switch (d.kind) {
    case "malformed":
      return d.round === round ? payload.subarray(0, payload.length - 1) : payload;
    case "wrongAgreement":
    case "badSignatureShare":
    case "badProof":
    case "copiedRound1":
    case "wrongShare":
      break;
    default:
      return payload;
  }
  if (d.kind === "wrongAgreement" && round === 3) return flipLast(payload);
  if (d.kind === "badSignatureShare" && !keygen && round === 2) {
    const { share } = decodeSigningRound2(payload);
    return encodeSigningRound2({ share: flipLast(share) });
  }
  if (d.kind === "badProof" && keygen && round === 1) {
    const decoded = decodeKeygenRound1(payload, { ciphersuite, threshold });
    return encodeKeygenRound1({ ...decoded, proofOfKnowledge: flipLast(decoded.proofOfKnowledge) });
  }
  if (d.kind === "copiedRound1" && keygen && round === 1)
    return setup.otherSessionRound1!(deviator);
  if (d.kind === "wrongShare" && keygen && round === 2) {
    const { ciphertexts } = decodeKeygenRound2(payload, { parties: setup.parties });
    const slot = d.victim < deviator ? d.victim - 1 : d.victim - 2;
    const wrong = encryptShare({
      context: setup.contextOf(deviator),
      recipient: d.victim,
      encryptionSecretKey: setup.encryptionSecret(deviator),
      share: new Uint8Array(32).fill(0x11),
    });
    return encodeKeygenRound2({ ciphertexts: ciphertexts.map((c, i) => (i === slot ? wrong : c)) });
  }
  return payload;
}

/** The same bytes with the last bit flipped (a scalar stays below n but becomes wrong). */
function flipLast(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length - 1] = out[out.length - 1]! ^ 1;
  return out;
}
