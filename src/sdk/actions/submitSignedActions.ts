import type { Address, Hash } from "viem";
import { packBatchItems } from "../batchCall.js";
import {
  decodeRoundtableError,
  type RoundtableError,
  type RoundtableErrorType,
  RoundtableInputError,
  toRoundtableError,
} from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import type { SignedAction } from "../types.js";
import {
  assertAddress,
  assertWalletAccount,
  type RoundtablePublicClient,
  type RoundtableReceipt,
  type RoundtableWalletClient,
  waitForRoundtableReceipt,
  writeWithHeadroom,
} from "./internal.js";

export type SubmitSignedActionsParameters = {
  publicClient: RoundtablePublicClient;
  /** Any wallet: the sender pays the gas but cannot alter what the parties signed. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  /** Actions signed by their parties (see `signAction`). One is sent with `applySigned`, several with `batch`. */
  actions: readonly SignedAction[];
  /** A gas limit for the transaction; estimated when omitted. A batch with too little gas reverts whole. */
  gas?: bigint | undefined;
};

/** What became of one signed action, by its position in `actions`. */
export type SignedActionOutcome = {
  item: number;
  sessionId: bigint;
  party: number;
} & (
  | { status: "applied" }
  /** Already recorded (its party went direct first, or another relayer was quicker): nothing to do. */
  | { status: "skipped" }
  /** Refused by the contract; `error` is usually a `RoundtableContractError` with the reason. */
  | { status: "rejected"; error: RoundtableError }
);

export type SubmitSignedActionsReturnType = RoundtableReceipt & {
  outcomes: SignedActionOutcome[];
};

export type SubmitSignedActionsErrorType = RoundtableErrorType;

/**
 * Sends actions that their parties signed, so that parties need no gas. One
 * action goes through `applySigned`, which reverts on any failure (thrown as
 * an error); several go through `batch`, where an item already recorded is
 * skipped and an invalid item rejected without undoing the others: the
 * outcome of each is read from the receipt's `ActionSkipped` and
 * `ActionRejected` events.
 *
 * @example
 * const signed = await signAction({ account, chainId, contract: address, action });
 * const { outcomes } = await submitSignedActions({ publicClient, walletClient, address, actions: [signed, other] });
 * for (const o of outcomes) if (o.status === "rejected") console.warn(o.item, o.error.shortMessage);
 */
export async function submitSignedActions({
  publicClient,
  walletClient,
  address,
  actions,
  gas,
}: SubmitSignedActionsParameters): Promise<SubmitSignedActionsReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    if (!Array.isArray(actions) || actions.length === 0) {
      throw new RoundtableInputError({
        parameter: "actions",
        shortMessage:
          "Invalid actions: expected at least one signed action (an array of SignedAction, as signAction returns).",
      });
    }
    const options = {
      address,
      abi: roundtableAbi,
      account: walletClient.account,
      ...(gas ? { gas } : {}),
    };
    const [first] = actions;
    let hash: Hash;
    if (actions.length === 1 && first) {
      const { request } = await publicClient.simulateContract({
        ...options,
        functionName: "applySigned",
        args: [first],
      });
      hash = await writeWithHeadroom(publicClient, walletClient, request);
    } else {
      const { request } = await publicClient.simulateContract({
        ...options,
        functionName: "batch",
        args: [packBatchItems(actions)],
      });
      hash = await writeWithHeadroom(publicClient, walletClient, request);
    }
    const receipt = await waitForRoundtableReceipt(publicClient, address, hash);
    const outcomes: SignedActionOutcome[] = actions.map((action, item) => ({
      item,
      sessionId: action.sessionId,
      party: action.party,
      status: "applied",
    }));
    for (const event of receipt.events) {
      if (event.eventName === "ActionSkipped") {
        const item = Number(event.args.item);
        outcomes[item] = {
          item,
          sessionId: event.args.sessionId,
          party: event.args.party,
          status: "skipped",
        };
      } else if (event.eventName === "ActionRejected") {
        const item = Number(event.args.item);
        outcomes[item] = {
          item,
          sessionId: event.args.sessionId,
          party: event.args.party,
          status: "rejected",
          error: decodeRoundtableError(event.args.reason, undefined, [`Batch item: ${item}`]),
        };
      }
    }
    return { ...receipt, outcomes };
  } catch (err) {
    throw toRoundtableError(err);
  }
}
