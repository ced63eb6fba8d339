// The round record: one store entry holding a round's payload and the state it came from.

import { expect } from "chai";
import {
  decodeRoundRecord,
  encodeRoundRecord,
  type RoundRecord,
  roundRecordName,
} from "../../src/party/records.js";

const payload = new Uint8Array([1, 17, 2, 3, 4]);
const state = new Uint8Array(200).fill(7);

describe("round records", () => {
  it("round-trip a payload with its state", () => {
    const record: RoundRecord = { kind: "payload", round: 2, payload, state };
    expect(decodeRoundRecord(encodeRoundRecord(record), 2)).to.deep.equal(record);
  });

  it("round-trip a complaint", () => {
    const record: RoundRecord = {
      kind: "blame",
      round: 3,
      accused: 4,
      evidence: new Uint8Array(101).fill(9),
    };
    expect(decodeRoundRecord(encodeRoundRecord(record), 3)).to.deep.equal(record);
  });

  it("are named round-<r>, a valid store name", () => {
    expect(roundRecordName(3)).to.equal("round-3");
  });

  it("refuse a record of another round, naming the record and never its bytes", () => {
    const bytes = encodeRoundRecord({ kind: "payload", round: 1, payload, state });
    expect(() => decodeRoundRecord(bytes, 2)).to.throw(
      RangeError,
      "Store record round-2 is unreadable: it holds round 1",
    );
  });

  it("refuse truncated, extended and unknown records", () => {
    const bytes = encodeRoundRecord({ kind: "payload", round: 1, payload, state });
    expect(() => decodeRoundRecord(bytes.subarray(0, bytes.length - 1), 1)).to.throw(/truncated/);
    expect(() => decodeRoundRecord(new Uint8Array([...bytes, 0]), 1)).to.throw(/trailing/);
    expect(() => decodeRoundRecord(new Uint8Array([2, ...bytes.subarray(1)]), 1)).to.throw(
      /version/,
    );
    expect(() => decodeRoundRecord(new Uint8Array([1, 9, 1]), 1)).to.throw(/unknown kind 9/);
  });
});
