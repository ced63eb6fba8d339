// Signing what you see: a signing session's configuration carries, in `params`, the preimage of the
// 32-byte message its parties sign, so that every runner can show it as a person reads it and
// recompute the digest, and the auditor can check the same. Without it an initiator could say
// "release v1.2.0" and have the group sign any digest.
//
// Layout (hand-written: no library defines one): "RTM" ‖ version 1 ‖ kind ‖ body.
//   kind 1, text:   body is UTF-8 (NFC, printable); digest = BIP-340 tagged hash
//                   "Roundtable/text/v1" of it.
//   kind 3, digest: no body; an opaque digest, marked as such so that nobody mistakes it.
//   kind 4, intent: body is a threshold-account intent, ABI-encoded (account, chain id, nonce,
//                   deadline, calls); digest = its EIP-712 digest under the account's domain,
//                   the contract's intentDigest (see accountIntent.ts).
//   kind 5, userop: body is an ERC-4337 v0.8 user operation of a threshold account, ABI-encoded
//                   (entry point, chain id, packed fields but the signature); digest = the
//                   account's userOperationDigest of the EntryPoint's hash (userOperationPreimage.ts).
// Kind 2 is kept for EIP-712 typed data, which is not accepted yet: shown fields must be exactly
// the hashed ones, with JSON values typed as the hash reads them, before a prompt can show it.
// Texts are domain-separated by their tag: a signature over a text is not one over a Taproot
// sighash ("TapSighash" tag), an Ethereum message (keccak256) or another kind of preimage.
// Intents are 0x1901 EIP-712 digests (keccak256), which no tagged SHA-256 hash equals short of
// breaking one of the hashes (threat W2).
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { bytesToHex, concatBytes, type Hex, hexToBytes } from "viem";
import {
  type AccountIntent,
  decodeIntentBody,
  describeIntent,
  encodeIntentBody,
  intentDigest,
} from "./accountIntent.js";
import {
  type AccountUserOperation,
  decodeUserOperationBody,
  describeUserOperation,
  encodeUserOperationBody,
  userOperationDigest,
} from "./userOperationPreimage.js";

/** What a signing session's message is the digest of. */
export type MessagePreimage =
  | { kind: "text"; text: string }
  | { kind: "digest" }
  | { kind: "intent"; intent: AccountIntent }
  | { kind: "userop"; userOperation: AccountUserOperation };

const MAGIC = [0x52, 0x54, 0x4d, 0x01] as const;
const KIND_CODES = { text: 1, digest: 3, intent: 4, userop: 5 } as const;
const TEXT_TAG = "Roundtable/text/v1";
/** The contract's MAX_PARAMS_BYTES. */
export const MAX_PREIMAGE_BYTES = 1024;

// What a text to sign may not hold, besides tab and newline (shown escaped): controls, format and
// bidirectional characters, invisible (default-ignorable) ones, unassigned and private-use code
// points, and line or paragraph separators. Each can make a text display other than it reads.
const UNPRINTABLE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/u;

/** Raised for a preimage that cannot be encoded or decoded; the message says what to change. */
export class MessagePreimageError extends Error {
  override name = "MessagePreimageError";
}

function taggedHash(tag: string, body: Uint8Array): Uint8Array {
  const tagHash = sha256(utf8ToBytes(tag));
  return sha256(concatBytes([tagHash, tagHash, body]));
}

/**
 * The 32-byte digest a preimage commits to: what the group signs. A bare digest has none.
 * @example
 * ```ts
 * const message = messageDigest({ kind: "text", text: "release v1.2.0" });
 * ```
 */
export function messageDigest(preimage: Exclude<MessagePreimage, { kind: "digest" }>): Hex {
  if (preimage.kind === "intent") return intentDigest(preimage.intent);
  if (preimage.kind === "userop") return userOperationDigest(preimage.userOperation);
  checkText(preimage.text);
  return bytesToHex(taggedHash(TEXT_TAG, utf8ToBytes(preimage.text)));
}

/**
 * The `params` bytes that carry a preimage.
 * @throws MessagePreimageError when the text is misleading or the encoding too large.
 */
export function encodeMessagePreimage(preimage: MessagePreimage): Hex {
  let body: Uint8Array;
  if (preimage.kind === "text") {
    checkText(preimage.text);
    body = utf8ToBytes(preimage.text);
  } else if (preimage.kind === "intent") {
    body = hexToBytes(encodeIntentBody(preimage.intent));
  } else if (preimage.kind === "userop") {
    body = hexToBytes(encodeUserOperationBody(preimage.userOperation));
  } else {
    body = new Uint8Array();
  }
  const bytes = concatBytes([
    Uint8Array.from(MAGIC),
    Uint8Array.of(KIND_CODES[preimage.kind]),
    body,
  ]);
  if (bytes.length > MAX_PREIMAGE_BYTES) {
    throw new MessagePreimageError(
      `The ${preimage.kind} to sign takes ${bytes.length} bytes encoded, but a session's parameters hold at most ${MAX_PREIMAGE_BYTES}. ${preimage.kind === "intent" ? "Split its calls over several intents, or shorten their data." : preimage.kind === "userop" ? "Split its calls over several user operations, or shorten their data." : "Shorten it, or sign its digest as an opaque digest."}`,
    );
  }
  return bytesToHex(bytes);
}

/**
 * The preimage `params` carries, undefined for empty params (a session made without one).
 * @throws MessagePreimageError for params that are not a well-formed preimage.
 */
export function decodeMessagePreimage(params: Hex): MessagePreimage | undefined {
  const bytes = hexToBytes(params);
  if (bytes.length === 0) return undefined;
  if (bytes.length < 5 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new MessagePreimageError(
      `its parameters (${bytes.length} bytes) are not a message preimage (they do not start with "RTM", version 1)`,
    );
  }
  const body = bytes.subarray(5);
  switch (bytes[4]) {
    case KIND_CODES.text: {
      let text: string;
      try {
        // ignoreBOM keeps a leading U+FEFF in the text, where checkText refuses it.
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
      } catch {
        throw new MessagePreimageError("the text it carries is not valid UTF-8");
      }
      checkText(text);
      return { kind: "text", text };
    }
    case 2:
      throw new MessagePreimageError(
        "it carries EIP-712 typed data, which this version does not show or check yet",
      );
    case KIND_CODES.digest:
      if (body.length !== 0) {
        throw new MessagePreimageError("an opaque digest marker carries no body");
      }
      return { kind: "digest" };
    case KIND_CODES.intent:
      try {
        return { kind: "intent", intent: decodeIntentBody(bytesToHex(body)) };
      } catch (error) {
        const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new MessagePreimageError(`the intent it carries cannot be read: ${why}`);
      }
    case KIND_CODES.userop:
      try {
        return { kind: "userop", userOperation: decodeUserOperationBody(bytesToHex(body)) };
      } catch (error) {
        const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new MessagePreimageError(`the user operation it carries cannot be read: ${why}`);
      }
    default:
      throw new MessagePreimageError(`its preimage kind ${bytes[4]} is unknown`);
  }
}

function checkText(text: string): void {
  let index = 0;
  for (const char of text) {
    if (char !== "\t" && char !== "\n" && UNPRINTABLE.test(char)) {
      const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      throw new MessagePreimageError(
        `the text to sign holds U+${code} at character ${index}, a control, format, invisible or unassigned character that can make a text show other than it reads; remove it`,
      );
    }
    index++;
  }
  // One spelling per text: NFC and NFD forms print alike but hash apart.
  if (text.normalize("NFC") !== text) {
    throw new MessagePreimageError(
      'the text to sign is not in Unicode normal form C (letters and their accents written as one character where Unicode has one); normalize it with text.normalize("NFC")',
    );
  }
}

/**
 * Why a signing session's message and preimage disagree, or undefined when the message is the
 * preimage's digest (or marked opaque, or there is no preimage at all).
 */
export function messagePreimageProblem(
  message: Hex,
  params: Hex,
  { chainId }: { chainId?: number | undefined } = {},
): string | undefined {
  let preimage: MessagePreimage | undefined;
  try {
    preimage = decodeMessagePreimage(params);
  } catch (error) {
    if (error instanceof MessagePreimageError) return error.message;
    throw error;
  }
  if (preimage === undefined || preimage.kind === "digest") return undefined;
  const digest = messageDigest(preimage);
  if (digest.toLowerCase() !== message.toLowerCase()) {
    return `its message ${message} is not the digest of the ${preimage.kind} it carries (that is ${digest}): what the parties would be shown is not what they would sign`;
  }
  // An account's intent or user operation acts on the chain it names. The session's own chain is
  // the one its signers and auditors watch: a signature made here for another chain would act
  // where none of them looks, so it is declined however plainly it is shown.
  const target =
    preimage.kind === "intent"
      ? preimage.intent.chainId
      : preimage.kind === "userop"
        ? preimage.userOperation.chainId
        : undefined;
  if (chainId !== undefined && target !== undefined && target !== BigInt(chainId)) {
    const what = preimage.kind === "intent" ? "an account intent" : "a user operation";
    return `it asks for ${what} on chain ${target}, but the session runs on chain ${chainId}: sign it in a session on chain ${target}, where it acts`;
  }
  return undefined;
}

/**
 * A preimage as lines a person reads before accepting; the text is JSON-quoted so that nothing in
 * it is taken for the prompt's own words.
 */
export function describeMessage(message: Hex, params: Hex): string[] {
  let preimage: MessagePreimage | undefined;
  try {
    preimage = decodeMessagePreimage(params);
  } catch (error) {
    if (error instanceof MessagePreimageError) return [`unreadable preimage: ${error.message}`];
    throw error;
  }
  if (preimage === undefined || preimage.kind === "digest") {
    return [
      `an opaque digest ${message}: nothing shows what it means; accept only if you computed it yourself`,
    ];
  }
  if (preimage.kind === "intent") return describeIntent(preimage.intent);
  if (preimage.kind === "userop") return describeUserOperation(preimage.userOperation);
  return [`the text ${JSON.stringify(preimage.text)}`];
}
