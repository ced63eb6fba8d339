import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";
import { CliError, ExitCode } from "./errors.js";

/** stdin as main.ts hands it over: a TTY when a person is at the keyboard. */
export type Input = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

export function isInteractive(stdin: Input): boolean {
  return stdin.isTTY === true && typeof stdin.setRawMode === "function";
}

function interrupted(): CliError {
  return new CliError({
    message: "Interrupted at the prompt; nothing was done.",
    exitCode: ExitCode.Interrupted,
  });
}

/**
 * Reads a line from the terminal without echoing it (a password). The
 * terminal is put in raw mode for the read and restored after, also on Ctrl-C.
 */
export function promptHidden(stdin: Input, stderr: Writable, question: string): Promise<string> {
  const setRawMode = stdin.setRawMode;
  if (!isInteractive(stdin) || setRawMode === undefined) {
    return Promise.reject(new Error("promptHidden needs a terminal"));
  }
  stderr.write(question);
  setRawMode.call(stdin, true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (outcome: () => void) => {
      stdin.off("data", onData);
      setRawMode.call(stdin, false);
      stdin.pause();
      stderr.write("\n");
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of chunk.toString("utf8")) {
        if (character === "\r" || character === "\n" || character === "\u0004") {
          finish(() => resolve(value));
          return;
        }
        if (character === "\u0003") {
          finish(() => reject(interrupted()));
          return;
        }
        if (character === "\u007f" || character === "\b") value = value.slice(0, -1);
        else value += character;
      }
    };
    stdin.on("data", onData);
  });
}

/** Asks a yes/no question on the terminal; only "y" or "yes" is yes. */
export async function promptYesNo(
  stdin: Input,
  stderr: Writable,
  question: string,
): Promise<boolean> {
  const readline = createInterface({ input: stdin, output: stderr, terminal: true });
  try {
    const onInterrupt = new Promise<never>((_, reject) => {
      readline.once("SIGINT", () => reject(interrupted()));
    });
    const answer = await Promise.race([readline.question(question), onInterrupt]);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}
