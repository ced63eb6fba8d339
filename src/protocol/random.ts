// The injected random source, checked. Protocol code never calls a global RNG: every draw goes
// through the caller's source, so a seeded source replays a run byte for byte.

import { randomBytes } from "@noble/hashes/utils.js";
import { fail } from "./errors.js";
import type { RandomSource } from "./types.js";

/** The platform CSPRNG (`crypto.getRandomValues`), for production use. */
export const secureRandom: RandomSource = (length) => randomBytes(length);

/**
 * Wraps a caller's source in noble's RNG shape, refusing output of the wrong length or type
 * (a broken source must not silently yield short or shared nonces).
 */
export function checkedRandom(random: RandomSource): (length?: number) => Uint8Array {
  if (typeof random !== "function") {
    fail({
      code: "INVALID_INPUT",
      message: "random must be a function (length) => Uint8Array",
      field: "random",
    });
  }
  return (length = 32) => {
    const out = random(length);
    if (!(out instanceof Uint8Array) || out.length !== length) {
      fail({
        code: "INVALID_INPUT",
        message: `random(${length}) returned ${out instanceof Uint8Array ? `${out.length} bytes` : typeof out}`,
        field: "random",
      });
    }
    return out;
  };
}
