import type { Address, TypedDataDomain } from "viem";
import { ActionType, type UnsignedAction } from "./types.js";

/**
 * The EIP-712 types of every party action, shared by the SDK, the web client
 * and the tests. They mirror the type strings in contracts/Roundtable.sol:
 *   Accept(uint256 sessionId,bytes32 configHash,bytes encryptionKey)
 *   Commit(uint256 sessionId,uint8 round,bytes32 commitment)
 *   Submit(uint256 sessionId,uint8 round,bytes payload)
 *   Complain(uint256 sessionId,uint8 round,uint8 accused,bytes evidence)
 * The domain binds chain and contract; sessionId and round bind the rest, and
 * each (session, round, party) slot can be filled once, so nothing replays.
 */
export const roundtableTypes = {
  Accept: [
    { name: "sessionId", type: "uint256" },
    { name: "configHash", type: "bytes32" },
    { name: "encryptionKey", type: "bytes" },
  ],
  Commit: [
    { name: "sessionId", type: "uint256" },
    { name: "round", type: "uint8" },
    { name: "commitment", type: "bytes32" },
  ],
  Submit: [
    { name: "sessionId", type: "uint256" },
    { name: "round", type: "uint8" },
    { name: "payload", type: "bytes" },
  ],
  Complain: [
    { name: "sessionId", type: "uint256" },
    { name: "round", type: "uint8" },
    { name: "accused", type: "uint8" },
    { name: "evidence", type: "bytes" },
  ],
} as const;

/** The contract's EIP-712 domain (also readable on-chain with `eip712Domain()`, ERC-5267). */
export function roundtableDomain(chainId: number, verifyingContract: Address) {
  return {
    name: "Roundtable",
    version: "1",
    chainId,
    verifyingContract,
  } as const satisfies TypedDataDomain;
}

/**
 * The typed-data message a party signs for `action`, ready for viem's
 * `signTypedData` or `hashTypedData`.
 *
 * @example
 * const typed = actionTypedData(roundtableDomain(31337, contract), action);
 * const signature = await account.signTypedData(typed);
 */
export function actionTypedData(
  domain: ReturnType<typeof roundtableDomain>,
  action: UnsignedAction,
) {
  const { sessionId, round, accused, word, data } = action;
  switch (action.action) {
    case ActionType.Accept:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Accept",
        message: { sessionId, configHash: word, encryptionKey: data },
      } as const;
    case ActionType.Commit:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Commit",
        message: { sessionId, round, commitment: word },
      } as const;
    case ActionType.Submit:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Submit",
        message: { sessionId, round, payload: data },
      } as const;
    case ActionType.Complain:
      return {
        domain,
        types: roundtableTypes,
        primaryType: "Complain",
        message: { sessionId, round, accused, evidence: data },
      } as const;
    default:
      throw new RangeError(
        `Unknown action type ${action.action}: expected 0 (Accept) to 3 (Complain).`,
      );
  }
}
