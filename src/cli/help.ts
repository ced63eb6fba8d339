import { type Command, globalOptions, type OptionSpecs } from "./command.js";
import { exitCodeTable } from "./errors.js";
import { formatTable } from "./output.js";

function flagRows(options: OptionSpecs): string[][] {
  return Object.entries(options).map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.valueName ? ` ${spec.valueName}` : ""}${spec.multiple ? " ..." : ""}`,
    spec.description,
  ]);
}

function usageLine(command: Command): string {
  const positionals = command.positionals
    .map((p) => (p.variadic ? ` [${p.name}...]` : ` ${p.name}`))
    .join("");
  return `roundtable ${command.path.join(" ")}${positionals} [flags]`;
}

/** `roundtable --help`: the commands, the global flags, keys, exit codes. */
export function topLevelHelp(commands: readonly Command[]): string {
  return [
    "roundtable: FROST key generation and threshold signing, coordinated by the Roundtable contract.",
    "",
    "Usage: roundtable <command> [flags]",
    "",
    "Commands:",
    ...formatTable(
      commands.map((c) => [
        c.path.join(" ") +
          c.positionals.map((p) => (p.variadic ? ` [${p.name}...]` : ` ${p.name}`)).join(""),
        c.summary,
      ]),
      "  ",
    ),
    "",
    "Global flags (any command):",
    ...formatTable(flagRows(globalOptions), "  "),
    "",
    "Keys: commands that send transactions take --key-file PATH (Web3 Secret Storage v3) with",
    "--password-file PATH or a prompt on the terminal; or a raw key in ROUNDTABLE_PRIVATE_KEY",
    "(discouraged, and warned about every time). Keys and passwords are never printed.",
    "",
    "Exit codes:",
    ...formatTable(
      exitCodeTable.map(([code, meaning]) => [String(code), meaning]),
      "  ",
    ),
    "",
    "Errors are one line on stderr (stack traces with --log-level debug or ROUNDTABLE_DEBUG=1);",
    "with --json, stdout then holds one object { error: { message, exitCode, retryable } }.",
    "Run `roundtable <command> --help` for a command's flags, `roundtable --version` for the version.",
  ].join("\n");
}

/** The commands under a group word, such as `roundtable session`. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  return [
    `Usage: roundtable ${group} <command> [flags]`,
    "",
    "Commands:",
    ...formatTable(
      commands.map((c) => [usageLine(c), c.summary]),
      "  ",
    ),
    "",
    `Run \`roundtable ${group} <command> --help\` for a command's flags.`,
  ].join("\n");
}

export function commandHelp(command: Command): string {
  const own = flagRows(command.options);
  return [
    `Usage: ${usageLine(command)}`,
    "",
    `${command.summary[0]?.toUpperCase() ?? ""}${command.summary.slice(1)}.`,
    ...command.description.flatMap((paragraph) => ["", paragraph]),
    ...(command.positionals.length > 0
      ? [
          "",
          "Arguments:",
          ...formatTable(
            command.positionals.map((p) => [p.name, p.description]),
            "  ",
          ),
        ]
      : []),
    ...(own.length > 0 ? ["", "Flags:", ...formatTable(own, "  ")] : []),
    "",
    "Global flags:",
    ...formatTable(flagRows(globalOptions), "  "),
    ...(command.examples.length > 0
      ? ["", "Examples:", ...command.examples.map((example) => `  ${example}`)]
      : []),
    "",
    "Exit codes: see `roundtable --help`.",
  ].join("\n");
}
