// Proofs against a lying provider (THREATS N5): logs proven against their block's receipts root, headers
// linked by parentHash to a trusted block, storage proven against the state root. Every test runs on
// Hardhat's in-process chain (EDR, which lacks eth_getBlockReceipts) and on a real anvil.
import { expect } from "chai";
import { network } from "hardhat";
import {
  type Address,
  createPublicClient,
  custom,
  type EIP1193RequestFn,
  type Hex,
  keccak256,
  type PublicClient,
  stringToHex,
  toHex,
  zeroHash,
} from "viem";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { submitCommitment } from "../../src/sdk/actions/submitCommitment.js";
import { proveEncryptionKey } from "../../src/sdk/encryptionKeyProof.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import {
  type BlockHeaderFields,
  hashBlockHeader,
  verifyBlockHeader,
} from "../../src/sdk/proofs/blockHeader.js";
import { createHeaderChain, type TrustedBlock } from "../../src/sdk/proofs/headerChain.js";
import { ProofError, type ProofFailure } from "../../src/sdk/proofs/ProofError.js";
import { type ProvenLog, verifiedGetLogs, verifyBlockLogs } from "../../src/sdk/proofs/receipts.js";
import {
  mappingSlot,
  roundtableStorageSlots,
  transcriptSlot,
  verifyStorageSlot,
} from "../../src/sdk/proofs/storage.js";
import { type SessionConfig, SessionKind } from "../../src/sdk/types.js";
import { type Anvil, deployRoundtableOnAnvil, startAnvil } from "../helpers/anvil.js";

/** Rewrites one answer of the provider: return undefined to pass it through. */
type Tamper = (method: string, params: unknown, result: unknown) => unknown;

type ProofChain = {
  name: string;
  /** The chain's own client, honest. */
  honest: PublicClient;
  address: Address;
  trusted: TrustedBlock;
  sessionId: bigint;
  mine(count: number): Promise<void>;
  stop(): Promise<void>;
};

const HOUR = 3600;

/** A client over `chain` that counts requests and lets a test lie in the provider's answers. */
function providerClient(chain: ProofChain, tamper?: Tamper) {
  let calls = 0;
  const honestRequest = chain.honest.request as unknown as (args: {
    method: string;
    params?: unknown;
  }) => Promise<unknown>;
  const request = (async (args: { method: string; params?: unknown }) => {
    calls++;
    const result = await honestRequest(args);
    const lie = tamper?.(args.method, args.params, structuredClone(result));
    return lie === undefined ? result : lie;
  }) as EIP1193RequestFn;
  const client = createPublicClient({
    chain: chain.honest.chain,
    transport: custom({ request }, { retryCount: 0 }),
  });
  return {
    client,
    get calls() {
      return calls;
    },
  };
}

async function rejectsWith(promise: Promise<unknown>, failure: ProofFailure): Promise<ProofError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ProofError);
    expect((err as ProofError).failure, (err as Error).message).to.equal(failure);
    return err as ProofError;
  }
  throw new Error(`expected a ProofError ${failure}`);
}

function throwsWith(fn: () => unknown, failure: ProofFailure): Promise<ProofError> {
  return rejectsWith(Promise.resolve().then(fn), failure);
}

/** Creates a three-party key generation, every party accepts and commits: nine actions, eight blocks or more. */
async function runSession(
  publicClient: RoundtablePublicClient,
  address: Address,
  initiator: RoundtableWalletClient,
  wallets: RoundtableWalletClient[],
): Promise<bigint> {
  const parties = wallets
    .map((walletClient, i) => ({ walletClient, address: walletClient.account.address, i }))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const config: SessionConfig = {
    kind: SessionKind.KeyGeneration,
    protocol: stringToHex("FROST-DKG", { size: 32 }),
    ciphersuite: stringToHex("schnorr_FROST", { size: 32 }),
    parties: parties.map((p) => p.address),
    threshold: 2,
    rounds: [
      { duration: HOUR, commitReveal: true },
      { duration: HOUR, commitReveal: false },
      { duration: HOUR, commitReveal: false },
    ],
    acceptanceDuration: HOUR,
    keySession: 0n,
    message: zeroHash,
    params: "0x",
  };
  const { sessionId } = await createSession({
    publicClient,
    walletClient: initiator,
    address,
    config,
  });
  const chainId = await publicClient.getChainId();
  for (const [party, p] of parties.entries()) {
    const secretKey = keccak256(stringToHex(`proofs test key ${p.i}`), "bytes");
    const { encryptionKey, keyProof } = proveEncryptionKey({
      chainId,
      contract: address,
      sessionId,
      party,
      secretKey,
    });
    await acceptSession({
      publicClient,
      walletClient: p.walletClient,
      address,
      sessionId,
      configHash: hashSessionConfig(config),
      encryptionKey,
      keyProof,
    });
  }
  for (const p of parties) {
    await submitCommitment({
      publicClient,
      walletClient: p.walletClient,
      address,
      sessionId,
      round: 1,
      payload: keccak256(stringToHex(`payload ${p.i}`)),
    });
  }
  return sessionId;
}

async function trustedAt(client: PublicClient, number: bigint): Promise<TrustedBlock> {
  const block = await client.getBlock({ blockNumber: number });
  return { number, hash: block.hash };
}

async function hardhatChain(): Promise<ProofChain> {
  const { viem, provider } = await network.create();
  const honest = (await viem.getPublicClient()) as unknown as PublicClient;
  const [initiator, a, b, c] = await viem.getWalletClients();
  if (!initiator || !a || !b || !c) throw new Error("Hardhat has at least four accounts");
  const contract = await viem.deployContract("Roundtable");
  const deploymentBlock = await honest.getBlockNumber();
  const sessionId = await runSession(
    honest as unknown as RoundtablePublicClient,
    contract.address,
    initiator as unknown as RoundtableWalletClient,
    [a, b, c] as unknown as RoundtableWalletClient[],
  );
  return {
    name: "Hardhat (EDR)",
    honest,
    address: contract.address,
    trusted: await trustedAt(honest, deploymentBlock),
    sessionId,
    // One evm_mine per block: hardhat_mine(n) reserves n blocks whose parentHash reads as zero, so
    // they do not chain, and the header chain rightly refuses them.
    mine: async (count) => {
      for (let i = 0; i < count; i++) await provider.request({ method: "evm_mine" });
    },
    stop: async () => {},
  };
}

async function anvilChain(): Promise<ProofChain> {
  const anvil: Anvil = await startAnvil();
  const honest = anvil.publicClient as unknown as PublicClient;
  const { address, deploymentBlock } = await deployRoundtableOnAnvil(anvil);
  const sessionId = await runSession(
    honest as unknown as RoundtablePublicClient,
    address,
    anvil.walletClient(0) as unknown as RoundtableWalletClient,
    [1, 2, 3].map((i) => anvil.walletClient(i)) as unknown as RoundtableWalletClient[],
  );
  return {
    name: "anvil",
    honest,
    address,
    trusted: await trustedAt(honest, deploymentBlock),
    sessionId,
    mine: (count) => anvil.mine(count),
    stop: () => anvil.stop(),
  };
}

for (const [label, start] of [
  ["Hardhat's in-process chain (EDR)", hardhatChain],
  ["anvil", anvilChain],
] as const) {
  describe(`Proofs on ${label}`, () => {
    let chain: ProofChain;
    let latest: bigint;

    before(async function () {
      this.timeout(60_000);
      chain = await start();
      latest = await chain.honest.getBlockNumber();
    });

    after(async () => {
      await chain?.stop();
    });

    /** Every log of the session as the honest node has it. */
    async function sessionLogs() {
      return chain.honest.getLogs({
        address: chain.address,
        fromBlock: chain.trusted.number,
        toBlock: latest,
      });
    }

    describe("verifyBlockHeader", () => {
      it("recomputes the hash of every block from the deployment to the latest", async () => {
        for (let n = chain.trusted.number; n <= latest; n++) {
          const block = await chain.honest.request({
            method: "eth_getBlockByNumber",
            params: [toHex(n), false],
          });
          expect(verifyBlockHeader(block as BlockHeaderFields).hash).to.equal(block?.hash);
        }
      });

      it("accepts viem's formatted block too", async () => {
        const block = await chain.honest.getBlock({ blockNumber: latest });
        expect(verifyBlockHeader(block as unknown as BlockHeaderFields).number).to.equal(latest);
      });

      for (const [field, value] of [
        ["timestamp", "0x1"],
        ["receiptsRoot", keccak256("0x01")],
        ["stateRoot", keccak256("0x02")],
        ["logsBloom", `0x${"ff".repeat(256)}`],
      ] as const) {
        it(`rejects a header whose ${field} was altered`, async () => {
          const block = (await chain.honest.request({
            method: "eth_getBlockByNumber",
            params: [toHex(latest), false],
          })) as BlockHeaderFields;
          await throwsWith(() => verifyBlockHeader({ ...block, [field]: value }), "header-hash");
        });
      }

      it("rejects a header without a fork field it had (requestsHash)", async () => {
        const block = (await chain.honest.request({
          method: "eth_getBlockByNumber",
          params: [toHex(latest), false],
        })) as BlockHeaderFields;
        expect(block.requestsHash, "the chain runs Prague").to.be.a("string");
        await throwsWith(
          () => verifyBlockHeader({ ...block, requestsHash: undefined }),
          "header-hash",
        );
        await throwsWith(
          () => verifyBlockHeader({ ...block, blobGasUsed: undefined }),
          "malformed",
        );
      });
    });

    describe("createHeaderChain", () => {
      it("verifies a block by hash and by number down to the trusted block", async () => {
        const provider = providerClient(chain);
        const headers = createHeaderChain({
          publicClient: provider.client,
          trusted: chain.trusted,
        });
        const block = await chain.honest.getBlock({ blockNumber: latest });
        const header = await headers.verifiedHeader(block.hash);
        expect(header.number).to.equal(latest);
        expect((await headers.verifiedHeader(latest)).hash).to.equal(block.hash);
        const calls = provider.calls;
        await headers.verifiedHeader(chain.trusted.number + 1n);
        expect(provider.calls, "cached").to.equal(calls);
      });

      it("rejects a block below the trusted one", async () => {
        const headers = createHeaderChain({ publicClient: chain.honest, trusted: chain.trusted });
        const error = await rejectsWith(
          headers.verifiedHeader(chain.trusted.number - 1n),
          "below-trusted",
        );
        expect(error.shortMessage).to.equal(
          `block ${chain.trusted.number - 1n} is older than the trusted block ${chain.trusted.number}: nothing links it to trust.`,
        );
      });

      it("rejects a provider whose trusted block has another hash", async () => {
        const headers = createHeaderChain({
          publicClient: chain.honest,
          trusted: { number: chain.trusted.number, hash: keccak256("0xbad") },
        });
        await rejectsWith(headers.verifiedHeader(latest), "not-trusted");
      });

      it("rejects a fabricated header whose own hash is right but whose parent link is broken", async () => {
        const forged = chain.trusted.number + 2n;
        const provider = providerClient(chain, (method, params, result) => {
          if (method !== "eth_getBlockByNumber" || (params as Hex[])[0] !== toHex(forged)) return;
          const fake = { ...(result as BlockHeaderFields), parentHash: keccak256("0xf0") };
          return { ...fake, hash: hashBlockHeader(fake) };
        });
        const headers = createHeaderChain({
          publicClient: provider.client,
          trusted: chain.trusted,
        });
        const error = await rejectsWith(headers.verifiedHeader(latest), "broken-link");
        expect(error.block?.number).to.equal(forged);
      });

      it("rejects a block by hash that is not on the chain from the trusted block", async () => {
        const real = await chain.honest.request({
          method: "eth_getBlockByNumber",
          params: [toHex(latest), false],
        });
        const fake = { ...(real as BlockHeaderFields), extraData: "0x66616b65" as Hex };
        const fakeHash = hashBlockHeader(fake);
        const provider = providerClient(chain, (method, params) =>
          method === "eth_getBlockByHash" && (params as Hex[])[0] === fakeHash
            ? { ...fake, hash: fakeHash }
            : undefined,
        );
        const headers = createHeaderChain({
          publicClient: provider.client,
          trusted: chain.trusted,
        });
        await rejectsWith(headers.verifiedHeader(fakeHash), "not-on-chain");
      });
    });

    describe("verifyBlockLogs", () => {
      let log: ProvenLog;

      before(async () => {
        const logs = await sessionLogs();
        // A block with several logs: the session's creation (SessionCreated and one invitation per party).
        const first = logs[1];
        if (!first) throw new Error("the session emitted logs");
        log = first as unknown as ProvenLog;
      });

      async function header() {
        const headers = createHeaderChain({ publicClient: chain.honest, trusted: chain.trusted });
        return headers.verifiedHeader(log.blockHash);
      }

      it("proves the session's real logs", async () => {
        const logs = await sessionLogs();
        const headers = createHeaderChain({ publicClient: chain.honest, trusted: chain.trusted });
        for (const l of logs) {
          const proven = await verifyBlockLogs({
            publicClient: chain.honest,
            header: await headers.verifiedHeader(l.blockHash),
            logs: [l],
          });
          expect(proven[0]?.data).to.equal(l.data);
        }
      });

      for (const [what, alter] of [
        ["data", (l: ProvenLog) => ({ ...l, data: `${l.data}00` as Hex })],
        ["topic", (l: ProvenLog) => ({ ...l, topics: [l.topics[0], keccak256("0x01")] })],
        [
          "address",
          (l: ProvenLog) => ({ ...l, address: chain.trusted.hash.slice(0, 42) as Address }),
        ],
        ["logIndex", (l: ProvenLog) => ({ ...l, logIndex: l.logIndex + 1 })],
        ["transactionHash", (l: ProvenLog) => ({ ...l, transactionHash: keccak256("0x02") })],
      ] as const) {
        it(`rejects a log whose ${what} was altered`, async () => {
          await rejectsWith(
            verifyBlockLogs({
              publicClient: chain.honest,
              header: await header(),
              logs: [alter(log) as ProvenLog],
            }),
            "log-mismatch",
          );
        });
      }

      it("rejects receipts the provider altered to match an altered log", async () => {
        const forged = `${log.data.slice(0, -2)}ff` as Hex;
        const tamper: Tamper = (method, _params, result) => {
          const rewrite = (r: { logs: { data: Hex; logIndex: Hex }[] }) => {
            for (const l of r.logs) if (Number(l.logIndex) === log.logIndex) l.data = forged;
            return r;
          };
          if (method === "eth_getBlockReceipts" && Array.isArray(result))
            return result.map(rewrite);
          if (method === "eth_getTransactionReceipt" && result) return rewrite(result as never);
          return undefined;
        };
        const provider = providerClient(chain, tamper);
        const error = await rejectsWith(
          verifyBlockLogs({
            publicClient: provider.client,
            header: await header(),
            logs: [{ ...log, data: forged }],
          }),
          "receipts-root",
        );
        expect(error.block?.number).to.equal(log.blockNumber);
      });
    });

    describe("verifiedGetLogs", () => {
      it("proves every log of the session, and says what it cost", async () => {
        const provider = providerClient(chain);
        const headerChain = createHeaderChain({
          publicClient: provider.client,
          trusted: chain.trusted,
        });
        const started = performance.now();
        const { logs, requests, blocksProven } = await verifiedGetLogs({
          publicClient: provider.client,
          headerChain,
          address: chain.address,
          fromBlock: chain.trusted.number,
          toBlock: latest,
        });
        const ms = performance.now() - started;
        expect(logs.map((l) => [l.blockNumber, l.logIndex, l.data])).to.deep.equal(
          (await sessionLogs()).map((l) => [l.blockNumber, l.logIndex, l.data]),
        );
        expect(requests).to.equal(provider.calls);
        console.log(
          `      cost on ${chain.name}: one session (${logs.length} logs in ${blocksProven} blocks, ${latest - chain.trusted.number + 1n} headers): ${provider.calls} RPC calls, ${ms.toFixed(0)} ms`,
        );
      });

      it("rejects a provider that leaves out one of the contract's logs", async () => {
        const logs = await sessionLogs();
        const hidden = logs[logs.length - 1];
        const provider = providerClient(chain, (method, _params, result) =>
          method === "eth_getLogs"
            ? (result as { logIndex: Hex; blockHash: Hex }[]).filter(
                (l) =>
                  !(l.blockHash === hidden?.blockHash && Number(l.logIndex) === hidden?.logIndex),
              )
            : undefined,
        );
        const error = await rejectsWith(
          verifiedGetLogs({
            publicClient: provider.client,
            headerChain: createHeaderChain({
              publicClient: provider.client,
              trusted: chain.trusted,
            }),
            address: chain.address,
            fromBlock: chain.trusted.number,
            toBlock: latest,
          }),
          "log-omitted",
        );
        expect(error.block?.number).to.equal(hidden?.blockNumber);
      });

      it("rejects a provider that alters a log's data", async () => {
        const provider = providerClient(chain, (method, _params, result) =>
          method === "eth_getLogs"
            ? (result as { data: Hex }[]).map((l, i) =>
                i === 2 ? { ...l, data: `${l.data}01` } : l,
              )
            : undefined,
        );
        await rejectsWith(
          verifiedGetLogs({
            publicClient: provider.client,
            headerChain: createHeaderChain({
              publicClient: provider.client,
              trusted: chain.trusted,
            }),
            address: chain.address,
            fromBlock: chain.trusted.number,
            toBlock: latest,
          }),
          "log-mismatch",
        );
      });

      it("costs this much over 500 more blocks", async function () {
        this.timeout(120_000);
        await chain.mine(500);
        const toBlock = await chain.honest.getBlockNumber();
        const provider = providerClient(chain);
        const started = performance.now();
        const { logs, blocksProven } = await verifiedGetLogs({
          publicClient: provider.client,
          headerChain: createHeaderChain({ publicClient: provider.client, trusted: chain.trusted }),
          address: chain.address,
          fromBlock: chain.trusted.number,
          toBlock,
        });
        const ms = performance.now() - started;
        // Every log the provider has for the same range, proven (actions may still land after setup).
        const all = await chain.honest.getLogs({
          address: chain.address,
          fromBlock: chain.trusted.number,
          toBlock,
        });
        expect(logs.length).to.equal(all.length);
        console.log(
          `      cost on ${chain.name}: ${toBlock - chain.trusted.number + 1n} headers, ${logs.length} logs in ${blocksProven} blocks: ${provider.calls} RPC calls, ${ms.toFixed(0)} ms`,
        );
      });
    });

    describe("verifyStorageSlot", () => {
      it("finds the transcript at the slot Roundtable's storage layout gives", async () => {
        const transcript = await chain.honest.readContract({
          address: chain.address,
          abi: roundtableAbi,
          functionName: "transcriptOf",
          args: [chain.sessionId],
        });
        expect(transcript).to.not.equal(zeroHash);
        const stored = await chain.honest.getStorageAt({
          address: chain.address,
          slot: transcriptSlot(chain.sessionId),
        });
        expect(stored).to.equal(transcript);
        expect(
          BigInt(
            (await chain.honest.getStorageAt({
              address: chain.address,
              slot: toHex(roundtableStorageSlots.sessionCount, { size: 32 }),
            })) ?? 0,
          ),
        ).to.equal(chain.sessionId);
      });

      it("proves the session's transcript hash against the state root", async () => {
        const provider = providerClient(chain);
        const headers = createHeaderChain({
          publicClient: provider.client,
          trusted: chain.trusted,
        });
        const header = await headers.verifiedHeader(latest);
        const calls = provider.calls;
        const started = performance.now();
        const { value, account } = await verifyStorageSlot({
          publicClient: provider.client,
          header,
          address: chain.address,
          slot: transcriptSlot(chain.sessionId),
        });
        const ms = performance.now() - started;
        const transcript = await chain.honest.readContract({
          address: chain.address,
          abi: roundtableAbi,
          functionName: "transcriptOf",
          args: [chain.sessionId],
          blockNumber: latest,
        });
        expect(value).to.equal(transcript);
        expect(account.codeHash).to.equal(
          keccak256((await chain.honest.getCode({ address: chain.address })) ?? "0x"),
        );
        console.log(
          `      cost on ${chain.name}: one storage slot: ${provider.calls - calls} RPC call, ${ms.toFixed(0)} ms`,
        );
      });

      it("proves an unwritten slot is zero", async () => {
        const headers = createHeaderChain({ publicClient: chain.honest, trusted: chain.trusted });
        const { value } = await verifyStorageSlot({
          publicClient: chain.honest,
          header: await headers.verifiedHeader(latest),
          address: chain.address,
          slot: mappingSlot(999n, roundtableStorageSlots.transcripts),
        });
        expect(value).to.equal(zeroHash);
      });

      for (const [which, failure] of [
        ["storageProof", "storage-proof"],
        ["accountProof", "account-proof"],
      ] as const) {
        it(`rejects a value whose ${which} was altered`, async () => {
          const lie = keccak256("0xbad");
          const provider = providerClient(chain, (method, _params, result) => {
            if (method !== "eth_getProof") return undefined;
            const proof = result as {
              accountProof: Hex[];
              storageProof: { value: Hex; proof: Hex[] }[];
            };
            const nodes =
              which === "accountProof" ? proof.accountProof : (proof.storageProof[0]?.proof ?? []);
            // The leaf holds the value: the provider writes its lie there.
            const leaf = nodes.length - 1;
            const node = nodes[leaf] as Hex;
            nodes[leaf] = `${node.slice(0, -64)}${lie.slice(2)}` as Hex;
            if (proof.storageProof[0]) proof.storageProof[0].value = lie;
            return proof;
          });
          const headers = createHeaderChain({ publicClient: chain.honest, trusted: chain.trusted });
          await rejectsWith(
            verifyStorageSlot({
              publicClient: provider.client,
              header: await headers.verifiedHeader(latest),
              address: chain.address,
              slot: transcriptSlot(chain.sessionId),
            }),
            failure,
          );
        });
      }
    });
  });
}
