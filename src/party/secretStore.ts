import type { Address } from "viem";

/**
 * What a secret belongs to. Stores authenticate every secret with this binding,
 * so a secret of one session, party, contract or chain never loads as another's.
 */
export type SecretBinding = {
  chainId: number;
  contract: Address;
  sessionId: bigint;
  party: number;
};

/**
 * Where a party keeps its protocol secrets (polynomial coefficients, nonces,
 * key shares) between rounds. The party runner writes a secret before it sends
 * any message that depends on it, so a crash can always be resumed and a nonce
 * is never used twice. Implementations: a file store (Node), a browser store.
 */
export interface SecretStore {
  /** The secret stored under `name`, or undefined when there is none. */
  get(binding: SecretBinding, name: string): Promise<Uint8Array | undefined>;
  /** Stores `value` durably: when the promise resolves, it survives a crash. */
  put(binding: SecretBinding, name: string, value: Uint8Array): Promise<void>;
  /** Removes the secret, if any. */
  delete(binding: SecretBinding, name: string): Promise<void>;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Rejects names that could escape a directory or collide: lowercase letters, digits and dashes. */
export function assertSecretName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new RangeError(
      `Secret name "${name}" is not valid: use 1 to 64 lowercase letters, digits or dashes, starting with a letter or digit.`,
    );
  }
}

/** The canonical text of a binding and name: authenticated data for encryption, and a file name stem. */
export function bindingLabel(binding: SecretBinding, name: string): string {
  assertSecretName(name);
  return [
    binding.chainId,
    binding.contract.toLowerCase(),
    binding.sessionId.toString(),
    binding.party,
    name,
  ].join("-");
}
