// A real Safe 1.4.1 on anvil for the Safe-party tests: singleton, proxy factory and fallback
// handler deployed from @safe-global/safe-contracts' published artifacts (no mock), a 2-of-3
// proxy of test owners, and what its owners sign to approve a digest through the Safe's own
// ERC-1271 check.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect } from "chai";
import {
  type Abi,
  type Address,
  concatHex,
  encodeFunctionData,
  getAddress,
  type Hex,
  hashTypedData,
  keccak256,
  parseEventLogs,
  stringToHex,
  zeroAddress,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import type { Anvil } from "../helpers/anvil.js";

type Artifact = { abi: Abi; bytecode: Hex };

/** A published artifact of @safe-global/safe-contracts, by its path under build/artifacts/contracts. */
async function safeArtifact(path: string): Promise<Artifact> {
  const require = createRequire(import.meta.url);
  const root = join(require.resolve("@safe-global/safe-contracts/package.json"), "..");
  return JSON.parse(
    await readFile(join(root, "build/artifacts/contracts", path), "utf8"),
  ) as Artifact;
}

export type TestSafe = {
  address: Address;
  /** The three owners, in ascending address order (the order the Safe wants signatures in). */
  owners: readonly PrivateKeyAccount[];
  /**
   * The owners' approval of `digest`: each one's EIP-712 signature of the Safe's
   * `SafeMessage(bytes message)` in the Safe's domain, concatenated in owner order. Checks first
   * that the Safe's fallback handler computes the same message hash.
   */
  approve(digest: Hex, signers: readonly PrivateKeyAccount[]): Promise<Hex>;
  /**
   * What the Safe did on chain since its creation: its transaction nonce, and its `SignMsg`
   * (a message signed on chain) and `ApproveHash` (an owner's on-chain approval) events.
   */
  onChain(): Promise<{ nonce: bigint; signMsg: number; approveHash: number }>;
};

/** Deploys the Safe contracts on `anvil` (from account 0) and a 2-of-3 Safe of three test owners. */
export async function deployTestSafe(anvil: Anvil): Promise<TestSafe> {
  const publicClient = anvil.publicClient as unknown as RoundtablePublicClient;
  const owners = [1, 2, 3]
    .map((i) => privateKeyToAccount(keccak256(stringToHex(`safe owner ${i}`))))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const deploy = async (artifact: Artifact): Promise<Address> => {
    const hash = await anvil.walletClient(0).deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return getAddress(receipt.contractAddress as Address);
  };
  const singletonArtifact = await safeArtifact("Safe.sol/Safe.json");
  const factoryArtifact = await safeArtifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json");
  const handlerArtifact = await safeArtifact(
    "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json",
  );
  const singleton = await deploy(singletonArtifact);
  const factory = await deploy(factoryArtifact);
  const handler = await deploy(handlerArtifact);
  const initializer = encodeFunctionData({
    abi: singletonArtifact.abi,
    functionName: "setup",
    args: [
      owners.map((o) => o.address),
      2n,
      zeroAddress,
      "0x",
      handler,
      zeroAddress,
      0n,
      zeroAddress,
    ],
  });
  const hash = await anvil.walletClient(0).writeContract({
    address: factory,
    abi: factoryArtifact.abi,
    functionName: "createProxyWithNonce",
    args: [singleton, initializer, 1n],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [created] = parseEventLogs({
    abi: factoryArtifact.abi,
    logs: receipt.logs,
    eventName: "ProxyCreation",
  }) as unknown as { args: { proxy: Address } }[];
  const address = getAddress(created!.args.proxy);
  const createdAt = receipt.blockNumber;

  return {
    address,
    owners,
    async approve(digest, signers) {
      const typed = {
        domain: { chainId: anvil.chain.id, verifyingContract: address },
        types: { SafeMessage: [{ name: "message", type: "bytes" }] },
        primaryType: "SafeMessage",
        message: { message: digest },
      } as const;
      const safeHash = await publicClient.readContract({
        address: handler,
        abi: handlerArtifact.abi,
        functionName: "getMessageHashForSafe",
        args: [address, digest],
      });
      expect(safeHash).to.equal(hashTypedData(typed));
      return concatHex(await Promise.all(signers.map((owner) => owner.signTypedData(typed))));
    },
    async onChain() {
      const nonce = (await publicClient.readContract({
        address,
        abi: singletonArtifact.abi,
        functionName: "nonce",
      })) as bigint;
      const logs = parseEventLogs({
        abi: singletonArtifact.abi,
        logs: await publicClient.getLogs({ address, fromBlock: createdAt, toBlock: "latest" }),
      }) as unknown as { eventName: string }[];
      const count = (name: string) => logs.filter((l) => l.eventName === name).length;
      return { nonce, signMsg: count("SignMsg"), approveHash: count("ApproveHash") };
    },
  };
}
