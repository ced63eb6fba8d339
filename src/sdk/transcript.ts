// The transcript as the contract keeps it: keccak256(abi.encode(previous, uint8 party, structHash))
// from zero, folded over every accepted party action in log order, where structHash is the
// action's EIP-712 struct hash (the types in src/sdk/eip712.ts).
import {
  type Address,
  encodeAbiParameters,
  type Hash,
  type Hex,
  hashStruct,
  keccak256,
  zeroAddress,
  zeroHash,
} from "viem";
import { roundtableTypes } from "./eip712.js";

/** What the transcript folds of one accepted party action (the fields of its EIP-712 struct). */
export type TranscriptAction = {
  kind: "accept" | "commit" | "submit" | "complain";
  /** 0-based party index. */
  party: number;
  /** Commit, submit, complain: the round. Accept: 0. */
  round: number;
  /** Accept: the 33-byte encryption key. Submit: the payload. Complain: the evidence. */
  data: Hex;
  /** Commit: the commitment. */
  commitment?: Hex | undefined;
  /** Complain: the accused party. */
  accused?: number | undefined;
  /** Accept: the delegate it named (zero address or undefined for none). */
  delegate?: Address | undefined;
};

/**
 * The EIP-712 struct hash of a recorded action; an acceptance signs `configHash`.
 * @example
 * ```ts
 * const structHash = actionStructHash({ sessionId: 7n, action, configHash });
 * ```
 */
export function actionStructHash({
  sessionId,
  action,
  configHash,
}: {
  sessionId: bigint;
  action: TranscriptAction;
  configHash: Hash;
}): Hash {
  switch (action.kind) {
    case "accept":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Accept",
        data: {
          sessionId,
          party: action.party,
          configHash,
          encryptionKey: action.data,
          delegate: action.delegate ?? zeroAddress,
        },
      });
    case "commit":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Commit",
        data: {
          sessionId,
          party: action.party,
          round: action.round,
          commitment: action.commitment ?? zeroHash,
        },
      });
    case "submit":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Submit",
        data: { sessionId, party: action.party, round: action.round, payload: action.data },
      });
    case "complain":
      return hashStruct({
        types: roundtableTypes,
        primaryType: "Complain",
        data: {
          sessionId,
          party: action.party,
          round: action.round,
          accused: action.accused ?? 0,
          evidence: action.data,
        },
      });
  }
}

/** One fold step, as the contract's `_foldTranscript`. */
export function foldTranscript(previous: Hash, party: number, structHash: Hex): Hash {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint8" }, { type: "bytes32" }],
      [previous, party, structHash],
    ),
  );
}

/**
 * The transcript recomputed from a session's recorded actions, in log order.
 * @example
 * ```ts
 * const transcript = transcriptOf({ sessionId, actions: record.actions, configHash });
 * ```
 */
export function transcriptOf({
  sessionId,
  actions,
  configHash,
}: {
  sessionId: bigint;
  actions: readonly TranscriptAction[];
  configHash: Hash;
}): Hash {
  let transcript: Hash = zeroHash;
  for (const action of actions) {
    transcript = foldTranscript(
      transcript,
      action.party,
      actionStructHash({ sessionId, action, configHash }),
    );
  }
  return transcript;
}
