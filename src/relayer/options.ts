import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

// Each option once: its flag, its environment variable, its schema (with the default). Options
// are built once, from flags first, then ROUNDTABLE_RELAYER_* variables, then these defaults.
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * A comma-separated list for the operator policy, or "any" (the default): undefined means
 * every value is served.
 */
function idList(item: RegExp, what: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .default("any")
    .transform((value, context): string[] | undefined => {
      const list = (Array.isArray(value) ? value : value.split(","))
        .map((v) => v.trim().toLowerCase())
        .filter((v) => v !== "");
      if (list.length === 1 && list[0] === "any") return undefined;
      const bad = list.find((v) => !item.test(v));
      if (bad !== undefined || list.length === 0) {
        context.addIssue({
          code: "custom",
          message: `expected "any" or a comma-separated list of ${what}${bad === undefined ? "" : `, not ${JSON.stringify(bad.slice(0, 80))}`}`,
        });
        return z.NEVER;
      }
      return list;
    });
}

const optionSchemas = {
  host: z.string().min(1).default("127.0.0.1"),
  port: integer(0, 65_535).default(8546),
  db: z.string().min(1).default("roundtable-relayer.sqlite"),
  confirmations: integer(1, 1_000).default(2),
  maxBatch: integer(1, 1_000).default(100),
  maxBatchAgeMs: integer(0, 3_600_000).default(500),
  batchGasBudget: integer(100_000, 1_000_000_000).default(12_000_000),
  replaceAfterMs: integer(100, 3_600_000).default(30_000),
  pollIntervalMs: integer(5, 60_000).default(200),
  maxInFlight: integer(1, 64).default(4),
  clientRate: z.coerce.number().positive().max(1e9).default(50),
  clientBurst: integer(1, 1e9).default(200),
  partyRate: z.coerce.number().positive().max(1e9).default(2),
  partyBurst: integer(1, 1e9).default(20),
  unprovenWalletGasPerHour: integer(0, 1e12).default(2_000_000),
  queueLimit: integer(1, 10_000_000).default(20_000),
  bodyLimit: integer(1_024, 16 * 1024 * 1024).default(64 * 1024),
  clientInvalidRate: z.coerce.number().positive().max(1e9).default(2),
  clientInvalidBurst: integer(1, 1e9).default(20),
  headersTimeoutMs: integer(100, 600_000).default(10_000),
  requestTimeoutMs: integer(100, 3_600_000).default(30_000),
  maxHeadersCount: integer(8, 2_000).default(64),
  maxConnections: integer(1, 1_000_000).default(1_024),
  maxConnectionsPerIp: integer(1, 1_000_000).default(64),
  sessions: idList(/^(?:0|[1-9][0-9]{0,77})$/, "decimal session ids"),
  initiators: idList(/^0x[0-9a-fA-F]{40}$/, "0x addresses"),
} as const;

type OptionName = keyof typeof optionSchemas;

/** The flag and the environment variable of each option, for parsing and for messages. */
export const relayerOptionSources: {
  readonly [name in OptionName]: { flag: string; env: string };
} = {
  host: { flag: "--host", env: "ROUNDTABLE_RELAYER_HOST" },
  port: { flag: "--port", env: "ROUNDTABLE_RELAYER_PORT" },
  db: { flag: "--db", env: "ROUNDTABLE_RELAYER_DB" },
  confirmations: { flag: "--confirmations", env: "ROUNDTABLE_RELAYER_CONFIRMATIONS" },
  maxBatch: { flag: "--max-batch", env: "ROUNDTABLE_RELAYER_MAX_BATCH" },
  maxBatchAgeMs: { flag: "--max-batch-age-ms", env: "ROUNDTABLE_RELAYER_MAX_BATCH_AGE_MS" },
  batchGasBudget: { flag: "--batch-gas-budget", env: "ROUNDTABLE_RELAYER_BATCH_GAS_BUDGET" },
  replaceAfterMs: { flag: "--replace-after-ms", env: "ROUNDTABLE_RELAYER_REPLACE_AFTER_MS" },
  pollIntervalMs: { flag: "--poll-interval-ms", env: "ROUNDTABLE_RELAYER_POLL_INTERVAL_MS" },
  maxInFlight: { flag: "--max-in-flight", env: "ROUNDTABLE_RELAYER_MAX_IN_FLIGHT" },
  clientRate: { flag: "--client-rate", env: "ROUNDTABLE_RELAYER_CLIENT_RATE" },
  clientBurst: { flag: "--client-burst", env: "ROUNDTABLE_RELAYER_CLIENT_BURST" },
  partyRate: { flag: "--party-rate", env: "ROUNDTABLE_RELAYER_PARTY_RATE" },
  partyBurst: { flag: "--party-burst", env: "ROUNDTABLE_RELAYER_PARTY_BURST" },
  unprovenWalletGasPerHour: {
    flag: "--unproven-wallet-gas-per-hour",
    env: "ROUNDTABLE_RELAYER_UNPROVEN_WALLET_GAS_PER_HOUR",
  },
  queueLimit: { flag: "--queue-limit", env: "ROUNDTABLE_RELAYER_QUEUE_LIMIT" },
  bodyLimit: { flag: "--body-limit", env: "ROUNDTABLE_RELAYER_BODY_LIMIT" },
  clientInvalidRate: {
    flag: "--client-invalid-rate",
    env: "ROUNDTABLE_RELAYER_CLIENT_INVALID_RATE",
  },
  clientInvalidBurst: {
    flag: "--client-invalid-burst",
    env: "ROUNDTABLE_RELAYER_CLIENT_INVALID_BURST",
  },
  headersTimeoutMs: { flag: "--headers-timeout-ms", env: "ROUNDTABLE_RELAYER_HEADERS_TIMEOUT_MS" },
  requestTimeoutMs: { flag: "--request-timeout-ms", env: "ROUNDTABLE_RELAYER_REQUEST_TIMEOUT_MS" },
  maxHeadersCount: { flag: "--max-headers-count", env: "ROUNDTABLE_RELAYER_MAX_HEADERS_COUNT" },
  maxConnections: { flag: "--max-connections", env: "ROUNDTABLE_RELAYER_MAX_CONNECTIONS" },
  maxConnectionsPerIp: {
    flag: "--max-connections-per-ip",
    env: "ROUNDTABLE_RELAYER_MAX_CONNECTIONS_PER_IP",
  },
  sessions: { flag: "--sessions", env: "ROUNDTABLE_RELAYER_SESSIONS" },
  initiators: { flag: "--initiators", env: "ROUNDTABLE_RELAYER_INITIATORS" },
};

const relayerOptionsSchema = z
  .object({
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/ }),
    contract: z
      .string()
      .refine((value) => isAddress(value, { strict: false }), "expected 0x and 40 hex digits")
      .transform((value): Address => getAddress(value)),
    ...optionSchemas,
  })
  .refine((o) => o.headersTimeoutMs <= o.requestTimeoutMs, {
    path: ["headersTimeoutMs"],
    message:
      "expected at most the request timeout (--request-timeout-ms): headers are part of the request",
  });

/** Every setting of a relayer, after defaults. */
export type RelayerOptions = z.output<typeof relayerOptionsSchema>;

/** What a caller may set: the chain and contract, and any option it wants to change. */
export type RelayerOptionsInput = z.input<typeof relayerOptionsSchema>;

/** An option that failed its schema; `flag` names where the bad value came from. */
export class RelayerOptionsError extends Error {
  override name = "RelayerOptionsError";
  constructor(
    message: string,
    readonly flag: string,
  ) {
    super(message);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.message;
}

/**
 * Checks options and fills in defaults. A bad value throws a
 * {@link RelayerOptionsError} that names the option and what it accepts.
 *
 * @example
 * const options = parseRelayerOptions({ rpcUrl: "http://127.0.0.1:8545", contract, port: 0 });
 */
export function parseRelayerOptions(
  input: RelayerOptionsInput,
  sourceOf: (name: string) => string = (name) => name,
): RelayerOptions {
  const result = relayerOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const name = String(issue?.path[0] ?? "options");
  const value = (input as Record<string, unknown>)[name];
  throw new RelayerOptionsError(
    `Invalid ${sourceOf(name)} ${JSON.stringify(value) ?? "(missing)"}: ${issue ? describeIssue(issue) : "invalid"}. Run \`roundtable relayer --help\` for what each option accepts.`,
    sourceOf(name),
  );
}

export type ResolveRelayerOptionsParameters = {
  rpcUrl: string;
  contract: string;
  /** Flag values by option name (camelCase), as strings from the command line. */
  flags: Partial<Record<OptionName, string | undefined>>;
  env: NodeJS.ProcessEnv;
};

/**
 * Options from flags, then ROUNDTABLE_RELAYER_* variables, then defaults;
 * an error names the flag or the variable the bad value came from.
 *
 * @example
 * const options = resolveRelayerOptions({ rpcUrl, contract, flags: { port: "0" }, env: process.env });
 */
export function resolveRelayerOptions({
  rpcUrl,
  contract,
  flags,
  env,
}: ResolveRelayerOptionsParameters): RelayerOptions {
  const input: Record<string, unknown> = { rpcUrl, contract };
  const source: Record<string, string> = { rpcUrl: "--rpc-url", contract: "--contract" };
  for (const name of Object.keys(relayerOptionSources) as OptionName[]) {
    const { flag, env: variable } = relayerOptionSources[name];
    const fromFlag = flags[name];
    const fromEnv = env[variable];
    if (fromFlag !== undefined) {
      input[name] = fromFlag;
      source[name] = flag;
    } else if (fromEnv !== undefined && fromEnv !== "") {
      input[name] = fromEnv;
      source[name] = variable;
    }
  }
  return parseRelayerOptions(input as RelayerOptionsInput, (name) => source[name] ?? name);
}
