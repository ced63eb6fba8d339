import { access, rename, rm, writeFile } from "node:fs/promises";
import { openFileSecretStore } from "../../../party/fileSecretStore.js";
import { keyShareMismatch, sealKeyShareFile } from "../../../party/keyShareFile.js";
import { KEY_SHARE_RECORD } from "../../../party/records.js";
import type { SecretBinding } from "../../../party/secretStore.js";
import { decodeKeyShare } from "../../../protocol/index.js";
import { getPassword } from "../../account.js";
import { defineCommand } from "../../command.js";
import { CliError, ExitCode, UsageError } from "../../errors.js";
import { formatTable } from "../../output.js";
import { parseSessionId } from "../../parse.js";
import {
  groupKeyOf,
  partyAccount,
  readKeySession,
  shareFileError,
  shareOptions,
  storeExists,
} from "./common.js";

function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function outExists(out: string): UsageError {
  return new UsageError(
    `${out} exists already; nothing was written. Choose another --out, or add --force to replace it.`,
    "--out",
  );
}

/**
 * Writes `text` to `path` with mode 0600: only a new file, or with `force` over an old one
 * (through a temporary file and a rename, so a crash leaves the old file or the new one whole).
 */
async function writeSecretFile(path: string, text: string, force: boolean): Promise<void> {
  if (!force) {
    await writeFile(path, text, { mode: 0o600, flag: "wx" });
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export const shareExportCommand = defineCommand({
  path: ["share", "export"],
  summary: "write a party's key share to a file sealed under a new passphrase",
  positionals: [],
  options: {
    "key-session": {
      type: "string",
      valueName: "ID",
      description: "the key-generation session whose share to export, such as 7",
    },
    ...shareOptions,
    out: {
      type: "string",
      valueName: "FILE",
      description: "the file to write (mode 0600); an existing file only with --force",
    },
    force: { type: "boolean", description: "replace --out if it exists" },
  },
  description: [
    "Reads the key share this party got from key session --key-session out of --store, checks it against the session on chain (its group key is the session's result, its party the account's), and writes it to --out sealed under a NEW passphrase (asked twice on a terminal, or --passphrase-file): scrypt and XChaCha20-Poly1305, with the chain, contract, key session and party authenticated. The web client imports that file, and `roundtable share import` puts it into another store.",
    "The party is the account of --key-file, or --party-account for an account no key file holds; its index is read from the key session's parties on chain. Nothing secret is printed: only the session, the party and the group key.",
    "Anyone with the file and its passphrase can sign as this party: choose a passphrase of several words, different from the store's, and delete the file once imported.",
  ],
  examples: [
    "roundtable share export --key-session 7 --key-file alice.json --store ./alice --out alice-share.json",
    "roundtable share export --key-session 7 --party-account 0xSafe… --store ./safe --store-password-file store.pw --passphrase-file share.pw --out safe-share.json",
  ],
  async run({ values, context }) {
    const { log, output } = context;
    if (values["key-session"] === undefined) {
      throw new UsageError(
        "Missing --key-session: pass the key generation's session id, such as --key-session 7.",
        "--key-session",
      );
    }
    const keySession = parseSessionId(values["key-session"], "--key-session");
    const directory = values.store;
    if (directory === undefined) {
      throw new UsageError(
        "Missing --store: pass the party's secret store that holds the key share, such as --store ~/.roundtable/alice.",
        "--store",
      );
    }
    const out = values.out;
    if (out === undefined) {
      throw new UsageError(
        "Missing --out: pass the file to write, such as --out alice-share.json.",
        "--out",
      );
    }
    const force = values.force === true;

    const connection = await context.roundtable();
    const account = await partyAccount(values, context, "Exporting a key share");
    const chain = await readKeySession(connection, keySession);
    const party = chain.parties.findIndex((p) => p.toLowerCase() === account.toLowerCase());
    if (party < 0) {
      throw new CliError({
        message: `Account ${account} is not a party of key session ${keySession}, which has ${chain.parties.length} parties, so it holds no share of it. Check --key-session, and --key-file or --party-account.`,
        exitCode: ExitCode.NotAPartyOrWrongPhase,
      });
    }
    // Checked before any password is asked, and before anything is written.
    if (!(await storeExists(directory))) {
      throw new CliError({
        message: `There is no secret store in ${directory} (no store.json). Pass the --store the party ran key session ${keySession} with.`,
        exitCode: ExitCode.KeyOrStore,
      });
    }
    if (!force && (await fileExists(out))) throw outExists(out);
    const storePassword = await getPassword(context.keyIo, {
      file: values["store-password-file"],
      flag: "--store-password-file",
      purpose: `the secret store ${directory}`,
    });
    const store = await openFileSecretStore({ directory, password: storePassword });
    const binding: SecretBinding = {
      chainId: connection.chainId,
      contract: connection.contract,
      sessionId: keySession,
      party,
    };
    const share = await store.get(binding, KEY_SHARE_RECORD);
    if (share === undefined) {
      throw new CliError({
        message: `The store in ${directory} holds no key share of key session ${keySession} for party ${party} (${account}) on chain ${connection.chainId}, contract ${connection.contract}. Check --store, --key-session and the connection (--rpc-url, --contract).`,
        exitCode: ExitCode.KeyOrStore,
      });
    }
    const keyShare = decodeKeyShare(share);
    const mismatch = keyShareMismatch(keyShare, party, chain, account);
    if (mismatch !== undefined) {
      throw new CliError({
        message: `Not exported: ${mismatch} Nothing was written.`,
        exitCode: ExitCode.NoResult,
      });
    }

    const passphrase = await getPassword(context.keyIo, {
      file: values["passphrase-file"],
      flag: "--passphrase-file",
      purpose: `the new key share file ${out} (a new passphrase, not the store's)`,
      confirm: true,
    });
    if (passphrase === storePassword) {
      log.warn(
        "The file's passphrase is the store's password: whoever learns one opens both. A different one is safer.",
      );
    }
    const text = await sealKeyShareFile(share, binding, passphrase).catch((error: unknown) => {
      throw shareFileError(error, "--passphrase-file");
    });
    try {
      await writeSecretFile(out, text, force);
    } catch (error) {
      // Made between the check above and now: still never overwritten without --force.
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw outExists(out);
      throw new CliError({
        message: `Cannot write --out ${out}: ${(error as Error).message}. Nothing was exported.`,
        exitCode: ExitCode.KeyOrStore,
        cause: error,
      });
    }

    const groupKey = groupKeyOf(keyShare);
    output.result(
      [
        `Exported the key share of key session ${keySession}, party ${party}, to ${out} (sealed under the new passphrase).`,
        ...formatTable(
          [
            ["account", account],
            ["group key", groupKey],
            ["chain", `${connection.chainId}, contract ${connection.contract}`],
          ],
          "  ",
        ),
        "Anyone with this file and its passphrase can sign as this party: keep them apart, and delete the file once imported.",
      ],
      {
        keySession,
        party,
        account,
        groupPublicKey: groupKey,
        chainId: connection.chainId,
        contract: connection.contract,
        file: out,
      },
    );
    return ExitCode.Success;
  },
});
