// What `share export` and `share import` have in common: the flags that name the party, its store
// and the file's passphrase; the key session read from the chain; and the key share file's errors
// in the CLI's terms (exit codes).
import { access } from "node:fs/promises";
import { join } from "node:path";
import { type Address, bytesToHex, type Hex } from "viem";
import { KeyShareFileError } from "../../../party/keyShareFile.js";
import { groupPublicKey, type KeyShare } from "../../../protocol/index.js";
import { readSession } from "../../../sdk/actions/readSession.js";
import { SessionKind } from "../../../sdk/types.js";
import { keyOptions } from "../../account.js";
import type { OptionSpecs } from "../../command.js";
import type { RoundtableConnection } from "../../connection.js";
import type { CliContext } from "../../context.js";
import { CliError, ExitCode, toCliError, UsageError } from "../../errors.js";
import { parseAddress } from "../../parse.js";

export const shareOptions = {
  ...keyOptions,
  "party-account": {
    type: "string",
    valueName: "0x…",
    description:
      "the party's account instead of --key-file, when no key file holds it (a Safe, a hardware wallet)",
  },
  store: {
    type: "string",
    valueName: "DIR",
    description: "the party's secret store (as `party run --store`)",
  },
  "store-password-file": {
    type: "string",
    valueName: "PATH",
    description: "a file holding the store's password (default: asked on the terminal)",
  },
  "passphrase-file": {
    type: "string",
    valueName: "PATH",
    description: "a file holding the key share file's passphrase (default: asked on the terminal)",
  },
} as const satisfies OptionSpecs;

/** The party's account: --party-account as given, or the address of --key-file's key. */
export async function partyAccount(
  values: {
    "party-account"?: string | undefined;
    "key-file"?: string | undefined;
    "password-file"?: string | undefined;
  },
  context: CliContext,
  purpose: string,
): Promise<Address> {
  const given = values["party-account"];
  if (given !== undefined) {
    if (values["key-file"] !== undefined) {
      throw new UsageError(
        "Pass either --key-file or --party-account, not both: the key file names the account itself.",
        "--party-account",
      );
    }
    return parseAddress(given, "--party-account");
  }
  return (await context.account(values, purpose)).address;
}

/** Whether `directory` holds a secret store (its store.json). */
export function storeExists(directory: string): Promise<boolean> {
  return access(join(directory, "store.json")).then(
    () => true,
    () => false,
  );
}

export type KeySessionOnChain = {
  result: Hex | undefined;
  parties: readonly Address[];
  threshold: number;
};

/** A key-generation session as the chain records it (configuration checked against its hash). */
export async function readKeySession(
  connection: RoundtableConnection,
  sessionId: bigint,
): Promise<KeySessionOnChain> {
  const session = await readSession({
    publicClient: connection.publicClient,
    address: connection.contract,
    sessionId,
  }).catch((error: unknown) => {
    throw toCliError(error, connection.rpcUrlShown);
  });
  if (session.config.kind !== SessionKind.KeyGeneration) {
    throw new CliError({
      message: `Session ${sessionId} is a signing session, not a key generation: a key share belongs to the key generation that made it. Pass that session's id (a signing session names it as its key session).`,
      exitCode: ExitCode.NotAPartyOrWrongPhase,
    });
  }
  return { result: session.result, parties: session.parties, threshold: session.threshold };
}

/** The key share's group key, as the chain's result names it (x-only for BIP-340). */
export function groupKeyOf(keyShare: KeyShare): Hex {
  return bytesToHex(groupPublicKey(keyShare));
}

/** A key share file that does not seal or open, as a CliError with the module's message. */
export function shareFileError(error: unknown, flag: string): unknown {
  if (!(error instanceof KeyShareFileError)) return error;
  return error.code === "WEAK_PASSPHRASE"
    ? new UsageError(error.message, flag)
    : new CliError({ message: error.message, exitCode: ExitCode.KeyOrStore, cause: error });
}
