// Fixtures for the SDK tests: a Roundtable contract on Hardhat's in-process chain, parties that are local
// keys behind plain viem wallet clients (as a CLI or browser would have them), and an initiator that is one
// of Hardhat's JSON-RPC accounts, so both kinds of wallet go through the SDK.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { network } from "hardhat";
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  custom,
  type EIP1193RequestFn,
  type Hex,
  hexToBytes,
  keccak256,
  type PublicClient,
  stringToHex,
  zeroHash,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import type { RoundtableWalletClient } from "../../src/sdk/actions/internal.js";
import { submitPayload } from "../../src/sdk/actions/submitPayload.js";
import { proveEncryptionKey } from "../../src/sdk/encryptionKeyProof.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { type RoundSpec, type SessionConfig, SessionKind } from "../../src/sdk/types.js";

export const connection = await network.create();
export const { viem, networkHelpers, provider } = connection;

export const DKG = stringToHex("FROST-DKG", { size: 32 });
export const SIGN = stringToHex("FROST-SIGN", { size: 32 });
export const SUITE = stringToHex("schnorr_FROST", { size: 32 });
export const HOUR = 3600;

/** A party: its local key, a wallet client over the chain's provider, and its encryption key pair. */
export type SdkParty = {
  account: PrivateKeyAccount;
  address: Address;
  walletClient: RoundtableWalletClient;
  /** The encryption key's secret, so the party can prove possession for each session. */
  encryptionSecret: Uint8Array;
  /** The 33-byte compressed public encryption key. */
  encryptionKey: Hex;
};

/** Deterministic per label, so failures (and pinned messages) reproduce. */
function partyAccount(label: string): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(stringToHex(`roundtable sdk test ${label}`)));
}

/** A deterministic encryption secret per label (re-hashed in the rare case it is not a valid scalar). */
export function encryptionSecretOf(label: string): Uint8Array {
  let secret = hexToBytes(keccak256(stringToHex(`roundtable sdk key ${label}`)));
  while (!secp256k1.utils.isValidSecretKey(secret)) secret = hexToBytes(keccak256(secret));
  return secret;
}

/** A real compressed secp256k1 encryption key: the public key of `encryptionSecretOf(label)`. */
export function encryptionKeyOf(label: string): Hex {
  return bytesToHex(secp256k1.getPublicKey(encryptionSecretOf(label), true));
}

/**
 * `party`'s encryption key and its proof of possession for slot `index` of `sessionId` on this
 * contract (zero auxiliary randomness, so runs reproduce); what `acceptSession` takes.
 */
export function keyProofFor(
  deployed: { address: Address; publicClient: { chain: { id: number } } },
  sessionId: bigint,
  index: number,
  party: { encryptionSecret: Uint8Array },
): { encryptionKey: Hex; keyProof: Hex } {
  return proveEncryptionKey({
    chainId: deployed.publicClient.chain.id,
    contract: deployed.address,
    sessionId,
    party: index,
    secretKey: party.encryptionSecret,
    random: (length) => new Uint8Array(length),
  });
}

/** Sorts by address as numbers, the order a session's parties must be in. */
export function byAddress(a: { address: Address }, b: { address: Address }): number {
  return BigInt(a.address) < BigInt(b.address) ? -1 : BigInt(a.address) > BigInt(b.address) ? 1 : 0;
}

export function walletFor(
  account: PrivateKeyAccount,
  chain: PublicClient["chain"],
): RoundtableWalletClient {
  return createWalletClient({ account, chain, transport: custom(provider) });
}

/** A three-round key generation: commit-reveal, plain, agreement. */
export const threeRounds: RoundSpec[] = [
  { duration: HOUR, commitReveal: true },
  { duration: HOUR, commitReveal: false },
  { duration: HOUR, commitReveal: false },
];

export function keyGenerationConfig(
  parties: readonly { address: Address }[],
  overrides: Partial<SessionConfig> = {},
): SessionConfig {
  return {
    kind: SessionKind.KeyGeneration,
    protocol: DKG,
    ciphersuite: SUITE,
    parties: parties.map((p) => p.address),
    threshold: 2,
    rounds: threeRounds,
    acceptanceDuration: HOUR,
    keySession: 0n,
    message: zeroHash,
    params: "0x",
    ...overrides,
  };
}

/** A deployed contract, a public client, the initiator and four funded parties (three are in sessions). */
export async function deployFixture() {
  const contract = await viem.deployContract("Roundtable");
  const publicClient = await viem.getPublicClient();
  const [initiator] = await viem.getWalletClients();
  if (!initiator) throw new Error("Hardhat has no accounts");
  const all: SdkParty[] = [];
  for (const label of ["a", "b", "c", "outsider"]) {
    const account = partyAccount(label);
    await networkHelpers.setBalance(account.address, 10n ** 20n);
    all.push({
      account,
      address: account.address,
      walletClient: walletFor(account, publicClient.chain),
      encryptionSecret: encryptionSecretOf(label),
      encryptionKey: encryptionKeyOf(label),
    });
  }
  const outsider = all.pop() as SdkParty;
  const parties = all.sort(byAddress);
  return { address: contract.address, publicClient, initiator, parties, outsider };
}

export type Deployed = Awaited<ReturnType<typeof deployFixture>>;

/** A three-party key generation created by the initiator, nobody accepted yet. */
export async function createdSessionFixture() {
  const deployed = await networkHelpers.loadFixture(deployFixture);
  const config = keyGenerationConfig(deployed.parties);
  const created = await createSession({
    publicClient: deployed.publicClient,
    walletClient: deployed.initiator,
    address: deployed.address,
    config,
  });
  return { ...deployed, config, ...created };
}

/** Every party accepts `sessionId` directly. */
export async function acceptAll(
  deployed: Deployed,
  sessionId: bigint,
  config: SessionConfig,
): Promise<void> {
  for (const [index, party] of deployed.parties.entries()) {
    await acceptSession({
      publicClient: deployed.publicClient,
      walletClient: party.walletClient,
      address: deployed.address,
      sessionId,
      configHash: hashSessionConfig(config),
      ...keyProofFor(deployed, sessionId, index, party),
    });
  }
}

/** The created session with every party accepted: round 1 (commit-reveal) is open for commitments. */
export async function startedSessionFixture() {
  const created = await networkHelpers.loadFixture(createdSessionFixture);
  await acceptAll(created, created.sessionId, created.config);
  return created;
}

/**
 * A finalized two-party key generation (threshold 2, agreement only) as session 1, for signing sessions
 * to name as their key.
 */
export async function finalizedKeyFixture() {
  const deployed = await networkHelpers.loadFixture(deployFixture);
  const holders = deployed.parties.slice(0, 2);
  const config = keyGenerationConfig(holders, {
    threshold: 2,
    rounds: [{ duration: HOUR, commitReveal: false }],
  });
  const { sessionId } = await createSession({
    publicClient: deployed.publicClient,
    walletClient: deployed.initiator,
    address: deployed.address,
    config,
  });
  await acceptAll({ ...deployed, parties: holders }, sessionId, config);
  const groupKey = encryptionKeyOf("group");
  for (const party of holders) {
    await submitPayload({
      publicClient: deployed.publicClient,
      walletClient: party.walletClient,
      address: deployed.address,
      sessionId,
      round: 1,
      payload: groupKey,
    });
  }
  return { ...deployed, keySession: sessionId, holders };
}

/** A public client over the same chain that records every request, to count and inspect RPC calls. */
export function recordingClient(
  chain: PublicClient["chain"],
  intercept?: (method: string, params: unknown) => void,
): PublicClient {
  const request: EIP1193RequestFn = async (args) => {
    intercept?.(args.method, args.params);
    return provider.request(args as Parameters<typeof provider.request>[0]);
  };
  // No retries: viem would retry a refused range with backoff before the SDK halves the page.
  return createPublicClient({
    chain,
    transport: custom({ request }, { retryCount: 0 }),
    pollingInterval: 20,
  });
}

/** Resolves once `check` holds, polling every 10 ms; fails after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
