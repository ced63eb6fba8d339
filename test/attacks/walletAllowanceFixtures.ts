// Shared by the per-item wallet allowance attacks (walletAllowance.attack.test.ts,
// walletVerdictGas.attack.test.ts): one Roundtable on Hardhat's in-process network with the
// wallets the attacks need (honest light and heavy ones, one that burns all it is given, one whose
// verdict depends on the gas it gets, an honest one behind an EIP-1167 proxy) and a session for
// each group, and the helpers that pack items with a chosen allowance and read what came of them.
import assert from "node:assert/strict";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  concatHex,
  createPublicClient,
  custom,
  decodeErrorResult,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  hexToBytes,
  type LocalAccount,
  numberToHex,
  parseAbi,
  parseEventLogs,
  sliceHex,
  type TransactionReceipt,
} from "viem";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { packBatchItems } from "../../src/sdk/batchCall.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import type { SignedAction } from "../../src/sdk/types.js";
import type { ReportedAction } from "../../src/sdk/verifyActionOrigin.js";
import {
  encryptionKeyOf,
  encryptionSecretOf,
  eoaParties,
  type Party,
  testAccount,
} from "../helpers/accounts.js";
import { keyGenerationConfig } from "../helpers/configs.js";
import {
  addressesOf,
  createSession,
  type Deployment,
  deployRoundtable,
  fund,
  mined,
  type Session,
} from "../helpers/roundtable.js";
import { deployHonestWallet } from "../helpers/wallets.js";

export type Connection = Deployment["connection"];

export const [A, B] = eoaParties("walletAllowance/eoa", 2) as [Party, Party];
/** Signs round actions for the light wallet party once its acceptance names it. */
export const delegateKey = testAccount("walletAllowance/delegate");
/** Roundtable.ERC1271_GAS: a wallet's check gets it from applySigned, and in a batch item naming no allowance. */
export const ERC1271_GAS = 500_000;
/** The heavy wallet's check spends this much: more than any leaked allowance below gives it. */
export const HEAVY_CHECK_GAS = 450_000n;
/** The gas-sensitive wallet approves only when its check starts with less than this. */
export const SENSITIVE_THRESHOLD = 100_000n;
export const flippingWalletAbi = parseAbi(["function flip(bool refusing)"]);
export const cloneFactoryAbi = parseAbi([
  "function make(address owner) returns (address)",
  "event WalletMade(address wallet, address owner)",
]);
export const probeAbi = parseAbi([
  "function callInOrder(address roundtable, bytes[] calls)",
  "function afterRevert(address roundtable, bytes first, uint256 firstGas, bytes second)",
]);

// ────────────────────────────────────────────────────────────────── fixtures

export type Wallets = {
  /** Honest, its check a plain ECDSA recovery. */
  light: Party;
  /** Honest, its check about 450,000 gas: needs nearly all of ERC1271_GAS. */
  heavy: Party;
  /** FlippingWallet, flipped: every check burns all the gas it is given. */
  burning: Party;
  /** GasSensitiveWallet: yes below SENSITIVE_THRESHOLD gas, no at ERC1271_GAS. */
  sensitive: Party;
  /** An EIP-1167 clone (as a Safe is a proxy) of an honest wallet whose check is about 250,000 gas. */
  proxied: Party;
};

export type Table = {
  d: Deployment;
  wallets: Wallets;
  probe: Address;
  /** A, B and the light wallet (whose acceptance names `delegateKey`). */
  withDelegate: Session;
  /** A, B, the heavy and the burning wallet: acceptance only. */
  heavyAndBurning: Session;
  /** A, B and the gas-sensitive wallet. */
  sensitive: Session;
  /** A, B and the proxied wallet. */
  proxied: Session;
};

export async function deployMockWallet(
  d: Deployment,
  label: string,
  name: "FlippingWallet" | "GasSensitiveWallet",
  extra: readonly unknown[],
): Promise<Party> {
  const owner = testAccount(`${label}/owner`);
  await d.connection.networkHelpers.setBalance(owner.address, 10n ** 20n);
  const { address } = await d.connection.viem.deployContract(
    name as never,
    [owner.address, ...extra] as never,
  );
  return {
    address: getAddress(address),
    signer: owner,
    encryptionSecret: encryptionSecretOf(label),
    encryptionKey: encryptionKeyOf(label),
  };
}

/** A clone of SwitchedCostlyWallet (its switch never thrown: an honest wallet behind a proxy). */
export async function deployClone(d: Deployment, label: string): Promise<Party> {
  const owner = testAccount(`${label}/owner`);
  const factory = await d.connection.viem.deployContract("SwitchedCostlyWalletFactory", [250_000n]);
  const [client] = await d.connection.viem.getWalletClients();
  const receipt = await mined(
    d,
    client!.writeContract({
      address: factory.address,
      abi: cloneFactoryAbi,
      functionName: "make",
      args: [owner.address],
      chain: client!.chain,
      account: client!.account!,
    }),
  );
  const [made] = parseEventLogs({
    abi: cloneFactoryAbi,
    logs: receipt.logs,
    eventName: "WalletMade",
  });
  assert.ok(made, "the factory made a clone");
  return {
    address: getAddress(made.args.wallet),
    signer: owner,
    encryptionSecret: encryptionSecretOf(label),
    encryptionKey: encryptionKeyOf(label),
  };
}

export async function tables(c: Connection): Promise<Table> {
  const d = await deployRoundtable(c);
  await fund(d, [A, B]);
  const proxied = await deployClone(d, "walletAllowance/proxied");
  const wallets: Wallets = {
    light: await deployHonestWallet(d, "walletAllowance/light", 0n),
    heavy: await deployHonestWallet(d, "walletAllowance/heavy", HEAVY_CHECK_GAS),
    burning: await deployMockWallet(d, "walletAllowance/burning", "FlippingWallet", []),
    sensitive: await deployMockWallet(d, "walletAllowance/sensitive", "GasSensitiveWallet", [
      SENSITIVE_THRESHOLD,
    ]),
    proxied,
  };
  const [client] = await d.connection.viem.getWalletClients();
  await mined(
    d,
    client!.writeContract({
      address: wallets.burning.address,
      abi: flippingWalletAbi,
      functionName: "flip",
      args: [true],
      account: wallets.burning.signer,
      chain: client!.chain,
    }),
  );
  const { address: probe } = await d.connection.viem.deployContract("AllowanceLeakProbe");
  const sessionOf = (parties: Party[]) =>
    createSession(d, keyGenerationConfig(addressesOf(parties), 2), parties);
  return {
    d,
    wallets,
    probe: getAddress(probe),
    withDelegate: await sessionOf([A, B, wallets.light]),
    heavyAndBurning: await sessionOf([A, B, wallets.heavy, wallets.burning]),
    sensitive: await sessionOf([A, B, wallets.sensitive]),
    proxied: await sessionOf([A, B, wallets.proxied]),
  };
}

// ─────────────────────────────────────────────────────────────────── helpers

export const indexOf = (session: Session, party: Party) =>
  session.parties.findIndex((p) => p.address === party.address);

/** `action` packed as one item whose first byte carries `units` of wallet allowance. */
export function packedWithUnits(action: SignedAction, units: number): Hex {
  return concatHex([
    numberToHex(action.action | (units << 2), { size: 1 }),
    sliceHex(packBatchItems([action]), 1),
  ]);
}

export function eventsOf(receipt: TransactionReceipt) {
  return parseEventLogs({ abi: roundtableAbi, logs: receipt.logs, strict: true });
}

/** Sends raw packed items as `batch` from `from` (the relayer by default), with ample gas. */
export function sendBatch(d: Deployment, items: Hex, from: Address | LocalAccount = d.relayer) {
  return mined(d, d.roundtable.write.batch([items], { account: from, gas: 3_000_000n }));
}

/** Each item's outcome in a mined batch: "recorded", "skipped", or the rejection's error name. */
export function outcomes(receipt: TransactionReceipt): string[] {
  const out: string[] = [];
  for (const e of eventsOf(receipt)) {
    if (e.eventName === "ActionRejected") {
      out.push(decodeErrorResult({ abi: roundtableAbi, data: e.args.reason }).errorName);
    } else if (e.eventName === "ActionSkipped") {
      out.push("skipped");
    } else if (
      ["PartyAccepted", "CommitmentSubmitted", "PayloadSubmitted", "ComplaintFiled"].includes(
        e.eventName,
      )
    ) {
      out.push("recorded");
    }
  }
  return out;
}

/** The error name `applySigned` reverts with for `action` now, or undefined if it would land. */
export async function applySignedError(
  d: Deployment,
  action: SignedAction,
): Promise<string | undefined> {
  try {
    await d.roundtable.simulate.applySigned([action], { account: d.relayer, gas: 3_000_000n });
    return undefined;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (!(reverted instanceof ContractFunctionRevertedError)) throw error;
    return reverted.data?.errorName ?? "reverted";
  }
}

export const applySignedCall = (action: SignedAction): Hex =>
  encodeFunctionData({ abi: roundtableAbi, functionName: "applySigned", args: [action] });
export const batchCall = (items: Hex): Hex =>
  encodeFunctionData({ abi: roundtableAbi, functionName: "batch", args: [items] });

/** A stranger sends `functionName(args)` to the AllowanceLeakProbe and waits for it. */
export async function probeCall(
  t: Table,
  functionName: "callInOrder" | "afterRevert",
  args: readonly unknown[],
): Promise<TransactionReceipt> {
  const [client] = await t.d.connection.viem.getWalletClients();
  return mined(
    t.d,
    client!.writeContract({
      address: t.probe,
      abi: probeAbi,
      functionName,
      args: args as never,
      chain: client!.chain,
      account: client!.account!,
      gas: 3_000_000n,
    }),
  );
}

export async function accepted(t: Table, session: Session): Promise<number[]> {
  const logs = await t.d.publicClient.getContractEvents({
    address: t.d.roundtable.address,
    abi: roundtableAbi,
    eventName: "PartyAccepted",
    args: { sessionId: session.id },
    fromBlock: 0n,
    strict: true,
  });
  return logs.map((l) => Number(l.args.index)).sort();
}

export const erc1271Abi = parseAbi([
  "function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)",
]);

/** A transaction's intrinsic gas for this calldata (EIP-2028): what an eth_call spends before the callee runs. */
export function intrinsicGas(data: Hex): bigint {
  let gas = 21_000n;
  for (const byte of hexToBytes(data)) gas += byte === 0 ? 4n : 16n;
  return gas;
}

/** The sources rebuildSession reads, straight from the chain. */
export function chainSources(d: Deployment) {
  const client = d.publicClient;
  return {
    getTransaction: (hash: Hash) => client.getTransaction({ hash }),
    getBlockTime: async (blockHash: Hash) => (await client.getBlock({ blockHash })).timestamp,
    hasCode: async (address: Address, blockNumber: bigint) =>
      ((await client.getCode({ address, blockNumber })) ?? "0x") !== "0x",
  };
}

/** A provider that serves everything but call traces, as many public RPC endpoints do. */
export function untracedClient(d: Deployment): RoundtablePublicClient {
  return createPublicClient({
    chain: d.publicClient.chain,
    transport: custom({
      request: async ({ method, params }: { method: string; params?: unknown }) => {
        if (method.startsWith("debug_")) throw new Error(`the method ${method} is not available`);
        return d.publicClient.request({ method, params } as never);
      },
    }),
  }) as unknown as RoundtablePublicClient;
}

/** A party's acceptance as the runner reports it from its PartyAccepted event. */
export function reportedAcceptance(
  session: Session,
  party: Party,
  receipt: TransactionReceipt,
): ReportedAction {
  const event = eventsOf(receipt).find(
    (e) => e.eventName === "PartyAccepted" && e.args.index === indexOf(session, party),
  );
  assert.ok(event?.eventName === "PartyAccepted", "the acceptance was recorded");
  return {
    kind: "accept",
    party: indexOf(session, party),
    round: 0,
    data: event.args.encryptionKey,
    delegate: event.args.delegate,
    account: party.address,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
  };
}
