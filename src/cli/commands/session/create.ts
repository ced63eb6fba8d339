import { zeroAddress, zeroHash } from "viem";
import type { CiphersuiteId } from "../../../protocol/index.js";
import { createSession } from "../../../sdk/actions/createSession.js";
import { roundtableAbi } from "../../../sdk/generated/roundtableAbi.js";
import {
  describeMessage,
  encodeMessagePreimage,
  type MessagePreimage,
  MessagePreimageError,
  messageDigest,
} from "../../../sdk/messagePreimage.js";
import {
  DEFAULT_ACCEPTANCE_DURATION,
  DEFAULT_ROUND_DURATION,
  keygenConfig,
  signingConfig,
} from "../../../sdk/protocolIds.js";
import { sessionFingerprint } from "../../../sdk/sessionFingerprint.js";
import type { SessionConfig } from "../../../sdk/types.js";
import { keyOptions } from "../../account.js";
import { emptyBalanceError } from "../../balance.js";
import { type CommandInput, defineCommand, type OptionSpecs } from "../../command.js";
import {
  deadlineJson,
  deadlineText,
  idName,
  keyHolderCount,
  kindName,
  partyRunCommand,
  scheduleText,
  thresholdText,
} from "../../describe.js";
import { ExitCode, toCliError, UsageError } from "../../errors.js";
import { formatTable } from "../../output.js";
import {
  parseAddressList,
  parseBytes32,
  parseChoice,
  parseInteger,
  parseSessionId,
} from "../../parse.js";

const ciphersuites: Record<string, CiphersuiteId> = {
  taproot: "FROST-secp256k1-SHA256-TR-v1",
  rfc9591: "FROST-secp256k1-SHA256-v1",
};

/** The contract's MAX_DURATION: 30 days. */
const maxDuration = 30 * 86_400;

const createOptions = {
  ...keyOptions,
  parties: {
    type: "string",
    valueName: "A,B,C",
    description: "the parties' addresses, comma-separated, in any order (they are sorted)",
  },
  threshold: {
    type: "string",
    valueName: "T",
    description: "signers needed, 2 to the number of parties (signing: default the key's)",
  },
  kind: { type: "string", valueName: "KIND", description: "keygen (default) or signing" },
  "key-session": {
    type: "string",
    valueName: "ID",
    description: "signing: the finalized key-generation session whose key signs",
  },
  message: {
    type: "string",
    valueName: "0x…",
    description: "signing: the 32-byte digest to sign (shown to signers as opaque)",
  },
  text: {
    type: "string",
    valueName: "TEXT",
    description:
      "signing: or a text, carried in the session so that every signer sees and checks it",
  },
  ciphersuite: {
    type: "string",
    valueName: "SUITE",
    description: "taproot (BIP-340, default) or rfc9591",
  },
  acceptance: {
    type: "string",
    valueName: "SECONDS",
    description: `time every party has to accept (default ${DEFAULT_ACCEPTANCE_DURATION})`,
  },
  "round-duration": {
    type: "string",
    valueName: "SECONDS",
    description: `time each phase of each round stays open (default ${DEFAULT_ROUND_DURATION})`,
  },
} as const satisfies OptionSpecs;

export const sessionCreateCommand = defineCommand({
  path: ["session", "create"],
  summary: "create a key-generation or signing session (you become its initiator)",
  positionals: [],
  options: createOptions,
  description: [
    "Creates a FROST session of three rounds (key generation: commitments, then encrypted shares, then agreement on the group key; signing: nonce commitments, signature shares, agreement on the signature). Parties are sorted by address, as the contract requires: a party's index is its position in that order.",
    "Prints the session id, the configuration hash that every party accepts, the acceptance deadline and the command each party runs.",
  ],
  examples: [
    "roundtable session create --key-file me.json --parties 0xA…,0xB…,0xC… --threshold 2",
    "roundtable session create --key-file me.json --kind signing --key-session 1 --message 0x…32 bytes… --parties 0xA…,0xC…",
  ],
  run: (input) => createSessionFromFlags(input),
});

/**
 * `session create` itself. `preimage` is for commands that build the message to sign themselves
 * (`account propose`): it takes the place of --text and --message, and is checked, shown and
 * carried exactly as a --text is.
 */
export async function createSessionFromFlags(
  { values, context }: CommandInput<typeof createOptions>,
  preimage?: Exclude<MessagePreimage, { kind: "digest" }>,
): Promise<ExitCode> {
  const { log, output, options } = context;

  // Every flag is checked before the key is opened or the chain is asked anything.
  const kind = parseChoice(values.kind ?? "keygen", "--kind", ["keygen", "signing"]);
  if (values.parties === undefined) {
    throw new UsageError(
      "Missing --parties: pass the parties' addresses, comma-separated, such as --parties 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC.",
      "--parties",
    );
  }
  const given = parseAddressList(values.parties, "--parties");
  const seen = new Set<string>();
  for (const [i, party] of given.entries()) {
    if (party === zeroAddress) {
      throw new UsageError(
        `Invalid --parties: item ${i + 1} is the zero address ${zeroAddress}, which no one holds a key for. Give each party's own address (\`roundtable key address\` prints it).`,
        "--parties",
      );
    }
    if (seen.has(party)) {
      throw new UsageError(
        `Invalid --parties: ${party} appears twice; each party holds one seat. Remove the duplicate.`,
        "--parties",
      );
    }
    seen.add(party);
  }
  if (given.length < 2 || given.length > 255) {
    throw new UsageError(
      `Invalid --parties: ${given.length} ${given.length === 1 ? "party" : "parties"}; FROST needs 2 to 255. Add parties, comma-separated.`,
      "--parties",
    );
  }
  const thresholdOf = (value: string) =>
    parseInteger(value, "--threshold", {
      min: 2,
      max: given.length,
      what: `the number of signers needed (FROST needs at least 2; there are ${given.length} parties)`,
      sample: Math.min(2, given.length),
    });
  const durations = {
    acceptance:
      values.acceptance === undefined
        ? undefined
        : parseInteger(values.acceptance, "--acceptance", {
            min: 1,
            max: maxDuration,
            what: "seconds every party has to accept",
            sample: 3600,
          }),
    rounds:
      values["round-duration"] === undefined
        ? undefined
        : parseInteger(values["round-duration"], "--round-duration", {
            min: 1,
            max: maxDuration,
            what: "seconds each phase of a round stays open",
            sample: 600,
          }),
  };
  const ciphersuite =
    ciphersuites[
      parseChoice(values.ciphersuite ?? "taproot", "--ciphersuite", ["taproot", "rfc9591"])
    ];

  let signing:
    | { keySession: bigint; message: `0x${string}`; preimage: MessagePreimage | undefined }
    | undefined;
  if (kind === "signing") {
    if (values["key-session"] === undefined) {
      throw new UsageError(
        "Missing --key-session: a signing session needs --key-session, the finalized key generation whose key signs, such as --key-session 1.",
        "--key-session",
      );
    }
    if (preimage === undefined && (values.message === undefined) === (values.text === undefined)) {
      const flag = values.message === undefined ? "--text" : "--message";
      throw new UsageError(
        `Pass exactly one of --text (a text every signer is shown and checks, such as --text "release v1.2.0") or --message (a 32-byte digest, shown to signers as opaque, such as --message 0x${"ab".repeat(32)}).`,
        flag,
      );
    }
    const keySession = parseSessionId(values["key-session"], "--key-session");
    if (preimage !== undefined) {
      // Built, checked and size-checked by the caller, in its own flags' words.
      signing = { keySession, message: messageDigest(preimage), preimage };
    } else if (values.text !== undefined) {
      const text: MessagePreimage = { kind: "text", text: values.text };
      let message: `0x${string}`;
      try {
        message = messageDigest(text);
        encodeMessagePreimage(text);
      } catch (error) {
        if (!(error instanceof MessagePreimageError)) throw error;
        throw new UsageError(`Invalid --text: ${error.message}.`, "--text");
      }
      signing = { keySession, message, preimage: text };
    } else {
      const message = parseBytes32(values.message ?? "", "--message", "the digest to sign");
      if (message === zeroHash) {
        throw new UsageError(
          "Invalid --message: it is zero; pass the 32-byte digest to sign (such as the sha256 or keccak256 of the data).",
          "--message",
        );
      }
      // No preimage: the same configuration as the SDK's signingConfig({ message }), which every
      // runner shows as an opaque digest.
      signing = { keySession, message, preimage: undefined };
    }
  } else {
    for (const flag of ["key-session", "message", "text"] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(
          `--${flag} is for signing sessions; add --kind signing, or leave --${flag} out for a key generation.`,
          `--${flag}`,
        );
      }
    }
    if (values.threshold === undefined) {
      throw new UsageError(
        `Missing --threshold: pass the number of signers the key will need, 2 to ${given.length}, such as --threshold 2.`,
        "--threshold",
      );
    }
  }
  const threshold = values.threshold === undefined ? undefined : thresholdOf(values.threshold);

  const account = await context.account(values, "Creating a session");
  const connection = await context.roundtable();
  const { publicClient, contract, chainId } = connection;

  let config: SessionConfig;
  if (signing) {
    const keyThreshold =
      threshold ??
      (await publicClient
        .readContract({
          address: contract,
          abi: roundtableAbi,
          functionName: "thresholdOf",
          args: [signing.keySession],
        })
        .catch((error: unknown) => {
          throw toCliError(error, connection.rpcUrlShown);
        }));
    config = signingConfig({
      keySession: signing.keySession,
      signers: given,
      threshold: keyThreshold,
      message: signing.message,
      preimage: signing.preimage,
      ciphersuite,
      durations,
    });
  } else {
    config = keygenConfig({ parties: given, threshold: threshold ?? 2, ciphersuite, durations });
  }
  const reordered = config.parties.some((party, i) => party !== given[i]);
  log.info(
    `Parties sorted by address, as the contract requires${reordered ? " (the order differs from the one given)" : ""}: a party's index is its position.`,
  );

  log.info(
    `Creating a ${kindName(config.kind)} session on chain ${chainId} from ${account.address} …`,
  );
  const created = await createSession({
    publicClient,
    walletClient: connection.walletClient(account),
    address: contract,
    config,
  }).catch(async (error: unknown) => {
    throw (
      (await emptyBalanceError(connection, account.address, { relayer: false, cause: error })) ??
      toCliError(error, connection.rpcUrlShown)
    );
  });
  const fingerprint = sessionFingerprint({
    chainId,
    contract,
    sessionId: created.sessionId,
    configHash: created.configHash,
  });
  const block = await publicClient.getBlock({ blockNumber: created.blockNumber });
  const now = Number(block.timestamp);
  const command = partyRunCommand(created.sessionId, contract, options);
  const protocol = idName(config.protocol, "protocol");
  const suite = idName(config.ciphersuite, "ciphersuite");

  output.result(
    [
      `Created session ${created.sessionId} on chain ${chainId} (contract ${contract}).`,
      ...formatTable(
        [
          ["kind", `${kindName(config.kind)} (${protocol}, ${suite})`],
          [
            "threshold",
            thresholdText(
              config.threshold,
              config.parties.length,
              signing && (await keyHolderCount(publicClient, contract, signing.keySession)),
            ),
          ],
          ["schedule", scheduleText(config.rounds)],
          ...(signing
            ? [
                ["key session", String(signing.keySession)],
                ["message", signing.message],
                ...describeMessage(signing.message, config.params).map((line, i) => [
                  i === 0 ? "signers sign" : "",
                  line,
                ]),
              ]
            : []),
          ["config hash", created.configHash],
          ["session fingerprint", fingerprint],
          ["acceptance deadline", deadlineText(created.acceptanceDeadline, now)],
          ["transaction", created.transactionHash],
        ],
        "  ",
      ),
      "Parties, sorted by address (a party's index is its position):",
      ...formatTable(
        config.parties.map((party, i) => [String(i), party]),
        "  ",
      ),
      "Each party runs, with its own key file and a directory for its secrets:",
      `  ${command}`,
      `It shows the configuration and asks to accept. To accept without the prompt, a party checks the session fingerprint with you (it names this chain, contract and session, which a config hash does not) and adds --yes --expect-session ${fingerprint}.`,
    ],
    {
      sessionId: created.sessionId,
      chainId,
      contract,
      kind: kindName(config.kind),
      protocol,
      ciphersuite: suite,
      parties: config.parties,
      threshold: config.threshold,
      rounds: config.rounds,
      acceptanceDuration: config.acceptanceDuration,
      ...(signing
        ? {
            keySession: signing.keySession,
            message: signing.message,
            ...(signing.preimage?.kind === "text" ? { text: signing.preimage.text } : {}),
            ...(signing.preimage?.kind === "intent" ? { intent: signing.preimage.intent } : {}),
          }
        : {}),
      configHash: created.configHash,
      sessionFingerprint: fingerprint,
      acceptanceDeadline: deadlineJson(created.acceptanceDeadline, now),
      transactionHash: created.transactionHash,
      blockNumber: created.blockNumber,
      partyCommand: command,
    },
  );
  return ExitCode.Success;
}
