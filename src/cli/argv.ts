import { parseArgs } from "node:util";
import {
  type Command,
  type GlobalValues,
  globalOptions,
  type OptionSpecs,
  type OptionValues,
} from "./command.js";
import { UsageError } from "./errors.js";

/** What the command line asks for. */
export type CommandLine =
  | { kind: "top-level"; help: boolean; values: GlobalValues }
  | { kind: "group"; group: string; help: boolean; values: GlobalValues }
  | { kind: "command"; command: Command; values: CommandValues; args: string[] };

type CommandValues = OptionValues<OptionSpecs> & GlobalValues;

/** Edit distance, for "did you mean" on a mistyped flag or command. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function suggestion(given: string, candidates: readonly string[]): string {
  const best = candidates
    .map((candidate) => ({ candidate, d: distance(given, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? ` Did you mean ${best.candidate}?` : "";
}

function toParseArgsOptions(options: OptionSpecs) {
  return Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short ? { short: spec.short } : {}),
        ...(spec.multiple ? { multiple: true } : {}),
      },
    ]),
  );
}

/** parseArgs' messages, rephrased to name the flag and where to find valid ones. */
function usageErrorFrom(
  error: unknown,
  where: string,
  options: OptionSpecs,
  argv: readonly string[],
): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  const help = `Run \`${where} --help\` for its flags.`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = quoted.split("=")[0] ?? quoted;
    const known = Object.keys(options).map((name) => `--${name}`);
    return new UsageError(
      `Unknown flag ${flag} for \`${where}\`.${suggestion(flag, known)} ${help}`,
      flag,
    );
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = quoted.split(" ")[0] ?? quoted;
    const name = flag.replace(/^-+/, "");
    const spec = options[name] ?? Object.values(options).find((o) => `-${o.short}` === flag);
    // parseArgs takes "-1" for a flag; no flag of ours takes a negative number.
    const next = argv[argv.indexOf(flag) + 1];
    if (spec?.type !== "boolean" && next !== undefined && /^-\d/.test(next)) {
      return new UsageError(
        `Invalid ${flag} "${next}": the value must be a positive whole number, such as ${flag} 2. ${help}`,
        flag,
      );
    }
    const text =
      spec?.type === "boolean"
        ? `Flag ${flag} takes no value; write it alone, as ${flag}.`
        : `Flag ${flag} needs a value, such as ${flag} ${spec?.valueName ?? "VALUE"} (for a value starting with a dash, write ${flag}=VALUE).`;
    return new UsageError(`${text} ${help}`, flag);
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return new UsageError(
      `Unexpected argument "${quoted}" for \`${where}\`, which takes none. ${help}`,
    );
  }
  return new UsageError(`${message} ${help}`);
}

/**
 * Splits the command words from the flags, then parses the flags strictly
 * against the command's own and the global ones. Command words come first
 * (global flags may come before them): `roundtable [--json] session show 7`.
 */
export function parseCommandLine(
  argv: readonly string[],
  commands: readonly Command[],
): CommandLine {
  // First pass, lenient: which words select the command?
  const first = parseArgs({
    args: [...argv],
    options: toParseArgsOptions(globalOptions),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionalTokens = first.tokens.filter((t) => t.kind === "positional");
  const words = positionalTokens.map((t) => t.value);
  const command = commands
    .filter((c) => c.path.every((word, i) => words[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];

  if (command === undefined) {
    const [word] = words;
    const globals = parseGlobalsOnly(
      argv,
      word === undefined ? "roundtable" : `roundtable ${word}`,
    );
    if (word === undefined)
      return { kind: "top-level", help: globals.help === true, values: globals };
    const group = commands.filter((c) => c.path.length > 1 && c.path[0] === word);
    if (group.length > 0 && words.length === 1) {
      return { kind: "group", group: word, help: globals.help === true, values: globals };
    }
    const names =
      group.length > 0
        ? group.map((c) => c.path.join(" "))
        : [...new Set(commands.map((c) => c.path[0] ?? ""))];
    const given = group.length > 0 ? words.slice(0, 2).join(" ") : word;
    throw new UsageError(
      `Unknown command "${given}".${suggestion(given, names)} Commands: ${names.join(", ")}. Run \`roundtable --help\`.`,
      given,
    );
  }

  // Second pass, strict, without the command words.
  const wordIndexes = new Set(positionalTokens.slice(0, command.path.length).map((t) => t.index));
  const rest = argv.filter((_, i) => !wordIndexes.has(i));
  const options = { ...globalOptions, ...command.options };
  const where = `roundtable ${command.path.join(" ")}`;
  let parsed: { values: CommandValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: toParseArgsOptions(options),
      strict: true,
      allowPositionals: command.positionals.length > 0,
    }) as typeof parsed;
  } catch (error) {
    throw usageErrorFrom(error, where, options, rest);
  }
  if (parsed.values.help !== true) {
    const variadic = command.positionals.at(-1)?.variadic === true;
    const expected = variadic ? command.positionals.slice(0, -1) : command.positionals;
    if (!variadic && parsed.positionals.length > expected.length) {
      const extra = parsed.positionals[expected.length];
      throw new UsageError(
        `Unexpected argument "${extra}" for \`${where}\`, which takes ${expected.length === 0 ? "none" : expected.map((p) => p.name).join(" ")}. Run \`${where} --help\`.`,
      );
    }
    const missing = expected[parsed.positionals.length];
    if (missing !== undefined) {
      throw new UsageError(
        `Missing argument ${missing.name} for \`${where}\`: ${missing.description}. Run \`${where} --help\`.`,
        missing.name,
      );
    }
  }
  return { kind: "command", command, values: parsed.values, args: parsed.positionals };
}

/** The global flags of a command line that names no command (or only a group word). */
function parseGlobalsOnly(argv: readonly string[], where: string): GlobalValues {
  try {
    return parseArgs({
      args: [...argv],
      options: toParseArgsOptions(globalOptions),
      strict: true,
      allowPositionals: true,
    }).values as GlobalValues;
  } catch (error) {
    throw usageErrorFrom(error, where, globalOptions, argv);
  }
}
