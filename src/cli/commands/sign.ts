import { zeroAddress } from "viem";
import type { MessagePreimage } from "../../sdk/messagePreimage.js";
import { keyOptions } from "../account.js";
import { type CommandInput, defineCommand, type OptionSpecs } from "../command.js";
import { type ExitCode, UsageError } from "../errors.js";
import { parseAddressList } from "../parse.js";
import { createSessionFromFlags } from "./session/create.js";

/** The flags of a signing request, shared by `sign` and `account propose`. */
export const signingOptions = {
  ...keyOptions,
  "key-session": {
    type: "string",
    valueName: "ID",
    description: "the finalized key-generation session whose key signs",
  },
  signers: {
    type: "string",
    valueName: "A,B",
    description: "the signers' addresses, holders of that key, at least its threshold",
  },
  acceptance: {
    type: "string",
    valueName: "SECONDS",
    description: "time every signer has to accept (default 86400)",
  },
  "round-duration": {
    type: "string",
    valueName: "SECONDS",
    description: "time each phase of each round stays open (default 3600)",
  },
} as const satisfies OptionSpecs;

/**
 * `roundtable sign`: asks holders of a generated key to sign a message. It is
 * `session create --kind signing` with the words a signer thinks in (signers,
 * a text or a digest), so the checks and output are create's own.
 */
export const signCommand = defineCommand({
  path: ["sign"],
  summary: "ask holders of a key to sign a message (creates a signing session)",
  positionals: [],
  options: {
    ...signingOptions,
    message: { type: "string", valueName: "0x…", description: "the 32-byte digest to sign" },
    text: {
      type: "string",
      valueName: "TEXT",
      description:
        "or a text, carried in the session: every signer is shown it and checks its digest",
    },
  },
  description: [
    "Creates a FROST signing session with the key of --key-session: its signers (at least the key's threshold of its holders) then each run `roundtable party run` with the store that holds their key share, and agree on the signature (BIP-340 with the default ciphersuite).",
    'Pass a text with --text: the session carries it, every signer\'s runner shows it and checks that the message is its digest (a BIP-340 tagged hash, "Roundtable/text/v1"). Or pass a 32-byte digest with --message: signers are told it is opaque.',
  ],
  examples: [
    'roundtable sign --key-file me.json --key-session 1 --signers 0xA…,0xC… --text "release v1.2.0"',
    "roundtable sign --key-file me.json --key-session 1 --signers 0xA…,0xC… --message 0x…32 bytes…",
  ],
  run: (input) => startSigningSession(input),
});

/**
 * Checks the signers, in a signer's words, and creates the signing session through `session
 * create`: with `preimage` (built by `account propose`) in place of --text or --message.
 */
export async function startSigningSession(
  { values, args, context }: CommandInput<OptionSpecs>,
  preimage?: Exclude<MessagePreimage, { kind: "digest" }>,
): Promise<ExitCode> {
  if (values.signers === undefined) {
    throw new UsageError(
      "Missing --signers: pass the signers' addresses, comma-separated, holders of the key, such as --signers 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC.",
      "--signers",
    );
  }
  // Checked here, in a signer's words: create's own checks would name --parties.
  const signerList = parseAddressList(values.signers, "--signers");
  const zero = signerList.indexOf(zeroAddress);
  if (zero >= 0) {
    throw new UsageError(
      `Invalid --signers: item ${zero + 1} is the zero address ${zeroAddress}, which holds no key share. Give the addresses of the key's holders (\`roundtable session show KEY_SESSION\` lists them).`,
      "--signers",
    );
  }
  if (new Set(signerList).size < 2) {
    throw new UsageError(
      `Invalid --signers: ${signerList.length === 1 ? "one signer" : "the same signer twice"}; a FROST signature needs at least 2 different signers, at least the key's threshold of its holders. Add signers, comma-separated, such as --signers 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC.`,
      "--signers",
    );
  }
  if (preimage === undefined && (values.message === undefined) === (values.text === undefined)) {
    const flag = values.message === undefined ? "--message" : "--text";
    throw new UsageError(
      `Pass exactly one of --text (a text every signer is shown and checks, such as --text "release v1.2.0") or --message (a 32-byte digest, shown to signers as opaque).`,
      flag,
    );
  }
  // create's flags, as if given to `session create --kind signing`; unset flags stay absent.
  // A --text travels in the session itself, so that every signer is shown it and checks it.
  const { signers, ...rest } = values;
  const createValues: CommandInput<OptionSpecs>["values"] = { kind: "signing", parties: signers };
  for (const [name, value] of Object.entries(rest)) {
    if (value !== undefined) Object.assign(createValues, { [name]: value });
  }
  return createSessionFromFlags({ args, context, values: createValues }, preimage);
}
