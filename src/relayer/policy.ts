// The operator's policy: what this relayer pays gas for. It relays to one deployment only (the
// contract and chain it was started for), and, when the operator lists them, only to some sessions
// or to sessions of some initiators: anyone can create a session, and every action of its parties
// then costs the relayer gas, so an operator who pays for strangers' sessions should say so.

import type { Address } from "viem";

/** A refusal by policy: answered 403 with this code and message. */
export type PolicyRefusal = { code: string; message: string };

export type ServePolicy = {
  /**
   * Takes the optional `contract` and `chainId` a client may name in its body (so that a relayer
   * for another deployment says so, instead of answering wrong_signer), and removes them from
   * `body`; a refusal when they name another deployment.
   */
  checkTarget(body: unknown): PolicyRefusal | undefined;
  /** A refusal when the operator lists sessions and this one is not among them (no chain read). */
  checkSessionListed(sessionId: bigint): PolicyRefusal | undefined;
  /** A refusal when the operator lists initiators and this existing session's is not among them. */
  checkInitiator(sessionId: bigint): Promise<PolicyRefusal | undefined>;
};

export type CreateServePolicyParameters = {
  chainId: number;
  contract: Address;
  /** Decimal session ids served; undefined serves every session. */
  sessions: readonly string[] | undefined;
  /** Lower-case initiator addresses served; undefined serves every initiator. */
  initiators: readonly string[] | undefined;
  /** `initiatorOf(sessionId)`; throws when the chain does not answer. */
  readInitiator(sessionId: bigint): Promise<Address>;
  /** How many sessions' initiators to remember (they never change). @default 4096 */
  cacheSize?: number | undefined;
};

/**
 * @example
 * const policy = createServePolicy({ chainId, contract, sessions: ["7"], initiators: undefined, readInitiator });
 * const refusal = policy.checkSessionListed(7n) ?? (await policy.checkInitiator(7n));
 */
export function createServePolicy({
  chainId,
  contract,
  sessions,
  initiators,
  readInitiator,
  cacheSize = 4096,
}: CreateServePolicyParameters): ServePolicy {
  const servedSessions = sessions === undefined ? undefined : new Set(sessions);
  const servedInitiators = initiators === undefined ? undefined : new Set(initiators);
  const initiatorCache = new Map<bigint, Address>();
  return {
    checkTarget(body) {
      if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
      const record = body as Record<string, unknown>;
      const named = { contract: record.contract, chainId: record.chainId };
      delete record.contract;
      delete record.chainId;
      const otherContract =
        named.contract !== undefined &&
        (typeof named.contract !== "string" ||
          named.contract.toLowerCase() !== contract.toLowerCase());
      const otherChain = named.chainId !== undefined && named.chainId !== chainId;
      if (!otherContract && !otherChain) return undefined;
      return {
        code: "contract_not_served",
        message: `This relayer serves only the Roundtable contract ${contract} on chain ${chainId}, not ${JSON.stringify(String(named.contract ?? contract)).slice(0, 60)} on chain ${JSON.stringify(String(named.chainId ?? chainId)).slice(0, 30)}. Use a relayer started for that deployment, or submit directly.`,
      };
    },
    checkSessionListed(sessionId) {
      if (servedSessions === undefined || servedSessions.has(sessionId.toString()))
        return undefined;
      return {
        code: "session_not_served",
        message: `This relayer does not serve session ${sessionId}: its operator lists the sessions it pays for (--sessions). Submit the action directly or use another relayer.`,
      };
    },
    async checkInitiator(sessionId) {
      if (servedInitiators === undefined) return undefined;
      let initiator = initiatorCache.get(sessionId);
      if (initiator === undefined) {
        initiator = await readInitiator(sessionId);
        if (initiatorCache.size >= cacheSize) {
          const oldest = initiatorCache.keys().next();
          if (!oldest.done) initiatorCache.delete(oldest.value);
        }
        initiatorCache.set(sessionId, initiator);
      }
      if (servedInitiators.has(initiator.toLowerCase())) return undefined;
      return {
        code: "initiator_not_served",
        message: `This relayer does not serve session ${sessionId}, created by ${initiator}: its operator lists the initiators whose sessions it pays for (--initiators). Submit the action directly or use another relayer.`,
      };
    },
  };
}
