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
    ...keyOptions,
  },
  description: [
    "Listens for parties' EIP-712-signed actions (POST /v1/actions), checks each one (its signer is the slot's party, and the contract would accept it now), stores it durably, and only then answers 202 with its id. Actions go on chain in batch transactions paid by the relayer's key (--key-file); GET /v1/actions/ID tells where one stands. GET /healthz and GET /metrics (Prometheus) are there for operators.",
    'Each option may also come from an environment variable: ROUNDTABLE_RELAYER_ and the flag\'s name in capitals with underscores, such as ROUNDTABLE_RELAYER_MAX_BATCH. Flags win over variables. Listens on 127.0.0.1 only unless --host says otherwise. Prints the URL once ready (with --json, {"url":…}); logs are JSON lines (pino) on stderr. Stops cleanly on SIGINT or SIGTERM; after a crash it carries on from its database.',
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
          clientRate: values["client-rate"],
          clientBurst: values["client-burst"],
          partyRate: values["party-rate"],
          partyBurst: values["party-burst"],
          queueLimit: values["queue-limit"],
          bodyLimit: values["body-limit"],
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
