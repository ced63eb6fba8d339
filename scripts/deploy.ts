// Deploys Roundtable with Hardhat Ignition to the network given by --network,
// prints the address and the deployment block, and records both in
// deployments/<chainId>.json so later tools start their log scans there.
//
//   npm run deploy -- --network sepolia
import { mkdir, writeFile } from "node:fs/promises";
import { network } from "hardhat";
import type { Address, PublicClient } from "viem";
import RoundtableModule from "../ignition/modules/Roundtable.js";
import { type DeploymentRecord, deploymentPath } from "../src/sdk/deployments.js";

const connection = await network.create();
const publicClient = (await connection.viem.getPublicClient()) as PublicClient;
const { roundtable } = await connection.ignition.deploy(RoundtableModule);
const address = roundtable.address as Address;
const deploymentBlock = await findCreationBlock(publicClient, address);
const block = await publicClient.getBlock({ blockNumber: deploymentBlock });
const chainId = await publicClient.getChainId();

const record: DeploymentRecord = {
  chainId,
  address,
  deploymentBlock: Number(deploymentBlock),
  blockHash: block.hash,
  network: connection.networkName,
  recordedAt: new Date().toISOString(),
};
await mkdir("deployments", { recursive: true });
await writeFile(deploymentPath(chainId), `${JSON.stringify(record, null, 2)}\n`);

console.log(`Roundtable deployed on ${connection.networkName} (chain ${chainId})`);
console.log(`  address           ${address}`);
console.log(`  deployment block  ${deploymentBlock} (${block.hash})`);
console.log(`  recorded in       ${deploymentPath(chainId)}`);
await connection.close();

/**
 * The first block at which the contract has code. Ignition may resume an
 * earlier deployment, so the creation block is read from the chain rather than
 * from this run: a binary search over getCode, O(log n) requests.
 */
async function findCreationBlock(client: PublicClient, contract: Address): Promise<bigint> {
  let low = 0n;
  let high = await client.getBlockNumber();
  while (low < high) {
    const middle = (low + high) / 2n;
    const code = await client.getCode({ address: contract, blockNumber: middle });
    if (code && code !== "0x") high = middle;
    else low = middle + 1n;
  }
  return low;
}
