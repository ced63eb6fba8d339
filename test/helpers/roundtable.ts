import assert from "node:assert/strict";
import type { PublicClient, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import type { NetworkConnection } from "hardhat/types/network";
import {
  type Address,
  BaseError,
  type ContractErrorArgs,
  type ContractErrorName,
  ContractFunctionRevertedError,
  encodeErrorResult,
  type GetContractReturnType,
  getAddress,
  getContract,
  type Hash,
  type Hex,
  parseEventLogs,
  type TransactionReceipt,
  zeroAddress,
  zeroHash,
} from "viem";
import { packBatchItems } from "../../src/sdk/batchCall.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { signAction } from "../../src/sdk/signAction.js";
import {
  ActionType,
  type SessionConfig,
  type SessionState,
  type SignedAction,
  type UnsignedAction,
} from "../../src/sdk/types.js";
import { byAddress, keyProofOf, type Party } from "./accounts.js";

/**
 * The contract typed by the SDK's generated ABI. (tsconfig does not include
 * `artifacts/`, so Hardhat's per-contract types are not visible to tests.)
 */
export type Roundtable = GetContractReturnType<
  typeof roundtableAbi,
  { public: PublicClient; wallet: WalletClient }
>;

/** A deployed Roundtable and the accounts around it. */
export type Deployment = {
  connection: NetworkConnection;
  roundtable: Roundtable;
  publicClient: PublicClient;
  chainId: number;
  /** Creates sessions; never a party. */
  initiator: Address;
  /** Carries signed actions; never a party. */
  relayer: Address;
  /** Anyone else: calls `expire`, tries what it may not. */
  outsider: Address;
};

/** A created session and its parties in index order. */
export type Session = {
  id: bigint;
  /** The chain and contract the session lives on, which its key proofs are bound to. */
  chainId: number;
  contract: Address;
  configHash: Hex;
  config: SessionConfig;
  parties: readonly Party[];
  createdAt: bigint;
  receipt: TransactionReceipt;
};

/** 100 ETH: plenty for any test. */
const FUNDS = 10n ** 20n;

/** Deploys a Roundtable on `connection`; Hardhat's accounts 1–3 are the initiator, relayer and outsider. */
export async function deployRoundtable(connection: NetworkConnection): Promise<Deployment> {
  const { viem } = connection;
  const address = getAddress((await viem.deployContract("Roundtable")).address);
  const publicClient = await viem.getPublicClient();
  const [deployer, initiator, relayer, outsider] = await viem.getWalletClients();
  assert.ok(
    deployer && initiator && relayer && outsider,
    "Hardhat provides at least four accounts",
  );
  const roundtable = getContract({
    address,
    abi: roundtableAbi,
    client: { public: publicClient, wallet: deployer },
  });
  return {
    connection,
    roundtable,
    publicClient,
    chainId: await publicClient.getChainId(),
    initiator: getAddress(initiator.account.address),
    relayer: getAddress(relayer.account.address),
    outsider: getAddress(outsider.account.address),
  };
}

/** Gives every party's signer ether, so parties can send their own transactions. */
export async function fund(d: Deployment, parties: readonly Party[]): Promise<void> {
  for (const party of parties)
    await d.connection.networkHelpers.setBalance(party.signer.address, FUNDS);
}

/** Waits for a transaction and fails unless it succeeded. */
export async function mined(
  d: Deployment,
  hash: Hash | Promise<Hash>,
): Promise<TransactionReceipt> {
  const receipt = await d.publicClient.waitForTransactionReceipt({ hash: await hash });
  assert.equal(receipt.status, "success", `transaction ${receipt.transactionHash} reverted`);
  return receipt;
}

/** The timestamp of the block that included `receipt`. */
export async function blockTime(d: Deployment, receipt: TransactionReceipt): Promise<bigint> {
  return (await d.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
}

/** The parties of `config`, in its order, taken from `known` (which may hold more). */
export function partiesOf(config: SessionConfig, known: readonly Party[]): Party[] {
  return config.parties.map((address) => {
    const party = known.find((p) => p.address.toLowerCase() === address.toLowerCase());
    assert.ok(party, `no known party for ${address}`);
    return party;
  });
}

/** The addresses of `parties`, sorted as a configuration needs them. */
export function addressesOf(parties: readonly Party[]): Address[] {
  return [...parties].sort(byAddress).map((p) => p.address);
}

/** Creates a session from `from` (the initiator by default) and reads its id and hash from `SessionCreated`. */
export async function createSession(
  d: Deployment,
  config: SessionConfig,
  known: readonly Party[],
  from: Address = d.initiator,
): Promise<Session> {
  const receipt = await mined(d, d.roundtable.write.createSession([config], { account: from }));
  const [created] = parseEventLogs({
    abi: roundtableAbi,
    logs: receipt.logs,
    eventName: "SessionCreated",
  });
  assert.ok(created, "createSession emitted SessionCreated");
  return {
    id: created.args.sessionId,
    chainId: d.chainId,
    contract: d.roundtable.address,
    configHash: created.args.configHash,
    config,
    parties: partiesOf(config, known),
    createdAt: await blockTime(d, receipt),
    receipt,
  };
}

export function partyAt(session: Session, index: number): Party {
  const party = session.parties[index];
  assert.ok(party, `session ${session.id} has no party ${index}`);
  return party;
}

// ─────────────────────────────────────────────────────── unsigned actions

const none = { round: 0, accused: 0, word: zeroHash, data: "0x" } as const;

/**
 * The proof that `party` holds its encryption key, bound to `session` and that party's slot; made
 * with the party's own secret unless `secretKey` is given.
 */
export function keyProofFor(session: Session, party: number, secretKey?: Uint8Array): Hex {
  return keyProofOf(
    { chainId: session.chainId, contract: session.contract, sessionId: session.id, party },
    secretKey ?? partyAt(session, party).encryptionSecret,
  );
}

/** What an acceptance may override: by default the party's own key, its proof, and no delegate. */
export type AcceptOverrides = {
  configHash?: Hex;
  encryptionKey?: Hex;
  keyProof?: Hex;
  delegate?: Address;
};

/** The arguments of a direct `accept` by `party`. */
export function acceptArgs(
  session: Session,
  party: number,
  overrides: AcceptOverrides = {},
): readonly [bigint, number, Hex, Hex, Hex, Address] {
  return [
    session.id,
    party,
    overrides.configHash ?? session.configHash,
    overrides.encryptionKey ?? partyAt(session, party).encryptionKey,
    overrides.keyProof ?? keyProofFor(session, party),
    overrides.delegate ?? zeroAddress,
  ];
}

export function acceptAction(
  session: Session,
  party: number,
  overrides: AcceptOverrides = {},
): UnsignedAction {
  const [, , configHash, encryptionKey, keyProof, delegate] = acceptArgs(session, party, overrides);
  return {
    ...none,
    action: ActionType.Accept,
    sessionId: session.id,
    party,
    word: configHash,
    data: encodeAcceptData({ encryptionKey, keyProof, delegate }),
  };
}

export function commitAction(
  sessionId: bigint,
  party: number,
  round: number,
  commitment: Hex,
): UnsignedAction {
  return { ...none, action: ActionType.Commit, sessionId, party, round, word: commitment };
}

export function submitAction(
  sessionId: bigint,
  party: number,
  round: number,
  payload: Hex,
): UnsignedAction {
  return { ...none, action: ActionType.Submit, sessionId, party, round, data: payload };
}

export function complainAction(
  sessionId: bigint,
  party: number,
  round: number,
  accused: number,
  evidence: Hex,
): UnsignedAction {
  return { ...none, action: ActionType.Complain, sessionId, party, round, accused, data: evidence };
}

/** `action` signed by `party`'s signer for this deployment (chain and contract). */
export function sign(d: Deployment, party: Party, action: UnsignedAction): Promise<SignedAction> {
  return signAction({
    account: party.signer,
    chainId: d.chainId,
    contract: d.roundtable.address,
    action,
  });
}

/** `action` signed by the party it names. */
export function signFor(
  d: Deployment,
  session: Session,
  action: UnsignedAction,
): Promise<SignedAction> {
  return sign(d, partyAt(session, action.party), action);
}

// ──────────────────────────────────────────────────────── direct actions

/** The party sends its own `accept` (an EOA party). */
export function acceptDirect(
  d: Deployment,
  session: Session,
  party: number,
  overrides: AcceptOverrides = {},
): Promise<TransactionReceipt> {
  return mined(
    d,
    d.roundtable.write.accept(acceptArgs(session, party, overrides), {
      account: partyAt(session, party).signer,
    }),
  );
}

export function commitDirect(
  d: Deployment,
  session: Session,
  party: number,
  round: number,
  commitment: Hex,
): Promise<TransactionReceipt> {
  const { signer } = partyAt(session, party);
  return mined(
    d,
    d.roundtable.write.commit([session.id, party, round, commitment], { account: signer }),
  );
}

export function submitDirect(
  d: Deployment,
  session: Session,
  party: number,
  round: number,
  payload: Hex,
): Promise<TransactionReceipt> {
  const { signer } = partyAt(session, party);
  return mined(
    d,
    d.roundtable.write.submit([session.id, party, round, payload], { account: signer }),
  );
}

/** The relayer sends `actions` in one batch. */
export function relay(
  d: Deployment,
  actions: readonly SignedAction[],
): Promise<TransactionReceipt> {
  return mined(d, d.roundtable.write.batch([packBatchItems(actions)], { account: d.relayer }));
}

export function stateOf(d: Deployment, session: Session): Promise<SessionState> {
  return d.roundtable.read.sessionState([session.id]);
}

/** The revert data of a Roundtable custom error, as `ActionRejected` carries it. */
export function roundtableError<N extends ContractErrorName<typeof roundtableAbi>>(
  errorName: N,
  args: ContractErrorArgs<typeof roundtableAbi, N>,
): Hex {
  return encodeErrorResult({ abi: roundtableAbi, errorName, args } as Parameters<
    typeof encodeErrorResult
  >[0]);
}

/** The bitmap with bits `parties` set, as `acted` and `blame` report parties. */
export function bitmap(...parties: number[]): bigint {
  return parties.reduce((bits, p) => bits | (1n << BigInt(p)), 0n);
}

/**
 * How a transaction ended: undefined if it succeeded, else the name of the
 * custom error it reverted with ("" when it reverted without one, such as out of gas).
 */
export async function outcomeOf(d: Deployment, hash: Promise<Hash>): Promise<string | undefined> {
  try {
    await mined(d, hash);
    return undefined;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    return reverted instanceof ContractFunctionRevertedError
      ? (reverted.data?.errorName ?? "")
      : "";
  }
}
