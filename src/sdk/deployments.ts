import type { Address, Hex } from "viem";

/** Where a Roundtable contract lives on one chain, and where log scans start. */
export type DeploymentRecord = {
  chainId: number;
  address: Address;
  /** The block that created the contract: auditors and parties scan logs from here. */
  deploymentBlock: number;
  blockHash: Hex;
  network: string;
  recordedAt: string;
  /**
   * The ThresholdAccountFactory of this Roundtable (`roundtable deploy` deploys it beside it):
   * where `roundtable account` finds the group's accounts. Absent in older records.
   */
  thresholdAccountFactory?: Address;
  /**
   * The ERC-4337 EntryPoint (v0.8) the factory's accounts serve: the canonical one, or one deployed
   * beside Roundtable on a development chain. Absent when there is none (their ERC-4337 path is
   * closed) and in older records.
   */
  entryPoint?: Address;
};

/** The file, relative to the project root, that records the deployment on `chainId`. */
export function deploymentPath(chainId: number): string {
  return `deployments/${chainId}.json`;
}
