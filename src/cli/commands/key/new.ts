import { access, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { generatePrivateKey } from "viem/accounts";
import { getPassword } from "../../account.js";
import { defineCommand } from "../../command.js";
import { ExitCode, UsageError } from "../../errors.js";
import { writeKeyFile } from "../../keyFile.js";
import { announceIfSlow } from "../../progress.js";

/** Shorter passwords fall to guessing even behind scrypt. */
const MIN_PASSWORD_LENGTH = 8;

export const keyNewCommand = defineCommand({
  path: ["key", "new"],
  summary: "create an account key file (Web3 Secret Storage v3) and print its address",
  positionals: [],
  options: {
    "key-file": {
      type: "string",
      valueName: "PATH",
      description: "where to write the key file (mode 0600; never overwritten)",
    },
    "password-file": {
      type: "string",
      valueName: "PATH",
      description: "a file holding the new password (default: asked twice on the terminal)",
    },
  },
  description: [
    "Generates a private key and writes it encrypted (scrypt, AES-128-CTR) in the keystore format of geth, Foundry and MetaMask. Only the address is printed. Keep the password: without it the key is lost.",
  ],
  examples: ["roundtable key new --key-file ~/.roundtable/alice.json"],
  async run({ values, context }) {
    const path = values["key-file"];
    if (path === undefined) {
      throw new UsageError(
        "Missing --key-file: pass where to write the key file, such as --key-file alice.json.",
        "--key-file",
      );
    }
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new UsageError(
        `--key-file ${path} already exists; a key file is never overwritten. Choose another path, or move that file away first.`,
        "--key-file",
      );
    }
    const password = await getPassword(context.keyIo, {
      file: values["password-file"],
      flag: "--password-file",
      purpose: `the new key file ${path}`,
      confirm: true,
    });
    if (password === "") {
      throw new UsageError(
        "The password is empty; a key file needs one. Choose a password (a file holding it for --password-file).",
        "--password-file",
      );
    }
    if ([...password].length < MIN_PASSWORD_LENGTH) {
      throw new UsageError(
        `The password is ${[...password].length} character${[...password].length === 1 ? "" : "s"} long; use at least ${MIN_PASSWORD_LENGTH} (a few unrelated words are easy to remember and hard to guess). Nothing was written.`,
        "--password-file",
      );
    }
    const created = await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    if (created !== undefined) {
      context.log.info(`Created the directory ${created} (mode 0700) for the key file.`);
    }
    const { address } = await announceIfSlow(
      context.log,
      `Encrypting the new key into ${path} (scrypt, a second or two) …`,
      () => writeKeyFile(path, generatePrivateKey(), password),
    );
    context.output.result([`Created key file ${path}`, `address ${address}`], {
      address,
      keyFile: path,
    });
    return ExitCode.Success;
  },
});
