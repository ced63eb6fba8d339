// How a party's actions reach the contract. The runner builds each action once, as the SDK's
// UnsignedAction (the same shape a party signs for a relayer), and hands it to a list of
// transports, trying the next when one fails: a relayer that drops or delays a party is then
// bypassed by going direct (threat S3). A party running with a session delegate hands each action
// over already signed (see ActionAuthority): the transports then only carry the signature.

import {
  type Address,
  createWalletClient,
  custom,
  formatEther,
  type Hex,
  type LocalAccount,
} from "viem";
import { acceptSession } from "../sdk/actions/acceptSession.js";
import { fileComplaint } from "../sdk/actions/fileComplaint.js";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { submitCommitment } from "../sdk/actions/submitCommitment.js";
import { submitPayload } from "../sdk/actions/submitPayload.js";
import { submitSignedActions } from "../sdk/actions/submitSignedActions.js";
import { decodeAcceptData } from "../sdk/eip712.js";
import { isRoundtableContractError, RoundtableError, toRoundtableError } from "../sdk/errors.js";
import { ActionType, type UnsignedAction } from "../sdk/types.js";

/** What a transport did with an action. */
export type TransportReceipt = {
  /** The transaction that recorded it (or, with `alreadyRecorded`, that found it recorded). */
  transactionHash?: Hex;
  /** The slot was already filled by this party: nothing more to send. */
  alreadyRecorded?: boolean;
};

/**
 * An action's EIP-712 signature made before it reaches a transport: by the party's session
 * delegate (every round action of a delegated party), or by the party's account for the acceptance
 * that names the delegate (a wallet, a hardware wallet, a Safe's ERC-1271 approval).
 */
export type ActionAuthority = {
  signature: Hex;
  /** The session delegate, which can send the signed action in a transaction of its own (with gas). */
  delegate: LocalAccount;
};

/**
 * Delivers one party action to the contract. `submit` resolves once the action is recorded (or
 * accepted by a courier that promises to record it) and rejects otherwise; it may be called again
 * with the same action after a failure, so delivering twice must be harmless (the contract fills
 * each slot once). A relayed transport signs the action with `signAction` and POSTs it.
 */
export interface Transport {
  /** For messages, such as "direct" or "relayer https://…". */
  name: string;
  /** `authority`: the action's signature, made already; without it the transport signs or sends as the party. */
  submit(action: UnsignedAction, authority?: ActionAuthority): Promise<TransportReceipt>;
}

export type CreateDirectTransportParameters = {
  publicClient: RoundtablePublicClient;
  /**
   * The party's own wallet: it sends and pays for the transactions, and for an action signed
   * already (a delegate's) sends it with `applySigned`. Not needed with `payer: "delegate"`.
   */
  walletClient?: RoundtableWalletClient | undefined;
  /** The Roundtable contract. */
  address: Address;
  /**
   * Who sends and pays: the party's wallet, or the session delegate (for signed actions only: it
   * refuses, before sending anything, an action without a delegate, and says so when the
   * delegate has no gas). @default "wallet"
   */
  payer?: "wallet" | "delegate" | undefined;
};

/** Why a direct transport could not even try: no wallet to pay, or a delegate without gas. */
export class DirectTransportError extends RoundtableError {
  override name = "DirectTransportError";
}

/**
 * A transport that sends each action as the party's own transaction, through the SDK actions.
 * @example
 * ```ts
 * const direct = createDirectTransport({ publicClient, walletClient, address });
 * await runParty({ ...parameters, transports: [relayer, direct] });
 * ```
 */
export function createDirectTransport({
  publicClient,
  walletClient,
  address,
  payer = "wallet",
}: CreateDirectTransportParameters): Transport {
  return {
    name: payer === "delegate" ? "direct (the delegate pays)" : "direct",
    async submit(action, authority) {
      if (payer === "delegate") {
        if (authority === undefined) {
          throw new DirectTransportError({
            shortMessage: `Party ${action.party}'s action is not signed by its delegate, so the delegate cannot send it.`,
          });
        }
        return sendSigned(
          publicClient,
          await delegateWallet(publicClient, authority.delegate),
          address,
          action,
          authority,
        );
      }
      if (walletClient === undefined) {
        throw new DirectTransportError({
          shortMessage: `No wallet of party ${action.party}'s account was given, so it cannot send the action itself: use a relayer or the delegate's gas.`,
        });
      }
      if (authority !== undefined)
        return sendSigned(publicClient, walletClient, address, action, authority);
      const base = { publicClient, walletClient, address };
      const { sessionId, party, round } = action;
      switch (action.action) {
        case ActionType.Accept: {
          const { transactionHash } = await acceptSession({
            ...base,
            sessionId,
            party,
            configHash: action.word,
            ...decodeAcceptData(action.data),
          });
          return { transactionHash };
        }
        case ActionType.Commit: {
          const { transactionHash } = await submitCommitment({
            ...base,
            sessionId,
            party,
            round,
            commitment: action.word,
          });
          return { transactionHash };
        }
        case ActionType.Submit: {
          const { transactionHash } = await submitPayload({
            ...base,
            sessionId,
            party,
            round,
            payload: action.data,
          });
          return { transactionHash };
        }
        case ActionType.Complain: {
          const { transactionHash } = await fileComplaint({
            ...base,
            sessionId,
            party,
            round,
            accused: action.accused,
            evidence: action.data,
          });
          return { transactionHash };
        }
        default:
          throw new RangeError(
            `Unknown action type ${action.action}: expected 0 (Accept) to 3 (Complain).`,
          );
      }
    },
  };
}

/** Sends an action signed already with `applySigned`, from `sender`, which pays. */
async function sendSigned(
  publicClient: RoundtablePublicClient,
  sender: RoundtableWalletClient,
  address: Address,
  action: UnsignedAction,
  authority: ActionAuthority,
): Promise<TransportReceipt> {
  const { transactionHash } = await submitSignedActions({
    publicClient,
    walletClient: sender,
    address,
    actions: [{ ...action, signature: authority.signature }],
  });
  return { transactionHash };
}

/**
 * The delegate's own wallet, on the chain the reads go to. A delegate with no balance is refused
 * here, with its address, rather than by a node's terse "insufficient funds".
 */
async function delegateWallet(
  publicClient: RoundtablePublicClient,
  delegate: LocalAccount,
): Promise<RoundtableWalletClient> {
  const balance = await publicClient.getBalance({ address: delegate.address });
  if (balance === 0n) {
    throw new DirectTransportError({
      shortMessage: `The session delegate ${delegate.address} has no ETH (balance ${formatEther(balance)}) to pay for its own transaction. Send it a little ETH, deliver through a relayer (--relayer), or let the party's account pay (its key file).`,
    });
  }
  return createWalletClient({
    account: delegate,
    chain: publicClient.chain,
    transport: custom({ request: (args) => publicClient.request(args as never) }),
  });
}

/** What {@link deliver} did. */
export type Delivery =
  | { status: "delivered"; transport: string; transactionHash?: Hex }
  /** The contract already holds this party's action for the slot (a courier got there first). */
  | { status: "already-recorded"; transport: string }
  | { status: "failed"; errors: { transport: string; error: unknown }[] };

/**
 * Tries each transport in order until one delivers. The contract's "already acted" answer counts
 * as delivered: the slot is filled, and this party only ever has one action per slot.
 * @example
 * ```ts
 * const delivery = await deliver([relayer, direct], action);
 * if (delivery.status === "failed") for (const e of delivery.errors) console.warn(e.transport);
 * ```
 */
export async function deliver(
  transports: readonly Transport[],
  action: UnsignedAction,
  authority?: ActionAuthority,
): Promise<Delivery> {
  const errors: { transport: string; error: unknown }[] = [];
  for (const transport of transports) {
    try {
      const { transactionHash, alreadyRecorded } = await transport.submit(action, authority);
      if (alreadyRecorded === true)
        return { status: "already-recorded", transport: transport.name };
      return transactionHash === undefined
        ? { status: "delivered", transport: transport.name }
        : { status: "delivered", transport: transport.name, transactionHash };
    } catch (error) {
      if (isRoundtableContractError(toRoundtableError(error), "RoundtableAlreadyActed")) {
        return { status: "already-recorded", transport: transport.name };
      }
      errors.push({ transport: transport.name, error });
    }
  }
  return { status: "failed", errors };
}
