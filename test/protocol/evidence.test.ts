import { expect } from "chai";
import fc from "fast-check";
import {
  decodePublicFaultEvidence,
  ENCODING_VERSION,
  EncodingType,
  encodePublicFaultEvidence,
  type ProtocolErrorCode,
  PUBLIC_FAULT_EVIDENCE_LENGTH,
} from "../../src/protocol/index.js";
import { expectProtocolError } from "./helpers.js";

describe("public-fault evidence", () => {
  const valid = encodePublicFaultEvidence({ accuser: 1, accused: 3, round: 2 });

  it("encodes 01 32 · accuser · accused · round", () => {
    expect([...valid]).to.deep.equal([ENCODING_VERSION, 0x32, 1, 3, 2]);
    expect(valid).to.have.length(PUBLIC_FAULT_EVIDENCE_LENGTH);
  });

  it("round-trips every valid value and re-encodes to the same bytes", () => {
    const index = fc.integer({ min: 1, max: 255 });
    const value = fc
      .record({ accuser: index, accused: index, round: index })
      .filter((v) => v.accuser !== v.accused);
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodePublicFaultEvidence(v);
        expect(decodePublicFaultEvidence(bytes)).to.deep.equal(v);
      }),
    );
  });

  const cases: [string, number[], ProtocolErrorCode, string][] = [
    ["an unknown version", [2, 0x32, 1, 3, 2], "UNSUPPORTED_VERSION", "version"],
    [
      "share evidence's type byte",
      [1, EncodingType.complaintEvidence, 1, 3, 2],
      "WRONG_TYPE",
      "type",
    ],
    ["a missing round", [1, 0x32, 1, 3], "INVALID_LENGTH", "body"],
    ["a trailing byte", [1, 0x32, 1, 3, 2, 0], "INVALID_LENGTH", "body"],
    ["an accuser of 0", [1, 0x32, 0, 3, 2], "OUT_OF_RANGE", "accuser"],
    ["an accused of 0", [1, 0x32, 1, 0, 2], "OUT_OF_RANGE", "accused"],
    ["a party accusing itself", [1, 0x32, 3, 3, 2], "OUT_OF_RANGE", "accused"],
    ["a round of 0", [1, 0x32, 1, 3, 0], "OUT_OF_RANGE", "round"],
  ];
  for (const [name, bytes, code, field] of cases) {
    it(`rejects ${name} (${code})`, () => {
      expectProtocolError(() => decodePublicFaultEvidence(Uint8Array.from(bytes)), code, {
        field: `publicFaultEvidence.${field}`,
      });
    });
  }

  it("refuses to encode an index outside [1, 255] or a self-accusation", () => {
    expectProtocolError(
      () => encodePublicFaultEvidence({ accuser: 0, accused: 3, round: 2 }),
      "OUT_OF_RANGE",
      { field: "publicFaultEvidence.accuser" },
    );
    expectProtocolError(
      () => encodePublicFaultEvidence({ accuser: 1, accused: 3, round: 256 }),
      "OUT_OF_RANGE",
      { field: "publicFaultEvidence.round" },
    );
    expectProtocolError(
      () => encodePublicFaultEvidence({ accuser: 2, accused: 2, round: 1 }),
      "OUT_OF_RANGE",
      { field: "publicFaultEvidence.accused" },
    );
  });
});
