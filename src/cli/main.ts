// The `roundtable` command: parses the command line, hands the command to its
// own file under commands/, and turns whatever it throws into one line on
// stderr and a documented exit code. Run through bin/roundtable.js (or
// `npm run roundtable -- …`), which uses the project's Node and tsx.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCommandLine } from "./argv.js";
import type { Command } from "./command.js";
import { accountAddressCommand } from "./commands/account/address.js";
import { accountCreateCommand } from "./commands/account/create.js";
import { accountExecuteCommand } from "./commands/account/execute.js";
import { accountProposeCommand } from "./commands/account/propose.js";
import { accountShowCommand } from "./commands/account/show.js";
import { auditCommand } from "./commands/audit.js";
import { chainCommand } from "./commands/chain.js";
import { completionCommand } from "./commands/completion.js";
import { demoCommand } from "./commands/demo.js";
import { deployCommand } from "./commands/deploy.js";
import { keyAddressCommand } from "./commands/key/address.js";
import { keyNewCommand } from "./commands/key/new.js";
import { partyRunCommand } from "./commands/party/run.js";
import { relayerCommand } from "./commands/relayer.js";
import { sessionCancelCommand } from "./commands/session/cancel.js";
import { sessionCreateCommand } from "./commands/session/create.js";
import { sessionExpireCommand } from "./commands/session/expire.js";
import { sessionListCommand } from "./commands/session/list.js";
import { sessionShowCommand } from "./commands/session/show.js";
import { sessionWatchCommand } from "./commands/session/watch.js";
import { shareExportCommand } from "./commands/share/export.js";
import { shareImportCommand } from "./commands/share/import.js";
import { signCommand } from "./commands/sign.js";
import { webCommand } from "./commands/web.js";
import {
  type CliContext,
  type CliIo,
  createContext,
  type GlobalOptions,
  resolveGlobalOptions,
} from "./context.js";
import { isEntryPoint } from "./entryPoint.js";
import { ExitCode, toCliError, UsageError } from "./errors.js";
import { commandHelp, groupHelp, topLevelHelp } from "./help.js";
import { toJson } from "./output.js";
import { projectRoot } from "./project.js";

/** Every command, in the order `roundtable --help` lists them. */
export const commands: readonly Command[] = [
  chainCommand,
  deployCommand,
  keyNewCommand,
  keyAddressCommand,
  sessionCreateCommand,
  sessionShowCommand,
  sessionWatchCommand,
  sessionListCommand,
  sessionExpireCommand,
  sessionCancelCommand,
  partyRunCommand,
  shareExportCommand,
  shareImportCommand,
  relayerCommand,
  signCommand,
  accountAddressCommand,
  accountCreateCommand,
  accountProposeCommand,
  accountExecuteCommand,
  accountShowCommand,
  auditCommand,
  demoCommand,
  webCommand,
  completionCommand(() => commands),
];

/** The version in the project's package.json, which `roundtable --version` prints. */
async function packageVersion(): Promise<string> {
  const text = await readFile(join(projectRoot, "package.json"), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** Runs one command line and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let options: GlobalOptions | undefined;
  let context: CliContext | undefined;
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    // A second Ctrl-C does not wait for a clean shutdown.
    if (interrupts > 1) process.exit(ExitCode.Interrupted);
    io.stderr.write(`\nReceived ${signal}: shutting down (again to force) …\n`);
    controller.abort(new Error(`received ${signal}`));
  };
  try {
    if (argv.length === 1 && argv[0] === "--version") {
      io.stdout.write(`${await packageVersion()}\n`);
      return ExitCode.Success;
    }
    const line = parseCommandLine(argv, commands);
    options = resolveGlobalOptions(line.values, io.env);
    // Help that was asked for goes to stdout; help instead of a command is a usage error, on stderr.
    if (line.kind === "top-level") {
      (line.help ? io.stdout : io.stderr).write(`${topLevelHelp(commands)}\n`);
      return line.help ? ExitCode.Success : ExitCode.Usage;
    }
    if (line.kind === "group") {
      const group = commands.filter((c) => c.path[0] === line.group);
      (line.help ? io.stdout : io.stderr).write(`${groupHelp(line.group, group)}\n`);
      return line.help ? ExitCode.Success : ExitCode.Usage;
    }
    const { command, values, args } = line;
    if (values.help === true) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return ExitCode.Success;
    }
    if (command.handlesSignals) for (const s of signals) process.on(s, onSignal);
    context = createContext(options, io, controller.signal);
    return await command.run({ values, args, context });
  } catch (thrown) {
    const error = toCliError(thrown, options?.rpcUrlShown);
    const debug = options?.debug ?? io.env.ROUNDTABLE_DEBUG === "1";
    io.stderr.write(`error: ${error.message.replace(/\s*\n\s*/g, " ")}\n`);
    if (debug) {
      for (const detail of error.details) io.stderr.write(`  ${detail}\n`);
      for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 8; depth++) {
        io.stderr.write(`${cause.stack ?? `${cause.name}: ${cause.message}`}\n`);
        cause = cause.cause;
      }
    }
    const json = options?.json ?? argv.includes("--json");
    // Exactly one object on stdout: none more if the command already wrote its result.
    if (json && context?.output.written !== true) {
      io.stdout.write(
        `${toJson({
          error: {
            message: error.message,
            exitCode: error.exitCode,
            retryable: error.retryable,
            ...(error instanceof UsageError && error.flag !== undefined
              ? { flag: error.flag }
              : {}),
          },
        })}\n`,
      );
    }
    return error.exitCode;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

if (isEntryPoint(import.meta.url)) {
  const code = await main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  // Open sockets (an RPC keep-alive) must not hold the process: exit once stdout is flushed.
  process.stdout.write("", () => process.exit(code));
}
