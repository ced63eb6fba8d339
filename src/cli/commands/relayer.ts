import { pino } from "pino";
import { RelayerOptionsError, resolveRelayerOptions } from "../../relayer/options.js";
import { createRelayer } from "../../relayer/server.js";
import { keyOptions } from "../account.js";
import { defineCommand } from "../command.js";
import { ExitCode, UsageError } from "../errors.js";

export const relayerCommand = defineCommand({
  path: ["relayer"],
  summary: "run a relayer: accept parties' signed actions over HTTP and submit them in batches",
  positionals: [],
  options: {
    host: {
      type: "string",
      valueName: "HOST",
      description: "address to listen on (env ROUNDTABLE_RELAYER_HOST; default 127.0.0.1)",
    },
    port: {
      type: "string",
      valueName: "PORT",
      description: "port (env ROUNDTABLE_RELAYER_PORT; default 8546; 0 picks a free one)",
    },
    db: {
      type: "string",
      valueName: "PATH",
      description:
        "the relayer's SQLite database (env ROUNDTABLE_RELAYER_DB; default roundtable-relayer.sqlite)",
    },
    confirmations: {
      type: "string",
      valueName: "N",
      description: "blocks before an inclusion is final (env …_CONFIRMATIONS; default 2)",
    },
    "max-batch": {
      type: "string",
      valueName: "N",
      description: "most actions per batch transaction (env …_MAX_BATCH; default 100)",
    },
    "max-batch-age-ms": {
      type: "string",
      valueName: "MS",
      description: "send a batch once its oldest action waited this long (default 500)",
    },
    "batch-gas-budget": {
      type: "string",
      valueName: "GAS",
      description: "send a batch once its actions' gas reaches this (default 12000000)",
    },
    "replace-after-ms": {
      type: "string",
      valueName: "MS",
      description:
        "replace a transaction not mined after this long, with higher fees (default 30000)",
    },
    "poll-interval-ms": {
      type: "string",
      valueName: "MS",
      description: "how often the batcher looks at the chain (default 200)",
    },
    "max-in-flight": {
      type: "string",
      valueName: "N",
      description:
        "most batch transactions pending at once, on consecutive nonces (1 to 64; default 4)",
    },
    "unproven-wallet-gas-per-hour": {
      type: "string",
      valueName: "GAS",
      description:
        "most wallet-check allowance an hour for contract wallets with no item landed yet (default 2000000; 0: none)",
    },
    "client-rate": {
      type: "string",
      valueName: "N",
      description: "requests per second per client address (default 50; burst --client-burst 200)",
    },
    "client-burst": {
      type: "string",
      valueName: "N",
      description: "requests a client address may send at once (default 200)",
    },
    "party-rate": {
      type: "string",
      valueName: "N",
      description:
        "new actions per second per session and party (default 2; burst --party-burst 20)",
    },
    "party-burst": {
      type: "string",
      valueName: "N",
      description: "new actions a session's party may send at once (default 20)",
    },
    "queue-limit": {
      type: "string",
      valueName: "N",
      description: "most actions held but not yet mined; above it, 503 (default 20000)",
    },
    "body-limit": {
      type: "string",
      valueName: "BYTES",
      description: "largest request body (default 65536)",
    },
    "client-invalid-rate": {
      type: "string",
      valueName: "N",
      description:
        "refused requests per second per client address before it must wait (default 2; burst --client-invalid-burst 20)",
    },
    "client-invalid-burst": {
      type: "string",
      valueName: "N",
      description: "refused requests a client address may send at once (default 20)",
    },
    "headers-timeout-ms": {
      type: "string",
      valueName: "MS",
      description: "close a connection whose request headers take longer (default 10000)",
    },
    "request-timeout-ms": {
      type: "string",
      valueName: "MS",
      description:
        "close a connection whose whole request (headers and body) takes longer (default 30000)",
    },
    "max-headers-count": {
      type: "string",
      valueName: "N",
      description: "most request headers read (default 64)",
    },
    "max-connections": {
      type: "string",
      valueName: "N",
      description: "most open connections; more are closed at once (default 1024)",
    },
    "max-connections-per-ip": {
      type: "string",
      valueName: "N",
      description: "most open connections from one client address (default 64)",
    },
    sessions: {
      type: "string",
      valueName: "IDS",
      description: 'serve only these sessions, comma-separated (default "any")',
    },
    initiators: {
      type: "string",
      valueName: "ADDRESSES",
      description:
        'serve only sessions created by these addresses, comma-separated (default "any")',
    },
    ...keyOptions,
  },
  description: [
    "Listens for parties' EIP-712-signed actions (POST /v1/actions), checks each one (its signer is the slot's party, and the contract would accept it now), stores it durably, and only then answers 202 with its id. Actions go on chain in batch transactions paid by the relayer's key (--key-file); GET /v1/actions/ID tells where one stands. GET /healthz and GET /metrics (Prometheus) are there for operators.",
    'Each option may also come from an environment variable: ROUNDTABLE_RELAYER_ and the flag\'s name in capitals with underscores, such as ROUNDTABLE_RELAYER_MAX_BATCH. Flags win over variables. Listens on 127.0.0.1 only unless --host says otherwise. Prints the URL once ready (with --json, {"url":…}); logs are JSON lines (pino) on stderr. Stops cleanly on SIGINT or SIGTERM; after a crash it carries on from its database.',
    "It relays only to the one contract it was started for (a body naming another contract or chain is refused with 403). Anyone can create a session whose parties' actions the relayer then pays for: an operator who does not mean to pay for strangers' sessions lists the sessions (--sessions) or initiators (--initiators) it serves; others are refused with 403.",
    "A relayer is a courier, not a trusted party: it cannot alter a signed action, and a party can always submit directly instead. See docs/relayer.md for what a 202 promises.",
  ],
  examples: [
    "roundtable relayer --key-file relayer.json --password-file pw.txt",
    "roundtable relayer --port 0 --json --db /var/lib/roundtable/relayer.sqlite --confirmations 3",
  ],
  handlesSignals: true,
  async run({ values, context }) {
    const { output, signal, options: global } = context;
    const connection = await context.roundtable();
    let options: ReturnType<typeof resolveRelayerOptions>;
    try {
      options = resolveRelayerOptions({
        rpcUrl: connection.rpcUrl,
        contract: connection.contract,
        flags: {
          host: values.host,
          port: values.port,
          db: values.db,
          confirmations: values.confirmations,
          maxBatch: values["max-batch"],
          maxBatchAgeMs: values["max-batch-age-ms"],
          batchGasBudget: values["batch-gas-budget"],
          replaceAfterMs: values["replace-after-ms"],
          pollIntervalMs: values["poll-interval-ms"],
          maxInFlight: values["max-in-flight"],
          clientRate: values["client-rate"],
          clientBurst: values["client-burst"],
          partyRate: values["party-rate"],
          partyBurst: values["party-burst"],
          unprovenWalletGasPerHour: values["unproven-wallet-gas-per-hour"],
          queueLimit: values["queue-limit"],
          bodyLimit: values["body-limit"],
          clientInvalidRate: values["client-invalid-rate"],
          clientInvalidBurst: values["client-invalid-burst"],
          headersTimeoutMs: values["headers-timeout-ms"],
          requestTimeoutMs: values["request-timeout-ms"],
          maxHeadersCount: values["max-headers-count"],
          maxConnections: values["max-connections"],
          maxConnectionsPerIp: values["max-connections-per-ip"],
          sessions: values.sessions,
          initiators: values.initiators,
        },
        env: context.io.env,
      });
    } catch (error) {
      if (error instanceof RelayerOptionsError) throw new UsageError(error.message, error.flag);
      throw error;
    }
    const account = await context.account(values, "Running a relayer");
    const logger = pino(
      { level: global.logLevel, base: { service: "roundtable-relayer" } },
      pino.destination({ dest: 2, sync: true }),
    );
    const relayer = await createRelayer({ ...options, account, logger });
    output.result([relayer.url], { url: relayer.url, relayer: relayer.address });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    logger.info("stopping the relayer");
    await relayer.close();
    logger.info("relayer stopped");
    return ExitCode.Success;
  },
});
