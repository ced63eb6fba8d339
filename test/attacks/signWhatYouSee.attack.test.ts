// Attacks on "signing what you see" (issue 15, THREATS W1/W2) by a dishonest initiator, who writes
// a signing session's `params` and `message` byte by byte. Every attack asks one question: can the
// lines a signer is shown before accepting (describeMessage, what `party run` prints under "you
// sign") say one thing while the digest the group signs says another, and does the runner's rule
// (sessionConfigProblem) and the auditor's check (signing.message-matches-preimage) let it through?
//
// Each finding of the first attack (F1–F10) is now a test of its fix.
import { sha256 } from "@noble/hashes/sha2.js";
import { expect } from "chai";
import {
  type Address,
  bytesToHex,
  concatBytes,
  type Hex,
  hashMessage,
  hashTypedData,
  keccak256,
  type TypedDataDefinition,
  toHex,
} from "viem";
import type { CheckContext } from "../../src/auditor/checks/checkContext.js";
import { checkMessagePreimage } from "../../src/auditor/checks/signingChecks.js";
import {
  decodeMessagePreimage,
  describeMessage,
  encodeMessagePreimage,
  MessagePreimageError,
  messageDigest,
} from "../../src/sdk/messagePreimage.js";
import { signingConfig } from "../../src/sdk/protocolIds.js";
import { sessionConfigProblem } from "../../src/sdk/sessionConfigProblem.js";
import type { SessionConfig } from "../../src/sdk/types.js";

const signers: Address[] = [
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];
const utf8 = (text: string) => new TextEncoder().encode(text);

/** A text's digest as an initiator computes it by hand (the library refuses misleading texts). */
function textDigest(text: string): Hex {
  const tag = sha256(utf8("Roundtable/text/v1"));
  return bytesToHex(sha256(concatBytes([tag, tag, utf8(text)])));
}

/** `params` as a dishonest initiator writes them: "RTM", version 1, kind, then any body bytes. */
function rawParams(kind: number, body: string | Uint8Array): Hex {
  const bytes = typeof body === "string" ? utf8(body) : body;
  return bytesToHex(concatBytes([new Uint8Array([0x52, 0x54, 0x4d, 0x01, kind]), bytes]));
}

/** A signing configuration carrying exactly these params and this message. */
function configWith(params: Hex, message: Hex): SessionConfig {
  const base = signingConfig({ keySession: 1n, signers, threshold: 2, message: keccak256("0x01") });
  return { ...base, params, message };
}

/**
 * What the auditor says of that configuration once a signer accepted it (the check reads the
 * creation's config and who accepted; with no acceptance, a misleading config is the initiator's
 * failed attempt, which the session's expiry records).
 */
function auditStatus(config: SessionConfig): string {
  const context = {
    record: { created: { config }, actions: [{ kind: "accept", party: 0 }] },
  } as unknown as CheckContext;
  return checkMessagePreimage(context).result.status;
}

// Characters that no terminal or page draws, or draws as something else, and that the text filter
// in messagePreimage.ts once let through (finding F8, now refused): two texts that look the same get different digests, and a
// text can carry words nobody sees (tag characters spell ASCII invisibly).
const invisible: [string, string][] = [
  ["U+00AD soft hyphen", "\u00AD"],
  ["U+034F combining grapheme joiner", "\u034F"],
  ["U+061C Arabic letter mark (a Bidi_Control character)", "\u061C"],
  ["U+115F Hangul choseong filler", "\u115F"],
  ["U+180E Mongolian vowel separator", "\u180E"],
  ["U+200B zero-width space", "\u200B"],
  ["U+200C zero-width non-joiner", "\u200C"],
  ["U+200D zero-width joiner", "\u200D"],
  ["U+2028 line separator", "\u2028"],
  ["U+2029 paragraph separator", "\u2029"],
  ["U+2060 word joiner", "\u2060"],
  ["U+2061 function application", "\u2061"],
  ["U+2062 invisible times", "\u2062"],
  ["U+2063 invisible separator", "\u2063"],
  ["U+2064 invisible plus", "\u2064"],
  ["U+206A inhibit symmetric swapping", "\u206A"],
  ["U+206F nominal digit shapes", "\u206F"],
  ["U+3164 Hangul filler", "\u3164"],
  ["U+FE0F variation selector 16", "\uFE0F"],
  ["U+FEFF zero-width no-break space", "\uFEFF"],
  ["U+FFF9 interlinear annotation anchor", "\uFFF9"],
  ["U+E0001 language tag", "\u{E0001}"],
  ["U+E0041 tag latin capital A", "\u{E0041}"],
  ["U+E0100 variation selector 17", "\u{E0100}"],
  ["U+F0000 private use", "\u{F0000}"],
];

const typedBase = {
  domain: {
    name: "Roundtable release",
    version: "1",
    chainId: 31337,
    verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  },
  types: {
    Release: [
      { name: "version", type: "string" },
      { name: "height", type: "uint256" },
    ],
  },
  primaryType: "Release",
  message: { version: "v1.2.0", height: "7" },
};

describe("attacks: signing what you see (issue 15)", () => {
  describe("texts", () => {
    it("F7: U+061C ARABIC LETTER MARK, a Unicode Bidi_Control character, is refused like the others", () => {
      const text = "pay 10\u061C0 to Bob";
      expect(() => encodeMessagePreimage({ kind: "text", text })).to.throw(MessagePreimageError);
      expect(() => decodeMessagePreimage(rawParams(1, text))).to.throw(MessagePreimageError);
    });

    it("F8: invisible and format characters are refused, or at least shown escaped", () => {
      const passed: string[] = [];
      for (const [name, char] of invisible) {
        const text = `release v1.2.0${char}`;
        let shown: string[];
        try {
          shown = describeMessage(messageDigest({ kind: "text", text }), rawParams(1, text));
        } catch {
          continue;
        }
        if (shown[0]?.startsWith("unreadable")) continue;
        // Shown escaped (\u200b) is fine: the signer sees there is something there.
        if ((shown[0] ?? "").includes(char)) passed.push(name);
      }
      expect(
        passed,
        `accepted and shown raw, so "release v1.2.0" and "release v1.2.0<invisible>" look the same with different digests`,
      ).to.deep.equal([]);
    });

    it("F8b: a text hiding words in tag characters (ASCII smuggling) is refused", () => {
      const hidden = [..."and send the treasury to 0xEvil"]
        .map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0)))
        .join("");
      const text = `release v1.2.0${hidden}`;
      const params = rawParams(1, text);
      expect(() => decodeMessagePreimage(params)).to.throw(MessagePreimageError);
      const config = configWith(params, textDigest(text));
      expect(sessionConfigProblem(config)).to.match(/U\+E0061/);
      expect(auditStatus(config)).to.equal("fail");
    });

    it("F9: canonically equivalent texts (NFC and NFD) that print alike are not both accepted", () => {
      const composed = "café paid";
      const decomposed = composed.normalize("NFD");
      expect(decomposed).to.not.equal(composed);
      const problems = [composed, decomposed].map((text) =>
        sessionConfigProblem(configWith(rawParams(1, text), textDigest(text))),
      );
      expect(
        problems.filter((p) => p !== undefined).length,
        "one digest per text as shown: require NFC",
      ).to.be.greaterThan(0);
    });

    it("F10: params are the one canonical encoding of what they decode to (a leading BOM is not dropped silently)", () => {
      // TextDecoder drops a leading U+FEFF by default; kept, it is refused like any invisible.
      const params = rawParams(1, "\uFEFFrelease v1.2.0");
      expect(() => decodeMessagePreimage(params)).to.throw(/U\+FEFF at character 0/);
      const config = configWith(params, textDigest("release v1.2.0"));
      expect(sessionConfigProblem(config)).to.not.equal(undefined);
      expect(auditStatus(config)).to.equal("fail");
    });

    it("defence: C0/C1 controls, bidi overrides and isolates are refused by the runner and failed by the audit", () => {
      for (const char of ["\u001b", "\r", "\u0085", "\u202E", "\u2067", "\u200F", "\u0008"]) {
        const text = `release v1.2.0${char}`;
        const config = configWith(rawParams(1, text), messageDigest({ kind: "text", text: "x" }));
        expect(sessionConfigProblem(config), JSON.stringify(char)).to.match(
          /can make a text show other than it reads/,
        );
        expect(auditStatus(config)).to.equal("fail");
      }
    });

    it("defence: a text at the size limit is shown whole, on one line, escaped", () => {
      // 1019 bytes of body: the most params hold. Padding cannot push the tail out of the line.
      const text = `release v1.2.0${" ".repeat(1019 - 14 - 12)}pay mallory!`;
      expect(utf8(text).length).to.equal(1019);
      const params = encodeMessagePreimage({ kind: "text", text });
      const shown = describeMessage(messageDigest({ kind: "text", text }), params);
      expect(shown).to.have.length(1);
      expect(shown[0]).to.include("pay mallory!");
      expect(() => encodeMessagePreimage({ kind: "text", text: `${text}x` })).to.throw(
        /at most 1024/,
      );
    });

    it("defence: an opaque-digest marker over a text's digest is shown as opaque, never as the text", () => {
      const text = "release v1.2.0";
      const message = messageDigest({ kind: "text", text });
      const config = configWith(encodeMessagePreimage({ kind: "digest" }), message);
      expect(sessionConfigProblem(config)).to.equal(undefined);
      const shown = describeMessage(message, config.params);
      expect(shown[0]).to.match(/^an opaque digest .*accept only if you computed it yourself/);
      expect(shown.join("\n")).to.not.include("release");
      // The audit does not pass it as checked either.
      expect(auditStatus(config)).to.equal("not-applicable");
      // A marker with a body (a text smuggled after it) is refused.
      const smuggled = configWith(rawParams(3, text), message);
      expect(sessionConfigProblem(smuggled)).to.match(/carries no body/);
      expect(auditStatus(smuggled)).to.equal("fail");
    });
  });

  describe("EIP-712 typed data", () => {
    it("defence (F1–F6): typed data is not shown or signed yet: every runner declines it and the audit fails it", () => {
      // Typed data showed fields the digest did not commit to (unnamed keys, EIP712Domain as the
      // primary type, a supplied domain type, JSON numbers hashed as strings) and carried escapes
      // into the prompt. Until a strict validator shows exactly what is hashed, kind 2 is refused.
      for (const typed of [
        typedBase,
        { ...typedBase, primaryType: "EIP712Domain" },
        { ...typedBase, message: { ...typedBase.message, note: "moves no funds" } },
      ]) {
        const params = rawParams(2, JSON.stringify(typed));
        const config = configWith(params, hashTypedData(typedBase as TypedDataDefinition));
        expect(sessionConfigProblem(config)).to.match(/typed data, which this version does not/);
        expect(auditStatus(config)).to.equal("fail");
        expect(describeMessage(config.message, params)[0]).to.match(/^unreadable preimage/);
      }
    });
  });

  describe("domain separation (W2)", () => {
    it("defence: the same words as a text, typed data, an Ethereum message, plain, keccak, Taproot and BIP-340 challenge hashes give seven digests", () => {
      const words = JSON.stringify(typedBase);
      const tagged = (tag: string) => {
        const t = sha256(utf8(tag));
        return bytesToHex(sha256(concatBytes([t, t, utf8(words)])));
      };
      const digests = [
        messageDigest({ kind: "text", text: words }),
        hashTypedData(typedBase as TypedDataDefinition),
        hashMessage(words),
        bytesToHex(sha256(utf8(words))),
        keccak256(toHex(words)),
        tagged("TapSighash"),
        tagged("BIP0340/challenge"),
      ];
      expect(new Set(digests).size).to.equal(digests.length);
      // The kind byte decides how params decode: typed-data JSON under kind 1 is just a text, and
      // its digest is the text's, so a signature over one is not over the other.
      const asText = decodeMessagePreimage(rawParams(1, words));
      expect(asText).to.deep.equal({ kind: "text", text: words });
      expect(
        sessionConfigProblem(
          configWith(rawParams(1, words), hashTypedData(typedBase as TypedDataDefinition)),
        ),
      ).to.match(/is not the digest of the text/);
    });

    it("defence: the runner and the auditor decide every attack above alike", () => {
      const cases: SessionConfig[] = [
        configWith(rawParams(1, "release v1.2.0\u202E"), keccak256("0x01")),
        configWith(rawParams(2, "{not json"), keccak256("0x01")),
        configWith(rawParams(3, ""), keccak256("0x01")),
        configWith(rawParams(7, ""), keccak256("0x01")),
        configWith(rawParams(1, new Uint8Array([0xc0, 0x80])), keccak256("0x01")),
        configWith("0x52544d02", keccak256("0x01")),
        configWith(rawParams(1, "release"), messageDigest({ kind: "text", text: "release" })),
      ];
      for (const config of cases) {
        const refused = sessionConfigProblem(config) !== undefined;
        const audit = auditStatus(config);
        expect(
          audit === "fail",
          `${config.params}: runner refuses ${refused}, audit ${audit}`,
        ).to.equal(refused);
      }
    });
  });
});
