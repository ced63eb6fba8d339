import type { CliContext } from "./context.js";
import type { ExitCode } from "./errors.js";
import { logLevels } from "./output.js";

/** One flag, as `node:util` parseArgs takes it, with its help text. */
export type OptionSpec = {
  type: "string" | "boolean";
  short?: string;
  /** One line for `--help`. */
  description: string;
  /** The value's name in help, such as PATH. String flags only. */
  valueName?: string;
  /** A string flag that may be given more than once; its value is then every one, in order. */
  multiple?: boolean;
  /** The values a string flag takes, offered by shell completion (the command still checks them). */
  choices?: readonly string[];
};

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed values of `O`: every flag is optional; booleans are true when given. */
export type OptionValues<O extends OptionSpecs> = {
  [name in keyof O]?: O[name]["type"] extends "boolean"
    ? boolean
    : O[name] extends { multiple: true }
      ? string[]
      : string;
};

/** The flags every command takes; main.ts turns them into GlobalOptions once. */
export const globalOptions = {
  "rpc-url": {
    type: "string",
    valueName: "URL",
    // Repeatable: several providers are a quorum (every read a decision rests on is compared).
    multiple: true,
    description:
      "JSON-RPC endpoint; repeat it for several providers, which must agree (env ROUNDTABLE_RPC_URL, comma-separated; default http://127.0.0.1:8545)",
  },
  "rpc-quorum": {
    type: "string",
    valueName: "K",
    description:
      "how many of the --rpc-url providers must give the same answer; the others may be down (env ROUNDTABLE_RPC_QUORUM; default: all)",
  },
  contract: {
    type: "string",
    valueName: "ADDRESS",
    description:
      "Roundtable contract (env ROUNDTABLE_CONTRACT; default: deployments/<chainId>.json)",
  },
  "deployments-dir": {
    type: "string",
    valueName: "DIR",
    description:
      "where deployments are recorded (env ROUNDTABLE_DEPLOYMENTS_DIR; default: the project's deployments/)",
  },
  json: {
    type: "boolean",
    description: "print exactly one JSON object on stdout; logs stay on stderr",
  },
  "log-level": {
    type: "string",
    valueName: "LEVEL",
    choices: logLevels,
    description: "error, warn, info or debug (default info; debug adds stack traces)",
  },
  help: { type: "boolean", short: "h", description: "show help for the command" },
} as const satisfies OptionSpecs;

export type GlobalValues = OptionValues<typeof globalOptions>;

export type CommandInput<O extends OptionSpecs> = {
  values: OptionValues<O> & GlobalValues;
  /** The positional arguments after the command's words, one per entry of `positionals`. */
  args: string[];
  context: CliContext;
};

/** A command: its words, its flags and help, and what it runs. Each lives in its own file. */
export type Command = {
  /** The words that select it, such as ["session", "create"]. */
  path: readonly string[];
  summary: string;
  /**
   * Arguments after the flags, such as "ID"; every one is required, except a last one marked
   * `variadic`, which takes zero or more values.
   */
  positionals: readonly {
    name: string;
    description: string;
    variadic?: boolean;
    /** The values it takes, offered by shell completion (the command still checks them). */
    choices?: readonly string[];
  }[];
  options: OptionSpecs;
  /** Paragraphs for `--help`. */
  description: readonly string[];
  examples: readonly string[];
  /**
   * Runs until SIGINT/SIGTERM and shuts down through `context.signal` (the
   * others simply exit with code 130 when interrupted).
   */
  handlesSignals?: boolean;
  run(input: CommandInput<OptionSpecs>): Promise<ExitCode>;
};

/** Declares a command with its flags typed in `run`. */
export function defineCommand<const O extends OptionSpecs>(
  command: Omit<Command, "options" | "run"> & {
    options: O;
    run(input: CommandInput<O>): Promise<ExitCode>;
  },
): Command {
  return command;
}
