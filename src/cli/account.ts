import { readFile, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import type { Hex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import type { OptionSpecs } from "./command.js";
import { UsageError } from "./errors.js";
import { readKeyFile } from "./keyFile.js";
import type { Logger } from "./output.js";
import { announceIfSlow } from "./progress.js";
import { type Input, isInteractive, promptHidden } from "./prompt.js";

/** A file error in words, such as "no such file". */
function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}

/** The flags of every command that signs with the user's account. */
export const keyOptions = {
  "key-file": {
    type: "string",
    valueName: "PATH",
    description:
      "the account's key file (Web3 Secret Storage v3, as geth, Foundry and `roundtable key new` write)",
  },
  "password-file": {
    type: "string",
    valueName: "PATH",
    description: "a file holding the key file's password (default: asked on the terminal)",
  },
} as const satisfies OptionSpecs;

/** The variable that may hold a raw private key instead of a key file (discouraged). */
const privateKeyVariable = "ROUNDTABLE_PRIVATE_KEY";

export type KeyIo = {
  stdin: Input;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  log: Logger;
};

/**
 * A password from `file` (its content without the trailing newline), or
 * asked on the terminal without echo. Without either, an error that names
 * `flag`: a script must never hang on a prompt nobody sees.
 */
export async function getPassword(
  io: KeyIo,
  {
    file,
    flag,
    purpose,
    confirm = false,
  }: { file: string | undefined; flag: string; purpose: string; confirm?: boolean },
): Promise<string> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
      if (((await stat(file)).mode & 0o077) !== 0) {
        io.log.warn(`${flag} ${file} can be read by other users; restrict it with chmod 600.`);
      }
    } catch (error) {
      throw new UsageError(
        `Cannot read ${flag} ${file}: ${fileProblem(error)}. Pass the path of a file that holds the password of ${purpose}.`,
        flag,
      );
    }
    return text.replace(/\r?\n$/, "");
  }
  if (!isInteractive(io.stdin)) {
    throw new UsageError(
      `${purpose[0]?.toUpperCase() ?? ""}${purpose.slice(1)} needs a password, but stdin is not a terminal to ask on. Pass ${flag} PATH, a file that holds the password.`,
      flag,
    );
  }
  const password = await promptHidden(io.stdin, io.stderr, `Password for ${purpose}: `);
  if (confirm) {
    const again = await promptHidden(io.stdin, io.stderr, "Repeat the password: ");
    if (again !== password) {
      throw new UsageError(
        "The two passwords differ; nothing was written. Run the command again.",
        flag,
      );
    }
  }
  return password;
}

/**
 * The account that signs: from --key-file (decrypted with its password), or
 * from ROUNDTABLE_PRIVATE_KEY with a warning every time. Neither the key nor
 * the password ever appears in a message.
 */
export async function loadAccount(
  io: KeyIo,
  values: { "key-file"?: string | undefined; "password-file"?: string | undefined },
  purpose: string,
): Promise<PrivateKeyAccount> {
  const keyFile = values["key-file"];
  const raw = io.env[privateKeyVariable];
  if (keyFile !== undefined) {
    if (raw) io.log.warn(`${privateKeyVariable} is set but not used: --key-file takes precedence.`);
    const password = await getPassword(io, {
      file: values["password-file"],
      flag: "--password-file",
      purpose: `key file ${keyFile}`,
    });
    const privateKey = await announceIfSlow(
      io.log,
      `Decrypting key file ${keyFile} (scrypt, a second or two) …`,
      () => readKeyFile(keyFile, password),
    );
    return privateKeyToAccount(privateKey);
  }
  if (values["password-file"] !== undefined) {
    throw new UsageError(
      "--password-file was given without --key-file. Pass --key-file PATH, the key file the password opens.",
      "--key-file",
    );
  }
  if (raw) {
    io.stderr.write(
      `WARNING: signing with the raw private key in ${privateKeyVariable}. Anything that can read this process's environment (shell history, process listings, CI logs, crash reports) can take it. Use --key-file with a password instead (roundtable key new --key-file PATH).\n`,
    );
    const hex = (raw.startsWith("0x") ? raw : `0x${raw}`) as Hex;
    try {
      if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new Error("not 32 bytes");
      return privateKeyToAccount(hex);
    } catch {
      throw new UsageError(
        `${privateKeyVariable} is not a private key: expected 0x followed by 64 hex digits, a valid secp256k1 key. (Its value is not shown.)`,
        privateKeyVariable,
      );
    }
  }
  throw new UsageError(
    `${purpose} needs the account's key: pass --key-file PATH (create one with \`roundtable key new --key-file PATH\`), or set ${privateKeyVariable} (discouraged: the key then sits in the environment).`,
    "--key-file",
  );
}
