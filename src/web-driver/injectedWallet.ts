// An EIP-6963 browser wallet driven from Node: an EIP-1193 provider injected into every page of a
// browser context, announced as "Roundtable Test Wallet", whose every request is answered in Node by
// a viem local account (prompts) or by the chain's RPC (reads). No extension and no UI: the caller
// (a test, the demo's `--web` party, the screenshot script) decides what the "user" does. It holds
// a key in memory and signs whatever the page asks: for local chains and throwaway keys only.
//
// API:
//   injectWallet(context, { privateKey, rpcUrl, chainId?, connected? }): Promise<InjectedWallet>
//     call before the page loads; every page of the context (reloads, new tabs) gets the provider
//   wallet.address, wallet.account                    the viem local account that signs
//   wallet.chainId                                    the chain the wallet says it is on
//   wallet.setChainId(n): Promise<void>               pretend to be on chain n; emits chainChanged
//   wallet.rejectNext(method): void                   the next `method` request fails with 4001
//   wallet.setRejectPrompts(on): void                 every prompt (PROMPT_METHODS) fails with 4001
//   wallet.disconnect(): Promise<void>                forget the page's authorisation; emits
//                                                     accountsChanged []
//   wallet.log                                        every request the page made, in order
//   wallet.methods(): string[]                        the methods asked for, in order
//   wallet.calls(method): WalletRequest[]             the requests for one method
//   wallet.sentTransactions: Hash[]                   transactions this wallet actually broadcast
//   wallet.clearLog(): void
// Errors reach the page as Error objects with EIP-1193's `code` and `message` (and `data` when the
// RPC gave one): 4001 user rejected, 4100 unauthorised, 4200 unsupported, -32602 bad params.
import type { BrowserContext } from "playwright-core";
import {
  type Address,
  type Chain,
  createWalletClient,
  defineChain,
  type Hash,
  type Hex,
  http,
  isAddress,
  isAddressEqual,
  isHex,
  type TransactionRequest,
  type TypedDataDefinition,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { pageScript } from "./headlessBrowser.js";

/** The requests a real wallet shows the user, and which `setRejectPrompts(true)` refuses. */
export const PROMPT_METHODS = [
  "eth_requestAccounts",
  "eth_signTypedData_v4",
  "personal_sign",
  "eth_sendTransaction",
  "wallet_switchEthereumChain",
] as const;

export const testWalletInfo = {
  uuid: "6f0e1f4c-2a4e-4d8e-9f43-5b1d2f0c7a01",
  name: "Roundtable Test Wallet",
  rdns: "org.roundtable.testwallet",
  icon: `data:image/svg+xml,${encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#3b5bdb"/></svg>',
  )}`,
} as const;

export type ProviderError = { code: number; message: string; data?: unknown };

export type WalletRequest = {
  method: string;
  params: unknown;
  /** The page that asked (its URL at the time). */
  url: string;
  result?: unknown;
  error?: ProviderError;
};

export type InjectWalletParameters = {
  /** The key that signs; the test's, never a real one. */
  privateKey: Hex;
  /** The local chain's RPC, which every read is forwarded to and every transaction is sent through. */
  rpcUrl: string;
  /** The chain the wallet says it is on at first; omitted: the RPC's own chain id. */
  chainId?: number;
  /** True: the page is already authorised, so `eth_accounts` answers before `eth_requestAccounts`. */
  connected?: boolean;
};

export type InjectedWallet = {
  readonly address: Address;
  readonly account: PrivateKeyAccount;
  readonly chainId: number;
  setChainId(chainId: number): Promise<void>;
  rejectNext(method: string): void;
  setRejectPrompts(reject: boolean): void;
  disconnect(): Promise<void>;
  readonly log: readonly WalletRequest[];
  methods(): string[];
  calls(method: string): WalletRequest[];
  readonly sentTransactions: readonly Hash[];
  clearLog(): void;
};

/** An error the handler throws on purpose; it crosses to the page with its code. */
class WalletError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const userRejected = () => new WalletError(4001, "User rejected the request.");

let injectedWallets = 0;

/** Injects the test wallet into every page of `context`. Call it before the first `goto`. */
export async function injectWallet(
  context: BrowserContext,
  { privateKey, rpcUrl, chainId, connected = false }: InjectWalletParameters,
): Promise<InjectedWallet> {
  const account = privateKeyToAccount(privateKey);
  const rpcChainId = Number(await forwardToRpc(rpcUrl, "eth_chainId", []));
  const rpcChain: Chain = defineChain({
    id: rpcChainId,
    name: "local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const walletClient = createWalletClient({ account, chain: rpcChain, transport: http(rpcUrl) });
  let currentChainId = chainId ?? rpcChainId;
  let authorised = connected;
  let rejectAllPrompts = false;
  const rejectQueue: string[] = [];
  const log: WalletRequest[] = [];
  const sentTransactions: Hash[] = [];
  // Transactions go out one at a time, so two prompts never pick the same nonce.
  let sending: Promise<unknown> = Promise.resolve();

  const id = ++injectedWallets;
  const requestBinding = `__roundtableTestWalletRequest${id}`;
  const emitName = `__roundtableTestWalletEmit${id}`;

  async function emit(event: string, data: unknown): Promise<void> {
    await Promise.all(
      context.pages().map(
        (page) =>
          page
            .evaluate(
              pageScript(
                ({ name, event, data }) => {
                  const target = (window as unknown as Record<string, unknown>)[name];
                  if (typeof target === "function") target(event, data);
                },
                { name: emitName, event, data },
              ),
            )
            .catch(() => undefined), // a page closing or navigating meanwhile misses the event, as it would
      ),
    );
  }

  function shouldReject(method: string): boolean {
    const queued = rejectQueue.indexOf(method);
    if (queued >= 0) {
      rejectQueue.splice(queued, 1);
      return true;
    }
    return rejectAllPrompts && (PROMPT_METHODS as readonly string[]).includes(method);
  }

  function requireAuthorised(method: string): void {
    if (!authorised) {
      throw new WalletError(
        4100,
        `${method}: the page is not connected; call eth_requestAccounts first.`,
      );
    }
  }

  function requireOwnAddress(value: unknown, method: string): void {
    if (typeof value !== "string" || !isAddress(value, { strict: false })) {
      throw new WalletError(
        -32602,
        `${method}: expected the account's address, got ${JSON.stringify(value)}.`,
      );
    }
    if (!isAddressEqual(value, account.address)) {
      throw new WalletError(
        4100,
        `${method}: ${value} is not this wallet's account (${account.address}).`,
      );
    }
  }

  async function handle(method: string, params: unknown): Promise<unknown> {
    const list = Array.isArray(params) ? (params as unknown[]) : [];
    if (shouldReject(method)) throw userRejected();
    switch (method) {
      case "eth_requestAccounts":
        authorised = true;
        return [account.address];
      case "eth_accounts":
        return authorised ? [account.address] : [];
      case "eth_chainId":
        return `0x${currentChainId.toString(16)}`;
      case "net_version":
        return String(currentChainId);
      case "wallet_switchEthereumChain": {
        const requested = (list[0] as { chainId?: unknown } | undefined)?.chainId;
        if (typeof requested !== "string" || !isHex(requested)) {
          throw new WalletError(
            -32602,
            `wallet_switchEthereumChain: expected [{ chainId: "0x…" }], got ${JSON.stringify(params)}.`,
          );
        }
        await setChainId(Number(requested));
        return null;
      }
      case "wallet_addEthereumChain":
        return null;
      case "personal_sign": {
        requireAuthorised(method);
        const [message, address] = list;
        requireOwnAddress(address, method);
        if (typeof message !== "string") {
          throw new WalletError(
            -32602,
            `personal_sign: expected [message, address], got ${JSON.stringify(params)}.`,
          );
        }
        return account.signMessage({ message: isHex(message) ? { raw: message } : message });
      }
      case "eth_signTypedData_v4": {
        requireAuthorised(method);
        const [address, json] = list;
        requireOwnAddress(address, method);
        const typedData = (
          typeof json === "string" ? JSON.parse(json) : json
        ) as TypedDataDefinition;
        const domainChainId = typedData.domain?.chainId;
        // As MetaMask does: a signature for another chain than the wallet's is refused.
        if (domainChainId !== undefined && Number(domainChainId) !== currentChainId) {
          throw new WalletError(
            -32603,
            `eth_signTypedData_v4: the domain's chainId ${domainChainId} is not the wallet's chain ${currentChainId}.`,
          );
        }
        return account.signTypedData(typedData);
      }
      case "eth_sendTransaction": {
        requireAuthorised(method);
        const request = (list[0] ?? {}) as Record<string, unknown>;
        requireOwnAddress(request.from ?? account.address, method);
        if (request.chainId !== undefined && Number(request.chainId) !== currentChainId) {
          throw new WalletError(
            -32603,
            `eth_sendTransaction: the transaction's chainId ${String(request.chainId)} is not the wallet's chain ${currentChainId}.`,
          );
        }
        if (currentChainId !== rpcChainId) {
          throw new WalletError(
            -32603,
            `eth_sendTransaction: the wallet is on chain ${currentChainId}, which the test cannot send on (its RPC serves chain ${rpcChainId}).`,
          );
        }
        const send = sending.then(() => walletClient.sendTransaction(transactionOf(request)));
        sending = send.catch(() => undefined);
        const hash = await send;
        sentTransactions.push(hash);
        return hash;
      }
      default:
        if (method.startsWith("wallet_") || method.startsWith("eth_sign")) {
          throw new WalletError(4200, `The test wallet does not support ${method}.`);
        }
        return forwardToRpc(rpcUrl, method, list);
    }
  }

  async function setChainId(next: number): Promise<void> {
    if (!Number.isSafeInteger(next) || next <= 0)
      throw new Error(`setChainId: ${next} is not a chain id.`);
    if (next === currentChainId) return;
    currentChainId = next;
    await emit("chainChanged", `0x${next.toString(16)}`);
  }

  await context.exposeBinding(requestBinding, async (source, request: unknown) => {
    const { method, params } = (request ?? {}) as { method?: unknown; params?: unknown };
    const entry: WalletRequest = { method: String(method), params, url: source.page?.url() ?? "" };
    log.push(entry);
    try {
      if (typeof method !== "string")
        throw new WalletError(-32600, "Invalid request: expected { method, params }.");
      entry.result = await handle(method, params);
      return { ok: true, result: entry.result };
    } catch (caught) {
      entry.error = providerErrorOf(caught);
      return { ok: false, error: entry.error };
    }
  });
  await context.addInitScript(
    pageScript(installProvider, { requestBinding, emitName, info: testWalletInfo }),
  );

  return {
    address: account.address,
    account,
    get chainId() {
      return currentChainId;
    },
    setChainId,
    rejectNext(method) {
      rejectQueue.push(method);
    },
    setRejectPrompts(reject) {
      rejectAllPrompts = reject;
    },
    async disconnect() {
      authorised = false;
      await emit("accountsChanged", []);
    },
    log,
    methods: () => log.map((entry) => entry.method),
    calls: (method) => log.filter((entry) => entry.method === method),
    sentTransactions,
    clearLog() {
      log.length = 0;
    },
  };
}

/** The page side: an EIP-1193 provider whose requests go to the Node binding, announced per EIP-6963. */
function installProvider({
  requestBinding,
  emitName,
  info,
}: {
  requestBinding: string;
  emitName: string;
  info: typeof testWalletInfo;
}): void {
  type Listener = (data: unknown) => void;
  type Reply =
    | { ok: true; result: unknown }
    | { ok: false; error: { code: number; message: string; data?: unknown } };
  const globals = window as unknown as Record<string, unknown>;
  const listeners = new Map<string, Set<Listener>>();
  const provider = {
    async request(args: { method?: unknown; params?: unknown }): Promise<unknown> {
      const call = globals[requestBinding] as (request: unknown) => Promise<Reply>;
      const reply = await call({ method: args?.method, params: args?.params ?? [] });
      if (reply.ok) return reply.result;
      const error = new Error(reply.error.message) as Error & { code: number; data?: unknown };
      error.code = reply.error.code;
      if (reply.error.data !== undefined) error.data = reply.error.data;
      throw error;
    },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)?.add(listener);
      return provider;
    },
    removeListener(event: string, listener: Listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  Object.defineProperty(window, emitName, {
    value: (event: string, data: unknown) => {
      for (const listener of listeners.get(event) ?? []) {
        try {
          listener(data);
        } catch (error) {
          console.error(error);
        }
      }
    },
  });
  const detail = Object.freeze({ info: Object.freeze({ ...info }), provider });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

/** The transaction the page asked for, in viem's terms: hex quantities become bigints. */
function transactionOf(request: Record<string, unknown>): TransactionRequest & { to?: Address } {
  const quantity = (name: string): bigint | undefined => {
    const value = request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || !isHex(value)) {
      throw new WalletError(
        -32602,
        `eth_sendTransaction: ${name} must be a hex quantity, got ${JSON.stringify(value)}.`,
      );
    }
    return BigInt(value);
  };
  const transaction: Record<string, unknown> = {
    to: request.to ?? undefined,
    data: request.data ?? request.input ?? undefined,
    value: quantity("value"),
    gas: quantity("gas"),
    gasPrice: quantity("gasPrice"),
    maxFeePerGas: quantity("maxFeePerGas"),
    maxPriorityFeePerGas: quantity("maxPriorityFeePerGas"),
    accessList: request.accessList ?? undefined,
  };
  const nonce = quantity("nonce");
  if (nonce !== undefined) transaction.nonce = Number(nonce);
  for (const key of Object.keys(transaction))
    if (transaction[key] === undefined) delete transaction[key];
  return transaction as TransactionRequest & { to?: Address };
}

function providerErrorOf(caught: unknown): ProviderError {
  if (caught instanceof WalletError) {
    return caught.data === undefined
      ? { code: caught.code, message: caught.message }
      : { code: caught.code, message: caught.message, data: caught.data };
  }
  const message =
    caught instanceof Error
      ? ((caught as { shortMessage?: string }).shortMessage ?? caught.message)
      : String(caught);
  return { code: -32603, message };
}

/** One JSON-RPC call that keeps the node's error code, message and data for the page. */
async function forwardToRpc(rpcUrl: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  if (!response.ok)
    throw new WalletError(-32603, `${method}: the RPC answered HTTP ${response.status}.`);
  const body = (await response.json()) as { result?: unknown; error?: ProviderError };
  if (body.error !== undefined)
    throw new WalletError(body.error.code, body.error.message, body.error.data);
  return body.result;
}
