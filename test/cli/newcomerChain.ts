// A local chain for CLI tests on anvil (a block per transaction), with Roundtable deployed and
// its deployment recorded in a temporary directory, as `roundtable chain` would leave it.
import { type Address, numberToHex } from "viem";
import { writeDeploymentRecord } from "../../src/cli/deploymentRecord.js";
import { type Anvil, deployRoundtableOnAnvil, startAnvil } from "../helpers/anvil.js";
import { jsonRpc } from "../helpers/jsonRpc.js";
import { tempDir } from "./helpers.js";

export type AnvilTestChain = {
  anvil: Anvil;
  rpcUrl: string;
  contract: Address;
  /** The environment that points the CLI at this chain. */
  env: Record<string, string>;
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
};

/** Starts anvil, deploys Roundtable, gives each of `fund` 100 ETH. */
export async function startAnvilTestChain(fund: readonly Address[]): Promise<AnvilTestChain> {
  const anvil = await startAnvil();
  try {
    const deployed = await deployRoundtableOnAnvil(anvil);
    const block = await anvil.publicClient.getBlock({ blockNumber: deployed.deploymentBlock });
    const deploymentsDir = await tempDir("anvil-deployments");
    await writeDeploymentRecord(deploymentsDir, {
      chainId: anvil.chain.id,
      address: deployed.address,
      deploymentBlock: Number(deployed.deploymentBlock),
      blockHash: block.hash,
      network: "anvil",
      recordedAt: new Date().toISOString(),
    });
    for (const address of fund) {
      await jsonRpc(anvil.rpcUrl, "anvil_setBalance", [address, numberToHex(10n ** 20n)]);
    }
    return {
      anvil,
      rpcUrl: anvil.rpcUrl,
      contract: deployed.address,
      env: { ROUNDTABLE_RPC_URL: anvil.rpcUrl, ROUNDTABLE_DEPLOYMENTS_DIR: deploymentsDir },
      async advance(seconds) {
        await jsonRpc(anvil.rpcUrl, "evm_increaseTime", [numberToHex(seconds)]);
        await jsonRpc(anvil.rpcUrl, "evm_mine", []);
      },
      stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
