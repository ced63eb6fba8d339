// A batch transaction's gas limit. The contract reverts a whole batch when an item runs out of
// gas (nothing is lost, its items go out again, but the gas is wasted), so the limit must cover
// what the batch costs at inclusion, which can be more than when it was estimated.

/** Gas added to a batch's estimate: a later item may cost more than at estimation (it may open a phase). */
export const fixedHeadroom = 150_000n;

/** What the contract gives a wallet's ERC-1271 check (Roundtable.ERC1271_GAS), with its call's overhead. */
export const walletCheckGas = 520_000n;

export type BatchGasLimitParameters = {
  /** `eth_estimateGas` of the batch, on the chain as mined. */
  estimate: bigint;
  /** Each item's admission estimate (a stored action's `gas`) and whether it needs a wallet's check. */
  items: readonly { gas: number; wallet: boolean }[];
  /** 1, or more after a batch reverted whole (out of gas). */
  gasFactor: bigint;
};

/**
 * The larger of the estimate + 10 % and the items' own expected gas, + {@link fixedHeadroom},
 * times `gasFactor`, + {@link walletCheckGas} per wallet item.
 *
 * The estimate runs before the batches still in flight are mined: an item may be cheaper there
 * than at inclusion (an earlier batch opens the phase it acts in), so each item's admission
 * estimate (less the wallet allowance, added apart) is a floor. A wallet's check may be cheap
 * when estimated (at gas price 0, or before the wallet flips its answer) and use its whole
 * allowance when mined: each wallet item gets the whole allowance on top, so that no wallet can
 * make the batch revert (the EOA parties' items with it). Only gas used is paid.
 *
 * @example
 * const gas = batchGasLimit({ estimate: 400_000n, items: [{ gas: 70_000, wallet: false }], gasFactor: 1n });
 */
export function batchGasLimit({ estimate, items, gasFactor }: BatchGasLimitParameters): bigint {
  let ownGas = 0n;
  let walletItems = 0n;
  for (const item of items) {
    const own = BigInt(item.gas) - (item.wallet ? walletCheckGas : 0n);
    ownGas += own > 0n ? own : 0n;
    if (item.wallet) walletItems++;
  }
  const estimated = estimate + estimate / 10n;
  const base = estimated > ownGas ? estimated : ownGas;
  return (base + fixedHeadroom) * gasFactor + walletCheckGas * walletItems;
}
