// The glue between a session view and the protocol layer's plug-ins: which plug-in a session runs,
// its context (1-based indexes, bytes), the payloads received so far, and one round's computation
// turned into a round record (a payload with its state, or a complaint).

import { hexToBytes } from "viem";
import {
  type Accusation,
  type CiphersuiteId,
  frostKeygen,
  frostSigning,
  type KeygenResult,
  type RandomSource,
  type RoundOutput,
  type SessionContext,
  type SigningResult,
} from "../protocol/index.js";
import { RoundtableInputError } from "../sdk/errors.js";
import { ciphersuiteName, type ProtocolName, protocolName } from "../sdk/protocolIds.js";
import { sessionConfigProblem } from "../sdk/sessionConfigProblem.js";
import { PartyError } from "./errors.js";
import type { RoundRecord } from "./records.js";
import type { SessionView } from "./sessionView.js";

/** The protocol a session runs, checked against its kind and schedule. */
export type SessionProtocol = {
  name: ProtocolName;
  ciphersuite: CiphersuiteId;
  rounds: number;
};

const plugins = {
  "frost-keygen": { plugin: frostKeygen, kind: "key-generation" },
  "frost-signing": { plugin: frostSigning, kind: "signing" },
} as const;

/**
 * Resolves and checks the session's protocol before anything is accepted: a known protocol and
 * ciphersuite, of the session's kind, with as many rounds in the schedule as the plug-in has.
 */
export function sessionProtocol(view: SessionView): SessionProtocol {
  const unsupported = (shortMessage: string, cause?: unknown) =>
    new PartyError({
      code: "UNSUPPORTED",
      sessionId: view.sessionId,
      party: view.self,
      phase: view.phaseName,
      shortMessage,
      cause,
    });
  let name: ProtocolName;
  let ciphersuite: CiphersuiteId;
  try {
    name = protocolName(view.config.protocol);
    ciphersuite = ciphersuiteName(view.config.ciphersuite);
  } catch (error) {
    if (error instanceof RoundtableInputError) {
      throw unsupported(`Session ${view.sessionId} cannot be run: ${error.shortMessage}`, error);
    }
    throw error;
  }
  // The same rule the auditor applies: an unrunnable configuration is the initiator's fault.
  const problem = sessionConfigProblem(view.config, { chainId: view.chainId });
  if (problem !== undefined) {
    throw unsupported(`Session ${view.sessionId} cannot be run: ${problem}; decline it.`);
  }
  return { name, ciphersuite, rounds: plugins[name].plugin.rounds };
}

/** This party's local secrets for the session. */
export type RoundSecrets = {
  /** Key generation: the encryption secret key registered for the session. */
  encryptionSecretKey?: Uint8Array | undefined;
  /** Signing: the key share from the key generation. */
  keyShare?: Uint8Array | undefined;
};

export type ComputeRoundParameters = {
  view: SessionView;
  protocol: SessionProtocol;
  round: number;
  /** The state of round `round - 1`, from its record; unused for round 1. */
  previousState: Uint8Array | undefined;
  secrets: RoundSecrets;
  random: RandomSource;
};

/** A computed round: the record to store, and the key share to keep when key generation ends. */
export type ComputedRound = {
  record: RoundRecord;
  /** Key generation's last round: the encoded key share (SECRET). */
  keyShare?: Uint8Array;
};

/**
 * Runs one round of the session's plug-in on the payloads in the view.
 * @throws ProtocolError when this party's own inputs are unusable (the caller reports it).
 */
export function computeRound({
  view,
  protocol,
  round,
  previousState,
  secrets,
  random,
}: ComputeRoundParameters): ComputedRound {
  const context = contextOf(view, protocol.ciphersuite);
  if (protocol.name === "frost-keygen") {
    const input = {
      context,
      params: {},
      secrets: { encryptionSecretKey: secrets.encryptionSecretKey ?? new Uint8Array(0) },
      random,
    };
    const output =
      round === 1
        ? frostKeygen.start(input)
        : frostKeygen.next({
            ...input,
            state: previousState ?? new Uint8Array(0),
            round,
            received: receivedBefore(view, round),
          });
    return fromOutput(round, output, (result: KeygenResult) => result.keyShare);
  }
  const signing = view.signing;
  const input = {
    context,
    params: {
      signerIdentifiers: signing?.signerIdentifiers ?? [],
      messageDigest: hexToBytes(view.config.message),
      groupPublicKey: hexToBytes(signing?.groupPublicKey ?? "0x"),
    },
    secrets: { keyShare: secrets.keyShare ?? new Uint8Array(0) },
    random,
  };
  const output: RoundOutput<SigningResult> =
    round === 1
      ? frostSigning.start(input)
      : frostSigning.next({
          ...input,
          state: previousState ?? new Uint8Array(0),
          round,
          received: receivedBefore(view, round),
        });
  return fromOutput(round, output, () => undefined);
}

/** The protocol layer's context: 1-based party index, keys as bytes. */
function contextOf(view: SessionView, ciphersuite: CiphersuiteId): SessionContext {
  return {
    ciphersuite,
    chainId: BigInt(view.chainId),
    contractAddress: view.contract,
    sessionId: view.sessionId,
    encryptionKeys: view.encryptionKeys.map((key) => hexToBytes(key ?? "0x")),
    threshold: view.config.threshold,
    partyIndex: (view.self ?? 0) + 1,
  };
}

/** Rounds 1..round-1 of the other parties, keyed by 1-based index, as the plug-ins take them. */
function receivedBefore(view: SessionView, round: number): ReadonlyMap<number, Uint8Array>[] {
  return view.payloads.slice(0, round - 1).map((payloads) => {
    const others = new Map<number, Uint8Array>();
    for (const [index, payload] of payloads) {
      if (index !== view.self) others.set(index + 1, hexToBytes(payload));
    }
    return others;
  });
}

function fromOutput<Result>(
  round: number,
  output: RoundOutput<Result>,
  keyShareOf: (result: Result) => Uint8Array | undefined,
): ComputedRound {
  if (output.kind === "blame") {
    return { record: complaintRecord(round, output.accusations) };
  }
  const record: RoundRecord = {
    kind: "payload",
    round,
    payload: output.payload,
    state: output.state,
  };
  const keyShare = output.kind === "result" ? keyShareOf(output.result) : undefined;
  return keyShare === undefined ? { record } : { record, keyShare };
}

/**
 * The contract aborts at the first complaint, so one accusation is filed: the first (lowest
 * index), with the plug-in's evidence: a share only the accuser can open, or a public fault that
 * anyone can re-check (the judge in src/protocol/judge.ts decides either).
 */
function complaintRecord(round: number, accusations: readonly Accusation[]): RoundRecord {
  const [first] = [...accusations].sort((a, b) => a.accused - b.accused);
  if (first === undefined) {
    throw new RangeError(`The protocol blamed nobody in round ${round}`);
  }
  return { kind: "blame", round, accused: first.accused - 1, evidence: first.evidence };
}
