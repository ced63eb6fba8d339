import { type Address, type Hash, type Hex, recoverAddress } from "viem";
import { z } from "zod";
import { batchItemProblem } from "../sdk/batchCall.js";
import { ActionType, type SignedAction } from "../sdk/types.js";
import type { WalletStanding } from "./reputation.js";
import type { WalletValidationCheck } from "./traceValidation.js";

const maxUint256 = 2n ** 256n - 1n;
const byteHex = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * The body of `POST /v1/actions`: exactly the SDK's SignedAction with the
 * session id as a decimal string (a uint256 does not fit a JSON number).
 * Unknown keys are refused, so that a typo is an error, not a silent default.
 */
export const actionBodySchema = z.strictObject({
  action: z.int().min(0).max(3),
  sessionId: z
    .string()
    .regex(/^(?:0|[1-9][0-9]{0,77})$/, 'expected a decimal uint256 string such as "7"')
    // Zod runs refinements even after the regex failed: only parse what is all digits.
    .refine(
      (value) => !/^[0-9]+$/.test(value) || BigInt(value) <= maxUint256,
      "expected a value below 2^256",
    ),
  party: z.int().min(0).max(254),
  round: z.int().min(0).max(255),
  accused: z.int().min(0).max(254),
  word: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x followed by 64 hex digits"),
  data: z.string().regex(byteHex, "expected 0x followed by an even number of hex digits"),
  signature: z
    .string()
    .min(4, "expected a non-empty signature")
    .regex(byteHex, "expected 0x followed by an even number of hex digits"),
});

export type ParseActionBodyResult =
  | { ok: true; action: SignedAction }
  | { ok: false; field: string; message: string };

/**
 * Checks a parsed JSON body against {@link actionBodySchema}; a failure names
 * the field and what it expects.
 *
 * @example
 * const parsed = parseActionBody(JSON.parse(text));
 * if (!parsed.ok) return badRequest(parsed.message);
 */
export function parseActionBody(input: unknown): ParseActionBodyResult {
  const result = actionBodySchema.safeParse(input);
  if (!result.success) {
    const [issue] = result.error.issues;
    const keys = issue?.code === "unrecognized_keys" ? issue.keys : [];
    const field = keys.length > 0 ? keys.join(", ") : (issue?.path.join(".") ?? "");
    const what =
      keys.length > 0
        ? `Unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}: the body takes only action, sessionId, party, round, accused, word, data and signature.`
        : field === ""
          ? `Invalid body: ${issue?.message ?? "expected a JSON object"}. Send a signed action as a JSON object (action, sessionId, party, round, accused, word, data, signature).`
          : `Invalid ${field}: ${issue?.message ?? "invalid value"}. Fix the field and send the action again.`;
    return { ok: false, field, message: what };
  }
  const body = result.data;
  // An Accept's data is key (33) | key proof (64) | optional delegate (20): its typed data
  // cannot be built from any other length.
  const dataBytes = (body.data.length - 2) / 2;
  if (body.action === ActionType.Accept && dataBytes !== 97 && dataBytes !== 117) {
    return {
      ok: false,
      field: "data",
      message: `Invalid data: an Accept carries 97 bytes (encryption key and key proof) or 117 (and a delegate), not ${dataBytes}. Build it with encodeAcceptData and send the action again.`,
    };
  }
  const action: SignedAction = {
    action: body.action,
    sessionId: BigInt(body.sessionId),
    party: body.party,
    round: body.round,
    accused: body.accused,
    word: body.word.toLowerCase() as Hex,
    data: body.data.toLowerCase() as Hex,
    signature: body.signature.toLowerCase() as Hex,
  };
  // Every accepted action goes out in a batch: one that the packing cannot carry is refused now.
  const unpackable = batchItemProblem(action);
  if (unpackable !== undefined) {
    return {
      ok: false,
      field: "signature",
      message: `This relayer cannot batch the action: ${unpackable}.`,
    };
  }
  return { ok: true, action };
}

/** The account that owns a slot, and whether it holds code (an ERC-1271 wallet). */
export type SlotOwner = { address: Address; contractWallet: boolean };

/** Finds who owns (sessionId, party); undefined when the session or the party does not exist. */
export type SlotOwners = (sessionId: bigint, party: number) => Promise<SlotOwner | undefined>;

export type CreateSlotOwnersParameters = {
  /** `partiesOf(sessionId)`; throws when the session does not exist or the chain does not answer. */
  readParties(sessionId: bigint): Promise<readonly Address[]>;
  /** Whether `address` holds code. */
  hasCode(address: Address): Promise<boolean>;
  /** How many sessions (and as many addresses) to remember: a session's parties never change. @default 4096 */
  cacheSize?: number | undefined;
};

/**
 * Who owns each slot, from `partiesOf` and `eth_getCode`, remembered in
 * bounded maps (a session's party list never changes, nor, in practice,
 * whether an address holds code).
 *
 * @example
 * const owners = createSlotOwners({ readParties, hasCode });
 * const owner = await owners(7n, 2);
 */
export function createSlotOwners({
  readParties,
  hasCode,
  cacheSize = 4096,
}: CreateSlotOwnersParameters): SlotOwners {
  const parties = new Map<bigint, Promise<readonly Address[]>>();
  const code = new Map<Address, Promise<boolean>>();
  const remember = <K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>) => {
    const cached = map.get(key);
    if (cached !== undefined) return cached;
    if (map.size >= cacheSize) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    const promise = load();
    map.set(key, promise);
    // A failure (unknown session, chain down) is not remembered.
    promise.catch(() => map.delete(key));
    return promise;
  };
  return async (sessionId, party) => {
    let list: readonly Address[];
    try {
      list = await remember(parties, sessionId, () => readParties(sessionId));
    } catch (error) {
      if (isRevert(error)) return undefined;
      throw error;
    }
    const address = list[party];
    if (address === undefined) return undefined;
    return { address, contractWallet: await remember(code, address, () => hasCode(address)) };
  };
}

/**
 * The address a 65-byte ECDSA signature over `digest` recovers to, or
 * undefined when it recovers to none. Used to name the signer when the
 * contract refused a signature: the contract's own check (in the
 * simulation) is what decides.
 *
 * @example
 * const signer = await recoverSigner({ digest, signature: action.signature });
 */
export async function recoverSigner({
  digest,
  signature,
}: {
  digest: Hash;
  signature: Hex;
}): Promise<Address | undefined> {
  try {
    return await recoverAddress({ hash: digest, signature });
  } catch {
    return undefined;
  }
}

/** The read reverted, or returned nothing: the session does not exist (the chain did answer). */
function isRevert(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 16; depth++) {
    if (e.name === "ContractFunctionRevertedError" || e.name === "ContractFunctionZeroDataError") {
      return true;
    }
    e = e.cause;
  }
  return false;
}

/** Whether a contract wallet's action may be relayed; a refusal is answered with its status. */
export type ContractWalletVerdict =
  /** `walletGas`: what the wallet's traced check spent, when the wallet was asked. */
  | { ok: true; walletGas?: number | undefined }
  | { ok: false; status: 400 | 403; code: string; message: string }
  | { ok: false; status: 503; code: "chain_unavailable"; message: string };

export type CheckContractWallet = (
  owner: SlotOwner,
  action: SignedAction,
) => Promise<ContractWalletVerdict>;

/**
 * The checks a contract wallet's action passes on top of the simulation (threat R9): the wallet
 * is not banned (reputation.ts), and its ERC-1271 check, traced, reads nothing the wallet does
 * not own (traceValidation.ts). An EOA party's action is not checked here.
 *
 * @example
 * const checkWallet = createContractWalletCheck({ validate, standing: reputation.standing });
 * const verdict = await checkWallet(owner, action);
 */
export function createContractWalletCheck({
  validate,
  standing,
}: {
  validate: WalletValidationCheck;
  standing(wallet: Address): WalletStanding;
}): CheckContractWallet {
  return async (owner, action) => {
    if (!owner.contractWallet) return { ok: true };
    if (standing(owner.address) === "banned") {
      return {
        ok: false,
        status: 403,
        code: "wallet_banned",
        message: `Party ${action.party} of session ${action.sessionId} is the contract wallet ${owner.address}, which this relayer no longer serves: its items passed the relayer's checks and then failed at inclusion. Submit the action yourself (applySigned from any account, or the wallet's own transaction).`,
      };
    }
    const verdict = await validate({ wallet: owner.address, action });
    if (verdict.ok) return { ok: true, walletGas: verdict.gasUsed };
    if (verdict.kind === "chain") {
      return {
        ok: false,
        status: 503,
        code: "chain_unavailable",
        message: `The relayer cannot trace the wallet's check now (${verdict.reason}).`,
      };
    }
    return { ok: false, status: 400, code: "wallet_check_refused", message: verdict.message };
  };
}
