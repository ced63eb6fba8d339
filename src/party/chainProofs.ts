// What the runner reads from storage proofs when it has a trusted block: every value proven
// against a header linked by parent hashes to that block, so one provider cannot serve it
// without forging the chain itself.
import type { Address, Hex } from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import {
  createHeaderChain,
  type HeaderChain,
  type TrustedBlock,
} from "../sdk/proofs/headerChain.js";
import { ProofError } from "../sdk/proofs/ProofError.js";
import {
  mappingSlot,
  roundtableStorageSlots,
  transcriptSlot,
  verifyStorageSlot,
} from "../sdk/proofs/storage.js";

/** A proven storage word, or why the provider's chain did not prove out. */
export type Proven = { value: Hex } | { failure: string };

/** Proves Roundtable's storage words for one contract, sharing one header chain. */
export class ChainProofs {
  readonly #publicClient: RoundtablePublicClient;
  readonly #address: Address;
  readonly #headers: HeaderChain;

  constructor(publicClient: RoundtablePublicClient, address: Address, trusted: TrustedBlock) {
    this.#publicClient = publicClient;
    this.#address = address;
    this.#headers = createHeaderChain({ publicClient, trusted });
  }

  /** `transcriptOf(sessionId)` at `blockNumber`. */
  transcript(sessionId: bigint, blockNumber: bigint): Promise<Proven> {
    return this.#slot(transcriptSlot(sessionId), blockNumber);
  }

  /** The session's stored status (IRoundtable.Status) at `blockNumber`, or undefined if unproven. */
  async status(sessionId: bigint, blockNumber: bigint): Promise<number | undefined> {
    const proven = await this.#slot(
      mappingSlot(sessionId, roundtableStorageSlots.headers),
      blockNumber,
    );
    if ("failure" in proven) return undefined;
    // Header layout, packed from the low-order end: blob (20 bytes) | deadline (5) | partyCount,
    // threshold, round, roundCount (1 each) | status (1) | flags | resultLength.
    return Number((BigInt(proven.value) >> 232n) & 0xffn);
  }

  async #slot(slot: Hex, blockNumber: bigint): Promise<Proven> {
    try {
      const header = await this.#headers.verifiedHeader(blockNumber);
      const { value } = await verifyStorageSlot({
        publicClient: this.#publicClient,
        header,
        address: this.#address,
        slot,
      });
      return { value };
    } catch (error) {
      if (error instanceof ProofError) return { failure: error.shortMessage };
      throw error;
    }
  }
}
