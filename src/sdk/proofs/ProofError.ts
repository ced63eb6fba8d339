import { RoundtableError } from "../errors.js";

/** What a proof found wrong; one value per check, so callers and tests can branch on it. */
export type ProofFailure =
  /** The header's fields do not hash to the hash the provider gave. */
  | "header-hash"
  /** A header's parentHash is not the hash of the verified block before it. */
  | "broken-link"
  /** The block is older than the trusted block, so nothing links it to trust. */
  | "below-trusted"
  /** The provider's block at the trusted height has another hash than the trusted one. */
  | "not-trusted"
  /** The block by hash is not the one the verified chain has at its height. */
  | "not-on-chain"
  /** The provider's answer is missing or does not have the shape a proof needs. */
  | "malformed"
  /** The receipts do not hash to the header's receiptsRoot. */
  | "receipts-root"
  /** A log is not among the proven receipts' logs, or differs from the one at its position. */
  | "log-mismatch"
  /** A log matching the filter is in a proven receipt but the provider left it out. */
  | "log-omitted"
  /** The account proof does not lead from the header's stateRoot to the account. */
  | "account-proof"
  /** The storage proof does not lead from the account's storageRoot to the value. */
  | "storage-proof";

export type ProofErrorParameters = {
  failure: ProofFailure;
  /** The block the check was about, by number and, when known, hash. */
  block?: { number?: bigint | undefined; hash?: string | undefined } | undefined;
  shortMessage: string;
  metaMessages?: string[] | undefined;
  details?: string | undefined;
  cause?: unknown;
};

/**
 * A provider's answer failed a proof: a forged, altered or omitted header, log or state, or a chain
 * reorganised since it was verified. `failure` says which check; `block` which block. The provider
 * that gave the answer is not to be believed for this read: use another, or a quorum.
 */
export class ProofError extends RoundtableError {
  override name = "ProofError";
  failure: ProofFailure;
  block: { number?: bigint | undefined; hash?: string | undefined } | undefined;

  constructor({
    failure,
    block,
    shortMessage,
    metaMessages,
    details,
    cause,
  }: ProofErrorParameters) {
    super({ shortMessage, metaMessages, details, cause, name: "ProofError" });
    this.failure = failure;
    this.block = block;
  }
}

/** "block 12 (0xab…cd)" or "block 12" or "block 0xab…cd": how errors name a block. */
export function describeBlock(block: {
  number?: bigint | undefined;
  hash?: string | undefined;
}): string {
  if (block.number !== undefined && block.hash !== undefined)
    return `block ${block.number} (${block.hash})`;
  if (block.number !== undefined) return `block ${block.number}`;
  return `block ${block.hash ?? "?"}`;
}
