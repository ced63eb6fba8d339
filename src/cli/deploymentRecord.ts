import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { isAddress, isHex } from "viem";
import type { DeploymentRecord } from "../sdk/deployments.js";
import { CliError, ExitCode } from "./errors.js";

/** The record file of `chainId` in `directory`, named as scripts/deploy.ts names it. */
export function deploymentFile(directory: string, chainId: number): string {
  return join(directory, `${chainId}.json`);
}

/** The recorded deployment on `chainId`, or undefined when there is no record. */
export async function readDeploymentRecord(
  directory: string,
  chainId: number,
): Promise<DeploymentRecord | undefined> {
  const path = deploymentFile(directory, chainId);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError({
      message: `Cannot read the deployment record ${path}: ${(error as Error).message}. Fix its permissions, or pass --contract.`,
      exitCode: ExitCode.Usage,
    });
  }
  let record: Partial<DeploymentRecord>;
  try {
    record = JSON.parse(text) as Partial<DeploymentRecord>;
  } catch {
    record = {};
  }
  if (
    record.chainId !== chainId ||
    typeof record.address !== "string" ||
    !isAddress(record.address, { strict: false }) ||
    typeof record.deploymentBlock !== "number" ||
    typeof record.blockHash !== "string" ||
    !isHex(record.blockHash) ||
    (record.thresholdAccountFactory !== undefined &&
      (typeof record.thresholdAccountFactory !== "string" ||
        !isAddress(record.thresholdAccountFactory, { strict: false }))) ||
    (record.entryPoint !== undefined &&
      (typeof record.entryPoint !== "string" || !isAddress(record.entryPoint, { strict: false })))
  ) {
    throw new CliError({
      message: `The deployment record ${path} is not a record of chain ${chainId} (chainId, address, deploymentBlock, blockHash). Restore it from git, redeploy, or pass --contract.`,
      exitCode: ExitCode.Usage,
    });
  }
  return record as DeploymentRecord;
}

/** Writes the record (through a temporary file and a rename, so a reader never sees half of it). */
export async function writeDeploymentRecord(
  directory: string,
  record: DeploymentRecord,
): Promise<string> {
  await mkdir(directory, { recursive: true });
  const path = deploymentFile(directory, record.chainId);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, path);
  return path;
}
