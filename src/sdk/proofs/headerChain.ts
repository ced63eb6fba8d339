import { type Hex, isHex, type PublicClient, toHex } from "viem";
import { type BlockHeaderFields, type VerifiedHeader, verifyBlockHeader } from "./blockHeader.js";
import { describeBlock, ProofError } from "./ProofError.js";

/** What the proofs need of a client: its `request`. Any viem public client has it. */
export type ProofClient = Pick<PublicClient, "request">;

/** A block the operator trusts: the deployment record's, or one given on the command line. */
export type TrustedBlock = { number: bigint; hash: Hex };

export type CreateHeaderChainParameters = {
  publicClient: ProofClient;
  trusted: TrustedBlock;
  /** Headers requested at once when extending the chain (a viem `http({ batch: true })` sends them in one call). Default 100. */
  batchSize?: number | undefined;
};

export type HeaderChain = {
  readonly trusted: TrustedBlock;
  /**
   * The header of a block at or after the trusted one, by number or hash, verified: its own hash
   * recomputed from its fields, and linked by parentHash to every verified header down to the trusted
   * block. Fetches and verifies the missing headers in between, in batches; verified ones are cached.
   */
  verifiedHeader(block: bigint | Hex): Promise<VerifiedHeader>;
  /** Every header from `fromBlock` to `toBlock` (inclusive), verified as {@link HeaderChain.verifiedHeader}. */
  verifiedRange(fromBlock: bigint, toBlock: bigint): Promise<VerifiedHeader[]>;
  /** The highest verified block number (the trusted one before any extension). */
  readonly tip: bigint;
  /** Block requests sent so far, for cost reports. */
  readonly requests: number;
};

export type CreateHeaderChainReturnType = HeaderChain;
export type CreateHeaderChainErrorType = ProofError;

async function fetchBlock(
  client: ProofClient,
  block: bigint | Hex,
): Promise<BlockHeaderFields | null> {
  const answer =
    typeof block === "bigint"
      ? await client.request({ method: "eth_getBlockByNumber", params: [toHex(block), false] })
      : await client.request({ method: "eth_getBlockByHash", params: [block, false] });
  return (answer ?? null) as BlockHeaderFields | null;
}

function missing(block: { number?: bigint; hash?: Hex }): ProofError {
  return new ProofError({
    failure: "malformed",
    block,
    shortMessage: `The provider has no ${describeBlock(block)}.`,
    metaMessages: ["It may be behind, or hiding it: ask another provider."],
  });
}

/**
 * Creates a header chain anchored at a block the operator trusts. It believes no header the provider
 * gives until the header's fields hash to its hash and its parentHash links it, block by block, to the
 * trusted block; so a provider can only pass a header by forging a whole chain from the trusted block
 * on (which costs proof of work before the Merge and a validator majority's signatures after it, and
 * which an operator catches by trusting a recent finalized block). A reorganisation after a header was
 * verified shows up as a `broken-link` error: create a new chain from a trusted block to read the new
 * one.
 *
 * @example
 * const chain = createHeaderChain({ publicClient, trusted: { number: deployment.blockNumber, hash: deployment.blockHash } });
 * const header = await chain.verifiedHeader(log.blockHash);
 * await verifyBlockLogs({ publicClient, header, logs: [log] });
 */
export function createHeaderChain({
  publicClient,
  trusted,
  batchSize = 100,
}: CreateHeaderChainParameters): CreateHeaderChainReturnType {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize is ${batchSize}; give a whole number of headers, 1 or more.`);
  }
  const trustedHash = trusted.hash.toLowerCase() as Hex;
  const byNumber = new Map<bigint, VerifiedHeader>();
  const byHash = new Map<Hex, VerifiedHeader>();
  let tip = trusted.number - 1n;
  let requests = 0;
  // Extensions run one after another, so two callers never verify the same headers twice.
  let queue: Promise<unknown> = Promise.resolve();

  const fetch = async (block: bigint | Hex) => {
    requests++;
    return fetchBlock(publicClient, block);
  };

  const keep = (header: VerifiedHeader) => {
    byNumber.set(header.number, header);
    byHash.set(header.hash, header);
    tip = header.number;
  };

  const verifyTrusted = async () => {
    const block = await fetch(trusted.number);
    if (block === null) throw missing({ number: trusted.number, hash: trustedHash });
    const header = verifyBlockHeader(block);
    if (header.number !== trusted.number || header.hash !== trustedHash) {
      throw new ProofError({
        failure: "not-trusted",
        block: { number: trusted.number, hash: header.hash },
        shortMessage: `The provider's block ${trusted.number} is ${header.hash}, not the trusted ${trustedHash}.`,
        metaMessages: [
          "The provider serves another chain (or a fork of it) than the one you trust.",
          "Check the trusted block (the deployment record's, or --trusted-block), then use another provider.",
        ],
      });
    }
    keep(header);
  };

  const extendTo = async (target: bigint) => {
    if (tip < trusted.number) await verifyTrusted();
    while (tip < target) {
      const from = tip + 1n;
      const to = target - from + 1n > BigInt(batchSize) ? from + BigInt(batchSize) - 1n : target;
      const numbers: bigint[] = [];
      for (let n = from; n <= to; n++) numbers.push(n);
      const blocks = await Promise.all(numbers.map((n) => fetch(n)));
      for (const [i, block] of blocks.entries()) {
        const number = numbers[i] as bigint;
        if (block === null) throw missing({ number });
        const header = verifyBlockHeader(block);
        const parent = byNumber.get(number - 1n) as VerifiedHeader;
        if (header.number !== number) {
          throw new ProofError({
            failure: "malformed",
            block: { number, hash: header.hash },
            shortMessage: `Asked for block ${number}, the provider answered block ${header.number}.`,
          });
        }
        if (header.parentHash !== parent.hash) {
          throw new ProofError({
            failure: "broken-link",
            block: { number, hash: header.hash },
            shortMessage: `Block ${number} (${header.hash}) names parent ${header.parentHash}, but the verified block ${number - 1n} is ${parent.hash}.`,
            metaMessages: [
              "Either the provider forged a header or the chain reorganised after block",
              `${number - 1n} was verified. Verify again from a trusted block, or ask another provider.`,
            ],
          });
        }
        keep(header);
      }
    }
  };

  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const belowTrusted = (block: { number?: bigint; hash?: Hex }) =>
    new ProofError({
      failure: "below-trusted",
      block,
      shortMessage: `${describeBlock(block)} is older than the trusted block ${trusted.number}: nothing links it to trust.`,
      metaMessages: ["Trust an older block (the contract's deployment block) to verify it."],
    });

  const byNumberVerified = async (number: bigint): Promise<VerifiedHeader> => {
    if (number < trusted.number) throw belowTrusted({ number });
    const cached = byNumber.get(number);
    if (cached) return cached;
    await serially(() => extendTo(number));
    return byNumber.get(number) as VerifiedHeader;
  };

  const byHashVerified = async (hash: Hex): Promise<VerifiedHeader> => {
    const wanted = hash.toLowerCase() as Hex;
    const cached = byHash.get(wanted);
    if (cached) return cached;
    // The block's own hash, recomputed, tells its height; the chain from trust then says if it is on it.
    const block = await fetch(wanted);
    if (block === null) throw missing({ hash: wanted });
    const header = verifyBlockHeader(block);
    if (header.hash !== wanted) {
      throw new ProofError({
        failure: "header-hash",
        block: { number: header.number, hash: wanted },
        shortMessage: `Asked for block ${wanted}, the provider answered ${describeBlock(header)}.`,
      });
    }
    if (header.number < trusted.number) throw belowTrusted({ number: header.number, hash: wanted });
    const onChain = await byNumberVerified(header.number);
    if (onChain.hash !== wanted) {
      throw new ProofError({
        failure: "not-on-chain",
        block: { number: header.number, hash: wanted },
        shortMessage: `Block ${wanted} is not on the chain linked to the trusted block: block ${header.number} there is ${onChain.hash}.`,
        metaMessages: ["It is an uncle, a reorganised-away block, or a forgery."],
      });
    }
    return onChain;
  };

  return {
    trusted: { number: trusted.number, hash: trustedHash },
    verifiedHeader(block) {
      if (typeof block === "bigint") return byNumberVerified(block);
      if (!isHex(block) || block.length !== 66) {
        throw new RangeError(
          `${String(block)} is no block number (bigint) or block hash (32 bytes hex).`,
        );
      }
      return byHashVerified(block);
    },
    async verifiedRange(fromBlock, toBlock) {
      if (fromBlock > toBlock) return [];
      await byNumberVerified(toBlock);
      const headers: VerifiedHeader[] = [];
      for (let n = fromBlock; n <= toBlock; n++) headers.push(await byNumberVerified(n));
      return headers;
    },
    get tip() {
      return tip < trusted.number ? trusted.number : tip;
    },
    get requests() {
      return requests;
    },
  };
}
