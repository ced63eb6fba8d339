import type { Address, Hash } from "viem";
import { createRateLimiter } from "./rateLimit.js";
import type { WalletReputation } from "./reputation.js";

/**
 * What the relayer may lose, per hour, to contract wallets that have not landed an item yet.
 *
 * Reputation bans a wallet at its first failure, but a fresh wallet is cheap: an EIP-1167 clone
 * of a wallet whose honest check is costly earns a large allowance from its trace, and a switch
 * all the clones watch can make every one burn it at inclusion. Per wallet, nothing is left to
 * ban. So the allowances of unproven wallets' items are charged to one budget (a token bucket in
 * gas, refilled over the hour): an attacker can waste at most that much an hour however many
 * wallets it makes, and honest EOA parties and proven wallets never wait for it. An item that
 * lands, or is never sent, gives its charge back: the budget measures gas at risk, not honest
 * newcomers.
 */
export type UnprovenWalletBudget = {
  /**
   * Charges `walletGas` for action `id` of `wallet` when the wallet has no landed item here.
   * `ok` for a proven wallet (nothing charged); otherwise the wait until the budget holds it, or
   * `never` when it cannot (the budget is 0, or smaller than the allowance).
   */
  charge(
    id: Hash,
    wallet: Address,
    walletGas: number,
    now?: number,
  ): { ok: true } | { ok: false; retryAfterMs: number } | { ok: false; never: true };
  /** Gives back what `id` was charged, if anything: it landed, or it was not sent. */
  refund(id: Hash, now?: number): void;
};

export type CreateUnprovenWalletBudgetParameters = {
  /** Gas of allowances an hour (also the most at once); 0 relays no unproven wallet. */
  gasPerHour: number;
  reputation: Pick<WalletReputation, "record">;
  /** Most charges remembered for refunds; the oldest is forgotten first. @default 100_000 */
  maxCharges?: number | undefined;
};

/**
 * @example
 * const budget = createUnprovenWalletBudget({ gasPerHour: 2_000_000, reputation });
 * const charged = budget.charge(id, wallet, 30_000);
 * if (!charged.ok) refuse(charged);
 */
export function createUnprovenWalletBudget({
  gasPerHour,
  reputation,
  maxCharges = 100_000,
}: CreateUnprovenWalletBudgetParameters): UnprovenWalletBudget {
  const bucket = createRateLimiter({ rate: gasPerHour / 3600, burst: gasPerHour, maxKeys: 1 });
  const charged = new Map<Hash, number>();
  const key = "unproven";
  return {
    charge(id, wallet, walletGas, now = Date.now()) {
      if (reputation.record(wallet).included > 0) return { ok: true };
      if (walletGas > gasPerHour) return { ok: false, never: true };
      const taken = bucket.take(key, now, walletGas);
      if (!taken.ok) return taken;
      charged.set(id, (charged.get(id) ?? 0) + walletGas);
      if (charged.size > maxCharges) {
        const oldest = charged.keys().next();
        if (!oldest.done) charged.delete(oldest.value);
      }
      return { ok: true };
    },
    refund(id, now = Date.now()) {
      const gas = charged.get(id);
      if (gas === undefined) return;
      charged.delete(id);
      bucket.refund(key, gas, now);
    },
  };
}
