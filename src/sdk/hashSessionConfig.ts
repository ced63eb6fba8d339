import { encodeAbiParameters, getAbiItem, type Hex, keccak256 } from "viem";
import { roundtableAbi } from "./generated/roundtableAbi.js";
import type { SessionConfig } from "./types.js";

const configParameters = getAbiItem({ abi: roundtableAbi, name: "hashConfig" }).inputs;

/**
 * The configuration hash every party signs to accept: `keccak256(abi.encode(config))`,
 * equal to the contract's `hashConfig`. A party recomputes it from the
 * `SessionCreated` event before accepting, so nobody can show it other parameters.
 */
export function hashSessionConfig(config: SessionConfig): Hex {
  return keccak256(encodeAbiParameters(configParameters, [config]));
}
