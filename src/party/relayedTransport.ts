// A transport that hands the party's EIP-712-signed actions to a relayer over HTTP (docs/relayer.md
// has the API), so the party needs no gas. The relayer is a courier, not trusted: it cannot change
// what was signed, only delay or drop it. So a submission counts as delivered only once the relayer
// reports the action mined, and anything else within the bound (a refusal, an error, silence) is a
// failure that makes `deliver` try the next transport, usually the party's own direct one.

import { type Address, type Hex, type LocalAccount, parseEventLogs } from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { decodeAcceptData } from "../sdk/eip712.js";
import { RoundtableError } from "../sdk/errors.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { actionDigest, relayerActionId } from "../sdk/relayerActionId.js";
import { signAction } from "../sdk/signAction.js";
import { ActionType, type SignedAction, type UnsignedAction } from "../sdk/types.js";
import type { ActionAuthority, Transport } from "./transport.js";

/** The statuses `GET /v1/actions/:id` reports. */
const relayerStatuses = ["queued", "sent", "included", "skipped", "rejected"] as const;
type RelayerStatus = (typeof relayerStatuses)[number];

type RelayerActionStatus = {
  id: Hex;
  status: RelayerStatus;
  transactionHash?: Hex;
  reason?: { code?: string; message?: string };
};

/** Why a relayer did not deliver an action. `code` is the relayer's own (such as `rate_limited`) or ours. */
export class RelayerDeliveryError extends RoundtableError {
  override name = "RelayerDeliveryError";
  /** The relayer's error code, or `unreachable`, `timeout`, `bad_response`. */
  readonly code: string;
  /** The HTTP status, when the relayer answered. */
  readonly status: number | undefined;

  constructor(p: { code: string; status?: number; shortMessage: string; cause?: unknown }) {
    super({ shortMessage: p.shortMessage, cause: p.cause });
    this.code = p.code;
    this.status = p.status;
  }
}

export type CreateRelayedTransportParameters = {
  /** The relayer's base URL, such as http://127.0.0.1:8546. */
  url: string;
  /** Reads the receipt the relayer names, to check its claim on the chain itself. */
  publicClient: RoundtablePublicClient;
  /**
   * The party's account: it signs each action not signed already (a delegated party's actions
   * come signed); it needs no funds. Without it, only signed actions are relayed.
   */
  account?: Pick<LocalAccount, "signTypedData"> | undefined;
  chainId: number;
  /** The Roundtable contract. */
  address: Address;
  /**
   * Milliseconds the relayer has, from the POST, to report the action mined; then `submit` fails
   * and the party goes on to its next transport. @default 30_000
   */
  deliveryTimeout?: number | undefined;
  /** Milliseconds between status polls. @default 500 */
  pollingInterval?: number | undefined;
  /** Milliseconds one HTTP request may take. @default 10_000 */
  requestTimeout?: number | undefined;
  /**
   * Most bytes of one answer read; a longer body is cut off there and the answer refused (a
   * relayer's answers are a few hundred bytes). @default 1_048_576
   */
  maxResponseBytes?: number | undefined;
  /** Stops waiting when aborted. */
  signal?: AbortSignal | undefined;
  /**
   * Called once, the first time the relayer cannot be connected to at all (such as
   * `ECONNREFUSED`), with that error code: a dead relayer, whose actions go to the next transport.
   */
  onUnreachable?: ((code: string) => void) | undefined;
};

/** Errors that mean nothing answers at the relayer's address (not a slow or failing answer). */
const connectionErrorCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** The connection error code in `error`'s cause chain (fetch wraps it in a TypeError). */
function connectionErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && connectionErrorCodes.has(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * A transport through one relayer: signs the action, POSTs it to `/v1/actions`, and waits until
 * `GET /v1/actions/:id` says it was mined, and the transaction it names records this very action
 * (threat R13). Only the chain is believed: a 409 (`already_recorded`, `slot_taken`), a `skipped`
 * (anyone can make the contract skip a copy of a filled slot), or a receipt of another round or
 * payload are not deliveries, so the runner tries its next transport, whose own call finds the
 * slot filled if it is. Answers are capped at `maxResponseBytes`, redirects are refused, and a
 * `429` is tried again after its Retry-After while the delivery bound allows.
 * @example
 * ```ts
 * const relayer = createRelayedTransport({ url, account, chainId, address });
 * const direct = createDirectTransport({ publicClient, walletClient, address });
 * await runParty({ ...parameters, transports: [relayer, direct] });
 * ```
 */
export function createRelayedTransport({
  url,
  publicClient,
  account,
  chainId,
  address,
  deliveryTimeout = 30_000,
  pollingInterval = 500,
  requestTimeout = 10_000,
  maxResponseBytes = 1_048_576,
  signal,
  onUnreachable,
}: CreateRelayedTransportParameters): Transport {
  const base = parseRelayerUrl(url);
  const name = `relayer ${base.origin}${base.pathname === "/" ? "" : base.pathname}`;
  const endpoint = (path: string) => new URL(path, base).toString();
  // Ids of actions this relayer has called delivered. The runner only sends an action again while the
  // chain still shows its slot open, so a second request for one of these means the relayer's
  // word was false: it is not asked again.
  const claimed = new Set<Hex>();
  let reportedUnreachable = false;

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const timeout = AbortSignal.timeout(requestTimeout);
    try {
      const response = await fetch(endpoint(path), {
        ...init,
        // A redirect could send the party's request, or its trust, to another host: not followed.
        redirect: "manual",
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => {});
        throw new RelayerDeliveryError({
          code: "redirect_refused",
          status: response.status,
          shortMessage: `${name} answered ${init.method ?? "GET"} ${path} with a redirect (HTTP ${response.status} to ${JSON.stringify((response.headers.get("location") ?? "").slice(0, 100))}); redirects are not followed. Give the relayer's final URL.`,
        });
      }
      return response;
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof RelayerDeliveryError) throw error;
      const code = connectionErrorCode(error);
      if (code !== undefined && !reportedUnreachable) {
        reportedUnreachable = true;
        onUnreachable?.(code);
      }
      throw new RelayerDeliveryError({
        code: "unreachable",
        shortMessage: `${name} did not answer ${init.method ?? "GET"} ${path}: ${(error as Error).message}.`,
        cause: error,
      });
    }
  }

  return {
    name,
    async submit(action: UnsignedAction, authority?: ActionAuthority) {
      const id = relayerActionId({
        digest: actionDigest({ chainId, contract: address, action }),
        party: action.party,
      });
      if (claimed.has(id)) {
        throw new RelayerDeliveryError({
          code: "untrusted",
          shortMessage: `${name} said action ${id} was recorded, but the chain still shows the slot open; not using this relayer for it again.`,
        });
      }
      let signed: SignedAction;
      if (authority !== undefined) signed = { ...action, signature: authority.signature };
      else if (account !== undefined)
        signed = await signAction({ account, chainId, contract: address, action });
      else {
        throw new RelayerDeliveryError({
          code: "unsigned",
          shortMessage: `${name} was given party ${action.party}'s action unsigned, and no account to sign it.`,
        });
      }
      const started = Date.now();
      const body = JSON.stringify({
        ...signed,
        sessionId: signed.sessionId.toString(),
        // So that a relayer of another deployment says so (403) rather than "wrong signer".
        contract: address,
        chainId,
      });
      let posted: Response;
      let answer: unknown;
      for (;;) {
        posted = await request("v1/actions", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        answer = await readJson(posted, name, maxResponseBytes);
        if (posted.status !== 429) break;
        // Rate limited: wait as told, if that still fits the party's bound; else go on without it.
        const wait = retryAfterMs(posted.headers.get("retry-after"));
        if (wait === undefined || Date.now() + wait - started >= deliveryTimeout) break;
        await sleep(wait, signal);
      }
      // A 409 is the relayer's word, not the chain's: the next transport finds out for itself.
      if (posted.status !== 202) throw refusal(name, posted.status, answer);
      let status = asStatus(answer, name);
      if (status.id.toLowerCase() !== id) {
        throw new RelayerDeliveryError({
          code: "bad_response",
          shortMessage: `${name} answered with id ${status.id}, but the action's id (keccak256 of its EIP-712 digest and party) is ${id}.`,
        });
      }
      for (;;) {
        switch (status.status) {
          case "included": {
            const transactionHash = await checkReceipt(status, action);
            claimed.add(id);
            return { transactionHash };
          }
          case "skipped":
            // ActionSkipped proves only that some copy named this slot: anyone can cause one.
            throw new RelayerDeliveryError({
              code: "unverified",
              shortMessage: `${name} reports action ${status.id} skipped (its slot already filled); a skip is no evidence of this party's action, so the next transport checks the chain itself.`,
            });
          case "rejected":
            throw new RelayerDeliveryError({
              code: status.reason?.code ?? "rejected",
              shortMessage: `${name} reports action ${status.id} rejected by the contract: ${status.reason?.message ?? "no reason given"}.`,
            });
          default:
            break;
        }
        if (Date.now() - started >= deliveryTimeout) {
          throw new RelayerDeliveryError({
            code: "timeout",
            shortMessage: `${name} accepted action ${status.id} but had not got it mined after ${Math.round(deliveryTimeout / 1000)} s (status ${status.status}); going on without it.`,
          });
        }
        await sleep(pollingInterval, signal);
        const polled = await request(`v1/actions/${id}`);
        const polledBody = await readJson(polled, name, maxResponseBytes);
        if (polled.status !== 200) throw refusal(name, polled.status, polledBody);
        status = asStatus(polledBody, name);
      }
    },
  };

  // A relayer's "included" is believed only when the transaction it names, mined and successful,
  // carries the contract's own event for this very action: this session, party, round and kind,
  // and its payload (or commitment, or acceptance key and delegate, or complaint).
  async function checkReceipt(status: RelayerActionStatus, action: UnsignedAction): Promise<Hex> {
    const hash = status.transactionHash;
    const receipt =
      hash === undefined
        ? undefined
        : await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
    const events =
      receipt?.status === "success" && receipt.transactionHash.toLowerCase() === hash?.toLowerCase()
        ? parseEventLogs({
            abi: roundtableAbi,
            logs: receipt.logs.filter((log) => log.address.toLowerCase() === address.toLowerCase()),
          })
        : [];
    const wanted = recordedEvent[action.action as 0 | 1 | 2 | 3];
    const found = events.some(
      (event) =>
        event.eventName === wanted && recordsAction(event.args as Record<string, unknown>, action),
    );
    if (hash === undefined || !found) {
      throw new RelayerDeliveryError({
        code: "unverified",
        shortMessage: `${name} reports action ${status.id} ${status.status} in transaction ${hash ?? "(none given)"}, but no such transaction on chain records party ${action.party}'s ${wanted} of round ${action.round} in session ${action.sessionId} with this action's content.`,
      });
    }
    return hash;
  }
}

/** Whether an action event's arguments record exactly `action` (its event name checked apart). */
function recordsAction(args: Record<string, unknown>, action: UnsignedAction): boolean {
  if (args.sessionId !== action.sessionId) return false;
  const same = (a: unknown, b: string) =>
    typeof a === "string" && a.toLowerCase() === b.toLowerCase();
  switch (action.action) {
    case ActionType.Accept: {
      let accepted: ReturnType<typeof decodeAcceptData>;
      try {
        accepted = decodeAcceptData(action.data);
      } catch {
        return false;
      }
      return (
        args.index === action.party &&
        same(args.encryptionKey, accepted.encryptionKey) &&
        same(args.delegate, accepted.delegate)
      );
    }
    case ActionType.Commit:
      return (
        args.index === action.party &&
        args.round === action.round &&
        same(args.commitment, action.word)
      );
    case ActionType.Submit:
      return (
        args.index === action.party &&
        args.round === action.round &&
        same(args.payload, action.data)
      );
    case ActionType.Complain:
      return (
        args.accuserIndex === action.party &&
        args.accusedIndex === action.accused &&
        args.round === action.round &&
        same(args.evidence, action.data)
      );
    default:
      return false;
  }
}

/** How long a 429's Retry-After asks to wait (seconds, or an HTTP date), at most a minute. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(60_000, Math.max(0, ms));
}

/** The event that records each action type, in ActionType order. */
const recordedEvent = [
  "PartyAccepted",
  "CommitmentSubmitted",
  "PayloadSubmitted",
  "ComplaintFiled",
] as const;

function parseRelayerUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RelayerDeliveryError({
      code: "bad_url",
      shortMessage: `Invalid relayer URL ${JSON.stringify(url)}: expected http(s)://host:port, such as http://127.0.0.1:8546.`,
    });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new RelayerDeliveryError({
      code: "bad_url",
      shortMessage: `Invalid relayer URL ${JSON.stringify(url)}: expected an http or https URL, such as http://127.0.0.1:8546.`,
    });
  }
  // Paths are resolved against the base, so it must end in "/" to keep any prefix it has.
  if (!parsed.pathname.endsWith("/")) parsed.pathname = `${parsed.pathname}/`;
  return parsed;
}

/**
 * Reads an answer's body up to `limit` bytes, and stops reading (cancels the stream, closing the
 * connection) beyond: a relayer cannot make the party hold a huge answer in memory.
 */
async function readJson(response: Response, name: string, limit: number): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body?.getReader();
  if (reader !== undefined) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > limit) {
        await reader.cancel().catch(() => {});
        throw new RelayerDeliveryError({
          code: "response_too_large",
          status: response.status,
          shortMessage: `${name} answered HTTP ${response.status} with a body over ${limit} bytes; it was cut off there. A relayer's answers are a few hundred bytes.`,
        });
      }
      chunks.push(value);
    }
  }
  // TextDecoder, not Buffer: the runner also runs in the browser (web/).
  const decoder = new TextDecoder();
  const text =
    chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RelayerDeliveryError({
      code: "bad_response",
      status: response.status,
      shortMessage: `${name} answered HTTP ${response.status} with a body that is not JSON (${text.length} bytes).`,
    });
  }
}

function errorCode(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const { error } = body;
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function refusal(name: string, status: number, body: unknown): RelayerDeliveryError {
  const code = errorCode(body) ?? `http_${status}`;
  const message =
    typeof body === "object" &&
    body !== null &&
    "error" in body &&
    typeof body.error === "object" &&
    body.error !== null &&
    "message" in body.error &&
    typeof body.error.message === "string"
      ? body.error.message
      : `HTTP ${status}`;
  return new RelayerDeliveryError({
    code,
    status,
    shortMessage: `${name} refused the action (${code}): ${message}`,
  });
}

// The relayer is untrusted: its answers are checked for shape before anything is read from them.
function asStatus(body: unknown, name: string): RelayerActionStatus {
  const ok =
    typeof body === "object" &&
    body !== null &&
    "id" in body &&
    typeof body.id === "string" &&
    /^0x[0-9a-fA-F]{64}$/.test(body.id) &&
    "status" in body &&
    relayerStatuses.includes(body.status as RelayerStatus);
  if (!ok) {
    throw new RelayerDeliveryError({
      code: "bad_response",
      shortMessage: `${name} answered with no valid action id and status (expected {"id":"0x…","status":"queued|sent|included|skipped|rejected"}).`,
    });
  }
  const record = body as Record<string, unknown>;
  const transactionHash =
    typeof record.transactionHash === "string" && /^0x[0-9a-fA-F]{64}$/.test(record.transactionHash)
      ? (record.transactionHash as Hex)
      : undefined;
  const reason =
    typeof record.reason === "object" && record.reason !== null
      ? (record.reason as { code?: string; message?: string })
      : undefined;
  return {
    id: record.id as Hex,
    status: record.status as RelayerStatus,
    ...(transactionHash === undefined ? {} : { transactionHash }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * Waits `ms`, or rejects with the signal's reason once it is aborted. By hand rather than
 * node:timers/promises so that the party runner also bundles for the browser (web/).
 */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
