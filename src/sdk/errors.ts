import {
  type Address,
  BaseError,
  type ContractErrorArgs,
  type ContractErrorName,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  decodeErrorResult,
  type Hex,
  isHex,
  UserRejectedRequestError,
} from "viem";
import { roundtableAbi } from "./generated/roundtableAbi.js";
import { Phase, phaseName, Status } from "./types.js";

// ─────────────────────────────────────────────────────────────── classes

export type RoundtableErrorParameters = {
  shortMessage: string;
  details?: string | undefined;
  metaMessages?: string[] | undefined;
  cause?: unknown;
  name?: string | undefined;
};

/**
 * The base of every error the SDK throws. Like viem's errors it is data:
 * `shortMessage` says what happened and what to do next, `metaMessages`
 * add context lines, `details` carries the underlying node or library
 * message, and `cause` the original error.
 *
 * @example
 * try {
 *   await submitPayload({ publicClient, walletClient, address, sessionId, round, payload });
 * } catch (err) {
 *   if (err instanceof RoundtableError) console.error(err.shortMessage);
 * }
 */
export class RoundtableError extends Error {
  override name = "RoundtableError";
  shortMessage: string;
  details: string;
  metaMessages: string[];
  override cause: unknown;

  constructor({ shortMessage, details, metaMessages, cause, name }: RoundtableErrorParameters) {
    const meta = metaMessages ?? [];
    super(
      [
        shortMessage,
        ...(meta.length > 0 ? ["", ...meta] : []),
        ...(details ? ["", `Details: ${details}`] : []),
      ].join("\n"),
    );
    this.shortMessage = shortMessage;
    this.details = details ?? "";
    this.metaMessages = meta;
    this.cause = cause;
    if (name) this.name = name;
  }

  /** The deepest cause, or the first error along the chain (this one included) for which `fn` holds. */
  walk(fn?: (err: unknown) => boolean): unknown {
    let current: unknown = this;
    for (let depth = 0; depth < 32; depth++) {
      if (fn?.(current)) return current;
      const next = current instanceof Error ? current.cause : undefined;
      if (next === undefined || next === null) return fn ? null : current;
      current = next;
    }
    return fn ? null : current;
  }
}

/** The name of every custom error in the Roundtable ABI (its own and those of OpenZeppelin it inherits). */
export type RoundtableErrorName = ContractErrorName<typeof roundtableAbi>;

/** The decoded arguments of the custom error `name`, in ABI order. */
export type RoundtableErrorArgs<name extends RoundtableErrorName = RoundtableErrorName> =
  ContractErrorArgs<typeof roundtableAbi, name>;

/**
 * The contract reverted with one of its custom errors. `errorName` and `args`
 * are decoded with the Roundtable ABI; the message explains the values and
 * the next step (see {@link roundtableErrorMessages}).
 */
export class RoundtableContractError<
  name extends RoundtableErrorName = RoundtableErrorName,
> extends RoundtableError {
  override name = "RoundtableContractError";
  errorName: name;
  args: RoundtableErrorArgs<name>;
  /** The revert data as the node returned it. */
  raw: Hex;

  constructor({
    errorName,
    args,
    raw,
    cause,
    details,
    context,
  }: {
    errorName: name;
    args: RoundtableErrorArgs<name>;
    raw: Hex;
    cause?: unknown;
    details?: string | undefined;
    context?: string[] | undefined;
  }) {
    super({
      shortMessage: formatContractError(errorName, args),
      metaMessages: [
        `Error: ${formatErrorSignature(errorName, args as readonly unknown[])}`,
        ...(context ?? []),
      ],
      details,
      cause,
      name: "RoundtableContractError",
    });
    this.errorName = errorName;
    this.args = args;
    this.raw = raw;
  }
}

/**
 * Input the SDK refused before sending anything: the message names the
 * parameter and the value and says what a valid one looks like.
 */
export class RoundtableInputError extends RoundtableError {
  override name = "RoundtableInputError";
  /** The parameter that failed, as a path such as `config.parties[2]`. */
  parameter: string;

  constructor({
    parameter,
    shortMessage,
    metaMessages,
  }: {
    parameter: string;
    shortMessage: string;
    metaMessages?: string[] | undefined;
  }) {
    super({ shortMessage, metaMessages, name: "RoundtableInputError" });
    this.parameter = parameter;
  }
}

/** Every error an SDK action may throw. */
export type RoundtableErrorType = RoundtableError | RoundtableContractError | RoundtableInputError;

/** Whether `err` is a contract error named `name`, with its arguments typed accordingly. */
export function isRoundtableContractError<name extends RoundtableErrorName>(
  err: unknown,
  name: name,
): err is RoundtableContractError<name> {
  return err instanceof RoundtableContractError && err.errorName === name;
}

// ───────────────────────────────────────────────────────── message table

const statusNames = Object.fromEntries(
  Object.entries(Status).map(([name, value]) => [value, name]),
);

function statusName(status: number): string {
  return statusNames[status] ?? `#${status}`;
}

/** A block timestamp as an ISO 8601 UTC time, to the second. */
function formatTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || ms > 8.64e15) return `${seconds} (unix seconds)`;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const zeroAddress = "0x0000000000000000000000000000000000000000";

/**
 * One message per custom error in the ABI: what happened, with the values,
 * then what to do next. The mapped type makes a contract error without a
 * message a compile error, and a test checks the table against the ABI.
 */
export const roundtableErrorMessages: {
  readonly [name in RoundtableErrorName]: (args: RoundtableErrorArgs<name>) => string;
} = {
  RoundtableUnknownSession: ([sessionId]) =>
    `Session ${sessionId} does not exist on this contract. Check the session id (sessions are numbered from 1 to sessionCount()) and that the client points at the right chain and contract address.`,

  RoundtableInvalidPartyCount: ([count, min, max]) =>
    `The configuration has ${count} parties; a session needs ${min} to ${max}. Add or remove parties.`,

  RoundtableInvalidThreshold: ([threshold, parties]) =>
    `Threshold ${threshold} is invalid for ${parties} parties: it must be between 2 and ${parties} (with a threshold of 1 any single party would hold the whole key, which FROST refuses). Change the threshold or add parties.`,

  RoundtablePartiesNotAscending: ([index, previous, party]) =>
    `Parties must be in strictly increasing address order, without duplicates: party ${index} (${party}) is not greater than party ${index - 1n} (${previous}). Sort the parties by address as numbers (BigInt(address)) and remove duplicates; a party's index is its position in the sorted list.`,

  RoundtableInvalidParty: ([index, party]) =>
    party === zeroAddress
      ? `Party ${index} is the zero address, which cannot act. Remove it from the parties.`
      : `Party ${index} (${party}) is the Roundtable contract itself, which cannot act as a party. Remove it from the parties.`,

  RoundtableInvalidRoundCount: ([count, max]) =>
    `The schedule has ${count} rounds; a session needs 1 to ${max}, the last being the agreement round. Fix config.rounds.`,

  RoundtableInvalidDuration: ([round, duration, max]) =>
    round === 0n
      ? `The acceptance window of ${duration} seconds is invalid: a duration must be 1 to ${max} seconds. Fix config.acceptanceDuration.`
      : `Round ${round}'s duration of ${duration} seconds is invalid: a duration must be 1 to ${max} seconds. Fix config.rounds[${round - 1n}].duration.`,

  RoundtableCommitRevealAgreement: ([round]) =>
    `Round ${round} is the last round, the agreement round, and cannot be commit-then-reveal. Set config.rounds[${round - 1n}].commitReveal to false, or add the agreement round after it.`,

  RoundtableParamsTooLarge: ([length, max]) =>
    `config.params is ${length} bytes; at most ${max} are allowed. Shorten the protocol parameters.`,

  RoundtableSigningParamsOnKeyGeneration: ([keySession, message]) =>
    `A key-generation session must not set keySession (${keySession}) or message (${message}): they belong to signing sessions. Set keySession to 0 and message to zero, or set kind to Signing.`,

  RoundtableInvalidKeySession: ([keySession, status, kind]) =>
    status === Status.None
      ? `Key session ${keySession} does not exist. A signing session needs the id of a finalized key-generation session.`
      : `Session ${keySession} cannot provide the key: it is a ${kind === 0 ? "key-generation" : "signing"} session with status ${statusName(status)}. A signing session needs the id of a finalized key-generation session.`,

  RoundtableThresholdMismatch: ([threshold, keyThreshold]) =>
    `Threshold ${threshold} differs from the key's threshold ${keyThreshold}: a signing session signs with its key's threshold. Set threshold to ${keyThreshold}.`,

  RoundtableSignerNotKeyHolder: ([keySession, signer]) =>
    `Signer ${signer} is not a party of key session ${keySession}, so it holds no share of that key. Choose the signers among that session's parties (partiesOf(${keySession})).`,

  RoundtableEmptyMessage: () =>
    "A signing session needs a message digest, but message is zero. Set message to the 32-byte digest to sign.",

  RoundtableSessionClosed: ([sessionId, status]) => {
    switch (status) {
      case Status.Finalized:
        return `Session ${sessionId} is finalized and accepts no more actions. Nothing to do: its result is final (readSession returns it).`;
      case Status.Aborted:
        return `Session ${sessionId} was aborted and accepts no more actions. Its SessionAborted event gives the reason and blame; start a new session to try again.`;
      case Status.Cancelled:
        return `Session ${sessionId} was cancelled by its initiator and accepts no more actions. Nothing to do.`;
      default:
        return `Session ${sessionId} is closed (status ${statusName(status)}) and accepts no more actions.`;
    }
  },

  RoundtableUnexpectedPhase: ([sessionId, current, expected]) => {
    const what = `Session ${sessionId} is in phase ${phaseName(current)}; this action needs phase ${phaseName(expected)}.`;
    if (current === Phase.Accepting) {
      return `${what} The session has not started: wait until every party has accepted (watchSession reports when round 1 opens).`;
    }
    if (expected === Phase.Accepting) {
      return `${what} Every party has accepted and the rounds have started, so acceptance and cancellation are closed.`;
    }
    return `${what} Read the session (readSession) and send the action its phase expects: commit in Committing, reveal (submit) in Revealing, submit in Submitting and Agreeing.`;
  },

  RoundtableUnexpectedRound: ([sessionId, current, given]) =>
    given < current
      ? `Session ${sessionId} is in round ${current}; round ${given} is over. Act for round ${current} instead.`
      : `Session ${sessionId} is in round ${current}; round ${given} has not opened yet. Wait until it opens (watchSession reports it), then send again.`,

  RoundtableDeadlinePassed: ([sessionId, deadline, timestamp]) =>
    `Session ${sessionId}: the phase's deadline ${formatTime(deadline)} passed at ${formatTime(timestamp)} (block time), so the phase is closed. Anyone may now call expire (expireSession) to abort the session and record which parties did not act.`,

  RoundtableDeadlineNotPassed: ([sessionId, deadline, timestamp]) =>
    `Session ${sessionId} cannot be expired yet: its deadline is ${formatTime(deadline)} and the block time is ${formatTime(timestamp)}. Wait until after the deadline, then call expire again.`,

  RoundtableUnknownParty: ([sessionId, party, partyCount]) =>
    `Session ${sessionId} has ${partyCount} parties (indexes 0 to ${partyCount - 1n}); party ${party} is not one of them. Use the party's index in the session's parties list (findInvitations returns it).`,

  RoundtableUnauthorized: ([sessionId, party, expected, sender]) =>
    `Session ${sessionId}: party ${party} is ${expected}, but the transaction came from ${sender}. Send it from party ${party}'s account, or have that account sign the action (signAction) and submit it with submitSignedActions.`,

  RoundtableInvalidSignature: ([sessionId, party, signer]) =>
    `Session ${sessionId}: the signature on party ${party}'s action is not valid for its account ${signer} (for a contract wallet: its ERC-1271 check refused it). Sign the action again with that account, for this chain, contract, session and round.`,

  RoundtableMissingSignature: ([sessionId, party]) =>
    `Session ${sessionId}: party ${party}'s relayed action carries no signature. Sign it with the party's account (signAction), or send it directly from that account.`,

  RoundtableAlreadyActed: ([sessionId, round, party]) =>
    round === 0
      ? `Session ${sessionId}: party ${party} has already accepted. Nothing to do: wait for the other parties.`
      : `Session ${sessionId}: party ${party} has already acted in round ${round}. Nothing to do: wait for the other parties.`,

  RoundtableConfigHashMismatch: ([sessionId, expected, given]) =>
    `Session ${sessionId}'s configuration hash is ${expected}, but the acceptance is for ${given}. Do not accept: the configuration you were shown differs from the session's. Rebuild it from the SessionCreated event (readSession) and check it again.`,

  RoundtableInvalidAcceptData: ([sessionId, party, length]) =>
    `Session ${sessionId}: party ${party}'s acceptance carries ${length} bytes where 64 (a key proof) or 97/117 (key, key proof, optional delegate) were expected. Build it with encodeAcceptData and proveEncryptionKey.`,

  RoundtableKnownEncryptionKey: ([sessionId, party, x]) =>
    `Session ${sessionId}: party ${party}'s encryption key (x = ${x}) is the generator, whose secret everyone knows. Register a key made from fresh randomness.`,

  RoundtableInvalidKeyProof: ([sessionId, party, x]) =>
    `Session ${sessionId}: the proof that party ${party} holds the secret of its encryption key (x = ${x}) does not verify for this chain, contract, session and party. Sign keyProofDigest(...) with the key's own secret (proveEncryptionKey); a key copied from another party or session cannot be registered.`,

  RoundtableInvalidDelegate: ([sessionId, party, delegate]) =>
    `Session ${sessionId}: party ${party} named its own account ${delegate} as its delegate. Name a separate delegate key, or the zero address for none.`,

  RoundtableInvalidEncryptionKey: ([sessionId, party, length]) =>
    length === 33n
      ? `Session ${sessionId}: party ${party}'s encryption key does not start with 0x02 or 0x03. Register a 33-byte compressed secp256k1 public key.`
      : `Session ${sessionId}: party ${party}'s encryption key is ${length} bytes. Register a 33-byte compressed secp256k1 public key (0x02 or 0x03, then 32 bytes).`,

  RoundtableInvalidPayloadLength: ([length, min, max]) =>
    `The payload is ${length} bytes; here it must be ${min} to ${max} bytes. (Agreement results are at most 96 bytes; round payloads and complaint evidence at most 16384.)`,

  RoundtableEmptyCommitment: ([sessionId, party]) =>
    `Session ${sessionId}: party ${party}'s commitment is zero. Commit to commitmentOf(sessionId, round, account, payload) (submitCommitment computes it when given the payload).`,

  RoundtableCommitmentMismatch: ([sessionId, party, commitment, revealed]) =>
    `Session ${sessionId}: party ${party} committed to ${commitment}, but the revealed payload's commitment is ${revealed}. Reveal exactly the payload you committed to, from the account that committed.`,

  RoundtableSelfComplaint: ([sessionId, party]) =>
    `Session ${sessionId}: party ${party} cannot complain against itself. Name the accused party's index.`,

  RoundtableNotInitiator: ([sessionId, initiator, sender]) =>
    `Session ${sessionId} can only be cancelled by its initiator ${initiator}, but the transaction came from ${sender}. Send cancel from the initiator's account.`,

  RoundtableNoResult: ([sessionId, status]) => {
    switch (status) {
      case Status.Active:
        return `Session ${sessionId} has no result yet: it is still active. Wait until every party has agreed (watchSession reports Finalized).`;
      case Status.Aborted:
        return `Session ${sessionId} has no result: it was aborted, so it never will. Its SessionAborted event gives the reason and blame.`;
      case Status.Cancelled:
        return `Session ${sessionId} has no result: it was cancelled before it started. Nothing to do.`;
      default:
        return `Session ${sessionId} has no result (status ${statusName(status)}). Check the session id.`;
    }
  },

  RoundtableSignatureCheckOutOfGas: ([sessionId, party, gasLeft]) =>
    `Session ${sessionId}: the signature check for party ${party}'s action ran out of gas (${gasLeft} gas left), so the signature may well be valid. Send it again with a higher gas limit.`,

  RoundtableWalletAllowanceSpent: ([sessionId, party, wallet, allowance]) =>
    `Session ${sessionId}: party ${party}'s contract wallet ${wallet} used all ${allowance} gas its batch item gave its ERC-1271 check without answering, so the action was not recorded. The relayer gave it less than the most (500,000): submit the action yourself (applySigned), which gives the wallet the most.`,

  RoundtableBatchOutOfGas: ([item, gasLeft]) =>
    `The batch ran out of gas at item ${item} (${gasLeft} gas left), so the whole batch was reverted rather than let a valid item fail. Send it again with a higher gas limit, or split it into smaller batches.`,

  RoundtableMalformedBatch: ([offset]) =>
    `The batch's packed items are malformed at byte ${offset} (an item runs past the end, or names an unknown action type), so nothing in it was applied. Build the batch with packBatchItems (src/sdk/batchCall.ts).`,

  InvalidShortString: () =>
    "The contract's EIP-712 name or version is not a valid short string. This is a deployment problem, not a caller's: use a correctly deployed Roundtable contract.",

  StringTooLong: ([str]) =>
    `The string "${str}" is too long for a short string. This is a deployment problem, not a caller's: use a correctly deployed Roundtable contract.`,
};

function formatContractError<name extends RoundtableErrorName>(
  errorName: name,
  args: RoundtableErrorArgs<name>,
): string {
  const format = roundtableErrorMessages[errorName] as (args: RoundtableErrorArgs<name>) => string;
  return format(args);
}

const errorItems = roundtableAbi.filter(
  (item): item is Extract<typeof item, { type: "error" }> => item.type === "error",
);

function formatErrorSignature(errorName: string, args: readonly unknown[]): string {
  const item = errorItems.find((error) => error.name === errorName);
  const names: string[] = item?.inputs.map((input) => input.name) ?? [];
  return `${errorName}(${args.map((value, i) => `${names[i] ?? `arg${i}`}: ${String(value)}`).join(", ")})`;
}

// ──────────────────────────────────────────────────────────── conversion

/**
 * Turns revert data (such as an `ActionRejected` event's `reason`) into an SDK
 * error: a {@link RoundtableContractError} when the ABI knows the error.
 *
 * @example
 * const error = decodeRoundtableError(log.args.reason);
 * console.log(error.shortMessage);
 */
export function decodeRoundtableError(
  data: Hex,
  cause?: unknown,
  context?: string[],
): RoundtableError {
  if (data === "0x") {
    return new RoundtableError({
      shortMessage:
        "The contract reverted without a reason (for example out of gas, or a malformed call). Check the arguments and the gas limit.",
      metaMessages: context,
      cause,
    });
  }
  let decoded: { errorName: string; args: readonly unknown[] | undefined };
  try {
    decoded = decodeErrorResult({ abi: roundtableAbi, data });
  } catch (err) {
    return new RoundtableError({
      shortMessage: `The contract reverted with data that the Roundtable ABI does not know (selector ${data.slice(0, 10)}). Check the contract address: it may not be a Roundtable contract, or it may be a different version.`,
      metaMessages: context,
      cause: cause ?? err,
    });
  }
  const args = decoded.args ?? [];
  if (decoded.errorName === "Error" || decoded.errorName === "Panic") {
    return new RoundtableError({
      shortMessage: `The contract reverted: ${decoded.errorName}(${args.map(String).join(", ")}). The Roundtable contract reverts only with custom errors: check the contract address.`,
      metaMessages: context,
      cause,
    });
  }
  return new RoundtableContractError({
    errorName: decoded.errorName as RoundtableErrorName,
    args: args as RoundtableErrorArgs,
    raw: data,
    cause,
    context,
    details: cause instanceof BaseError ? cause.details : undefined,
  });
}

/** Finds revert data anywhere along a viem error's cause chain. */
function findRevertData(err: BaseError): Hex | undefined {
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.raw) return reverted.raw;
  let found: Hex | undefined;
  err.walk((e) => {
    if (typeof e !== "object" || e === null || !("data" in e)) return false;
    const data: unknown = e.data;
    const candidate =
      typeof data === "object" && data !== null && "data" in data
        ? (data as { data: unknown }).data
        : data;
    if (typeof candidate === "string" && isHex(candidate) && candidate.length >= 10) {
      found = candidate;
      return true;
    }
    return false;
  });
  return found;
}

function callContext(err: BaseError): string[] {
  const call = err.walk((e) => e instanceof ContractFunctionExecutionError);
  if (!(call instanceof ContractFunctionExecutionError)) return [];
  const lines = [`Function: ${call.functionName}`];
  if (call.contractAddress) lines.push(`Contract: ${call.contractAddress as Address}`);
  if (call.sender) lines.push(`Sender:   ${call.sender}`);
  return lines;
}

/**
 * The one place that turns anything thrown (a viem error with revert data, a
 * wallet's refusal, a network failure) into a {@link RoundtableError}. Every
 * action calls it in its catch; call it yourself around direct contract calls.
 *
 * @example
 * try {
 *   await roundtable.write.submit([sessionId, party, round, payload]);
 * } catch (err) {
 *   throw toRoundtableError(err);
 * }
 */
export function toRoundtableError(err: unknown): RoundtableError {
  if (err instanceof RoundtableError) return err;
  if (err instanceof BaseError) {
    const context = callContext(err);
    const data = findRevertData(err);
    if (data) return decodeRoundtableError(data, err, context);
    if (err.walk((e) => e instanceof ContractFunctionZeroDataError)) {
      return new RoundtableError({
        shortMessage:
          "The contract returned no data. Check the contract address and the client's chain: there may be no Roundtable contract there.",
        metaMessages: context,
        details: err.details,
        cause: err,
      });
    }
    if (/out of gas/i.test(`${err.shortMessage}\n${err.details}`)) {
      return new RoundtableError({
        shortMessage:
          "The transaction ran out of gas, so nothing was recorded. Send it again with a higher gas limit, or leave the gas limit unset so that it is estimated.",
        metaMessages: context,
        details: err.details,
        cause: err,
      });
    }
    if (err.walk((e) => e instanceof UserRejectedRequestError)) {
      return new RoundtableError({
        shortMessage:
          "The wallet refused the request. Nothing was sent; try again when the user approves.",
        metaMessages: context,
        details: err.details,
        cause: err,
      });
    }
    // viem's context lines may quote whole calldata; keep them short (the cause has everything).
    const meta = (err.metaMessages ?? []).map((line) =>
      line.length > 200 ? `${line.slice(0, 200)}…` : line,
    );
    return new RoundtableError({
      shortMessage: err.shortMessage,
      metaMessages: [...context, ...meta],
      details: err.details,
      cause: err,
    });
  }
  if (err instanceof Error) return new RoundtableError({ shortMessage: err.message, cause: err });
  return new RoundtableError({ shortMessage: `Unexpected error: ${String(err)}`, cause: err });
}
