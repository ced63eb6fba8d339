import type { Address, Hex, LocalAccount } from "viem";
import { actionTypedData, roundtableDomain } from "./eip712.js";
import type { SignedAction, UnsignedAction } from "./types.js";

export type SignActionParameters = {
  /** The party's account (a viem local account; wallets sign the same typed data). */
  account: Pick<LocalAccount, "signTypedData">;
  chainId: number;
  contract: Address;
  action: UnsignedAction;
};

/**
 * Signs a party action (EIP-712) so that anyone, such as a relayer, can submit it.
 *
 * @example
 * const signed = await signAction({ account, chainId, contract, action });
 * await roundtable.write.applySigned([signed]);
 */
export async function signAction({
  account,
  chainId,
  contract,
  action,
}: SignActionParameters): Promise<SignedAction> {
  const signature: Hex = await account.signTypedData(
    actionTypedData(roundtableDomain(chainId, contract), action),
  );
  return { ...action, signature };
}
