import { readFile } from "node:fs/promises";
import { bytesToHex } from "viem";
import { openFileSecretStore } from "../../../party/fileSecretStore.js";
import {
  keyShareFileBinding,
  keyShareMismatch,
  openKeyShareFile,
} from "../../../party/keyShareFile.js";
import { KEY_SHARE_RECORD } from "../../../party/records.js";
import type { SecretBinding } from "../../../party/secretStore.js";
import { getPassword } from "../../account.js";
import { defineCommand } from "../../command.js";
import { CliError, ExitCode, UsageError } from "../../errors.js";
import { formatTable } from "../../output.js";
import {
  groupKeyOf,
  partyAccount,
  readKeySession,
  shareFileError,
  shareOptions,
  storeExists,
} from "./common.js";

export const shareImportCommand = defineCommand({
  path: ["share", "import"],
  summary: "put a key share from an exported file into a party's store, checked against the chain",
  positionals: [],
  options: {
    file: {
      type: "string",
      valueName: "FILE",
      description: "the key share file (from `share export` or the web client)",
    },
    ...shareOptions,
  },
  description: [
    "Opens --file with its passphrase (asked on the terminal, or --passphrase-file), checks the key share against the key session on chain (the session's result is the share's group key, and the party the file names is the account of --key-file or --party-account), and puts it into --store (created if missing) under that key session and party. Signing sessions run with `party run --store` then use it.",
    "The file's chain and contract must be the connection's (--rpc-url, --contract). A store that already holds a different key share for that key session and party is never overwritten; importing the same share again changes nothing. Nothing secret is printed: only the session, the party and the group key.",
  ],
  examples: [
    "roundtable share import --file alice-share.json --key-file alice.json --store ./alice-laptop",
    "roundtable share import --file safe-share.json --party-account 0xSafe… --store ./safe --store-password-file store.pw --passphrase-file share.pw",
  ],
  async run({ values, context }) {
    const { output } = context;
    const path = values.file;
    if (path === undefined) {
      throw new UsageError(
        "Missing --file: pass the key share file to import, such as --file alice-share.json.",
        "--file",
      );
    }
    const directory = values.store;
    if (directory === undefined) {
      throw new UsageError(
        "Missing --store: pass the party's secret store to import into, such as --store ~/.roundtable/alice (created if missing).",
        "--store",
      );
    }
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new UsageError(
        `Cannot read --file ${path}: ${(error as Error).message}. Pass the file \`share export\` or the web client wrote.`,
        "--file",
      );
    }
    let named: SecretBinding;
    try {
      named = keyShareFileBinding(text);
    } catch (error) {
      throw shareFileError(error, "--file");
    }

    const connection = await context.roundtable();
    if (named.chainId !== connection.chainId || named.contract !== connection.contract) {
      throw new UsageError(
        `${path} holds a key share of chain ${named.chainId}, contract ${named.contract}, but the connection is chain ${connection.chainId}, contract ${connection.contract}. Nothing was imported: pass --rpc-url of chain ${named.chainId} and --contract ${named.contract}.`,
        "--rpc-url",
      );
    }
    const account = await partyAccount(values, context, "Importing a key share");
    const chain = await readKeySession(connection, named.sessionId);
    // Checked before any passphrase is asked: the file names its party in clear.
    const holder = chain.parties[named.party];
    if (holder === undefined || holder.toLowerCase() !== account.toLowerCase()) {
      throw new CliError({
        message: `${path} holds party ${named.party}'s key share of key session ${named.sessionId}, which is ${holder ?? "nobody"}, not account ${account}. Nothing was imported: import it with that party's --key-file (or --party-account), into that party's store.`,
        exitCode: ExitCode.NotAPartyOrWrongPhase,
      });
    }

    const passphrase = await getPassword(context.keyIo, {
      file: values["passphrase-file"],
      flag: "--passphrase-file",
      purpose: `the key share file ${path}`,
    });
    const opened = await openKeyShareFile(text, passphrase).catch((error: unknown) => {
      throw shareFileError(error, "--passphrase-file");
    });
    const { binding, share, keyShare } = opened;
    const mismatch = keyShareMismatch(keyShare, binding.party, chain, account);
    if (mismatch !== undefined) {
      throw new CliError({
        message: `Not imported: ${mismatch} The store was not touched.`,
        exitCode: ExitCode.NoResult,
      });
    }

    const existed = await storeExists(directory);
    const storePassword = await getPassword(context.keyIo, {
      file: values["store-password-file"],
      flag: "--store-password-file",
      purpose: `the secret store ${directory}`,
      confirm: !existed,
    });
    const store = await openFileSecretStore({ directory, password: storePassword });
    const held = await store.get(binding, KEY_SHARE_RECORD);
    const groupKey = groupKeyOf(keyShare);
    if (held !== undefined && bytesToHex(held) !== bytesToHex(share)) {
      throw new CliError({
        message: `The store in ${directory} already holds a different key share for key session ${binding.sessionId}, party ${binding.party}; a key share is never overwritten, so nothing was imported. Import into another --store, or keep the one it holds.`,
        exitCode: ExitCode.KeyOrStore,
      });
    }
    if (held === undefined) await store.put(binding, KEY_SHARE_RECORD, share);

    const did =
      held === undefined
        ? `Imported the key share of key session ${binding.sessionId}, party ${binding.party}, into ${directory}${existed ? "" : " (new store)"}.`
        : `The store in ${directory} already holds this key share of key session ${binding.sessionId}, party ${binding.party}; nothing changed.`;
    output.result(
      [
        did,
        ...formatTable(
          [
            ["account", account],
            ["group key", groupKey],
            ["chain", `${connection.chainId}, contract ${connection.contract}`],
          ],
          "  ",
        ),
      ],
      {
        keySession: binding.sessionId,
        party: binding.party,
        account,
        groupPublicKey: groupKey,
        chainId: connection.chainId,
        contract: connection.contract,
        store: directory,
        status: held === undefined ? "imported" : "unchanged",
      },
    );
    return ExitCode.Success;
  },
});
