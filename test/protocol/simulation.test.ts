// Whole sessions through the plug-in interface, every party in this process: key generation,
// then signing by subsets of the key holders, checked with BIP-340 verification that does not
// share code with FROST. (17, 32) runs key generation and one signing subset only (~10 s CPU).

import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { expect } from "chai";
import {
  expectBip340,
  hex,
  type KeygenRun,
  runKeygen,
  runSigning,
  sessionFixture,
  subsets,
} from "./helpers.js";

const message = sha256(utf8ToBytes("Roundtable simulated session"));

const cases: { t: number; n: number; signerSets: () => number[][]; label: string }[] = [
  { t: 2, n: 3, signerSets: () => subsets(3, 2), label: "all 3 subsets of 2 signers" },
  { t: 3, n: 5, signerSets: () => subsets(5, 3), label: "all 10 subsets of 3 signers" },
  {
    t: 5,
    n: 9,
    signerSets: () => [
      [1, 2, 3, 4, 5],
      [5, 6, 7, 8, 9],
      [9, 7, 5, 3, 1],
      [2, 4, 6, 8, 9],
    ],
    label: "4 subsets of 5 signers, in any order",
  },
  {
    t: 17,
    n: 32,
    signerSets: () => [[32, 1, 5, 9, 12, 2, 30, 17, 18, 19, 20, 21, 3, 25, 27, 28, 31]],
    label: "one subset of 17 signers",
  },
];

describe("simulated sessions", () => {
  for (const { t, n, signerSets, label } of cases) {
    describe(`(t, n) = (${t}, ${n})`, () => {
      let keygen: KeygenRun;
      before(() => {
        keygen = runKeygen(sessionFixture(t, n), `simulation-${n}`);
      });

      it("every party agrees on one 32-byte x-only group key", () => {
        expect(keygen.results.size).to.equal(n);
        const keys = new Set([...keygen.results.values()].map((r) => hex(r.groupPublicKey)));
        expect(keys.size).to.equal(1);
        expect(keygen.results.get(1)!.groupPublicKey).to.have.length(32);
      });

      it("every party's agreement payload is that key", () => {
        const key = hex(keygen.results.get(1)!.groupPublicKey);
        for (const [party, payload] of keygen.payloads[2]!) {
          expect(hex(payload), `party ${party}`).to.equal(key);
        }
      });

      it(`${label} sign; schnorr.verify accepts every signature`, () => {
        for (const signers of signerSets()) {
          const run = runSigning(keygen, signers, message, `simulation-${signers.join("-")}`);
          expectBip340(keygen, signers, message, run);
        }
      });
    });
  }
});
