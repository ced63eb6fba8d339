import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { keyOptions } from "../account.js";
import { type CommandInput, defineCommand, type OptionSpecs } from "../command.js";
import { UsageError } from "../errors.js";
import { sessionCreateCommand } from "./session/create.js";

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
    message: { type: "string", valueName: "0x…", description: "the 32-byte digest to sign" },
    text: {
      type: "string",
      valueName: "TEXT",
      description: "or a text: its SHA-256 digest is what is signed",
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
  },
  description: [
    "Creates a FROST signing session with the key of --key-session: its signers (at least the key's threshold of its holders) then each run `roundtable party run` with the store that holds their key share, and agree on the signature (BIP-340 with the default ciphersuite).",
    "Pass the 32-byte digest with --message, or a text with --text, whose SHA-256 digest is signed.",
  ],
  examples: [
    'roundtable sign --key-file me.json --key-session 1 --signers 0xA…,0xC… --text "release v1.2.0"',
    "roundtable sign --key-file me.json --key-session 1 --signers 0xA…,0xC… --message 0x…32 bytes…",
  ],
  async run({ values, args, context }) {
    if (values.signers === undefined) {
      throw new UsageError(
        "Missing --signers: pass the signers' addresses, comma-separated, holders of the key, such as --signers 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC.",
        "--signers",
      );
    }
    if ((values.message === undefined) === (values.text === undefined)) {
      const flag = values.message === undefined ? "--message" : "--text";
      throw new UsageError(
        `Pass exactly one of --message (the 32-byte digest to sign) or --text (signed as its SHA-256 digest), such as --text "release v1.2.0".`,
        flag,
      );
    }
    const message = values.message ?? bytesToHex(sha256(utf8ToBytes(values.text ?? "")));
    if (values.text !== undefined) {
      context.log.info(`Signing the SHA-256 digest of --text: 0x${message}.`);
    }
    // create's flags, as if given to `session create --kind signing`; unset flags stay absent.
    const { signers, text: _text, ...rest } = values;
    const createValues: CommandInput<OptionSpecs>["values"] = {
      kind: "signing",
      parties: signers,
      message: message.startsWith("0x") ? message : `0x${message}`,
    };
    for (const [name, value] of Object.entries(rest)) {
      if (value !== undefined) Object.assign(createValues, { [name]: value });
    }
    return sessionCreateCommand.run({ args, context, values: createValues });
  },
});
