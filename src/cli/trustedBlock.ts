// --trusted-block: the block a party or an auditor trusts, from which headers are linked by parent
// hash and proofs checked. "deployment" takes the deployment record's block and hash.
import type { Hex } from "viem";
import type { TrustedBlock } from "../sdk/proofs/headerChain.js";
import { readDeploymentRecord } from "./deploymentRecord.js";
import { CliError, ExitCode, UsageError } from "./errors.js";

/** The --trusted-block option, shared by the commands that read for decisions. */
export const trustedBlockOption = {
  "trusted-block": {
    type: "string",
    valueName: "N:0xHASH|deployment",
    description:
      "prove what the provider serves against a block you trust (its number and hash, or the deployment record's)",
  },
} as const;

/** Parses --trusted-block; undefined when not given. */
export async function resolveTrustedBlock(
  value: string | undefined,
  { chainId, deploymentsDir }: { chainId: number; deploymentsDir: string },
): Promise<TrustedBlock | undefined> {
  if (value === undefined) return undefined;
  if (value === "deployment") {
    const record = await readDeploymentRecord(deploymentsDir, chainId);
    if (record === undefined) {
      throw new CliError({
        message: `--trusted-block deployment needs a deployment record for chain ${chainId} in ${deploymentsDir}. Pass --trusted-block NUMBER:0xHASH instead, with a block you checked yourself.`,
        exitCode: ExitCode.Usage,
      });
    }
    return { number: BigInt(record.deploymentBlock), hash: record.blockHash as Hex };
  }
  const match = /^(\d+):(0x[0-9a-fA-F]{64})$/.exec(value);
  if (match === null) {
    throw new UsageError(
      `Invalid --trusted-block ${JSON.stringify(value)}: expected NUMBER:0xHASH (a block number and its 32-byte hash, such as 1234:0xab…), or "deployment".`,
      "--trusted-block",
    );
  }
  return { number: BigInt(match[1]!), hash: match[2]!.toLowerCase() as Hex };
}
