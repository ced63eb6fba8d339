import { type Hex, hexToString, isHex } from "viem";

/**
 * The readable name of a bytes32 protocol or ciphersuite id (UTF-8, zero-padded), with anything
 * unprintable replaced, since the id comes from the chain.
 */
export function idName(id: Hex): string {
  if (!isHex(id) || id.length !== 66) return id;
  try {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    return hexToString(id, { size: 32 }).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  } catch {
    return id;
  }
}
