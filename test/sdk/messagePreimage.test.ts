// Signing what you see (issue 15): the preimage a signing session carries, its digest and its
// domain separation, and what is refused as unreadable or misleading.
import { sha256 } from "@noble/hashes/sha2.js";
import { expect } from "chai";
import { bytesToHex, keccak256, toHex, zeroAddress } from "viem";
import {
  decodeMessagePreimage,
  describeMessage,
  encodeMessagePreimage,
  MessagePreimageError,
  messageDigest,
  messagePreimageProblem,
} from "../../src/sdk/messagePreimage.js";
import { signingConfig } from "../../src/sdk/protocolIds.js";
import { sessionConfigProblem } from "../../src/sdk/sessionConfigProblem.js";

const utf8 = (text: string) => new TextEncoder().encode(text);
const signers = [zeroAddress, "0x0000000000000000000000000000000000000001"] as const;

describe("message preimage (signing what you see)", () => {
  it("a text's digest is the BIP-340 tagged hash 'Roundtable/text/v1', not any plain hash of it", () => {
    const text = "release v1.2.0";
    const tag = sha256(utf8("Roundtable/text/v1"));
    const expected = bytesToHex(sha256(new Uint8Array([...tag, ...tag, ...utf8(text)])));
    const digest = messageDigest({ kind: "text", text });
    expect(digest).to.equal(expected);
    expect(digest).to.not.equal(bytesToHex(sha256(utf8(text))));
    expect(digest).to.not.equal(keccak256(toHex(text)));
    // A Taproot sighash is tagged "TapSighash": the same bytes under it give another digest.
    const tapTag = sha256(utf8("TapSighash"));
    expect(digest).to.not.equal(
      bytesToHex(sha256(new Uint8Array([...tapTag, ...tapTag, ...utf8(text)]))),
    );
  });

  it("round-trips a text and an opaque-digest marker through params; typed data is refused for now", () => {
    for (const preimage of [
      { kind: "text", text: "ünïcode ✓ and\nnewlines\tand tabs" },
      { kind: "digest" },
    ] as const) {
      const params = encodeMessagePreimage(preimage);
      expect(params.startsWith("0x52544d01")).to.equal(true);
      expect(decodeMessagePreimage(params)).to.deep.equal(preimage);
    }
    expect(decodeMessagePreimage("0x")).to.equal(undefined);
    const typed = bytesToHex(new Uint8Array([0x52, 0x54, 0x4d, 0x01, 0x02, ...utf8("{}")]));
    expect(() => decodeMessagePreimage(typed)).to.throw(/typed data, which this version does not/);
  });

  it("refuses texts with characters that make a text show other than it reads", () => {
    // Controls, bidi, zero-width and other invisible format characters, a soft hyphen, a line
    // separator, tag characters, a variation selector, private use, an unassigned code point, a BOM.
    for (const text of [
      "pay \u202Eevil",
      "a\u001b[2Jb",
      "x\u2066y",
      "nul\u0000",
      "a\u061Cb",
      "zero\u200Bwidth",
      "soft\u00ADhyphen",
      "line\u2028sep",
      "tag\u{E0061}\u{E0062}",
      "vs\uFE0F",
      "pua\uE000",
      "unassigned\u{2FFFF}",
      "\uFEFFbom",
      "mongolian\u180E",
      "filler\u3164",
    ]) {
      expect(() => encodeMessagePreimage({ kind: "text", text }), JSON.stringify(text)).to.throw(
        MessagePreimageError,
        /can make a text show other than it reads/,
      );
      // And when an initiator writes the bytes itself, the decoder refuses them too.
      const forged = bytesToHex(new Uint8Array([0x52, 0x54, 0x4d, 0x01, 0x01, ...utf8(text)]));
      expect(() => decodeMessagePreimage(forged), JSON.stringify(text)).to.throw(
        MessagePreimageError,
      );
    }
  });

  it("accepts one spelling per text: NFC only", () => {
    const nfc = "caf\u00e9";
    expect(decodeMessagePreimage(encodeMessagePreimage({ kind: "text", text: nfc }))).to.deep.equal(
      {
        kind: "text",
        text: nfc,
      },
    );
    expect(() => encodeMessagePreimage({ kind: "text", text: nfc.normalize("NFD") })).to.throw(
      /normal form C/,
    );
  });

  it("refuses params that are not a preimage, an unknown kind, bad UTF-8, and too many bytes", () => {
    expect(() => decodeMessagePreimage("0x1234")).to.throw(/not a message preimage/);
    expect(() => decodeMessagePreimage("0x52544d0109")).to.throw(/kind 9 is unknown/);
    expect(() => decodeMessagePreimage("0x52544d0101ff")).to.throw(/not valid UTF-8/);
    expect(() => decodeMessagePreimage("0x52544d0103aa")).to.throw(/no body/);
    expect(() => encodeMessagePreimage({ kind: "text", text: "x".repeat(1020) })).to.throw(
      /at most 1024/,
    );
  });

  it("a configuration whose message is not its preimage's digest is unrunnable, and says why", () => {
    const honest = signingConfig({
      keySession: 1n,
      signers,
      threshold: 2,
      preimage: { kind: "text", text: "release v1.2.0" },
    });
    expect(sessionConfigProblem(honest)).to.equal(undefined);
    const lying = { ...honest, message: messageDigest({ kind: "text", text: "pay mallory" }) };
    expect(sessionConfigProblem(lying)).to.match(/is not the digest of the text it carries/);
    expect(messagePreimageProblem(lying.message, lying.params)).to.match(
      /not what they would sign/,
    );
    expect(() =>
      signingConfig({
        keySession: 1n,
        signers,
        threshold: 2,
        message: lying.message,
        preimage: { kind: "text", text: "release v1.2.0" },
      }),
    ).to.throw(/hashes to/);
  });

  it("describes what is signed as a person reads it; an opaque digest is called opaque", () => {
    const text = 'say "hi"\nand go';
    expect(
      describeMessage(
        messageDigest({ kind: "text", text }),
        encodeMessagePreimage({ kind: "text", text }),
      ),
    ).to.deep.equal(['the text "say \\"hi\\"\\nand go"']);
    expect(describeMessage(keccak256("0x01"), "0x")[0]).to.match(/^an opaque digest/);
    expect(
      describeMessage(keccak256("0x01"), encodeMessagePreimage({ kind: "digest" }))[0],
    ).to.match(/^an opaque digest/);
  });
});
