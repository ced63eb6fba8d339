import { type Address, HttpRequestError, TimeoutError, WebSocketRequestError } from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { RoundtableContractError, type RoundtableError, toRoundtableError } from "../sdk/errors.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import type { SignedAction } from "../sdk/types.js";
import { walletCallOverhead } from "./batchGasLimit.js";

/** A contract error as the API shows it: its name and its arguments by name, as strings. */
export type ContractErrorJson = { name: string; args: Record<string, string> };

export type SimulationResult =
  | { ok: true }
  | {
      ok: false;
      kind: "contract";
      error: RoundtableError;
      contractError: ContractErrorJson | undefined;
    }
  | { ok: false; kind: "chain"; error: RoundtableError };

/** A RoundtableContractError's arguments named after the ABI's inputs, as decimal or hex strings. */
export function contractErrorJson(error: RoundtableError): ContractErrorJson | undefined {
  if (!(error instanceof RoundtableContractError)) return undefined;
  const item = roundtableAbi.find(
    (entry) => entry.type === "error" && entry.name === error.errorName,
  );
  const inputs: readonly { name?: string }[] = item && "inputs" in item ? item.inputs : [];
  const values = error.args as readonly unknown[];
  const args: Record<string, string> = {};
  inputs.forEach((input, i) => {
    args[input.name ?? String(i)] = String(values[i]);
  });
  return { name: error.errorName, args };
}

/** The chain did not answer (network, timeout, node error without revert data), as opposed to a revert. */
export function isChainUnavailable(error: RoundtableError): boolean {
  if (error instanceof RoundtableContractError) return false;
  return (
    error.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof WebSocketRequestError,
    ) !== null
  );
}

export type SimulateActionParameters = {
  publicClient: RoundtablePublicClient;
  contract: Address;
  /** The relayer's address: the simulation runs as the transaction it would send. */
  relayer: Address;
  action: SignedAction;
};

/**
 * A batch item's expected gas, for closing batches at the gas budget: a
 * signature check, a storage write or two, an event with the data, calldata,
 * and for a contract wallet's item the allowance it gives the wallet's check
 * with the call around it. Only a heuristic: each batch's gas limit comes from
 * estimating the batch.
 */
export function itemGas(action: SignedAction, walletGas?: number | undefined): number {
  const bytes = (action.data.length - 2) / 2 + (action.signature.length - 2) / 2;
  return (
    60_000 + 40 * bytes + (walletGas === undefined ? 0 : walletGas + Number(walletCallOverhead))
  );
}

/**
 * Simulates `applySigned(action)` from the relayer's address (one
 * `eth_call`), and maps a revert to the SDK's decoded contract error.
 *
 * @example
 * const result = await simulateAction({ publicClient, contract, relayer, action });
 * if (!result.ok && result.kind === "contract") console.log(result.error.shortMessage);
 */
export async function simulateAction({
  publicClient,
  contract,
  relayer,
  action,
}: SimulateActionParameters): Promise<SimulationResult> {
  try {
    await publicClient.simulateContract({
      address: contract,
      abi: roundtableAbi,
      functionName: "applySigned",
      args: [action],
      account: relayer,
    });
    return { ok: true };
  } catch (thrown) {
    const error = toRoundtableError(thrown);
    if (isChainUnavailable(error)) return { ok: false, kind: "chain", error };
    return { ok: false, kind: "contract", error, contractError: contractErrorJson(error) };
  }
}
