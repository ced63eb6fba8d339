// A transport that hands the party's EIP-712-signed actions to a relayer over HTTP (docs/relayer.md
// has the API), so the party needs no gas. The relayer is a courier, not trusted: it cannot change
// what was signed, only delay or drop it. So a submission counts as delivered only once the relayer
// reports the action mined, and anything else within the bound (a refusal, an error, silence) is a
// failure that makes `deliver` try the next transport, usually the party's own direct one.

import { setTimeout as sleep } from "node:timers/promises";
import { type Address, type Hex, type LocalAccount, parseEventLogs } from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { RoundtableError } from "../sdk/errors.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { actionDigest, relayerActionId } from "../sdk/relayerActionId.js";
import { signAction } from "../sdk/signAction.js";
import type { UnsignedAction } from "../sdk/types.js";
import type { Transport } from "./transport.js";

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
  /** The party's account: it signs each action; it needs no funds. */
  account: Pick<LocalAccount, "signTypedData">;
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
  /** Stops waiting when aborted. */
  signal?: AbortSignal | undefined;
};

/**
 * A transport through one relayer: signs the action, POSTs it to `/v1/actions`, and waits until
 * `GET /v1/actions/:id` says it was mined. An action whose slot the relayer finds already filled
 * (`409 already_recorded`, or status `skipped`) counts as already recorded.
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
  signal,
}: CreateRelayedTransportParameters): Transport {
  const base = parseRelayerUrl(url);
  const name = `relayer ${base.origin}${base.pathname === "/" ? "" : base.pathname}`;
  const endpoint = (path: string) => new URL(path, base).toString();
  // Ids of actions this relayer has called delivered. The runner only sends an action again while the
  // chain still shows its slot open, so a second request for one of these means the relayer's
  // word was false: it is not asked again.
  const claimed = new Set<Hex>();

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const timeout = AbortSignal.timeout(requestTimeout);
    try {
      return await fetch(endpoint(path), {
        ...init,
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw new RelayerDeliveryError({
        code: "unreachable",
        shortMessage: `${name} did not answer ${init.method ?? "GET"} ${path}: ${(error as Error).message}.`,
        cause: error,
      });
    }
  }

  return {
    name,
    async submit(action: UnsignedAction) {
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
      const signed = await signAction({ account, chainId, contract: address, action });
      const started = Date.now();
      const posted = await request("v1/actions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...signed, sessionId: signed.sessionId.toString() }),
      });
      const answer = await readJson(posted, name);
      if (posted.status === 409 && errorCode(answer) === "already_recorded") {
        claimed.add(id);
        return { alreadyRecorded: true };
      }
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
          case "included":
          case "skipped": {
            const transactionHash = await checkReceipt(status, action);
            claimed.add(id);
            return status.status === "included"
              ? { transactionHash }
              : { alreadyRecorded: true, transactionHash };
          }
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
        await sleep(pollingInterval, undefined, signal === undefined ? {} : { signal });
        const polled = await request(`v1/actions/${id}`);
        const body = await readJson(polled, name);
        if (polled.status !== 200) throw refusal(name, polled.status, body);
        status = asStatus(body, name);
      }
    },
  };

  // A relayer's "included" or "skipped" is believed only when the transaction it names carries
  // the contract's own event for this party's action (or, for skipped, its ActionSkipped).
  async function checkReceipt(status: RelayerActionStatus, action: UnsignedAction): Promise<Hex> {
    const hash = status.transactionHash;
    const receipt =
      hash === undefined
        ? undefined
        : await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
    const events =
      receipt?.status === "success"
        ? parseEventLogs({
            abi: roundtableAbi,
            logs: receipt.logs.filter((log) => log.address.toLowerCase() === address.toLowerCase()),
          })
        : [];
    const wanted =
      status.status === "skipped" ? "ActionSkipped" : recordedEvent[action.action as 0 | 1 | 2 | 3];
    const found = events.some(
      (event) =>
        event.eventName === wanted &&
        "sessionId" in event.args &&
        event.args.sessionId === action.sessionId &&
        partyIndexOf(event.args) === action.party,
    );
    if (hash === undefined || !found) {
      throw new RelayerDeliveryError({
        code: "unverified",
        shortMessage: `${name} reports action ${status.id} ${status.status} in transaction ${hash ?? "(none given)"}, but no such transaction on chain records party ${action.party}'s ${wanted} in session ${action.sessionId}.`,
      });
    }
    return hash;
  }
}

/** The acting party's index in an action event's arguments (named differently per event). */
function partyIndexOf(args: object): number | undefined {
  if ("index" in args) return Number(args.index);
  if ("accuserIndex" in args) return Number(args.accuserIndex);
  if ("party" in args && typeof args.party === "number") return args.party;
  return undefined;
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

async function readJson(response: Response, name: string): Promise<unknown> {
  const text = await response.text();
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
