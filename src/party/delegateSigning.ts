// The signatures a delegated party's actions carry: the account's over its acceptance (made by the
// wallet or away from the runner, checked before use), then the session delegate's over every
// later action. The delegate key comes from the store; nothing here keeps or logs it.

import type { Address, Hex } from "viem";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { actionTypedData, roundtableDomain } from "../sdk/eip712.js";
import type { UnsignedAction } from "../sdk/types.js";
import {
  type AcceptanceSigningRequest,
  acceptanceSigningRequest,
  delegateAccount,
} from "./acceptance.js";
import type { PartyError } from "./errors.js";
import type { SessionView } from "./sessionView.js";
import type { ActionAuthority } from "./transport.js";
import type { AcceptanceSummary } from "./types.js";

/**
 * The account's signature over the acceptance: from `signAcceptance` (away from the runner) or
 * the wallet, checked against the account (ECDSA or ERC-1271, at the latest block) before use.
 */
export async function signAcceptance(p: {
  publicClient: RoundtablePublicClient;
  walletClient: RoundtableWalletClient | undefined;
  account: Address;
  /** Signs away from the runner; when undefined, the wallet signs. */
  signAcceptance: ((request: AcceptanceSigningRequest) => Promise<Hex>) | undefined;
  view: SessionView;
  accept: UnsignedAction;
  summary: AcceptanceSummary;
  /** Throws PartyError STOPPED once the run is stopped. */
  throwIfStopped: () => void;
  /** A PartyError REFUSED with this message. */
  refused: (shortMessage: string) => PartyError;
}): Promise<Hex> {
  const { view, accept, account } = p;
  const request = acceptanceSigningRequest(view, account, accept, p.summary);
  const wallet = p.walletClient;
  let signature: Hex;
  if (p.signAcceptance !== undefined) signature = await p.signAcceptance(request);
  else if (wallet !== undefined) {
    signature = await wallet.signTypedData({ account: wallet.account, ...request.typedData });
  } else {
    throw p.refused(
      `Nothing can sign party ${accept.party}'s acceptance of session ${view.sessionId}: give the account's wallet, or a signAcceptance for a signature made elsewhere. Nothing was sent.`,
    );
  }
  p.throwIfStopped();
  const valid = await p.publicClient
    .verifyHash({ address: account, hash: request.digest, signature })
    .catch(() => false);
  if (!valid) {
    throw p.refused(
      `The acceptance signature given is not account ${account}'s over digest ${request.digest} (domain separator ${request.domainSeparator}, struct hash ${request.structHash}): neither its ECDSA signature nor one its ERC-1271 wallet accepts. Nothing was sent; sign that digest with the party's account and run again.`,
    );
  }
  return signature;
}

/**
 * The signature of a round action by this party's delegate, when its acceptance on chain named
 * one. The store must hold that delegate's key; without it the account signs (if a wallet runs).
 */
export async function delegateAuthority(p: {
  view: SessionView;
  action: UnsignedAction;
  /** The stored delegate key of the action's party; read only when its acceptance named one. */
  storedKey: () => Promise<Uint8Array | undefined>;
  /** Whether a wallet of the account runs, to sign instead of a missing delegate. */
  hasWallet: boolean;
  /** A PartyError STORE with this message. */
  storeProblem: (shortMessage: string) => PartyError;
}): Promise<ActionAuthority | undefined> {
  const { view, action } = p;
  const named = view.delegates[action.party];
  if (named === undefined) return undefined;
  const key = await p.storedKey();
  const delegate = key === undefined ? undefined : delegateAccount(key);
  if (delegate !== undefined && delegate.address.toLowerCase() === named.toLowerCase()) {
    const signature = await delegate.signTypedData(
      actionTypedData(roundtableDomain(view.chainId, view.contract), action),
    );
    return { signature, delegate };
  }
  if (p.hasWallet) return undefined;
  throw p.storeProblem(
    `Party ${action.party}'s acceptance of session ${view.sessionId} named delegate ${named}, but the secret store holds ${delegate === undefined ? "no delegate key" : `the key of ${delegate.address}`}, and no wallet of the account is given to sign instead. Run with the store used to accept, or with the account's key file.`,
  );
}
