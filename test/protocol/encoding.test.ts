// Every encoding rejects malformed bytes with a ProtocolError that names the field (and the
// sending party where the decoder is told who sent the bytes).

import { readFileSync } from "node:fs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import {
  createComplaint,
  decodeComplaintEvidence,
  decodeGroupKey,
  decodeKeygenRound1,
  decodeKeygenRound2,
  decodeKeygenState,
  decodeKeyShare,
  decodeSignature,
  decodeSigningRound1,
  decodeSigningRound2,
  decodeSigningState,
  ENCODING_VERSION,
  EncodingType,
  type ProtocolErrorCode,
  RFC9591_CIPHERSUITE,
  TAPROOT_CIPHERSUITE,
} from "../../src/protocol/index.js";
import {
  contextOf,
  expectProtocolError,
  fromHex,
  runKeygen,
  runSigning,
  seededRandom,
  sessionFixture,
} from "./helpers.js";

const N_BYTES = secp256k1.Point.Fn.toBytes(secp256k1.Point.Fn.ORDER - 1n).map((b, i) =>
  i === 31 ? b + 1 : b,
);
const X_ABOVE_P = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff));
const invalidElement = (
  JSON.parse(
    readFileSync(
      new URL("../vectors/zcash-frost-secp256k1-elements.json", import.meta.url),
      "utf8",
    ),
  ) as { elements: { invalid_element: string } }
).elements.invalid_element;

function splice(bytes: Uint8Array, offset: number, replacement: ArrayLike<number>): Uint8Array {
  const out = bytes.slice();
  out.set(replacement, offset);
  return out;
}

type Case = { name: string; bytes: Uint8Array; code: ProtocolErrorCode; field: string };

/** The malformations every versioned encoding must reject. */
function headerCases(name: string, valid: Uint8Array, otherType: number): Case[] {
  return [
    {
      name: "an unknown version",
      bytes: splice(valid, 0, [ENCODING_VERSION + 1]),
      code: "UNSUPPORTED_VERSION",
      field: `${name}.version`,
    },
    {
      name: "another kind's type byte",
      bytes: splice(valid, 1, [otherType]),
      code: "WRONG_TYPE",
      field: `${name}.type`,
    },
    { name: "only a header", bytes: valid.subarray(0, 2), code: "INVALID_LENGTH", field: "" },
    { name: "nothing", bytes: new Uint8Array(0), code: "INVALID_LENGTH", field: `${name}.version` },
  ];
}

function check(decode: (bytes: Uint8Array) => unknown, cases: readonly Case[], party?: number) {
  for (const c of cases) {
    it(`rejects ${c.name} (${c.code})`, () => {
      const error = expectProtocolError(
        () => decode(c.bytes),
        c.code,
        party === undefined ? {} : { party },
      );
      if (c.field !== "") expect(error.field).to.equal(c.field);
      else expect(error.field).to.match(/^\w+\./);
    });
  }
}

describe("encodings", () => {
  const fixture = sessionFixture(2, 3);
  const keygen = runKeygen(fixture, "encodings");
  const signing = runSigning(keygen, [1, 2], new Uint8Array(32).fill(1));
  const keygenRound1 = keygen.payloads[0]!.get(2)!;
  const keygenRound2 = keygen.payloads[1]!.get(2)!;
  const signingRound1 = signing.payloads[0]!.get(2)!;
  const signingRound2 = signing.payloads[1]!.get(2)!;
  const keyShare = keygen.results.get(1)!.keyShare;
  const evidence = createComplaint({
    context: contextOf(fixture, 1),
    accused: 2,
    encryptionSecretKey: fixture.keys.secret[0]!,
    random: seededRandom("evidence"),
  });

  describe("key-generation round 1", () => {
    const decode = (bytes: Uint8Array) =>
      decodeKeygenRound1(bytes, { ciphersuite: TAPROOT_CIPHERSUITE, threshold: 2, party: 2 });

    it("decodes a valid payload: 2 commitments and a 64-byte proof", () => {
      const payload = decode(keygenRound1);
      expect(payload.commitments).to.have.length(2);
      expect(payload.proofOfKnowledge).to.have.length(64);
    });

    check(
      decode,
      [
        ...headerCases("keygenRound1", keygenRound1, EncodingType.keygenRound2),
        {
          name: "a payload one commitment short",
          bytes: Uint8Array.from([...keygenRound1.subarray(0, 2), ...keygenRound1.subarray(35)]),
          code: "WRONG_COUNT",
          field: "keygenRound1.commitments",
        },
        {
          name: "a payload with an extra commitment",
          bytes: Uint8Array.from([...keygenRound1.subarray(0, 35), ...keygenRound1.subarray(2)]),
          code: "WRONG_COUNT",
          field: "keygenRound1.commitments",
        },
        {
          name: "a trailing byte",
          bytes: Uint8Array.from([...keygenRound1, 0]),
          code: "INVALID_LENGTH",
          field: "keygenRound1.commitments",
        },
        {
          name: "a truncated proof",
          bytes: keygenRound1.subarray(0, keygenRound1.length - 1),
          code: "INVALID_LENGTH",
          field: "keygenRound1.commitments",
        },
        {
          name: "the ZF invalid element as a commitment",
          bytes: splice(keygenRound1, 2, fromHex(invalidElement)),
          code: "INVALID_POINT",
          field: "keygenRound1.commitments[0]",
        },
        {
          name: "a commitment with x >= p",
          bytes: splice(keygenRound1, 35, X_ABOVE_P),
          code: "INVALID_POINT",
          field: "keygenRound1.commitments[1]",
        },
        {
          name: "a commitment with prefix 04",
          bytes: splice(keygenRound1, 2, [4]),
          code: "INVALID_POINT",
          field: "keygenRound1.commitments[0]",
        },
        {
          name: "a proof nonce x(R) >= p",
          bytes: splice(keygenRound1, 68, new Uint8Array(32).fill(0xff)),
          code: "INVALID_POINT",
          field: "keygenRound1.proofOfKnowledge.R",
        },
        {
          name: "a proof response z = n",
          bytes: splice(keygenRound1, 100, N_BYTES),
          code: "INVALID_SCALAR",
          field: "keygenRound1.proofOfKnowledge.z",
        },
      ],
      2,
    );

    it("rejects a Taproot payload decoded as RFC 9591 (the proof is one byte longer there)", () => {
      expectProtocolError(
        () => decodeKeygenRound1(keygenRound1, { ciphersuite: RFC9591_CIPHERSUITE, threshold: 2 }),
        "INVALID_LENGTH",
      );
    });
  });

  describe("key-generation round 2", () => {
    const decode = (bytes: Uint8Array) => decodeKeygenRound2(bytes, { parties: 3, party: 2 });

    it("decodes a valid payload: one 48-byte ciphertext per other party", () => {
      expect(decode(keygenRound2).ciphertexts).to.have.length(2);
    });

    check(
      decode,
      [
        ...headerCases("keygenRound2", keygenRound2, EncodingType.keygenRound1).filter(
          (c) => c.name !== "only a header",
        ),
        {
          name: "only a header",
          bytes: keygenRound2.subarray(0, 2),
          code: "WRONG_COUNT",
          field: "keygenRound2.ciphertexts",
        },
        {
          name: "one ciphertext too few",
          bytes: keygenRound2.subarray(0, 50),
          code: "WRONG_COUNT",
          field: "keygenRound2.ciphertexts",
        },
        {
          name: "one ciphertext too many",
          bytes: Uint8Array.from([...keygenRound2, ...keygenRound2.subarray(2, 50)]),
          code: "WRONG_COUNT",
          field: "keygenRound2.ciphertexts",
        },
        {
          name: "a trailing byte",
          bytes: Uint8Array.from([...keygenRound2, 0]),
          code: "INVALID_LENGTH",
          field: "keygenRound2.ciphertexts",
        },
      ],
      2,
    );
  });

  describe("signing round 1", () => {
    const decode = (bytes: Uint8Array) => decodeSigningRound1(bytes, { party: 2 });
    check(
      decode,
      [
        ...headerCases("signingRound1", signingRound1, EncodingType.signingRound2),
        {
          name: "a trailing byte",
          bytes: Uint8Array.from([...signingRound1, 0]),
          code: "INVALID_LENGTH",
          field: "signingRound1.commitments",
        },
        {
          name: "an invalid hiding commitment",
          bytes: splice(signingRound1, 2, fromHex(invalidElement)),
          code: "INVALID_POINT",
          field: "signingRound1.hiding",
        },
        {
          name: "a binding commitment with x >= p",
          bytes: splice(signingRound1, 35, X_ABOVE_P),
          code: "INVALID_POINT",
          field: "signingRound1.binding",
        },
      ],
      2,
    );
  });

  describe("signing round 2", () => {
    const decode = (bytes: Uint8Array) => decodeSigningRound2(bytes, { party: 2 });
    check(
      decode,
      [
        ...headerCases("signingRound2", signingRound2, EncodingType.signingRound1),
        {
          name: "a trailing byte",
          bytes: Uint8Array.from([...signingRound2, 0]),
          code: "INVALID_LENGTH",
          field: "signingRound2.share",
        },
        {
          name: "a share equal to n",
          bytes: splice(signingRound2, 2, N_BYTES),
          code: "INVALID_SCALAR",
          field: "signingRound2.share",
        },
      ],
      2,
    );
  });

  describe("agreement payloads", () => {
    const key = keygen.results.get(1)!.groupPublicKey;
    const signature = signing.signatures.get(1)!;

    it("accepts the agreed key and signature as they are", () => {
      expect(decodeGroupKey(key, { ciphersuite: TAPROOT_CIPHERSUITE })).to.deep.equal(key);
      expect(decodeSignature(signature, { ciphersuite: TAPROOT_CIPHERSUITE })).to.deep.equal(
        signature,
      );
    });

    it("rejects a 33-byte key for the Taproot suite", () => {
      expectProtocolError(
        () =>
          decodeGroupKey(Uint8Array.of(2, ...key), { ciphersuite: TAPROOT_CIPHERSUITE, party: 3 }),
        "INVALID_LENGTH",
        { party: 3, field: "groupKey.length" },
      );
    });

    it("rejects an x-only key that is not on the curve", () => {
      expectProtocolError(
        () => decodeGroupKey(new Uint8Array(32).fill(0xff), { ciphersuite: TAPROOT_CIPHERSUITE }),
        "INVALID_POINT",
        { field: "groupKey.key" },
      );
    });

    it("rejects a signature whose s is not below n", () => {
      expectProtocolError(
        () => decodeSignature(splice(signature, 32, N_BYTES), { ciphersuite: TAPROOT_CIPHERSUITE }),
        "INVALID_SCALAR",
        { field: "signature.z" },
      );
    });

    it("rejects an RFC 9591 signature whose R is not a point", () => {
      const rfc = Uint8Array.from([...fromHex(invalidElement), ...new Uint8Array(32)]);
      expectProtocolError(
        () => decodeSignature(rfc, { ciphersuite: RFC9591_CIPHERSUITE }),
        "INVALID_POINT",
        {
          field: "signature.R",
        },
      );
    });
  });

  describe("complaint evidence", () => {
    check(decodeComplaintEvidence, [
      ...headerCases("complaintEvidence", evidence, EncodingType.keyShare),
      {
        name: "a trailing byte",
        bytes: Uint8Array.from([...evidence, 0]),
        code: "INVALID_LENGTH",
        field: "complaintEvidence.body",
      },
      {
        name: "an accuser of 0",
        bytes: splice(evidence, 2, [0]),
        code: "OUT_OF_RANGE",
        field: "complaintEvidence.accuser",
      },
      {
        name: "a party accusing itself",
        bytes: splice(evidence, 3, [1]),
        code: "OUT_OF_RANGE",
        field: "complaintEvidence.accused",
      },
      {
        name: "an invalid shared point",
        bytes: splice(evidence, 4, fromHex(invalidElement)),
        code: "INVALID_POINT",
        field: "complaintEvidence.sharedPoint",
      },
      {
        name: "a proof challenge = n",
        bytes: splice(evidence, 37, N_BYTES),
        code: "INVALID_SCALAR",
        field: "complaintEvidence.proof.c",
      },
    ]);
  });

  describe("key share", () => {
    check(decodeKeyShare, [
      ...headerCases("keyShare", keyShare, EncodingType.signingState),
      {
        name: "an unknown ciphersuite code",
        bytes: splice(keyShare, 2, [9]),
        code: "UNSUPPORTED_CIPHERSUITE",
        field: "keyShare.ciphersuite",
      },
      {
        name: "an identifier above n",
        bytes: splice(keyShare, 3, [4]),
        code: "OUT_OF_RANGE",
        field: "keyShare.identifier",
      },
      {
        name: "a threshold of 1",
        bytes: splice(keyShare, 4, [1]),
        code: "OUT_OF_RANGE",
        field: "keyShare.threshold",
      },
      {
        name: "a trailing byte",
        bytes: Uint8Array.from([...keyShare, 0]),
        code: "INVALID_LENGTH",
        field: "keyShare.body",
      },
      {
        name: "a zero signing share",
        bytes: splice(keyShare, 6, new Uint8Array(32)),
        code: "INVALID_SCALAR",
        field: "keyShare.signingShare",
      },
      {
        name: "a signing share that is not the party's",
        bytes: splice(keyShare, 6, Uint8Array.of(...new Uint8Array(31), 5)),
        code: "STATE_MISMATCH",
        field: "keyShare.signingShare",
      },
      {
        name: "an invalid verifying share",
        bytes: splice(keyShare, keyShare.length - 33, X_ABOVE_P),
        code: "INVALID_POINT",
        field: "keyShare.verifyingShares[2]",
      },
    ]);
  });

  describe("key-generation state", () => {
    const state1 = keygen.states[0]!.get(1)!;
    const state2 = keygen.states[1]!.get(1)!;

    it("decodes the states after rounds 1 and 2", () => {
      expect(decodeKeygenState(state1).round).to.equal(1);
      expect(decodeKeygenState(state2).round).to.equal(2);
    });

    check(decodeKeygenState, [
      ...headerCases("keygenState", state1, EncodingType.keyShare),
      {
        name: "a round of 3",
        bytes: splice(state1, 3, [3]),
        code: "OUT_OF_RANGE",
        field: "keygenState.round",
      },
      {
        name: "a round-1 state claiming round 2",
        bytes: splice(state1, 3, [2]),
        code: "INVALID_LENGTH",
        field: "keygenState.body",
      },
      {
        name: "a zero coefficient",
        bytes: splice(state1, 38, new Uint8Array(32)),
        code: "INVALID_SCALAR",
        field: "keygenState.coefficients[0]",
      },
      {
        name: "a trailing byte",
        bytes: Uint8Array.from([...state2, 0]),
        code: "INVALID_LENGTH",
        field: "keygenState.body",
      },
    ]);
  });

  describe("signing state", () => {
    const fresh = signing.states[0]!.get(1)!;
    const consumed = signing.states[1]!.get(1)!;

    check(decodeSigningState, [
      ...headerCases("signingState", fresh, EncodingType.keygenState),
      {
        name: "a consumed flag of 2",
        bytes: splice(fresh, 3, [2]),
        code: "OUT_OF_RANGE",
        field: "signingState.consumed",
      },
      {
        name: "a fresh state marked consumed",
        bytes: splice(fresh, 3, [1]),
        code: "INVALID_LENGTH",
        field: "signingState.body",
      },
      {
        name: "a consumed state marked fresh",
        bytes: splice(consumed, 3, [0]),
        code: "INVALID_LENGTH",
        field: "signingState.body",
      },
      {
        name: "nonces that do not match the commitments",
        bytes: splice(fresh, fresh.length - 1, [fresh[fresh.length - 1]! ^ 1]),
        code: "STATE_MISMATCH",
        field: "signingState.nonces",
      },
      {
        name: "a zero hiding nonce",
        bytes: splice(fresh, fresh.length - 64, new Uint8Array(32)),
        code: "INVALID_SCALAR",
        field: "signingState.hidingNonce",
      },
    ]);
  });
});
