import { expect } from "chai";
import {
  decryptShare,
  encryptShare,
  type SessionContext,
  SHARE_CIPHERTEXT_LENGTH,
} from "../../src/protocol/index.js";
import { contextOf, expectProtocolError, fromHex, hex, sessionFixture } from "./helpers.js";

describe("share encryption", () => {
  const fixture = sessionFixture(2, 3);
  const share = fromHex("08f89ffe80ac94dcb920c26f3f46140bfc7f95b493f8310f5fc1ea2b01f4254c");
  // Party 1 encrypts to party 2.
  const ciphertext = encryptShare({
    context: contextOf(fixture, 1),
    recipient: 2,
    encryptionSecretKey: fixture.keys.secret[0]!,
    share,
  });
  const decryptAs2 = (
    bytes: Uint8Array,
    context: SessionContext = contextOf(fixture, 2),
    sender = 1,
  ) =>
    decryptShare({
      context,
      sender,
      encryptionSecretKey: fixture.keys.secret[1]!,
      ciphertext: bytes,
    });

  it("produces 48 bytes: the 32-byte share and a 16-byte tag", () => {
    expect(ciphertext).to.have.length(SHARE_CIPHERTEXT_LENGTH);
    expect(SHARE_CIPHERTEXT_LENGTH).to.equal(48);
  });

  it("decrypts for the recipient", () => {
    expect(hex(decryptAs2(ciphertext))).to.equal(hex(share));
  });

  it("is deterministic (one key per session, pair and direction, used once)", () => {
    const again = encryptShare({
      context: contextOf(fixture, 1),
      recipient: 2,
      encryptionSecretKey: fixture.keys.secret[0]!,
      share,
    });
    expect(hex(again)).to.equal(hex(ciphertext));
  });

  it("rejects a ciphertext with any byte flipped, naming the sender", () => {
    for (let i = 0; i < ciphertext.length; i++) {
      const tampered = ciphertext.slice();
      tampered[i] = tampered[i]! ^ 0x80;
      expectProtocolError(() => decryptAs2(tampered), "DECRYPTION_FAILED", { party: 1 });
    }
  });

  it("rejects a truncated ciphertext as the wrong length", () => {
    expectProtocolError(() => decryptAs2(ciphertext.subarray(0, 47)), "INVALID_LENGTH", {
      party: 1,
    });
  });

  it("does not decrypt under another session id", () => {
    expectProtocolError(
      () => decryptAs2(ciphertext, { ...contextOf(fixture, 2), sessionId: 8n }),
      "DECRYPTION_FAILED",
    );
  });

  it("does not decrypt under another chain", () => {
    expectProtocolError(
      () => decryptAs2(ciphertext, { ...contextOf(fixture, 2), chainId: 1n }),
      "DECRYPTION_FAILED",
    );
  });

  it("does not decrypt under another contract", () => {
    expectProtocolError(
      () =>
        decryptAs2(ciphertext, {
          ...contextOf(fixture, 2),
          contractAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa4",
        }),
      "DECRYPTION_FAILED",
    );
  });

  it("does not decrypt as if it came from another sender", () => {
    expectProtocolError(
      () => decryptAs2(ciphertext, contextOf(fixture, 2), 3),
      "DECRYPTION_FAILED",
      {
        party: 3,
      },
    );
  });

  it("does not decrypt for another recipient", () => {
    expectProtocolError(
      () =>
        decryptShare({
          context: contextOf(fixture, 3),
          sender: 1,
          encryptionSecretKey: fixture.keys.secret[2]!,
          ciphertext,
        }),
      "DECRYPTION_FAILED",
    );
  });

  it("does not decrypt in the reverse direction (2 to 1 instead of 1 to 2)", () => {
    expectProtocolError(
      () =>
        decryptShare({
          context: contextOf(fixture, 1),
          sender: 2,
          encryptionSecretKey: fixture.keys.secret[0]!,
          ciphertext,
        }),
      "DECRYPTION_FAILED",
    );
  });

  it("refuses a secret key that is not the party's registered one", () => {
    expectProtocolError(
      () =>
        decryptShare({
          context: contextOf(fixture, 2),
          sender: 1,
          encryptionSecretKey: fixture.keys.secret[2]!,
          ciphertext,
        }),
      "INVALID_INPUT",
      { field: "secrets.encryptionSecretKey" },
    );
  });

  it("refuses to encrypt to the sender itself", () => {
    expectProtocolError(
      () =>
        encryptShare({
          context: contextOf(fixture, 1),
          recipient: 1,
          encryptionSecretKey: fixture.keys.secret[0]!,
          share,
        }),
      "UNEXPECTED_PARTY",
    );
  });

  it("never puts the share or key bytes in an error message", () => {
    const tampered = ciphertext.slice();
    tampered[0] = tampered[0]! ^ 1;
    const error = expectProtocolError(() => decryptAs2(tampered), "DECRYPTION_FAILED");
    for (const secret of [share, fixture.keys.secret[1]!]) {
      expect(error.message.toLowerCase()).not.to.contain(hex(secret).slice(0, 16));
    }
  });
});
