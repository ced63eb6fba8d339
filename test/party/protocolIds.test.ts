// The bytes32 protocol and ciphersuite ids, and the configuration helpers built on them.
// (src/sdk/protocolIds.ts is tested here, next to the runner that reads the ids.)

import { expect } from "chai";
import { type Address, type Hex, stringToHex, zeroHash } from "viem";
import { RoundtableInputError } from "../../src/sdk/errors.js";
import {
  ciphersuiteId,
  ciphersuiteName,
  keygenConfig,
  protocolId,
  protocolName,
  signingConfig,
} from "../../src/sdk/protocolIds.js";
import { SessionKind } from "../../src/sdk/types.js";

const A: Address = "0x00000000000000000000000000000000000000a1";
const B: Address = "0x00000000000000000000000000000000000000B2";
const C: Address = "0x0000000000000000000000000000000000000003";
const message: Hex = `0x${"ab".repeat(32)}`;

function inputError(run: () => unknown): RoundtableInputError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(RoundtableInputError);
    return error as RoundtableInputError;
  }
  return expect.fail("expected a RoundtableInputError");
}

describe("protocol ids", () => {
  it("are the names' UTF-8 bytes, right-padded to 32 bytes", () => {
    expect(protocolId("frost-keygen")).to.equal(stringToHex("frost-keygen", { size: 32 }));
    expect(protocolId("frost-signing")).to.equal(
      "0x66726f73742d7369676e696e6700000000000000000000000000000000000000",
    );
    expect(ciphersuiteId("FROST-secp256k1-SHA256-TR-v1")).to.equal(
      "0x46524f53542d736563703235366b312d5348413235362d54522d763100000000",
    );
  });

  it("read back to their names", () => {
    expect(protocolName(protocolId("frost-keygen"))).to.equal("frost-keygen");
    expect(protocolName(protocolId("frost-signing"))).to.equal("frost-signing");
    expect(ciphersuiteName(ciphersuiteId("FROST-secp256k1-SHA256-v1"))).to.equal(
      "FROST-secp256k1-SHA256-v1",
    );
  });

  it("refuse an id naming an unknown protocol, saying which ones exist", () => {
    const error = inputError(() => protocolName(stringToHex("FROST-DKG", { size: 32 })));
    expect(error.shortMessage).to.equal(
      `The protocol id ${stringToHex("FROST-DKG", { size: 32 })} names "FROST-DKG", which this version does not run. Expected one of frost-keygen, frost-signing; update Roundtable or decline the session.`,
    );
    expect(error.parameter).to.equal("protocol");
  });

  it("refuse an unknown ciphersuite id", () => {
    const error = inputError(() => ciphersuiteName(stringToHex("schnorr_FROST", { size: 32 })));
    expect(error.shortMessage).to.contain('names "schnorr_FROST"');
    expect(error.shortMessage).to.contain(
      "FROST-secp256k1-SHA256-TR-v1, FROST-secp256k1-SHA256-v1",
    );
  });

  it("refuse ids that are not bytes32", () => {
    expect(inputError(() => protocolName("0x1234")).shortMessage).to.contain("expected bytes32");
  });

  it("refuse unknown names when encoding", () => {
    expect(() => protocolId("frost-dkg" as "frost-keygen")).to.throw(RoundtableInputError);
    expect(() => ciphersuiteId("ed25519" as "FROST-secp256k1-SHA256-v1")).to.throw(
      RoundtableInputError,
    );
  });

  it("print control characters in an unknown name harmlessly", () => {
    const error = inputError(() => protocolName(stringToHex("evil\u001b[2J", { size: 32 })));
    expect(error.shortMessage).to.contain('"evil?[2J"');
  });
});

describe("keygenConfig", () => {
  it("sorts the parties and fills in three plain rounds with default durations", () => {
    expect(keygenConfig({ parties: [C, B, A], threshold: 2 })).to.deep.equal({
      kind: SessionKind.KeyGeneration,
      protocol: protocolId("frost-keygen"),
      ciphersuite: ciphersuiteId("FROST-secp256k1-SHA256-TR-v1"),
      parties: [C, A, B],
      threshold: 2,
      rounds: [
        { duration: 3600, commitReveal: false },
        { duration: 3600, commitReveal: false },
        { duration: 3600, commitReveal: false },
      ],
      acceptanceDuration: 86_400,
      keySession: 0n,
      message: zeroHash,
      params: "0x",
    });
  });

  it("takes other durations, a ciphersuite and commit-reveal", () => {
    const config = keygenConfig({
      parties: [A, B],
      threshold: 2,
      ciphersuite: "FROST-secp256k1-SHA256-v1",
      durations: { acceptance: 600, rounds: [60, 120, 180] },
      commitReveal: true,
    });
    expect(config.ciphersuite).to.equal(ciphersuiteId("FROST-secp256k1-SHA256-v1"));
    expect(config.acceptanceDuration).to.equal(600);
    expect(config.rounds).to.deep.equal([
      { duration: 60, commitReveal: true },
      { duration: 120, commitReveal: false },
      { duration: 180, commitReveal: false },
    ]);
    expect(
      keygenConfig({ parties: [A, B], threshold: 2, durations: { rounds: 90 } }).rounds.map(
        (r) => r.duration,
      ),
    ).to.deep.equal([90, 90, 90]);
  });

  it("refuses a schedule of the wrong length", () => {
    const error = inputError(() =>
      keygenConfig({ parties: [A, B], threshold: 2, durations: { rounds: [60, 60] } }),
    );
    expect(error.parameter).to.equal("durations.rounds");
  });

  it("refuses a party listed twice, in any letter case", () => {
    const error = inputError(() =>
      keygenConfig({
        parties: [A, B, A.toUpperCase().replace("0X", "0x") as Address],
        threshold: 2,
      }),
    );
    expect(error.shortMessage).to.contain("appears twice");
  });
});

describe("signingConfig", () => {
  it("sorts the signers and uses three plain rounds", () => {
    const config = signingConfig({ keySession: 4n, signers: [B, C], threshold: 2, message });
    expect(config).to.deep.include({
      kind: SessionKind.Signing,
      protocol: protocolId("frost-signing"),
      parties: [C, B],
      keySession: 4n,
      message,
      acceptanceDuration: 86_400,
    });
    expect(config.rounds.every((r) => !r.commitReveal && r.duration === 3600)).to.equal(true);
  });

  it("refuses a zero or malformed message", () => {
    expect(
      inputError(() =>
        signingConfig({ keySession: 4n, signers: [A, B], threshold: 2, message: zeroHash }),
      ).parameter,
    ).to.equal("message");
    expect(() =>
      signingConfig({ keySession: 4n, signers: [A, B], threshold: 2, message: "0x1234" }),
    ).to.throw(RoundtableInputError);
  });

  it("refuses a missing key session", () => {
    expect(
      inputError(() => signingConfig({ keySession: 0n, signers: [A, B], threshold: 2, message }))
        .parameter,
    ).to.equal("keySession");
  });
});
