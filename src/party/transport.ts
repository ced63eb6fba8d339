// How a party's actions reach the contract. The runner builds each action once, as the SDK's
// UnsignedAction (the same shape a party signs for a relayer), and hands it to a list of
// transports, trying the next when one fails: a relayer that drops or delays a party is then
// bypassed by going direct (threat S3).

import type { Address, Hex } from "viem";
import { acceptSession } from "../sdk/actions/acceptSession.js";
import { fileComplaint } from "../sdk/actions/fileComplaint.js";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { submitCommitment } from "../sdk/actions/submitCommitment.js";
import { submitPayload } from "../sdk/actions/submitPayload.js";
import { decodeAcceptData } from "../sdk/eip712.js";
import { isRoundtableContractError, toRoundtableError } from "../sdk/errors.js";
import { ActionType, type UnsignedAction } from "../sdk/types.js";

/** What a transport did with an action. */
export type TransportReceipt = {
  /** The transaction that recorded it (or, with `alreadyRecorded`, that found it recorded). */
  transactionHash?: Hex;
  /** The slot was already filled by this party: nothing more to send. */
  alreadyRecorded?: boolean;
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
  submit(action: UnsignedAction): Promise<TransportReceipt>;
}

export type CreateDirectTransportParameters = {
  publicClient: RoundtablePublicClient;
  /** The party's own wallet: it sends and pays for the transactions. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
};

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
}: CreateDirectTransportParameters): Transport {
  const base = { publicClient, walletClient, address };
  return {
    name: "direct",
    async submit(action) {
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
): Promise<Delivery> {
  const errors: { transport: string; error: unknown }[] = [];
  for (const transport of transports) {
    try {
      const { transactionHash, alreadyRecorded } = await transport.submit(action);
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
