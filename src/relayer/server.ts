import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Logger, pino } from "pino";
import {
  type Address,
  createPublicClient,
  getAddress,
  type Hash,
  http,
  type LocalAccount,
  webSocket,
} from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { MAX_WALLET_GAS } from "../sdk/batchCall.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import { actionDigest, relayerActionId } from "../sdk/relayerActionId.js";
import type { SignedAction } from "../sdk/types.js";
import { type Batcher, createBatcher } from "./batcher.js";
import { walletAllowance } from "./batchGasLimit.js";
import { type ClassifyItemSigner, createItemSignerClassifier } from "./itemSigner.js";
import { createRelayerMetrics, type RelayerMetrics } from "./metrics.js";
import { parseRelayerOptions, type RelayerOptions, type RelayerOptionsInput } from "./options.js";
import { createServePolicy, type PolicyRefusal, type ServePolicy } from "./policy.js";
import { createRateLimiter, type RateLimiter } from "./rateLimit.js";
import { openWalletReputation } from "./reputation.js";
import { itemGas, type SimulationResult, simulateAction } from "./simulate.js";
import {
  createGroupInsert,
  openRelayerStore,
  type RelayerStore,
  type StoredAction,
} from "./store.js";
import { createWalletValidationCheck, type RpcRequest } from "./traceValidation.js";
import { createUnprovenWalletBudget, type UnprovenWalletBudget } from "./unprovenWallets.js";
import {
  type CheckContractWallet,
  createContractWalletCheck,
  createSlotOwners,
  parseActionBody,
  recoverSigner,
  type SlotOwner,
  type SlotOwners,
} from "./validateAction.js";

/** What the HTTP app needs; `createRelayer` wires the real ones, tests may pass others. */
export type RelayerAppDependencies = {
  store: RelayerStore;
  chainId: number;
  contract: Address;
  relayer: Address;
  /** Who owns a slot (cached reads of `partiesOf` and `eth_getCode`). */
  slotOwners: SlotOwners;
  simulate(action: SignedAction): Promise<SimulationResult>;
  /** The hour's budget for wallets with no landed item (threat R9); without it, none is kept. */
  unprovenWallets?: UnprovenWalletBudget | undefined;
  clientLimiter: RateLimiter;
  /**
   * Per client, for requests that fail the checks (bad body, bad signature, a refused action):
   * peeked before the expensive checks, charged after a failure, so that one client's junk is
   * throttled at its own address and never charges a party's budget (threat R11).
   */
  invalidLimiter: RateLimiter;
  /** Per (session, party), charged only once the contract's own check accepted the signature. */
  partyLimiter: RateLimiter;
  /** What the operator serves (one deployment; listed sessions or initiators). */
  policy: ServePolicy;
  /** A contract wallet's action: not banned, and its traced ERC-1271 check reads only what it owns (R9). */
  checkContractWallet?: CheckContractWallet | undefined;
  /**
   * Whether a contract wallet's item is its delegate's (an ECDSA item, like an EOA party's) or
   * the wallet's own (ERC-1271). Without it every contract wallet's item is the wallet's own.
   */
  classifySigner?: ClassifyItemSigner | undefined;
  metrics: RelayerMetrics;
  logger: Logger;
  options: Pick<
    RelayerOptions,
    "queueLimit" | "bodyLimit" | "confirmations" | "unprovenWalletGasPerHour"
  >;
  /** The newest block the batcher saw. */
  head(): bigint | undefined;
  /** Asks the chain for its newest block (for /healthz); throws when it does not answer. */
  readHead(): Promise<bigint>;
  /** Called once an action is stored, so the batcher looks at once. */
  onQueued(): void;
  /** The client's address for the per-client limit. @default the TCP peer address */
  clientAddress?: ((c: Context) => string) | undefined;
};

type ErrorBody = {
  code: string;
  message: string;
  contractError?: { name: string; args: Record<string, string> } | undefined;
};

function routeOf(method: string, path: string): string {
  if (path === "/v1/actions") return `${method} /v1/actions`;
  if (path.startsWith("/v1/actions/")) return `${method} /v1/actions/:id`;
  if (path === "/healthz" || path === "/metrics") return `${method} ${path}`;
  return "other";
}

function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * The relayer's HTTP API (see docs/relayer.md): `POST /v1/actions`,
 * `GET /v1/actions/:id`, `GET /healthz`, `GET /metrics`. Anything a client
 * sends is answered with 2xx or 4xx (503 when the chain or the queue is the
 * problem), never 500.
 *
 * @example
 * const app = createRelayerApp(dependencies);
 * const response = await app.request("/healthz");
 */
export function createRelayerApp(deps: RelayerAppDependencies): Hono {
  const { store, metrics, logger, options } = deps;
  const clientAddress = deps.clientAddress ?? peerAddress;
  const insert = createGroupInsert(store);
  const app = new Hono();

  const fail = (
    c: Context,
    status: ContentfulStatusCode,
    error: ErrorBody,
    retryAfter?: string,
  ): Response => {
    if (retryAfter !== undefined) c.header("Retry-After", retryAfter);
    const { contractError, ...rest } = error;
    return c.json({ error: contractError ? { ...rest, contractError } : rest }, status);
  };

  // Browser parties (the web client, served from another origin) call the relayer with fetch: a
  // JSON POST needs a CORS preflight. Any origin may: every action is signed by its party and
  // checked here, the relayer holds no cookies or credentials, and Retry-After must be readable.
  app.use(
    "/v1/*",
    cors({
      origin: "*",
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["content-type"],
      exposeHeaders: ["Retry-After"],
      maxAge: 600,
    }),
  );

  app.use(async (c, next) => {
    await next();
    metrics.requests.inc({
      route: routeOf(c.req.method, c.req.path),
      status: String(c.res.status),
    });
  });

  app.post(
    "/v1/actions",
    async (c, next) => {
      const limit = deps.clientLimiter.take(clientAddress(c));
      if (!limit.ok) {
        return fail(
          c,
          429,
          {
            code: "rate_limited",
            message: `Too many requests from ${clientAddress(c)}: slow down and retry after the Retry-After seconds.`,
          },
          retryAfterSeconds(limit.retryAfterMs),
        );
      }
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/json\s*(?:;|$)/i.test(type)) {
        return fail(c, 415, {
          code: "unsupported_media_type",
          message: `Content-Type ${JSON.stringify(type.slice(0, 60))} is not accepted: send the signed action as JSON with Content-Type: application/json.`,
        });
      }
      return next();
    },
    bodyLimit({
      maxSize: options.bodyLimit,
      onError: (c) => {
        // The rest of the body is not read: the connection cannot carry another request.
        c.header("Connection", "close");
        return fail(c, 413, {
          code: "body_too_large",
          message: `The body is larger than ${options.bodyLimit} bytes. A signed action is far smaller: send one action per request.`,
        });
      },
    }),
    async (c) => {
      const started = performance.now();
      const response = await accept(c);
      const outcome = response.status === 202 ? "accepted" : String(response.status);
      metrics.acceptLatency.observe({ outcome }, (performance.now() - started) / 1000);
      return response;
    },
  );

  async function accept(c: Context): Promise<Response> {
    const client = clientAddress(c);
    // Charges the client's budget for junk: what fails here costs the client, not the party named.
    const junk = (response: Response): Response => {
      deps.invalidLimiter.take(client);
      return response;
    };
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (error) {
      if (error instanceof Error && error.name === "BodyLimitError") throw error;
      return junk(
        fail(c, 400, {
          code: "invalid_body",
          message:
            "The body is not valid JSON. Send one signed action as a JSON object (action, sessionId, party, round, accused, word, data, signature).",
        }),
      );
    }
    const wrongTarget = deps.policy.checkTarget(body);
    if (wrongTarget !== undefined) return fail(c, 403, wrongTarget);
    const parsed = parseActionBody(body);
    if (!parsed.ok) return junk(fail(c, 400, { code: "invalid_body", message: parsed.message }));
    const { action } = parsed;
    const digest = actionDigest({ chainId: deps.chainId, contract: deps.contract, action });
    const id = relayerActionId({ digest, party: action.party });
    const existing = store.getAction(id);
    if (existing !== undefined) return c.json({ id, status: existing.status }, 202);

    // Before any chain read: a client whose recent requests kept failing waits.
    const invalid = deps.invalidLimiter.peek(client);
    if (!invalid.ok) {
      return fail(
        c,
        429,
        {
          code: "rate_limited",
          message: `Too many refused actions from ${client}: fix what the earlier answers named, and retry after the Retry-After seconds.`,
        },
        retryAfterSeconds(invalid.retryAfterMs),
      );
    }
    const holder = store.slotHolder(action);
    if (holder !== undefined) return slotTaken(c, holder);
    const open = store.openCount();
    if (open >= options.queueLimit) {
      return fail(
        c,
        503,
        {
          code: "queue_full",
          message: `The relayer holds ${open} actions not yet mined, its limit: retry after the Retry-After seconds, or submit the action directly.`,
        },
        "5",
      );
    }

    const unlisted = deps.policy.checkSessionListed(action.sessionId);
    if (unlisted !== undefined) return junk(fail(c, 403, unlisted));
    let owner: SlotOwner | undefined;
    let refusal: PolicyRefusal | undefined;
    try {
      owner = await deps.slotOwners(action.sessionId, action.party);
      // Only a session that exists has an initiator to check.
      if (owner !== undefined) refusal = await deps.policy.checkInitiator(action.sessionId);
    } catch (error) {
      logger.warn({ reason: (error as Error).message?.split("\n")[0] }, "cannot read the session");
      return chainUnavailable(c);
    }
    if (refusal !== undefined) return junk(fail(c, 403, refusal));

    // A contract wallet's round action signed by the delegate its acceptance named costs what an
    // EOA party's does; one signed by anyone else, once a delegate is named, is refused here,
    // before the simulation asks the wallet anything.
    let walletItem = owner?.contractWallet ?? false;
    if (owner?.contractWallet && deps.classifySigner !== undefined) {
      let signer: Awaited<ReturnType<ClassifyItemSigner>>;
      try {
        signer = await deps.classifySigner(owner, action, digest);
      } catch (error) {
        logger.warn(
          { reason: (error as Error).message?.split("\n")[0] },
          "cannot read the delegate",
        );
        return chainUnavailable(c);
      }
      deps.metrics.walletParties.inc({ signer: signer.kind });
      if (signer.kind === "not-delegate") {
        return junk(
          fail(c, 422, {
            code: "not_the_delegate",
            message: `Party ${action.party} of session ${action.sessionId} is the contract wallet ${signer.wallet}, whose acceptance named the delegate ${signer.delegate} (the contract's delegateOf), but this action's signature ${signer.recovered === undefined ? "is not an ECDSA signature" : `recovers to ${signer.recovered}`}. Sign the round with that delegate's key (the one the runner stored for this session). Once a wallet has named a delegate, this relayer relays only its delegate's signatures; submit a wallet-signed action yourself (applySigned).`,
          }),
        );
      }
      walletItem = signer.kind === "wallet";
    }

    // The simulation runs the contract's own checks, the signature's first among them (ECDSA
    // for an account, ERC-1271 for a wallet), so a signature is checked exactly as it will be.
    const simulation = await deps.simulate(action);
    if (!simulation.ok) {
      if (simulation.kind === "chain") return chainUnavailable(c);
      const { error, contractError } = simulation;
      if (contractError?.name === "RoundtableAlreadyActed") {
        return junk(
          fail(c, 409, {
            code: "already_recorded",
            message: `${error.shortMessage} The slot is filled: there is nothing to resend.`,
            contractError,
          }),
        );
      }
      if (contractError?.name === "RoundtableInvalidSignature" && owner !== undefined) {
        const recovered = owner.contractWallet
          ? undefined
          : await recoverSigner({ digest, signature: action.signature });
        return junk(
          fail(c, 422, {
            code: "wrong_signer",
            message: owner.contractWallet
              ? `Party ${action.party} of session ${action.sessionId} is the contract wallet ${owner.address}, and it does not accept this signature (ERC-1271). Sign with a key the wallet accepts.`
              : recovered === undefined
                ? `The signature does not recover to any address; party ${action.party} of session ${action.sessionId} is ${owner.address}. Sign the action with that account's key (EIP-712, see signAction).`
                : `The signature recovers to ${recovered}, but party ${action.party} of session ${action.sessionId} is ${owner.address}. Sign with that party's key, or fix the party index.`,
            contractError,
          }),
        );
      }
      return junk(
        fail(c, 422, {
          code: "simulation_failed",
          message: `The contract would refuse this action: ${error.shortMessage}`,
          contractError,
        }),
      );
    }

    // A wallet item gives the wallet's check what its trace spent, with room (walletAllowance):
    // a wallet that answers yes here and spends all it gets at inclusion costs only that much.
    let walletGas: number | undefined = walletItem ? MAX_WALLET_GAS : undefined;
    // Whether the trace saw the contract ask the wallet: an account with code whose own key
    // signed (EIP-7702) is accepted by ECDSA, which nothing can flip, so it risks no allowance.
    let walletAsked = false;
    if (owner !== undefined && walletItem && deps.checkContractWallet !== undefined) {
      const verdict = await deps.checkContractWallet(owner, action);
      if (!verdict.ok) {
        if (verdict.status === 503) return chainUnavailable(c);
        return junk(fail(c, verdict.status, { code: verdict.code, message: verdict.message }));
      }
      if (verdict.walletGas !== undefined) {
        walletGas = walletAllowance(verdict.walletGas);
        walletAsked = true;
      }
    }

    // The signature is the party's (the contract accepted it): only now is the party's budget
    // charged, so strangers' copies cannot use it up (threat R11).
    const slot = `${action.sessionId}/${action.party}`;
    const partyLimit = deps.partyLimiter.take(slot);
    if (!partyLimit.ok) {
      return fail(
        c,
        429,
        {
          code: "rate_limited",
          message: `Too many actions for session ${action.sessionId}, party ${action.party}: retry after the Retry-After seconds.`,
        },
        retryAfterSeconds(partyLimit.retryAfterMs),
      );
    }

    // A wallet with no landed item here is charged to the hour's budget for unproven wallets
    // (unprovenWallets.ts): however many fresh wallets an attacker makes, that bounds the loss.
    if (owner !== undefined && walletAsked && walletGas !== undefined && deps.unprovenWallets) {
      const charged = deps.unprovenWallets.charge(id, owner.address, walletGas);
      if (!charged.ok) {
        const message = `Party ${action.party} of session ${action.sessionId} is the contract wallet ${owner.address}, which has not landed an item through this relayer yet, and its check earns an allowance of ${walletGas} gas`;
        if ("never" in charged) {
          return fail(c, 403, {
            code: "unproven_wallet_refused",
            message: `${message}: more than this relayer risks an hour on unproven wallets (--unproven-wallet-gas-per-hour ${options.unprovenWalletGasPerHour}). Submit the action yourself (applySigned from any account, or the wallet's own transaction).`,
          });
        }
        return fail(
          c,
          429,
          {
            code: "unproven_wallet_budget",
            message: `${message}: this hour's budget for unproven wallets (${options.unprovenWalletGasPerHour} gas) is spent. Retry after the Retry-After seconds, or submit the action yourself (applySigned).`,
          },
          retryAfterSeconds(charged.retryAfterMs),
        );
      }
    }

    // The store checks the slot again inside the write: of two different actions for one slot
    // racing through the checks, one is stored and the other answered 409 (threat R10).
    const outcome = await insert({
      id,
      action,
      gas: itemGas(action, walletGas),
      walletGas,
      receivedAt: Date.now(),
    });
    if (!outcome.ok) {
      deps.unprovenWallets?.refund(id);
      return slotTaken(c, outcome.holder);
    }
    deps.onQueued();
    return c.json({ id, status: outcome.stored.status }, 202);
  }

  // At most one paid action per slot: a different one is refused, never sent as well. The
  // first stays (it may be in a sent transaction already), and the answer names it.
  function slotTaken(c: Context, holder: StoredAction): Response {
    const { action } = holder;
    return c.json(
      {
        error: {
          code: "slot_taken",
          message: `Party ${action.party} of session ${action.sessionId} already has a different action (kind ${action.action}, round ${action.round}) here, ${holder.id}, ${holder.status}: at most one action per slot is relayed. Follow that one with GET /v1/actions/${holder.id}.`,
        },
        existingId: holder.id,
        existingStatus: holder.status,
      },
      409,
    );
  }

  function chainUnavailable(c: Context): Response {
    return fail(
      c,
      503,
      {
        code: "chain_unavailable",
        message:
          "The relayer cannot reach its chain to check the action now: retry after the Retry-After seconds, or submit the action directly.",
      },
      "5",
    );
  }

  app.get("/v1/actions/:id", (c) => {
    const id = c.req.param("id");
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) {
      return fail(c, 400, {
        code: "invalid_id",
        message: `Invalid id ${JSON.stringify(id.slice(0, 80))}: expected 0x followed by 64 hex digits, as POST /v1/actions returned.`,
      });
    }
    const stored = store.getAction(id.toLowerCase() as Hash);
    if (stored === undefined) {
      return fail(c, 404, {
        code: "not_found",
        message: `No action ${id} is stored here. Send it with POST /v1/actions (an action refused with a 4xx is not stored).`,
      });
    }
    return c.json(describeAction(stored), 200);
  });

  function describeAction(stored: StoredAction) {
    const { action } = stored;
    const batch = stored.batchId === undefined ? undefined : store.batch(stored.batchId);
    const base = {
      id: stored.id,
      status: stored.status,
      sessionId: action.sessionId.toString(),
      party: action.party,
      round: action.round,
      action: action.action,
    };
    if (stored.status === "sent") {
      const hash = batch?.broadcasts.at(-1)?.hash;
      return { ...base, ...(hash ? { transactionHash: hash } : {}), final: false };
    }
    if (stored.status === "queued" || batch?.blockNumber === undefined) {
      // A rejection without a batch: a banned contract wallet's item, refused before it was sent.
      return { ...base, final: stored.final, ...(stored.reason ? { reason: stored.reason } : {}) };
    }
    const head = deps.head();
    const confirmations =
      head === undefined || head < batch.blockNumber ? 0 : Number(head - batch.blockNumber + 1n);
    return {
      ...base,
      transactionHash: batch.transactionHash,
      blockNumber: Number(batch.blockNumber),
      blockHash: batch.blockHash,
      confirmations,
      final: stored.final,
      ...(stored.reason ? { reason: stored.reason } : {}),
    };
  }

  app.get("/healthz", async (c) => {
    const about = {
      chainId: deps.chainId,
      contract: deps.contract,
      relayer: deps.relayer,
      queued: store.openCount(),
    };
    try {
      const head = await deps.readHead();
      return c.json({ ok: true, ...about, head: Number(head) }, 200);
    } catch (error) {
      return c.json(
        { ok: false, ...about, error: (error as Error).message?.split("\n")[0] ?? "no answer" },
        503,
      );
    }
  });

  app.get("/metrics", async (c) => {
    c.header("Content-Type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics(), 200);
  });

  app.notFound((c) =>
    fail(c, 404, {
      code: "not_found",
      message: `No route ${c.req.method} ${c.req.path.slice(0, 80)}: the API is POST /v1/actions, GET /v1/actions/:id, GET /healthz and GET /metrics.`,
    }),
  );

  app.onError((error, c) => {
    logger.error({ err: error }, "unexpected error in a request");
    return fail(c, 500, {
      code: "internal_error",
      message: "The relayer failed unexpectedly; retry later or submit the action directly.",
    });
  });

  return app;
}

/**
 * Caps what slow or idle clients can hold (threat R12): Node closes a socket whose headers or
 * whole request take longer than the timeouts (408); here, sockets over the total cap or over the
 * per-address cap are closed at once, before any byte is read.
 */
function limitConnections(
  server: Server,
  options: Pick<RelayerOptions, "maxConnections" | "maxConnectionsPerIp" | "maxHeadersCount">,
  logger: Logger,
): void {
  server.maxHeadersCount = options.maxHeadersCount;
  server.maxConnections = options.maxConnections;
  const perAddress = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > options.maxConnectionsPerIp) {
      logger.warn(
        { client: address, open: count - 1 },
        "connection refused: this address holds --max-connections-per-ip sockets",
      );
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    socket.once("close", () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}

export type CreateRelayerParameters = RelayerOptionsInput & {
  /** The relayer's own key: it signs the batch transactions and pays their gas. */
  account: LocalAccount;
  /** pino logger; by default JSON lines on stderr at level info. */
  logger?: Logger | undefined;
};

/** A running relayer. */
export type Relayer = {
  /** Where it listens, such as http://127.0.0.1:8546. */
  url: string;
  /** The relayer's account (its transactions' sender). */
  address: Address;
  chainId: number;
  options: RelayerOptions;
  /** Stops accepting, finishes the batcher's current step, closes the database. */
  close(): Promise<void>;
};

/**
 * Starts a relayer: opens its database, connects to the chain, starts the
 * batcher (which carries on with whatever the database holds) and listens.
 *
 * @example
 * const relayer = await createRelayer({ rpcUrl, contract, account, db: "relayer.sqlite", port: 0 });
 * console.log(relayer.url);
 * await relayer.close();
 */
export async function createRelayer({
  account,
  logger: givenLogger,
  ...input
}: CreateRelayerParameters): Promise<Relayer> {
  const options = parseRelayerOptions(input);
  const logger = givenLogger ?? pino({ level: "info" }, pino.destination(2));
  const transport = options.rpcUrl.startsWith("ws")
    ? webSocket(options.rpcUrl, { retryCount: 1, timeout: 10_000 })
    : http(options.rpcUrl, { retryCount: 1, timeout: 10_000 });
  const publicClient: RoundtablePublicClient = createPublicClient({
    transport,
    pollingInterval: options.pollIntervalMs,
  });
  const chainId = await publicClient.getChainId();
  const contract = getAddress(options.contract);
  const store = openRelayerStore({
    path: options.db,
    chainId,
    contract,
    relayer: account.address,
  });
  const reputation = openWalletReputation({ path: options.db });
  const unprovenWallets = createUnprovenWalletBudget({
    gasPerHour: options.unprovenWalletGasPerHour,
    reputation,
  });
  const controller = new AbortController();
  let batcher: Batcher | undefined;
  let server: Server | undefined;
  try {
    const metrics = createRelayerMetrics({ queueDepth: () => store.openCount() });
    const classifySigner = createItemSignerClassifier({
      readDelegate: (sessionId, party) =>
        publicClient.readContract({
          address: contract,
          abi: roundtableAbi,
          functionName: "delegateOf",
          args: [sessionId, party],
        }),
    });
    const slotOwners = createSlotOwners({
      readParties: (sessionId) =>
        publicClient.readContract({
          address: contract,
          abi: roundtableAbi,
          functionName: "partiesOf",
          args: [sessionId],
        }),
      hasCode: async (address) => {
        const code = await publicClient.getCode({ address });
        return code !== undefined && code !== "0x";
      },
    });
    batcher = createBatcher({
      store,
      publicClient,
      account,
      chainId,
      contract,
      options,
      metrics,
      logger,
      contractWallets: {
        // Only a wallet's own signature needs its check at inclusion; its delegate's is ECDSA. An
        // item whose delegate no longer matches the chain (a reorg) goes as a wallet item: the
        // contract would then ask the wallet, which gets its whole allowance.
        walletOf: async (action) => {
          const owner = await slotOwners(action.sessionId, action.party);
          if (!owner?.contractWallet) return undefined;
          const digest = actionDigest({ chainId, contract, action });
          const signer = await classifySigner(owner, action, digest);
          return signer.kind === "wallet" || signer.kind === "not-delegate"
            ? owner.address
            : undefined;
        },
        reputation,
        unprovenWallets,
      },
    });
    const running = batcher;
    const app = createRelayerApp({
      store,
      chainId,
      contract,
      relayer: account.address,
      slotOwners,
      classifySigner,
      checkContractWallet: createContractWalletCheck({
        validate: createWalletValidationCheck({
          request: publicClient.request as RpcRequest,
          contract,
          relayer: account.address,
        }),
        standing: (wallet) => reputation.standing(wallet),
      }),
      simulate: (action) =>
        simulateAction({ publicClient, contract, relayer: account.address, action }),
      unprovenWallets,
      clientLimiter: createRateLimiter({ rate: options.clientRate, burst: options.clientBurst }),
      invalidLimiter: createRateLimiter({
        rate: options.clientInvalidRate,
        burst: options.clientInvalidBurst,
      }),
      partyLimiter: createRateLimiter({ rate: options.partyRate, burst: options.partyBurst }),
      policy: createServePolicy({
        chainId,
        contract,
        sessions: options.sessions,
        initiators: options.initiators,
        readInitiator: (sessionId) =>
          publicClient.readContract({
            address: contract,
            abi: roundtableAbi,
            functionName: "initiatorOf",
            args: [sessionId],
          }),
      }),
      metrics,
      logger,
      options,
      head: () => running.head(),
      readHead: () => publicClient.getBlockNumber({ cacheTime: 0 }),
      onQueued: () => running.wake(),
    });
    const listening = await new Promise<{ server: Server; info: AddressInfo }>(
      (resolve, reject) => {
        const s = serve(
          {
            fetch: app.fetch,
            hostname: options.host,
            port: options.port,
            serverOptions: {
              headersTimeout: options.headersTimeoutMs,
              requestTimeout: options.requestTimeoutMs,
              // Node looks for expired header and request timers this often (30 s by default).
              connectionsCheckingInterval: Math.max(
                50,
                Math.min(1_000, Math.floor(options.headersTimeoutMs / 4)),
              ),
            },
          },
          (info) => resolve({ server: s as Server, info }),
        ) as Server;
        s.once("error", reject);
      },
    );
    server = listening.server;
    // Longer than clients' pooled keep-alive, so that the server never closes a socket a client
    // is about to reuse (the client would see ECONNRESET).
    server.keepAliveTimeout = 65_000;
    limitConnections(server, options, logger);
    server.on("drop", (data?: { remoteAddress?: string }) =>
      logger.warn({ client: data?.remoteAddress }, "connection refused: --max-connections reached"),
    );
    const { address, port } = listening.info;
    const host = address.includes(":") ? `[${address}]` : address;
    const url = `http://${host}:${port}`;
    logger.info({ url, chainId, contract, relayer: account.address }, "relayer listening");
    const open = server;
    const batcherToStop = running;
    return {
      url,
      address: account.address,
      chainId,
      options,
      async close() {
        if (controller.signal.aborted) return;
        controller.abort();
        await new Promise<void>((resolve) => {
          open.close(() => resolve());
          open.closeAllConnections();
        });
        await batcherToStop.stop();
        store.close();
        reputation.close();
      },
    };
  } catch (error) {
    await batcher?.stop();
    server?.close();
    store.close();
    reputation.close();
    throw error;
  }
}
