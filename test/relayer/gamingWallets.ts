// Shared by the gaming-wallet tests and the adversarial benchmark: hostile ERC-1271 wallets
// (contracts/mocks/*.sol, from the build's artifacts) deployed on anvil, and what a relayer's
// batches spent on items that did not land, read from the chain.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  type Abi,
  type Address,
  createWalletClient,
  getAddress,
  type Hash,
  type Hex,
  http,
  parseAbi,
  parseEventLogs,
} from "viem";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import {
  encryptionKeyOf,
  encryptionSecretOf,
  type Party,
  testAccount,
} from "../helpers/accounts.js";
import { jsonRpc } from "../helpers/jsonRpc.js";
import type { RelayerChain } from "./helpers.js";

export const flippingWalletAbi = parseAbi(["function flip(bool refusing)"]);

async function artifact(file: string, name: string): Promise<{ abi: Abi; bytecode: Hex }> {
  const path = fileURLToPath(
    new URL(`../../artifacts/contracts/mocks/${file}/${name}.json`, import.meta.url),
  );
  return JSON.parse(await readFile(path, "utf8")) as { abi: Abi; bytecode: Hex };
}

async function deploy(chain: RelayerChain, file: string, name: string, args: unknown[]) {
  const { abi, bytecode } = await artifact(file, name);
  const hash = await chain.anvil.walletClient(0).deployContract({ abi, bytecode, args });
  const { contractAddress } = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (!contractAddress) throw new Error(`${name} deployment ${hash} created no contract`);
  return getAddress(contractAddress);
}

export type GamingWalletKind = "gasPrice" | "flipping" | "foreignStorage";

/**
 * A hostile contract-wallet party owned by a funded test EOA (`signer`): `gasPrice` answers only
 * at gas price 0, `flipping` answers as its owner last set with `flip`, `foreignStorage` reads a
 * ForeignSwitch (`switchAddress`).
 */
export async function deployGamingWallet(
  chain: RelayerChain,
  kind: GamingWalletKind,
  label: string,
): Promise<Party & { switchAddress?: Address }> {
  const owner = testAccount(`${label}/owner`);
  await jsonRpc(chain.anvil.rpcUrl, "anvil_setBalance", [owner.address, "0x56bc75e2d63100000"]);
  let address: Address;
  let switchAddress: Address | undefined;
  if (kind === "gasPrice") {
    address = await deploy(chain, "GasPriceGamingWallet.sol", "GasPriceGamingWallet", [
      owner.address,
    ]);
  } else if (kind === "flipping") {
    address = await deploy(chain, "FlippingWallet.sol", "FlippingWallet", [owner.address]);
  } else {
    switchAddress = await deploy(chain, "ForeignStorageWallet.sol", "ForeignSwitch", []);
    address = await deploy(chain, "ForeignStorageWallet.sol", "ForeignStorageWallet", [
      owner.address,
      switchAddress,
    ]);
  }
  return {
    address,
    signer: owner,
    encryptionSecret: encryptionSecretOf(label),
    encryptionKey: encryptionKeyOf(label),
    ...(switchAddress ? { switchAddress } : {}),
  };
}

/** The flipping wallet's owner sets its answer (one cheap transaction); returns its hash unmined. */
export async function flip(
  chain: RelayerChain,
  wallet: Party,
  refusing: boolean,
  maxPriorityFeePerGas?: bigint,
): Promise<Hash> {
  const client = createWalletClient({
    chain: chain.anvil.chain,
    transport: http(chain.anvil.rpcUrl),
    account: wallet.signer,
  });
  const fees = maxPriorityFeePerGas
    ? { maxPriorityFeePerGas, maxFeePerGas: maxPriorityFeePerGas * 4n }
    : {};
  return client.writeContract({
    address: wallet.address,
    abi: flippingWalletAbi,
    functionName: "flip",
    args: [refusing],
    ...fees,
  });
}

type CallFrame = { type: string; to?: string; gasUsed: Hex; calls?: CallFrame[] };

/** Gas of a relayer's batches: in all, and on items that did not land (skipped or rejected). */
export type BatchGas = { total: bigint; wasted: bigint; batches: number; failedItems: number };

/**
 * Reads every transaction `relayer` sent to `contract` from block `fromBlock` on, and splits its
 * gas by item: an item's share is its `applySigned` self-call (callTracer's gasUsed), and a batch
 * that reverted whole is wasted entirely. What is left of a batch (21,000, calldata, the loop) is
 * counted in `total` only.
 */
export async function batchGas({
  chain,
  relayer,
  fromBlock = 0n,
}: {
  chain: RelayerChain;
  relayer: Address;
  fromBlock?: bigint | undefined;
}): Promise<BatchGas> {
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const result: BatchGas = { total: 0n, wasted: 0n, batches: 0, failedItems: 0 };
  for (let n = fromBlock; n <= head; n++) {
    const block = await chain.publicClient.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== relayer.toLowerCase()) continue;
      if (tx.to?.toLowerCase() !== chain.contract.toLowerCase()) continue;
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: tx.hash });
      result.total += receipt.gasUsed;
      result.batches++;
      if (receipt.status === "reverted") {
        result.wasted += receipt.gasUsed;
        continue;
      }
      const failed = new Set(
        parseEventLogs({
          abi: roundtableAbi,
          logs: receipt.logs,
          eventName: ["ActionSkipped", "ActionRejected"],
        }).map((e) => Number(e.args.item)),
      );
      if (failed.size === 0) continue;
      const trace = (await jsonRpc(chain.anvil.rpcUrl, "debug_traceTransaction", [
        tx.hash,
        { tracer: "callTracer" },
      ])) as CallFrame;
      const items = (trace.calls ?? []).filter(
        (c) => c.type === "CALL" && c.to?.toLowerCase() === chain.contract.toLowerCase(),
      );
      for (const index of failed) {
        const frame = items[index];
        if (frame !== undefined) result.wasted += BigInt(frame.gasUsed);
        result.failedItems++;
      }
    }
  }
  return result;
}
