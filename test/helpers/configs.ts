import { type Address, type Hex, stringToHex, zeroHash } from "viem";
import { type RoundSpec, type SessionConfig, SessionKind } from "../../src/sdk/types.js";

export const FROST_DKG = stringToHex("FROST-DKG", { size: 32 });
export const FROST_SIGN = stringToHex("FROST-SIGN", { size: 32 });
export const SCHNORR_FROST = stringToHex("schnorr_FROST", { size: 32 });

/** One hour per phase, one day to accept. */
export const ROUND_DURATION = 3600;
export const ACCEPTANCE_DURATION = 86_400;

/** `count` rounds of `ROUND_DURATION`; the 1-based rounds in `commitReveal` are commit-then-reveal. */
export function schedule(count: number, commitReveal: readonly number[] = []): RoundSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    duration: ROUND_DURATION,
    commitReveal: commitReveal.includes(i + 1),
  }));
}

/** A FROST key generation: two rounds, then agreement on the group key. */
export function keyGenerationConfig(
  parties: readonly Address[],
  threshold: number,
  overrides: Partial<SessionConfig> = {},
): SessionConfig {
  return {
    kind: SessionKind.KeyGeneration,
    protocol: FROST_DKG,
    ciphersuite: SCHNORR_FROST,
    parties,
    threshold,
    rounds: schedule(3),
    acceptanceDuration: ACCEPTANCE_DURATION,
    keySession: 0n,
    message: zeroHash,
    params: "0x",
    ...overrides,
  };
}

/** A FROST signing of `message` by `signers` with the key of `keySession`: two rounds, then agreement. */
export function signingConfig(
  keySession: bigint,
  signers: readonly Address[],
  threshold: number,
  message: Hex,
  overrides: Partial<SessionConfig> = {},
): SessionConfig {
  return {
    kind: SessionKind.Signing,
    protocol: FROST_SIGN,
    ciphersuite: SCHNORR_FROST,
    parties: signers,
    threshold,
    rounds: schedule(3),
    acceptanceDuration: ACCEPTANCE_DURATION,
    keySession,
    message,
    params: "0x",
    ...overrides,
  };
}
