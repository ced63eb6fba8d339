// THREATS B5: a signing audit does not take the key session's stored result on trust. It
// recomputes the key from the key session's public round-1 commitments, so a key that every
// key-generation party agreed to fake fails the signing audit even with a valid signature.
import { expect } from "chai";
import { bytesToHex, type Hex } from "viem";
import type { CheckContext } from "../../src/auditor/checks/checkContext.js";
import { checkSignersHoldKey } from "../../src/auditor/checks/signingChecks.js";
import type { KeySessionSummary } from "../../src/auditor/types.js";
import type { SigningKeyMaterial } from "../../src/protocol/index.js";
import { ciphersuiteId } from "../../src/sdk/protocolIds.js";
import { SessionKind } from "../../src/sdk/types.js";

const suite = ciphersuiteId("FROST-secp256k1-SHA256-TR-v1");
const signers = [
  "0x1000000000000000000000000000000000000001",
  "0x2000000000000000000000000000000000000002",
] as const;
const stored: Hex = `0x${"ab".repeat(32)}`;

function contextWith(
  material: SigningKeyMaterial | undefined,
  materialError?: string,
): CheckContext {
  const keySession: KeySessionSummary = {
    sessionId: 1n,
    found: true,
    kind: SessionKind.KeyGeneration,
    ciphersuite: suite,
    parties: [...signers],
    threshold: 2,
    groupKey: stored,
    finalizedAt: 10n,
    material,
    materialError,
  };
  return {
    record: {
      created: {
        config: {
          kind: SessionKind.Signing,
          parties: [...signers],
          threshold: 2,
          keySession: 1n,
          ciphersuite: suite,
        },
        at: { blockNumber: 20n },
      },
    },
    keySession,
  } as unknown as CheckContext;
}

function materialFor(groupKey: Hex): SigningKeyMaterial {
  return {
    groupPublicKey: new Uint8Array(Buffer.from(groupKey.slice(2), "hex")),
  } as SigningKeyMaterial;
}

describe("B5: the signing audit recomputes the group key from the key session's commitments", () => {
  it("passes when the finalized key is the one the commitments imply", () => {
    const { result } = checkSignersHoldKey(contextWith(materialFor(stored)));
    expect(result.status, result.summary).to.equal("pass");
    expect(result.summary).to.include("the key its round-1 commitments imply");
  });

  it("fails when every key-generation party agreed on a key the commitments do not imply", () => {
    const implied: Hex = `0x${"cd".repeat(32)}`;
    const { result } = checkSignersHoldKey(contextWith(materialFor(implied)));
    expect(result.status).to.equal("fail");
    expect(result.summary).to.equal(
      `Key session 1 finalized key ${stored}, but its round-1 commitments imply ${bytesToHex(materialFor(implied).groupPublicKey)}: its parties agreed on a key nobody's commitments back`,
    );
  });

  it("fails when the key session's commitments imply no key at all", () => {
    const { result } = checkSignersHoldKey(
      contextWith(undefined, "party 2's round-1 package is malformed"),
    );
    expect(result.status).to.equal("fail");
    expect(result.summary).to.include(
      "round-1 commitments imply no key (party 2's round-1 package is malformed)",
    );
  });
});
