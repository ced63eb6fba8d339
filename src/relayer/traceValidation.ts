import {
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  isAddressEqual,
  keccak256,
} from "viem";
import { MAX_WALLET_GAS } from "../sdk/batchCall.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import type { SignedAction } from "../sdk/types.js";

/**
 * Tracing a contract wallet's ERC-1271 check before relaying its action, as ERC-4337 bundlers
 * trace a user operation's validation (ERC-7562, "validation rules"). A relayer's `eth_call`
 * runs at gas price 0 in the latest block: a wallet whose answer depends on the environment, or
 * on state someone else can change, can answer yes there and no (after burning its whole
 * 500,000-gas allowance) when mined, at the relayer's cost (threat R9). The rules below keep only
 * checks whose answer can change by the wallet's own doing, which reputation then makes it pay
 * for (see reputation.ts).
 *
 * Written here because no maintained library traces ERC-7562 rules in TypeScript over a plain
 * node: bundlers use geth's native `erc7562Tracer` or a JavaScript tracer, neither of which
 * anvil and Hardhat both run. This uses what both run: the default struct logger (opcodes and
 * depth, without stack, memory or storage, so that a trace stays proportional to the gas spent)
 * and `callTracer` (who each frame is), matched frame by frame.
 */

/** Opcodes whose value differs between a relayer's simulation and inclusion, or from block to block (ERC-7562 OP-011, OP-080). */
const environmentOpcodes: Record<string, string> = {
  GASPRICE: "the gas price (0 in eth_call and eth_estimateGas)",
  BASEFEE: "the block's base fee",
  BLOBBASEFEE: "the block's blob base fee",
  BLOBHASH: "the transaction's blob hashes",
  BLOCKHASH: "a block hash",
  NUMBER: "the block number",
  TIMESTAMP: "the block's timestamp",
  COINBASE: "the block's producer",
  PREVRANDAO: "the block's randomness",
  DIFFICULTY: "the block's randomness",
  RANDOM: "the block's randomness",
  GASLIMIT: "the block's gas limit",
  ORIGIN: "the transaction's sender",
  // ERC-7562 forbids BALANCE outright: anyone can change an account's balance.
  BALANCE: "an account's balance",
  CREATE: "a contract creation",
  CREATE2: "a contract creation",
  SELFDESTRUCT: "SELFDESTRUCT",
};
const callOpcodes = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"]);
const frameOpcodes = new Set([...callOpcodes, "CREATE", "CREATE2"]);
const storageOpcodes = new Set(["SLOAD", "SSTORE", "TLOAD", "TSTORE"]);

/** One step of the default struct logger (stack, memory and storage disabled). */
export type StructLog = { op: string; depth: number };
/** One frame of `callTracer`. */
export type CallFrame = {
  type: string;
  to?: Address | undefined;
  gasUsed?: Hex | undefined;
  calls?: CallFrame[] | undefined;
};

export type ValidationViolation = {
  rule: "environment" | "gas" | "foreign-storage" | "self-balance" | "untraceable";
  opcode: string;
  /** The contract whose code (or, for storage, whose storage) the opcode ran in. */
  address: Address;
  /** Whether it ran in the wallet's own code, not in code it called: then the code alone is to blame. */
  inWalletCode: boolean;
  /** What it read, in words. */
  what: string;
};

/**
 * The first step of the wallet's ERC-1271 check (the `STATICCALL` from `contract` to `wallet`,
 * and every frame below it) that breaks the rules, or undefined. Rules:
 * - none of {@link environmentOpcodes} (ERC-7562 OP-011, OP-031, OP-080);
 * - GAS only right before a CALL, CALLCODE, DELEGATECALL or STATICCALL (OP-012): the gas left
 *   varies with what earlier items of a batch warmed;
 * - SELFBALANCE only where the wallet's own storage is the context;
 * - storage (SLOAD, SSTORE, TLOAD, TSTORE) only of the wallet itself, that is, executed with the
 *   wallet's address as the storage context, whatever code runs there (a proxy's DELEGATECALL to
 *   its implementation reads the wallet's storage). This is ERC-7562's "associated storage" rule
 *   (STO-010, STO-021) simplified: no slot of any other contract is allowed, not even slots
 *   derived from the wallet's address (`keccak(wallet ‖ x) + n`), since a signature check needs
 *   none, and any other contract's state can change without the wallet, between check and
 *   inclusion.
 * Not checked (left to reputation): calls to addresses without code (OP-041), EXTCODE* reads.
 */
export function findValidationViolation({
  structLogs,
  callTrace,
  contract,
  wallet,
}: {
  structLogs: readonly StructLog[];
  callTrace: CallFrame;
  contract: Address;
  wallet: Address;
}): ValidationViolation | undefined {
  const first = structLogs[0];
  if (first === undefined) return undefined;
  // One entry per frame being executed: which callTracer frame it is, the next child to match,
  // whose storage it uses, and whether it is the wallet's check or below it.
  type Frame = { frame: CallFrame; nextChild: number; storage: Address; validation: boolean };
  const frames: Frame[] = [
    { frame: callTrace, nextChild: 0, storage: contract, validation: false },
  ];
  let walletDepth = -1;
  for (let i = 0; i < structLogs.length; i++) {
    const step = structLogs[i] as StructLog;
    const level = step.depth - first.depth;
    frames.length = Math.min(frames.length, level + 1);
    const current = frames[level];
    if (current === undefined) {
      return untraceable(wallet, "a frame the call trace does not show");
    }
    const next = structLogs[i + 1];
    if (current.validation) {
      const violation = checkStep(
        step.op,
        next?.op,
        current.storage,
        wallet,
        level === walletDepth,
      );
      if (violation !== undefined) return violation;
    }
    if (!frameOpcodes.has(step.op)) continue;
    // callTracer lists every call, also those that run no code (precompiles, accounts without
    // code), in the order made: the n-th call opcode of a frame is its n-th child.
    const child = current.frame.calls?.[current.nextChild];
    current.nextChild++;
    if (next === undefined || next.depth !== step.depth + 1) continue;
    if (child === undefined || child.to === undefined) {
      return untraceable(wallet, `a ${step.op} the call trace does not show`);
    }
    const entersCheck =
      !current.validation &&
      level === 0 &&
      step.op === "STATICCALL" &&
      isAddressEqual(child.to, wallet) &&
      isAddressEqual(current.storage, contract);
    if (entersCheck) walletDepth = level + 1;
    frames[level + 1] = {
      frame: child,
      nextChild: 0,
      storage:
        step.op === "DELEGATECALL" || step.op === "CALLCODE"
          ? current.storage
          : getAddress(child.to),
      validation: current.validation || entersCheck,
    };
  }
  return undefined;
}

function checkStep(
  op: string,
  nextOp: string | undefined,
  storage: Address,
  wallet: Address,
  inWalletFrame: boolean,
): ValidationViolation | undefined {
  const own = isAddressEqual(storage, wallet);
  const base = { opcode: op, address: storage, inWalletCode: inWalletFrame };
  const what = environmentOpcodes[op];
  if (what !== undefined) return { ...base, rule: "environment", what };
  if (op === "GAS" && (nextOp === undefined || !callOpcodes.has(nextOp))) {
    return { ...base, rule: "gas", what: "the gas left, other than to pass it to a call" };
  }
  if (op === "SELFBALANCE" && !own) {
    return { ...base, rule: "self-balance", what: "the balance of another contract" };
  }
  if (storageOpcodes.has(op) && !own) {
    return { ...base, rule: "foreign-storage", what: `the storage of ${storage}` };
  }
  return undefined;
}

function untraceable(wallet: Address, what: string): ValidationViolation {
  return { rule: "untraceable", opcode: "", address: wallet, inWalletCode: false, what };
}

/** An EIP-1193 `request`, such as a viem client's. */
export type RpcRequest = (args: { method: string; params?: unknown }) => Promise<unknown>;

export type WalletCheckVerdict =
  /** `gasUsed`: what the wallet's check spent (its call frame), when the contract asked the wallet. */
  | { ok: true; gasUsed?: number | undefined }
  | { ok: false; kind: "refused"; violation: ValidationViolation; message: string }
  /** The node did not answer (or cannot trace): nothing is known about the wallet. */
  | { ok: false; kind: "chain"; reason: string };

export type TraceWalletValidationParameters = {
  request: RpcRequest;
  contract: Address;
  /** The relayer's address: the trace runs as the transaction it would send. */
  relayer: Address;
  /** The party's contract wallet. */
  wallet: Address;
  action: SignedAction;
};

/**
 * Traces `applySigned(action)` from the relayer's address at the latest block (the very call
 * the relayer's simulation made), and checks the wallet's part of it against
 * {@link findValidationViolation}. An action whose signature the contract accepts without asking
 * the wallet (a delegate's ECDSA signature) passes: the wallet is not called.
 *
 * @example
 * const verdict = await traceWalletValidation({ request: publicClient.request, contract, relayer, wallet, action });
 * if (!verdict.ok && verdict.kind === "refused") console.log(verdict.message);
 */
export async function traceWalletValidation({
  request,
  contract,
  relayer,
  wallet,
  action,
}: TraceWalletValidationParameters): Promise<WalletCheckVerdict> {
  const call = {
    from: relayer,
    to: contract,
    data: encodeFunctionData({ abi: roundtableAbi, functionName: "applySigned", args: [action] }),
  };
  let structLogs: StructLog[];
  let callTrace: CallFrame;
  try {
    const [opcodes, calls] = await Promise.all([
      request({
        method: "debug_traceCall",
        params: [
          call,
          "latest",
          {
            disableStack: true,
            disableStorage: true,
            disableMemory: true,
            enableMemory: false,
            enableReturnData: false,
            disableReturnData: true,
          },
        ],
      }),
      request({ method: "debug_traceCall", params: [call, "latest", { tracer: "callTracer" }] }),
    ]);
    structLogs = (opcodes as { structLogs?: StructLog[] }).structLogs ?? [];
    callTrace = calls as CallFrame;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
    if (/size limit/i.test(reason)) {
      // A trace too large to read: a check of a few hundred thousand steps of cheap opcodes.
      const violation = untraceable(wallet, "a check too long to trace");
      return {
        ok: false,
        kind: "refused",
        violation,
        message: refusalMessage(action, wallet, violation),
      };
    }
    return { ok: false, kind: "chain", reason };
  }
  const violation = findValidationViolation({ structLogs, callTrace, contract, wallet });
  if (violation === undefined) return { ok: true, gasUsed: walletCheckGasUsed(callTrace, wallet) };
  return {
    ok: false,
    kind: "refused",
    violation,
    message: refusalMessage(action, wallet, violation),
  };
}

/**
 * The gas the wallet's ERC-1271 frame (the contract's STATICCALL to it) spent; undefined when the
 * contract did not ask the wallet. A frame whose gas the node does not say counts as the most.
 */
function walletCheckGasUsed(callTrace: CallFrame, wallet: Address): number | undefined {
  const frame = callTrace.calls?.find(
    (c) => c.type === "STATICCALL" && c.to !== undefined && isAddressEqual(c.to, wallet),
  );
  if (frame === undefined) return undefined;
  let gas = Number.NaN;
  try {
    gas = Number(BigInt(frame.gasUsed ?? "x"));
  } catch {
    // Not a number: the most, below.
  }
  return Number.isSafeInteger(gas) && gas >= 0 ? gas : MAX_WALLET_GAS;
}

function refusalMessage(
  action: SignedAction,
  wallet: Address,
  violation: ValidationViolation,
): string {
  const where = isAddressEqual(violation.address, wallet)
    ? ""
    : ` (in ${violation.address}, called by the wallet)`;
  const step =
    violation.opcode === ""
      ? violation.what
      : `${violation.opcode}, which reads ${violation.what}${where}`;
  return `Party ${action.party} of session ${action.sessionId} is the contract wallet ${wallet}, and its ERC-1271 check uses ${step}. Its answer could change between the relayer's check and inclusion, so this relayer does not pay for it: submit the action yourself (applySigned from any account, or the wallet's own transaction), or use a wallet whose check reads only its own storage and the signature.`;
}

export type WalletValidationCheck = (parameters: {
  wallet: Address;
  action: SignedAction;
}) => Promise<WalletCheckVerdict>;

export type CreateWalletValidationCheckParameters = Omit<
  TraceWalletValidationParameters,
  "wallet" | "action"
> & {
  /** How many refused wallet codes to remember. @default 4096 */
  cacheSize?: number | undefined;
};

/**
 * {@link traceWalletValidation} with refusals remembered by the wallet's code hash: a code that
 * broke a rule in its own frame is refused again without a trace, for every wallet running it
 * (honest wallet code has no such path). A refusal that happened in code the wallet called is
 * remembered for that wallet only (another wallet with the same proxy code may call other code).
 * A pass is not remembered: which path a check takes depends on the action and the signature, so
 * each action is traced.
 *
 * @example
 * const check = createWalletValidationCheck({ request: publicClient.request, contract, relayer });
 * const verdict = await check({ wallet, action });
 */
export function createWalletValidationCheck({
  cacheSize = 4096,
  ...parameters
}: CreateWalletValidationCheckParameters): WalletValidationCheck {
  const refused = new Map<string, ValidationViolation>();
  return async ({ wallet, action }) => {
    let codeHash: Hex;
    try {
      const code = (await parameters.request({
        method: "eth_getCode",
        params: [wallet, "latest"],
      })) as Hex;
      codeHash = keccak256(code);
    } catch (error) {
      return { ok: false, kind: "chain", reason: (error as Error).message?.split("\n")[0] ?? "" };
    }
    const walletKey = `${codeHash}/${wallet.toLowerCase()}`;
    const known = refused.get(codeHash) ?? refused.get(walletKey);
    if (known !== undefined) {
      // Remembered from another wallet with this code: the same step, in this wallet.
      const violation = known.inWalletCode ? { ...known, address: wallet } : known;
      return {
        ok: false,
        kind: "refused",
        violation,
        message: refusalMessage(action, wallet, violation),
      };
    }
    const verdict = await traceWalletValidation({ ...parameters, wallet, action });
    if (!verdict.ok && verdict.kind === "refused" && verdict.violation.rule !== "untraceable") {
      if (refused.size >= cacheSize) {
        const oldest = refused.keys().next();
        if (!oldest.done) refused.delete(oldest.value);
      }
      refused.set(verdict.violation.inWalletCode ? codeHash : walletKey, verdict.violation);
    }
    return verdict;
  };
}
