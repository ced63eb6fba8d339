import type { ContractFunctionArgs, ContractFunctionReturnType } from "viem";
import type { roundtableAbi } from "./generated/roundtableAbi.js";

/** The whole configuration of a session, exactly as `createSession` takes it. */
export type SessionConfig = ContractFunctionArgs<
  typeof roundtableAbi,
  "nonpayable",
  "createSession"
>[0];

/** One round of a session's schedule. */
export type RoundSpec = SessionConfig["rounds"][number];

/** A party action with its EIP-712 signature, for `applySigned` and `batch`. */
export type SignedAction = ContractFunctionArgs<
  typeof roundtableAbi,
  "nonpayable",
  "applySigned"
>[0];

/** A party action before it is signed. */
export type UnsignedAction = Omit<SignedAction, "signature">;

/** What `sessionState` returns. */
export type SessionState = ContractFunctionReturnType<typeof roundtableAbi, "view", "sessionState">;

// The contract's enums, by name. Their numbers must match IRoundtable.sol's order.
export const SessionKind = { KeyGeneration: 0, Signing: 1 } as const;
export const ActionType = { Accept: 0, Commit: 1, Submit: 2, Complain: 3 } as const;
export const AbortReason = { Expired: 0, Complaint: 1, Disagreement: 2 } as const;
export const Status = { None: 0, Active: 1, Finalized: 2, Aborted: 3, Cancelled: 4 } as const;
export const Phase = {
  None: 0,
  Accepting: 1,
  Committing: 2,
  Revealing: 3,
  Submitting: 4,
  Agreeing: 5,
  Expired: 6,
  Finalized: 7,
  Aborted: 8,
  Cancelled: 9,
} as const;

/** A phase's name from its number, for messages. */
export function phaseName(phase: number): string {
  return (
    Object.keys(Phase).find((name) => Phase[name as keyof typeof Phase] === phase) ?? `#${phase}`
  );
}
