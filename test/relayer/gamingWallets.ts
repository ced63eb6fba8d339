// Shared by the gaming-wallet tests and the adversarial benchmark: hostile ERC-1271 wallets
// (contracts/mocks/*.sol, from the build's artifacts) deployed on anvil, and what a relayer's
// batches spent on items that did not land, read from the chain.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  type Abi,
  type Address,
  createWalletClient,
  decodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  hexToBytes,
  http,
  parseAbi,
  parseEventLogs,
} from "viem";
import { packBatchItems, unpackBatchItems } from "../../src/sdk/batchCall.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import type { SignedAction } from "../../src/sdk/types.js";
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

type StructLog = { op: string; gas: number; depth: number };

/** Gas of a relayer's batches: in all, and on items that did not land (skipped or rejected). */
export type BatchGas = { total: bigint; wasted: bigint; batches: number; failedItems: number };

/** The event each batch item emits once, in item order: its action's, or its skip or rejection. */
const itemEvents = new Set([
  "PartyAccepted",
  "CommitmentSubmitted",
  "PayloadSubmitted",
  "ComplaintFiled",
  "ActionSkipped",
  "ActionRejected",
]);

/** Bytes of calldata at their intrinsic price (EIP-2028: 16 a non-zero byte, 4 a zero byte). */
function calldataGas(bytes: Uint8Array): bigint {
  let gas = 0n;
  for (const b of bytes) gas += b === 0 ? 4n : 16n;
  return gas;
}

/**
 * Reads every transaction `relayer` sent to `contract` from block `fromBlock` on, and splits its
 * gas by item. The contract runs items inline (validate, then apply), so an item's execution is
 * the span of the opcode trace from the previous item's last event to its own last event (its
 * action's or its skip's or rejection's, then any phase or session event it caused); its share
 * is that execution plus its packed bytes' calldata (the chain must record opcode steps: anvil's
 * `--steps-tracing`, else this throws). A batch that reverted whole is wasted entirely. What is left (21,000, the call's head, the loop after the last event) is counted in
 * `total` only.
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
      const events = parseEventLogs({
        abi: roundtableAbi,
        logs: receipt.logs.filter((l) => l.address.toLowerCase() === chain.contract.toLowerCase()),
      });
      const failed = new Set(
        events
          .filter((e) => e.eventName === "ActionSkipped" || e.eventName === "ActionRejected")
          .map((e) => Number((e.args as { item: bigint }).item)),
      );
      if (failed.size === 0) continue;
      // The item each log belongs to: item k's own event is the k-th item event; the events after
      // it (a phase opened, a session ended) are its too.
      const itemOfLog: number[] = [];
      let item = -1;
      for (const e of events) {
        if (itemEvents.has(e.eventName)) item++;
        itemOfLog.push(item);
      }
      const trace = (await jsonRpc(chain.anvil.rpcUrl, "debug_traceTransaction", [
        tx.hash,
        { disableStack: true, disableMemory: true, disableStorage: true },
      ])) as { structLogs: StructLog[] };
      // Gas left after each LOG opcode of the batch's own frame (the next step's gas), in log order.
      const steps = trace.structLogs;
      if (steps.length === 0) {
        throw new Error("batchGas needs opcode traces: start anvil with --steps-tracing");
      }
      const lastLogGas = new Map<number, number>();
      let logIndex = 0;
      for (const [at, step] of steps.entries()) {
        if (step.depth !== 1 || !step.op.startsWith("LOG")) continue;
        const owner = itemOfLog[logIndex++];
        const left = steps[at + 1]?.gas;
        if (owner !== undefined && owner >= 0 && left !== undefined) lastLogGas.set(owner, left);
      }
      const items = unpackBatchItems(
        decodeFunctionData({ abi: roundtableAbi, data: tx.input }).args[0] as Hex,
      );
      const packed = packedItemBytes(items);
      const start = trace.structLogs[0]?.gas ?? 0;
      for (const index of failed) {
        const before = index === 0 ? start : (lastLogGas.get(index - 1) ?? start);
        const after = lastLogGas.get(index);
        if (after !== undefined) result.wasted += BigInt(before - after);
        result.wasted += calldataGas(packed[index] ?? new Uint8Array());
        result.failedItems++;
      }
    }
  }
  return result;
}

/** Each item's own packed bytes, as the batch carried them. */
function packedItemBytes(items: readonly SignedAction[]): Uint8Array[] {
  return items.map((item) => hexToBytes(packBatchItems([item])));
}
