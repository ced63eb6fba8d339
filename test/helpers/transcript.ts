import {
  encodeAbiParameters,
  type Hex,
  hashStruct,
  keccak256,
  parseEventLogs,
  zeroHash,
} from "viem";
import { roundtableTypes } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import type { Deployment } from "./roundtable.js";

/** Every Roundtable event, decoded. */
export type RoundtableEvent = ReturnType<typeof parseEventLogs<typeof roundtableAbi, true>>[number];

/**
 * Every event of session `sessionId`, in chain order, read the way an auditor
 * reads them: from logs alone, knowing nothing of what was sent.
 */
export async function sessionEvents(d: Deployment, sessionId: bigint): Promise<RoundtableEvent[]> {
  const logs = await d.publicClient.getLogs({ address: d.roundtable.address, fromBlock: 0n });
  return parseEventLogs({ abi: roundtableAbi, logs, strict: true }).filter(
    (log) => "sessionId" in log.args && log.args.sessionId === sessionId,
  );
}

/** The EIP-712 struct hash of the party action an event records, or undefined for other events. */
export function actionStructHash(event: RoundtableEvent, configHash: Hex): Hex | undefined {
  switch (event.eventName) {
    case "PartyAccepted":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Accept",
        data: {
          sessionId: event.args.sessionId,
          party: event.args.index,
          configHash,
          encryptionKey: event.args.encryptionKey,
          delegate: event.args.delegate,
        },
      });
    case "CommitmentSubmitted":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Commit",
        data: {
          sessionId: event.args.sessionId,
          party: event.args.index,
          round: event.args.round,
          commitment: event.args.commitment,
        },
      });
    case "PayloadSubmitted":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Submit",
        data: {
          sessionId: event.args.sessionId,
          party: event.args.index,
          round: event.args.round,
          payload: event.args.payload,
        },
      });
    case "ComplaintFiled":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Complain",
        data: {
          sessionId: event.args.sessionId,
          party: event.args.accuserIndex,
          round: event.args.round,
          accused: event.args.accusedIndex,
          evidence: event.args.evidence,
        },
      });
    default:
      return undefined;
  }
}

/** The party index of the action an event records. */
function actorIndex(event: RoundtableEvent): number {
  switch (event.eventName) {
    case "PartyAccepted":
    case "CommitmentSubmitted":
    case "PayloadSubmitted":
      return event.args.index;
    case "ComplaintFiled":
      return event.args.accuserIndex;
    default:
      throw new RangeError(`${event.eventName} records no party action`);
  }
}

/** One fold step: `keccak256(abi.encode(previous, uint8 partyIndex, structHash))`. */
export function foldTranscript(previous: Hex, partyIndex: number, structHash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint8" }, { type: "bytes32" }],
      [previous, partyIndex, structHash],
    ),
  );
}

/**
 * The transcript hash recomputed from a session's events: start from zero and
 * fold in every recorded party action, in order. The configuration hash that
 * acceptances signed comes from the session's own `SessionCreated` event.
 */
export function transcriptFromEvents(events: readonly RoundtableEvent[]): Hex {
  const created = events.find((e) => e.eventName === "SessionCreated");
  if (created?.eventName !== "SessionCreated") throw new Error("no SessionCreated event");
  let transcript: Hex = zeroHash;
  for (const event of events) {
    const structHash = actionStructHash(event, created.args.configHash);
    if (structHash !== undefined)
      transcript = foldTranscript(transcript, actorIndex(event), structHash);
  }
  return transcript;
}

/** An auditor's recomputation for one session, straight from the chain. */
export async function auditTranscript(d: Deployment, sessionId: bigint): Promise<Hex> {
  return transcriptFromEvents(await sessionEvents(d, sessionId));
}
