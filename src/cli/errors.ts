import {
  AbiErrorSignatureNotFoundError,
  BaseError,
  ContractFunctionZeroDataError,
  HttpRequestError,
  InsufficientFundsError,
  RpcRequestError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";
import { PartyError, type PartyErrorCode } from "../party/errors.js";
import { SecretStoreError } from "../party/fileSecretStore.js";
import {
  RoundtableContractError,
  RoundtableError,
  type RoundtableErrorName,
  RoundtableInputError,
  toRoundtableError,
} from "../sdk/errors.js";
import { RpcDisagreementError, RpcQuorumUnavailableError } from "../sdk/rpc/rpcErrors.js";
import { KeyFileError } from "./keyFile.js";

/**
 * The exit codes of every command, documented in `roundtable --help` and
 * docs/cli.md. Scripts branch on them, so they never change meaning.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Success: 0,
  /** The session ended without a result (aborted or cancelled), or a check on the chain failed. */
  NoResult: 1,
  /** A flag or argument is missing or malformed. */
  Usage: 2,
  /** A key file or secret store could not be opened (wrong password, tampered, unreadable). */
  KeyOrStore: 3,
  /** The chain or RPC is unreachable, or a transaction failed: retrying may help. */
  Chain: 4,
  /** The configuration was not accepted: declined at the prompt, or its hash differs from the one expected. */
  Refused: 5,
  /** The account is not a party (or not the initiator), or the session is in another phase. */
  NotAPartyOrWrongPhase: 6,
  /** Interrupted by SIGINT or SIGTERM before the command finished. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed by `roundtable --help` and kept in docs/cli.md. */
export const exitCodeTable: readonly [ExitCode, string][] = [
  [ExitCode.Success, "success"],
  [
    ExitCode.NoResult,
    "the session ended without a result (aborted or cancelled), or a check failed",
  ],
  [ExitCode.Usage, "bad usage: a flag or argument is missing or malformed"],
  [ExitCode.KeyOrStore, "key or store problem: wrong password, unreadable or tampered file"],
  [ExitCode.Chain, "chain or RPC unreachable, or a transaction failed (retryable)"],
  [ExitCode.Refused, "refused: the confirmation was declined, or the config hash differs"],
  [
    ExitCode.NotAPartyOrWrongPhase,
    "not a party (or not the initiator), or the session's phase is wrong",
  ],
  [ExitCode.Interrupted, "interrupted (SIGINT/SIGTERM); a party run resumes when started again"],
];

export type CliErrorParameters = {
  /** One line: what happened, with the values, and what to do next. */
  message: string;
  exitCode: ExitCode;
  /** Whether the same command may succeed when run again unchanged (a network failure, a dropped transaction). */
  retryable?: boolean | undefined;
  /** Lines shown under the message with `--log-level debug`. */
  details?: string[] | undefined;
  cause?: unknown;
};

/**
 * What every command throws. main.ts prints `message` on one line and exits
 * with `exitCode`; with `--json` it also writes `{ error }` on stdout.
 */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: ExitCode;
  readonly retryable: boolean;
  readonly details: string[];

  constructor({ message, exitCode, retryable, details, cause }: CliErrorParameters) {
    super(message, cause === undefined ? undefined : { cause });
    this.exitCode = exitCode;
    this.retryable = retryable ?? exitCode === ExitCode.Chain;
    this.details = details ?? [];
  }
}

/**
 * A flag or argument that is missing or malformed. The message names the
 * flag (or argument) and shows a valid example.
 */
export class UsageError extends CliError {
  override name = "UsageError";
  /** The flag (`--threshold`), argument (`ID`) or variable (`ROUNDTABLE_RPC_URL`) that failed. */
  readonly flag: string | undefined;

  constructor(message: string, flag?: string) {
    super({ message, exitCode: ExitCode.Usage, retryable: false });
    this.flag = flag;
  }
}

/**
 * Exit codes of contract reverts, by custom error. The mapped type makes a
 * new error in the ABI a compile error here until it is classified.
 */
const contractExitCodes: { readonly [name in RoundtableErrorName]: ExitCode } = {
  // The session id does not name a session on this contract: fix the argument (or --contract).
  RoundtableUnknownSession: ExitCode.Usage,
  // Configuration errors come from `session create`'s flags.
  RoundtableInvalidPartyCount: ExitCode.Usage,
  RoundtableInvalidThreshold: ExitCode.Usage,
  RoundtablePartiesNotAscending: ExitCode.Usage,
  RoundtableInvalidParty: ExitCode.Usage,
  RoundtableInvalidRoundCount: ExitCode.Usage,
  RoundtableInvalidDuration: ExitCode.Usage,
  RoundtableCommitRevealAgreement: ExitCode.Usage,
  RoundtableParamsTooLarge: ExitCode.Usage,
  RoundtableSigningParamsOnKeyGeneration: ExitCode.Usage,
  RoundtableInvalidKeySession: ExitCode.Usage,
  RoundtableThresholdMismatch: ExitCode.Usage,
  RoundtableSignerNotKeyHolder: ExitCode.Usage,
  RoundtableEmptyMessage: ExitCode.Usage,
  // Who may act, and when.
  RoundtableSessionClosed: ExitCode.NotAPartyOrWrongPhase,
  RoundtableUnexpectedPhase: ExitCode.NotAPartyOrWrongPhase,
  RoundtableUnexpectedRound: ExitCode.NotAPartyOrWrongPhase,
  RoundtableDeadlinePassed: ExitCode.NotAPartyOrWrongPhase,
  RoundtableDeadlineNotPassed: ExitCode.NotAPartyOrWrongPhase,
  RoundtableUnknownParty: ExitCode.NotAPartyOrWrongPhase,
  RoundtableUnauthorized: ExitCode.NotAPartyOrWrongPhase,
  RoundtableNotInitiator: ExitCode.NotAPartyOrWrongPhase,
  RoundtableAlreadyActed: ExitCode.NotAPartyOrWrongPhase,
  RoundtableNoResult: ExitCode.NotAPartyOrWrongPhase,
  // A check the contract made on what was sent failed.
  RoundtableConfigHashMismatch: ExitCode.NoResult,
  RoundtableInvalidSignature: ExitCode.NoResult,
  RoundtableMissingSignature: ExitCode.NoResult,
  RoundtableInvalidEncryptionKey: ExitCode.NoResult,
  RoundtableInvalidAcceptData: ExitCode.NoResult,
  RoundtableKnownEncryptionKey: ExitCode.NoResult,
  RoundtableInvalidKeyProof: ExitCode.NoResult,
  RoundtableInvalidDelegate: ExitCode.NoResult,
  RoundtableInvalidPayloadLength: ExitCode.NoResult,
  RoundtableEmptyCommitment: ExitCode.NoResult,
  RoundtableCommitmentMismatch: ExitCode.NoResult,
  RoundtableSelfComplaint: ExitCode.NoResult,
  InvalidShortString: ExitCode.NoResult,
  StringTooLong: ExitCode.NoResult,
  // Gas: sending again with more gas succeeds.
  RoundtableBatchOutOfGas: ExitCode.Chain,
  RoundtableMalformedBatch: ExitCode.Chain,
  RoundtableSignatureCheckOutOfGas: ExitCode.Chain,
  RoundtableWalletAllowanceSpent: ExitCode.Chain,
};

/**
 * The SDK's messages point at SDK functions; on the command line the same
 * advice names the command that does it.
 */
const cliWording: readonly [RegExp, string][] = [
  [/\(readSession returns it\)/g, "(`roundtable session show` prints it)"],
  [/\(readSession\)/g, "(`roundtable session show`)"],
  [/\(watchSession reports ([^)]*)\)/g, "(`roundtable session show` tells $1)"],
  [/call expire \(expireSession\)/g, "run `roundtable session expire`"],
  [/\(findInvitations returns it\)/g, "(`roundtable session list` shows it)"],
];

function inCliTerms(message: string): string {
  return cliWording.reduce(
    (text, [pattern, replacement]) => text.replace(pattern, replacement),
    message,
  );
}

/** Whether `err` (or anything along its cause chain) is a failure to talk to the node at all. */
export function isConnectionError(err: unknown): boolean {
  for (let current = err, depth = 0; current && depth < 32; depth++) {
    if (
      current instanceof HttpRequestError ||
      current instanceof TimeoutError ||
      current instanceof WebSocketRequestError
    ) {
      return true;
    }
    if (current instanceof RpcRequestError && current.code === 429) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/** The message of an unreachable node, with what to do. */
export function unreachableMessage(rpcUrl: string, reason: string): string {
  return `Cannot reach the chain at ${rpcUrl}: ${reason}. Start one with \`roundtable chain\` or pass --rpc-url.`;
}

/** The innermost message of a connection failure, such as "fetch failed (ECONNREFUSED)". */
function connectionReason(err: unknown): string {
  const codes: string[] = [];
  let message = "no answer";
  for (let current = err, depth = 0; current && depth < 32; depth++) {
    if (current instanceof BaseError) message = current.shortMessage;
    else if (current instanceof Error) message = current.message;
    const code =
      typeof current === "object" && current !== null && "code" in current
        ? (current as { code: unknown }).code
        : undefined;
    if (typeof code === "string") codes.push(code);
    current = current instanceof Error ? current.cause : undefined;
  }
  const firstLine = message.split("\n")[0] ?? message;
  const unsaid = [...new Set(codes)].filter((code) => !firstLine.includes(code));
  return unsaid.length > 0 ? `${firstLine} (${unsaid.join(", ")})` : firstLine;
}

/** Exit codes of the party runner's errors, by code. */
const partyExitCodes: { readonly [code in PartyErrorCode]: ExitCode } = {
  NOT_A_PARTY: ExitCode.NotAPartyOrWrongPhase,
  WRONG_PHASE: ExitCode.NotAPartyOrWrongPhase,
  REFUSED: ExitCode.Refused,
  STORE: ExitCode.KeyOrStore,
  UNSUPPORTED: ExitCode.NoResult,
  PROTOCOL: ExitCode.NoResult,
  SUBMIT: ExitCode.Chain,
  CHAIN: ExitCode.Chain,
  UNTRUSTED_READ: ExitCode.Chain,
  STOPPED: ExitCode.Interrupted,
};

function partyError(err: PartyError): CliError {
  const where = [
    ...(err.party === undefined ? [] : [`party ${err.party}`]),
    ...(err.phase === undefined ? [] : [`phase ${err.phase}`]),
  ];
  const context = where.length > 0 ? ` [session ${err.sessionId}, ${where.join(", ")}]` : "";
  // An unreachable provider: the runner waited it out as long as the session allowed, and its
  // message names the provider (redacted) and says to run again; nothing is lost.
  if (err.code === "CHAIN" || err.code === "SUBMIT") {
    // A read the contract refused (an unknown session, say) is not fixed by retrying.
    const reverted = err.walk((e) => e instanceof RoundtableContractError);
    if (err.code === "CHAIN" && reverted instanceof RoundtableContractError) {
      return new CliError({
        message: `${inCliTerms(reverted.shortMessage)}${context}`,
        exitCode: contractExitCodes[reverted.errorName as RoundtableErrorName],
        cause: err,
      });
    }
  }
  // Why the last delivery failed (such as an empty balance) belongs on the one line.
  const reasons = err.metaMessages.filter((line) => !/^(Session|Party|Phase):/.test(line));
  const reason =
    err.code === "SUBMIT" && reasons[0] !== undefined ? ` Last failure: ${reasons[0]}` : "";
  return new CliError({
    message: `${inCliTerms(err.shortMessage)}${reason}${context}`,
    exitCode: partyExitCodes[err.code],
    details: err.metaMessages,
    cause: err,
  });
}

/** The first error of `type` in `err`'s chain of causes (through any wrapper). */
function causeOf<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let current = err, depth = 0; current && depth < 32; depth++) {
    if (current instanceof type) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/**
 * Several providers that disagree, or too few that answer: the step stops before anything is
 * signed or sent on that read, and the message names the providers and what each said.
 */
function quorumCliError(err: unknown): CliError | undefined {
  const disagreement = causeOf(err, RpcDisagreementError);
  if (disagreement !== undefined) {
    return new CliError({
      message: `${disagreement.shortMessage} Stopped: nothing is signed or sent on a read the providers disagree on. Check each provider, and remove or replace the one that lies (or, with more providers, lower --rpc-quorum to outvote it).`,
      exitCode: ExitCode.Chain,
      // A lie is not fixed by asking again.
      retryable: false,
      details: disagreement.metaMessages ?? [],
      cause: err,
    });
  }
  const unavailable = causeOf(err, RpcQuorumUnavailableError);
  if (unavailable !== undefined) {
    return new CliError({
      message: `${unavailable.shortMessage} Start the missing providers, add others with --rpc-url, or lower --rpc-quorum.`,
      exitCode: ExitCode.Chain,
      details: unavailable.metaMessages ?? [],
      cause: err,
    });
  }
  return undefined;
}

/**
 * The one place that turns anything a command throws into a CliError with
 * its exit code. `rpcUrl` (already redacted) goes into connection messages.
 */
export function toCliError(err: unknown, rpcUrl?: string): CliError {
  if (err instanceof CliError) return err;
  const quorumError = quorumCliError(err);
  if (quorumError !== undefined) return quorumError;
  if (err instanceof KeyFileError) {
    return new CliError({ message: err.message, exitCode: ExitCode.KeyOrStore, cause: err });
  }
  if (err instanceof SecretStoreError) {
    return new CliError({ message: err.message, exitCode: ExitCode.KeyOrStore, cause: err });
  }
  if (err instanceof PartyError) return partyError(err);
  if (isConnectionError(err)) {
    return new CliError({
      message: unreachableMessage(rpcUrl ?? "the RPC URL", connectionReason(err)),
      exitCode: ExitCode.Chain,
      cause: err,
    });
  }
  // A raw viem revert (a read straight through the client) may carry a Roundtable error, such as
  // RoundtableUnknownSession for a session id that does not exist: say that, not "reverted".
  if (err instanceof BaseError && !(err instanceof RoundtableError)) {
    const decoded = toRoundtableError(err);
    if (decoded instanceof RoundtableContractError) return toCliError(decoded, rpcUrl);
  }
  if (err instanceof RoundtableContractError) {
    return new CliError({
      message: inCliTerms(err.shortMessage),
      exitCode: contractExitCodes[err.errorName as RoundtableErrorName],
      details: err.metaMessages,
      cause: err,
    });
  }
  if (err instanceof RoundtableInputError) {
    return new CliError({ message: err.shortMessage, exitCode: ExitCode.Usage, cause: err });
  }
  if (err instanceof RoundtableError || err instanceof BaseError) {
    const shortMessage = err.shortMessage;
    const viemCause = err instanceof BaseError ? err : err.walk((e) => e instanceof BaseError);
    const nodeSaid = viemCause instanceof BaseError ? viemCause.details : "";
    if (
      (viemCause instanceof BaseError &&
        viemCause.walk((e) => e instanceof InsufficientFundsError) !== null) ||
      /enough funds|insufficient funds/i.test(nodeSaid)
    ) {
      return new CliError({
        message: `The sending account cannot pay for the transaction${nodeSaid ? ` (${nodeSaid.replace(/\.$/, "")})` : ""}. Nothing was sent: fund the account (on a local chain: \`roundtable chain --fund ADDRESS\`), then run the command again.`,
        exitCode: ExitCode.Chain,
        cause: err,
      });
    }
    // No Roundtable contract answered as one: a wrong --contract or chain, or a forged log.
    const notRoundtable =
      viemCause instanceof BaseError &&
      viemCause.walk(
        (e) =>
          e instanceof ContractFunctionZeroDataError || e instanceof AbiErrorSignatureNotFoundError,
      ) !== null;
    // Otherwise a transaction or call that failed without a Roundtable reason
    // (dropped, out of gas, nonce race, refused by the node): sending again may succeed.
    const transactional = !notRoundtable && viemCause instanceof BaseError;
    // What the node said belongs on the line when viem's summary is generic.
    const said =
      transactional && nodeSaid && nodeSaid.length <= 300 && !shortMessage.includes(nodeSaid)
        ? ` The node said: ${nodeSaid}`
        : "";
    return new CliError({
      message: `${shortMessage}${said}`,
      exitCode: transactional ? ExitCode.Chain : ExitCode.NoResult,
      details: err instanceof RoundtableError ? err.metaMessages : (err.metaMessages ?? []),
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError({
    message: `Unexpected error: ${message}. Run again with --log-level debug for the stack trace, and report it if it persists.`,
    exitCode: ExitCode.NoResult,
    cause: err,
  });
}
