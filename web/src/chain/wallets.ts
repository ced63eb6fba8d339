// Browser wallets, found through EIP-6963 (mipd): every extension announces itself, so the page
// never guesses at `window.ethereum`. A wallet only signs (the acceptance, a session it creates,
// and any transaction it is asked to pay for); the page reads the chain through its own providers.

import { createStore, type EIP1193Provider, type EIP6963ProviderDetail } from "mipd";
import { useEffect, useState } from "preact/hooks";
import { type Address, createWalletClient, custom, getAddress, type Hex } from "viem";
import type { RoundtableWalletClient } from "../../../src/sdk/actions/internal.js";
import type { ChainConnection } from "./connection.js";

export type { EIP6963ProviderDetail };

const store = typeof window === "undefined" ? undefined : createStore();

/** The wallets announced so far, updated as more announce themselves. */
export function useWallets(): readonly EIP6963ProviderDetail[] {
  const [wallets, setWallets] = useState(() => store?.getProviders() ?? []);
  useEffect(() => store?.subscribe((providers) => setWallets([...providers])), []);
  return wallets;
}

/** A wallet's refusal or failure, as a person reads it. EIP-1193 codes, then the wallet's own words. */
export function walletErrorText(error: unknown, doing: string): string {
  const e = error as {
    code?: number;
    cause?: { code?: number };
    shortMessage?: string;
    message?: string;
  };
  const code = e?.code ?? e?.cause?.code;
  if (code === 4001)
    return `You declined ${doing} in your wallet. Nothing was sent; you can try again.`;
  if (code === 4100) return `The wallet did not let this page ${doing}: connect the account first.`;
  if (code === 4900 || code === 4901)
    return `The wallet is disconnected from its chain, so it could not ${doing}.`;
  const words = (e?.shortMessage ?? e?.message ?? String(error)).split("\n")[0];
  return `The wallet could not ${doing}: ${words}`;
}

export type ConnectedWallet = {
  detail: EIP6963ProviderDetail;
  provider: EIP1193Provider;
  account: Address;
};

/**
 * Asks the wallet for its account: with its prompt, or `silent`ly for one it already authorized
 * (`eth_accounts`, which never prompts).
 */
export async function connectWallet(
  detail: EIP6963ProviderDetail,
  { silent = false }: { silent?: boolean } = {},
): Promise<ConnectedWallet> {
  const method = silent ? "eth_accounts" : "eth_requestAccounts";
  const accounts = (await detail.provider.request({ method })) as string[];
  const first = accounts[0];
  if (first === undefined) throw new Error("The wallet gave no account.");
  return { detail, provider: detail.provider, account: getAddress(first) };
}

/** The chain the wallet is on now. */
export async function walletChainId(wallet: ConnectedWallet): Promise<number> {
  const id = (await wallet.provider.request({ method: "eth_chainId" })) as Hex;
  return Number(BigInt(id));
}

/** Asks the wallet to switch to the session's chain (a prompt). */
export async function switchWalletChain(wallet: ConnectedWallet, chainId: number): Promise<void> {
  await wallet.provider.request({
    method: "wallet_switchEthereumChain",
    params: [{ chainId: `0x${chainId.toString(16)}` }],
  });
}

/**
 * A viem wallet client over the wallet, for `chain`: viem checks the wallet's chain before every
 * transaction it sends, so a wallet that moved to another chain fails instead of paying there.
 */
export function walletClientFor(
  wallet: ConnectedWallet,
  connection: ChainConnection,
): RoundtableWalletClient {
  return createWalletClient({
    account: wallet.account,
    chain: connection.chain,
    transport: custom(wallet.provider),
    pollingInterval: connection.pollingInterval,
  });
}
