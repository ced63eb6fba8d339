// A batch transaction's gas limit. The contract reverts a whole batch when an item runs out of
// gas (nothing is lost, its items go out again, but the gas is wasted), so the limit must cover
// what the batch costs at inclusion, which can be more than when it was estimated.

/** Gas added to a batch's estimate: a later item may cost more than at estimation (it may open a phase). */
export const fixedHeadroom = 150_000n;

import { MAX_WALLET_GAS } from "../sdk/batchCall.js";

/** What a wallet's ERC-1271 call costs around the allowance it gives (the call, the query, the answer). */
export const walletCallOverhead = 20_000n;
/** The most the contract gives a wallet's ERC-1271 check (Roundtable.ERC1271_GAS), with the call's overhead. */
export const walletCheckGas = BigInt(MAX_WALLET_GAS) + walletCallOverhead;

/**
 * The allowance a relayer gives a wallet's check that spent `measured` gas when traced at
 * admission: twice that, and 10,000 more, at most the contract's 500,000. Twice covers a check
 * that reads its storage cold at inclusion where the trace found it warm, and any path that
 * costs more for the same signature; a wallet that spends all of it at inclusion (threat R9)
 * then costs the relayer this much, not the most.
 */
export function walletAllowance(measured: number): number {
  return Math.min(MAX_WALLET_GAS, 2 * measured + 10_000);
}

export type BatchGasLimitParameters = {
  /** `eth_estimateGas` of the batch, on the chain as mined. */
  estimate: bigint;
  /**
   * Each item's admission estimate (a stored action's `gas`, its wallet's allowance included) and,
   * for an item a contract wallet's check authorizes, the allowance the item gives it.
   */
  items: readonly { gas: number; walletGas?: number | undefined }[];
  /** 1, or more after a batch reverted whole (out of gas). */
  gasFactor: bigint;
};

/**
 * The larger of the estimate + 10 % and the items' own expected gas, + {@link fixedHeadroom},
 * times `gasFactor`, + each wallet item's allowance and {@link walletCallOverhead}.
 *
 * The estimate runs before the batches still in flight are mined: an item may be cheaper there
 * than at inclusion (an earlier batch opens the phase it acts in), so each item's admission
 * estimate (less the wallet allowance, added apart) is a floor. A wallet's check may be cheap
 * when estimated (at gas price 0, or before the wallet flips its answer) and use its whole
 * allowance when mined: each wallet item gets the whole allowance on top, so that no wallet can
 * make the batch revert (the EOA parties' items with it). Only gas used is paid.
 *
 * @example
 * const gas = batchGasLimit({ estimate: 400_000n, items: [{ gas: 70_000 }], gasFactor: 1n });
 */
export function batchGasLimit({ estimate, items, gasFactor }: BatchGasLimitParameters): bigint {
  let ownGas = 0n;
  let walletGas = 0n;
  for (const item of items) {
    const wallet = item.walletGas === undefined ? 0n : BigInt(item.walletGas) + walletCallOverhead;
    const own = BigInt(item.gas) - wallet;
    ownGas += own > 0n ? own : 0n;
    walletGas += wallet;
  }
  const estimated = estimate + estimate / 10n;
  const base = estimated > ownGas ? estimated : ownGas;
  return (base + fixedHeadroom) * gasFactor + walletGas;
}
