// Evidence of a public fault: "the accused's payload of round `round` fails a public check".
// The payload is already on chain, so the evidence only points at it; anyone re-runs the check
// (see judge.ts). Share complaints (01 31, complaint.ts) are the one fault only the accuser can
// show.
//
//   evidence   01 32 | accuser (1) | accused (1) | round (1)

import { ByteReader, ByteWriter } from "./encoding.js";
import { fail } from "./errors.js";

/** Length of public-fault evidence. */
export const PUBLIC_FAULT_EVIDENCE_LENGTH = 5;

/** Public-fault evidence, decoded. */
export type PublicFaultEvidence = {
  /** The party that complains (1-based). */
  readonly accuser: number;
  /** The party whose payload fails (1-based). */
  readonly accused: number;
  /** The round of the failing payload (1-based; the last round is agreement). */
  readonly round: number;
};

/**
 * Encodes public-fault evidence (5 bytes).
 * @example
 * ```ts
 * const evidence = encodePublicFaultEvidence({ accuser: 1, accused: 3, round: 2 });
 * ```
 */
export function encodePublicFaultEvidence(evidence: PublicFaultEvidence): Uint8Array {
  const { accuser, accused, round } = evidence;
  for (const [field, value] of [
    ["accuser", accuser],
    ["accused", accused],
    ["round", round],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > 255) {
      fail({
        code: "OUT_OF_RANGE",
        message: `${field} ${value} must be an integer in [1, 255]`,
        field: `publicFaultEvidence.${field}`,
      });
    }
  }
  if (accuser === accused) {
    fail({
      code: "OUT_OF_RANGE",
      message: "A party cannot accuse itself",
      field: "publicFaultEvidence.accused",
    });
  }
  return new ByteWriter().header("publicFaultEvidence").u8(accuser).u8(accused).u8(round).finish();
}

/** Decodes public-fault evidence: distinct indexes in [1, 255], a round >= 1, exactly 5 bytes. */
export function decodePublicFaultEvidence(bytes: Uint8Array): PublicFaultEvidence {
  const reader = new ByteReader(bytes, "publicFaultEvidence");
  reader.header("publicFaultEvidence");
  reader.expectRemaining(3, "body");
  const accuser = reader.u8("accuser");
  const accused = reader.u8("accused");
  const round = reader.u8("round");
  if (accuser === 0) reader.fail("OUT_OF_RANGE", "accuser", "Party indexes start at 1");
  if (accused === 0) reader.fail("OUT_OF_RANGE", "accused", "Party indexes start at 1");
  if (accuser === accused) reader.fail("OUT_OF_RANGE", "accused", "A party cannot accuse itself");
  if (round === 0) reader.fail("OUT_OF_RANGE", "round", "Rounds start at 1");
  reader.end();
  return { accuser, accused, round };
}
