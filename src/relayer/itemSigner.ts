import { type Address, type Hash, isAddressEqual, zeroAddress } from "viem";
import { ActionType, type SignedAction } from "../sdk/types.js";
import { recoverSigner, type SlotOwner } from "./validateAction.js";

/**
 * Who signs an item, as far as its cost to the relayer goes (threats R9, D1–D4):
 * - `account`: an EOA party, or an account with code whose own key signed (an EIP-7702
 *   account): the contract recovers the account by ECDSA before it would ask any code.
 * - `wallet`: a contract-wallet party's own ERC-1271 signature: traced, limited by reputation,
 *   given a whole allowance in a batch.
 * - `delegate`: a contract-wallet party's round action signed by the delegate its acceptance
 *   named, as the chain records it: the contract recovers it with ECDSA and never calls the
 *   wallet, so it is an ordinary item (no trace, no allowance, no reputation).
 * - `not-delegate`: a round action of a contract-wallet party that named a delegate, not signed
 *   by that delegate. Refused before any simulation: once a wallet named a delegate, this relayer
 *   pays only for the delegate's ECDSA path, not for the wallet's 500,000-gas check (the wallet
 *   may still submit its own signature with applySigned).
 */
export type ItemSigner =
  | { kind: "account" }
  | { kind: "wallet"; wallet: Address }
  | { kind: "delegate"; wallet: Address; delegate: Address }
  | { kind: "not-delegate"; wallet: Address; delegate: Address; recovered: Address | undefined };

export type ClassifyItemSigner = (
  owner: SlotOwner,
  action: SignedAction,
  digest: Hash,
) => Promise<ItemSigner>;

export type CreateItemSignerClassifierParameters = {
  /** `delegateOf(sessionId, party)` on chain (zero address for none); throws when the chain does not answer. */
  readDelegate(sessionId: bigint, party: number): Promise<Address>;
  /** How many recorded delegates to remember. @default 4096 */
  cacheSize?: number | undefined;
};

/**
 * Classifies items by signer (see {@link ItemSigner}). A delegate, once the chain records it, is
 * remembered (an acceptance happens once per party and session); a signature that does not match
 * the remembered one is checked against a fresh read before it is called wrong, so a reorg that
 * replaced the acceptance cannot make honest items refused. No record (zero) is never remembered.
 *
 * @example
 * const classify = createItemSignerClassifier({ readDelegate });
 * const signer = await classify(owner, action, digest);
 */
export function createItemSignerClassifier({
  readDelegate,
  cacheSize = 4096,
}: CreateItemSignerClassifierParameters): ClassifyItemSigner {
  const delegates = new Map<string, Address>();
  const delegateOf = async (action: SignedAction, fresh: boolean): Promise<Address> => {
    const key = `${action.sessionId}/${action.party}`;
    const known = fresh ? undefined : delegates.get(key);
    if (known !== undefined) return known;
    const read = await readDelegate(action.sessionId, action.party);
    if (isAddressEqual(read, zeroAddress)) {
      delegates.delete(key);
      return read;
    }
    if (!delegates.has(key) && delegates.size >= cacheSize) {
      const oldest = delegates.keys().next();
      if (!oldest.done) delegates.delete(oldest.value);
    }
    delegates.set(key, read);
    return read;
  };
  return async (owner, action, digest) => {
    if (!owner.contractWallet) return { kind: "account" };
    const wallet = owner.address;
    // Only an ECDSA-sized signature can be the account's own or the delegate's (a Safe's owners
    // sign 65 bytes each).
    const bytes = (action.signature.length - 2) / 2;
    const recovered =
      bytes === 64 || bytes === 65
        ? await recoverSigner({ digest, signature: action.signature })
        : undefined;
    if (recovered !== undefined && isAddressEqual(recovered, wallet)) return { kind: "account" };
    // Only the account accepts (the contract asks the wallet): an acceptance is the wallet's own.
    if (action.action === ActionType.Accept) return { kind: "wallet", wallet };
    let delegate = await delegateOf(action, false);
    if (isAddressEqual(delegate, zeroAddress)) return { kind: "wallet", wallet };
    if (recovered !== undefined && isAddressEqual(recovered, delegate)) {
      return { kind: "delegate", wallet, delegate };
    }
    delegate = await delegateOf(action, true);
    if (isAddressEqual(delegate, zeroAddress)) return { kind: "wallet", wallet };
    if (recovered !== undefined && isAddressEqual(recovered, delegate)) {
      return { kind: "delegate", wallet, delegate };
    }
    return { kind: "not-delegate", wallet, delegate, recovered };
  };
}
