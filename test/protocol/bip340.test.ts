// The BIP-340 reference vectors through the verifier every signing test relies on, so a
// "verifies" in those tests means what BIP-340 means.

import { readFileSync } from "node:fs";
import { expect } from "chai";
import { getCiphersuite, TAPROOT_CIPHERSUITE } from "../../src/protocol/index.js";
import { bip340Verify, fromHex } from "./helpers.js";

type Row = {
  index: string;
  publicKey: string;
  message: string;
  signature: string;
  expected: boolean;
  comment: string;
};

function rows(): Row[] {
  const text = readFileSync(new URL("../vectors/bip340-test-vectors.csv", import.meta.url), "utf8");
  const [header, ...lines] = text.trim().split(/\r?\n/);
  expect(header).to.equal(
    "index,secret key,public key,aux_rand,message,signature,verification result,comment",
  );
  return lines.map((line) => {
    const [index, , publicKey, , message, signature, result, comment] = line.split(",");
    return {
      index: index!,
      publicKey: publicKey!,
      message: message!,
      signature: signature!,
      expected: result === "TRUE",
      comment: comment ?? "",
    };
  });
}

describe("BIP-340 verification", () => {
  it("reads all 19 rows of the BIP-340 test-vector CSV", () => {
    expect(rows()).to.have.length(19);
  });

  for (const row of rows()) {
    it(`row ${row.index}: ${row.expected ? "accepts" : "rejects"}${row.comment ? ` (${row.comment})` : ""}`, () => {
      const verdict = bip340Verify(
        fromHex(row.signature.toLowerCase()),
        fromHex(row.message.toLowerCase()),
        fromHex(row.publicKey.toLowerCase()),
      );
      expect(verdict).to.equal(row.expected);
      // The Taproot suite's own verify gives the same verdict.
      const suite = getCiphersuite(TAPROOT_CIPHERSUITE);
      expect(
        suite.verify(
          fromHex(row.signature.toLowerCase()),
          fromHex(row.message.toLowerCase()),
          fromHex(row.publicKey.toLowerCase()),
        ),
      ).to.equal(row.expected);
    });
  }
});
