import {
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  parseAbi,
  type TransactionReceipt,
  zeroAddress,
} from "viem";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { encryptionKeyOf, encryptionSecretOf, type Party, testAccount } from "./accounts.js";
import { type Deployment, mined } from "./roundtable.js";

/** The parts of contracts/mocks/*.sol the tests call. */
export const walletAbi = parseAbi([
  "function execute(address target, bytes data) returns (bytes)",
  "function arm(address target, bytes reentry, bool swallow)",
  "error MockWalletNotOwner(address sender)",
  "error MockWalletReentryFailed(bytes reason)",
]);

/** A contract-wallet party: its address is the wallet's, its signer the wallet's owner. */
export type WalletParty = Party;

async function deployWallet(
  d: Deployment,
  label: string,
  deploy: (owner: Address) => Promise<{ address: Address }>,
): Promise<WalletParty> {
  const owner = testAccount(`${label}/owner`);
  await d.connection.networkHelpers.setBalance(owner.address, 10n ** 20n);
  const { address } = await deploy(owner.address);
  return {
    address: getAddress(address),
    signer: owner,
    encryptionSecret: encryptionSecretOf(label),
    encryptionKey: encryptionKeyOf(label),
  };
}

/** A well-behaved ERC-1271 wallet owned by an EOA; `verificationGas` makes its signature check that costly. */
export function deployHonestWallet(
  d: Deployment,
  label: string,
  verificationGas = 0n,
): Promise<WalletParty> {
  return deployWallet(d, label, (owner) =>
    d.connection.viem.deployContract("MockERC1271Wallet", [owner, verificationGas]),
  );
}

/** A hostile ERC-1271 wallet that re-enters the Roundtable while its signature is checked. */
export function deployHostileWallet(d: Deployment, label: string): Promise<WalletParty> {
  return deployWallet(d, label, (owner) =>
    d.connection.viem.deployContract("MockReentrantWallet", [owner]),
  );
}

/** The hostile wallet will call the Roundtable with `reentry` from inside `isValidSignature`. */
export async function arm(
  d: Deployment,
  party: WalletParty,
  reentry: Hex,
  swallow: boolean,
): Promise<void> {
  const [client] = await d.connection.viem.getWalletClients();
  await mined(
    d,
    client!.writeContract({
      address: party.address,
      abi: walletAbi,
      functionName: "arm",
      args: [d.roundtable.address, reentry, swallow],
      account: party.signer,
      chain: client!.chain,
    }),
  );
}

/** The wallet's owner makes the wallet itself call the Roundtable with `data` (a direct party action). */
export async function executeAs(
  d: Deployment,
  party: WalletParty,
  data: Hex,
): Promise<TransactionReceipt> {
  const [client] = await d.connection.viem.getWalletClients();
  return mined(
    d,
    client!.writeContract({
      address: party.address,
      abi: walletAbi,
      functionName: "execute",
      args: [d.roundtable.address, data],
      account: party.signer,
      chain: client!.chain,
    }),
  );
}

/** Calldata of a Roundtable `submit`. */
export function submitCalldata(sessionId: bigint, party: number, round: number, payload: Hex): Hex {
  return encodeFunctionData({
    abi: roundtableAbi,
    functionName: "submit",
    args: [sessionId, party, round, payload],
  });
}

/** Calldata of a Roundtable `accept` (no delegate unless one is given). */
export function acceptCalldata(
  sessionId: bigint,
  party: number,
  configHash: Hex,
  key: Hex,
  keyProof: Hex,
  delegate: Address = zeroAddress,
): Hex {
  return encodeFunctionData({
    abi: roundtableAbi,
    functionName: "accept",
    args: [sessionId, party, configHash, key, keyProof, delegate],
  });
}
