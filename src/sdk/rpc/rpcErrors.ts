import {
  BaseError,
  HttpRequestError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";

/** What one provider answered, as a message shows it. */
export type ProviderAnswer = { provider: string; value: string };

export type RpcDisagreementErrorType = RpcDisagreementError & { name: "RpcDisagreementError" };

/**
 * The providers gave different answers to a read that a decision rests on, and no answer was
 * given by the quorum. Nothing should be signed or sent on it: one provider (at least) lies, or is
 * on another chain or fork.
 */
export class RpcDisagreementError extends BaseError {
  /** The JSON-RPC method, such as `eth_getLogs`. */
  readonly method: string;
  /** The request as shown, such as `eth_getLogs {"address":"0x…","fromBlock":"0x5",…}`. */
  readonly request: string;
  /** Where the answers differ, such as `[2].data` (empty: the whole answer). */
  readonly key: string;
  /** Each provider and the value it gave at `key`. */
  readonly answers: readonly ProviderAnswer[];
  /** How many providers had to agree. */
  readonly quorum: number;

  constructor({
    method,
    request,
    key,
    answers,
    quorum,
    total,
  }: {
    method: string;
    request: string;
    key: string;
    answers: readonly ProviderAnswer[];
    quorum: number;
    total: number;
  }) {
    const where = key === "" ? "the answer" : key;
    super(
      `RPC providers disagree on ${method} (${where}): ${answers.map((a) => `${a.provider} says ${a.value}`).join("; ")}; no answer has the quorum of ${quorum} of ${total}.`,
      {
        name: "RpcDisagreementError",
        details: `${total} providers asked, ${quorum} must agree`,
        metaMessages: [
          `Request: ${request}`,
          `Differs at: ${where}`,
          ...answers.map((a) => `  ${a.provider}: ${a.value}`),
          "At least one provider lies (or serves another chain): check each, and remove or replace the one that differs.",
        ],
      },
    );
    this.method = method;
    this.request = request;
    this.key = key;
    this.answers = answers;
    this.quorum = quorum;
  }
}

/** Why one provider gave no answer. */
export type ProviderFailure = { provider: string; reason: string };

export type RpcQuorumUnavailableErrorType = RpcQuorumUnavailableError & {
  name: "RpcQuorumUnavailableError";
};

/** Too few providers answered (the others were down or timed out) to reach the quorum. */
export class RpcQuorumUnavailableError extends BaseError {
  readonly method: string;
  /** The providers that gave no answer, and why. */
  readonly failures: readonly ProviderFailure[];
  /** How many answered. */
  readonly answered: number;
  readonly quorum: number;

  constructor({
    method,
    failures,
    answered,
    quorum,
    total,
    cause,
  }: {
    method: string;
    failures: readonly ProviderFailure[];
    answered: number;
    quorum: number;
    total: number;
    cause?: Error | undefined;
  }) {
    super(
      `Only ${answered} of ${total} RPC providers answered ${method}, fewer than the quorum of ${quorum}: ${failures.map((f) => `${f.provider} failed (${f.reason})`).join("; ")}.`,
      {
        name: "RpcQuorumUnavailableError",
        ...(cause === undefined ? {} : { cause }),
        metaMessages: [
          ...failures.map((f) => `  ${f.provider}: ${f.reason}`),
          `Bring the providers back, add more, or lower the quorum (${quorum} now).`,
        ],
      },
    );
    this.method = method;
    this.failures = failures;
    this.answered = answered;
    this.quorum = quorum;
  }
}

// How a provider failed: an answer (a JSON-RPC error, compared like a result) or no answer.

/** No answer at all: refused, timed out, closed, rate limited, or a body that is not JSON-RPC. */
export function isDown(error: unknown): boolean {
  if (!(error instanceof BaseError)) return rpcErrorOf(error) === undefined;
  const found = error.walk(
    (e) =>
      e instanceof HttpRequestError ||
      e instanceof TimeoutError ||
      e instanceof WebSocketRequestError ||
      e instanceof SocketClosedError ||
      (e instanceof RpcRequestError && (e.code === 429 || e.code === -32005)),
  );
  return found !== null || rpcErrorOf(error) === undefined;
}

/** The node's JSON-RPC error (code and data), if the node answered with one. */
export function rpcErrorOf(error: unknown): { code: number; data: unknown } | undefined {
  for (
    let current: unknown = error, depth = 0;
    current !== undefined && current !== null && depth < 16;
    depth++
  ) {
    if (current instanceof RpcRequestError)
      return { code: current.code, data: (current as { data?: unknown }).data };
    if (
      typeof current === "object" &&
      "code" in current &&
      typeof (current as { code: unknown }).code === "number" &&
      !(current instanceof BaseError)
    ) {
      // An EIP-1193 provider's error object.
      const { code, data } = current as { code: number; data?: unknown };
      return { code, data };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function reasonOf(error: Error): string {
  const text = error instanceof BaseError ? error.shortMessage : error.message;
  let detail = "";
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 16; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") detail = code;
    current = current.cause;
  }
  const line = text.split("\n")[0] ?? text;
  return detail !== "" && !line.includes(detail) ? `${line} (${detail})` : line;
}
