import { access } from "node:fs/promises";
import { join } from "node:path";
import type { Hex, LocalAccount } from "viem";
import { PartyError } from "../../../party/errors.js";
import { openFileSecretStore } from "../../../party/fileSecretStore.js";
import { createRelayedTransport } from "../../../party/relayedTransport.js";
import { type AcceptanceSummary, type PartyProgress, runParty } from "../../../party/runParty.js";
import { createDirectTransport, type Transport } from "../../../party/transport.js";
import { roundtableAbi } from "../../../sdk/generated/roundtableAbi.js";
import { getPassword, keyOptions } from "../../account.js";
import { emptyBalanceError } from "../../balance.js";
import { defineCommand } from "../../command.js";
import { keyHolderCount, scheduleText, thresholdText } from "../../describe.js";
import { CliError, ExitCode, toCliError, UsageError } from "../../errors.js";
import { formatDuration, formatTable, formatTime } from "../../output.js";
import { parseBytes32, parseDuration, parseSessionId, redactUrl } from "../../parse.js";
import { announceIfSlow } from "../../progress.js";
import { isInteractive, promptYesNo } from "../../prompt.js";
import { resolveTrustedBlock, trustedBlockOption } from "../../trustedBlock.js";
import {
  AcceptanceExported,
  acceptanceExportedResult,
  acceptanceSigner,
  delegateOptions,
  parseDelegation,
} from "./delegateAcceptance.js";
import { waitForSession } from "./waitForSession.js";

/** The configuration a party is asked to accept, as lines for stderr. */
function summaryLines(
  summary: AcceptanceSummary,
  account: string,
  chainNow: number,
  keyHolders: number | undefined,
): string[] {
  const secondsLeft = summary.acceptanceDeadline.getTime() / 1000 - chainNow;
  const rows: string[][] = [
    ["kind", `${summary.kind} (${summary.protocol}, ${summary.ciphersuite})`],
    ["threshold", thresholdText(summary.threshold, summary.parties.length, keyHolders)],
    ["schedule", scheduleText(summary.rounds)],
    ...(summary.keySession === undefined ? [] : [["key session", String(summary.keySession)]]),
    ...(summary.message === undefined ? [] : [["message", summary.message]]),
    ...(summary.messageShown ?? []).map((line, i) => [i === 0 ? "you sign" : "", line]),
    [
      "acceptance deadline",
      `${formatTime(summary.acceptanceDeadline.getTime() / 1000)} (${formatDuration(secondsLeft)})`,
    ],
    ["config hash", summary.configHash],
    ["session fingerprint", summary.sessionFingerprint],
    ["EIP-712 digest", `${summary.acceptDigest} (what your acceptance signs)`],
    ...(summary.domainSeparator === undefined
      ? []
      : [["domain separator", summary.domainSeparator]]),
    ...(summary.delegate === undefined
      ? []
      : [["delegate", `${summary.delegate} (new key in --store: signs every later action)`]]),
  ];
  return [
    `Session ${summary.sessionId} on chain ${summary.chainId}, contract ${summary.contract}, asks you to accept:`,
    ...formatTable(rows, "  "),
    `  parties, sorted by address (you are party ${summary.partyIndex}, ${account}):`,
    ...formatTable(
      summary.parties.map((party, i) => [
        String(i),
        party,
        i === summary.partyIndex ? "<- you" : "",
      ]),
      "    ",
    ),
  ];
}

const finalPhases = ["Finalized", "Aborted", "Cancelled"];

function parseRelayerUrls(values: readonly string[] | undefined): string[] {
  const urls = (values ?? []).flatMap((value) => value.split(",").map((url) => url.trim()));
  for (const url of urls) {
    let valid = false;
    try {
      valid = ["http:", "https:"].includes(new URL(url).protocol);
    } catch {}
    if (!valid) {
      throw new UsageError(
        `Invalid --relayer ${JSON.stringify(url)}: expected http(s) URLs separated by commas, such as --relayer http://127.0.0.1:8546.`,
        "--relayer",
      );
    }
  }
  return urls;
}

function parseRelayerTimeout(value: string | undefined): number {
  if (value === undefined) return 30_000;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0) || seconds > 3600) {
    throw new UsageError(
      `Invalid --relayer-timeout ${JSON.stringify(value)}: expected seconds between 0 and 3600, such as --relayer-timeout 30.`,
      "--relayer-timeout",
    );
  }
  return seconds * 1000;
}

/** A transport as messages name it: a relayer's URL redacted (its path may hold an API key). */
function transportText(t: Transport): string {
  return t.name.startsWith("relayer ") ? `relayer ${redactUrl(t.name.slice(8))}` : t.name;
}

/** What follows transport `index` when it fails: the next relayers, then direct delivery. */
function fallbackText(transports: readonly Transport[], index: number): string {
  const rest = transports.slice(index + 1).map((t) => {
    if (t.name === "direct") return "direct delivery by the account (which needs gas)";
    if (t.name.startsWith("direct")) return `direct delivery ${t.name.slice("direct ".length)}`;
    return transportText(t);
  });
  return rest.length === 0 ? "no other transport, so it is not delivered" : rest.join(", then ");
}

function progressLine(p: PartyProgress): string {
  const note = p.note === undefined ? "" : `: ${p.note}`;
  if (finalPhases.includes(p.phase)) return `[session ${p.sessionId}] ${p.note ?? p.phase}`;
  const round = p.round === 0 ? "" : ` round ${p.round}`;
  // By the chain's clock, as the contract decides deadlines (and `session show` counts them).
  const now = p.chainTime ?? new Date();
  const left = formatDuration((p.deadline.getTime() - now.getTime()) / 1000);
  const deadline = left.endsWith("ago") ? `deadline passed ${left}` : `deadline ${left}`;
  return `[session ${p.sessionId}] ${p.phase}${round}, ${p.acted} of ${p.partyCount} parties done, ${deadline}${note}`;
}

export const partyRunCommand = defineCommand({
  path: ["party", "run"],
  summary: "take part in a session as one party, from acceptance to the result",
  positionals: [],
  options: {
    session: { type: "string", valueName: "ID", description: "the session id, such as 7" },
    ...keyOptions,
    store: {
      type: "string",
      valueName: "DIR",
      description: "directory of this party's encrypted secrets (created if missing; keep it)",
    },
    "store-password-file": {
      type: "string",
      valueName: "PATH",
      description: "a file holding the store's password (default: asked on the terminal)",
    },
    yes: {
      type: "boolean",
      description:
        "accept without asking; only together with --expect-session (or --expect-config-hash)",
    },
    "expect-session": {
      type: "string",
      valueName: "0x…",
      description:
        "refuse unless the session fingerprint (chain, contract, session id and config hash) is this one (from the initiator)",
    },
    "expect-config-hash": {
      type: "string",
      valueName: "0x…",
      description: "refuse unless the session's config hash is this one (from the initiator)",
    },
    relayer: {
      type: "string",
      valueName: "URL",
      multiple: true,
      description:
        "send signed actions through this relayer (repeatable, or URLs joined by commas; tried in order), then directly",
    },
    "relayer-timeout": {
      type: "string",
      valueName: "SECONDS",
      description: "how long a relayer has to get an action mined before the next is tried (30)",
    },
    "wait-for-invitation": {
      type: "string",
      valueName: "DURATION",
      description:
        "if the session does not exist yet, wait up to DURATION (chain time) for the initiator to create it, such as 30m (default: fail at once)",
    },
    ...trustedBlockOption,
    ...delegateOptions,
  },
  description: [
    'Runs this party through the session: shows the configuration and asks "Accept? [y/N]", accepts (registering an encryption key), computes and submits each round, complains if another party cheats, and prints the outcome: the group key of a key generation, the signature of a signing session.',
    "Without a terminal it accepts only with both --yes and --expect-config-hash equal to the session's configuration hash, which you check with the initiator over another channel.",
    "Secrets (polynomial coefficients, nonces, key shares) are written to --store, encrypted, before any message that depends on them is sent, so the run can be stopped (Ctrl-C) or crash at any point: run the same command again to resume. Progress goes to stderr.",
    "Every other party's action it reads is used only if its signature recovers to that party, and the transcript it recomputes must equal the contract's; with --trusted-block, the transcript is also read from a storage proof against a header linked to that block. Give --rpc-url more than once to compare providers.",
    "With --delegate, a session delegate key is made and kept in --store (encrypted, before the acceptance naming it is sent): the account signs only the acceptance, the delegate every later action, sent through the relayers, then by the delegate itself (if it has gas), then by the account's wallet. --export-acceptance writes the acceptance's EIP-712 typed data, domain separator, struct hash and digest for a signer elsewhere (a hardware wallet, a Safe's owners) and stops; run again with --acceptance-signature to go on. docs/cli.md, \"Delegates and Safe parties\", has the whole flow.",
    "With --wait-for-invitation 30m, a party can start before the initiator has created the session: while session ID does not exist yet it waits (one line says so; Ctrl-C stops, exit 130), for at most the duration by the chain's clock, then fails with exit 2. Without it, a session that does not exist fails at once (exit 2): a mistyped id should not hang. A session that exists without this account among its parties fails at once either way (exit 6): its parties never change.",
    "With --relayer, each action is signed (EIP-712) and handed to the relayers in turn; one that refuses it, or has not got it mined within --relayer-timeout, is passed over, and the party finally sends it itself (which needs gas). A relayer's claim that an action was mined is checked against the transaction's receipt.",
  ],
  examples: [
    "roundtable party run --session 7 --key-file alice.json --store ./alice --delegate --relayer http://127.0.0.1:8546",
    "roundtable party run --session 7 --party-account 0xSafe… --store ./safe --delegate --export-acceptance accept.json",
    "roundtable party run --session 7 --party-account 0xSafe… --store ./safe --delegate --acceptance-signature @signature.txt --relayer http://127.0.0.1:8546",
    "roundtable party run --session 7 --key-file alice.json --store ~/.roundtable/alice",
    "roundtable party run --session 8 --key-file alice.json --store ~/.roundtable/alice --wait-for-invitation 30m",
    "roundtable party run --session 7 --key-file alice.json --password-file alice.pw --store ./alice --store-password-file store.pw --yes --expect-config-hash 0x…",
    "roundtable party run --session 7 --key-file alice.json --store ./alice --relayer http://127.0.0.1:8546",
  ],
  handlesSignals: true,
  async run({ values, context }) {
    const { log, output, io, signal } = context;
    if (values.session === undefined) {
      throw new UsageError(
        "Missing --session: pass the session id, such as --session 7.",
        "--session",
      );
    }
    const sessionId = parseSessionId(values.session, "--session");
    const directory = values.store;
    if (directory === undefined) {
      throw new UsageError(
        "Missing --store: pass a directory for this party's encrypted secrets, such as --store ~/.roundtable/alice. Use the same one to resume, and for signing with the key it generated.",
        "--store",
      );
    }
    const expected: Hex | undefined =
      values["expect-config-hash"] === undefined
        ? undefined
        : parseBytes32(
            values["expect-config-hash"],
            "--expect-config-hash",
            "the configuration hash",
          );
    const expectedSession: Hex | undefined =
      values["expect-session"] === undefined
        ? undefined
        : parseBytes32(values["expect-session"], "--expect-session", "the session fingerprint");
    if (values.yes && expected === undefined && expectedSession === undefined) {
      throw new UsageError(
        "--yes accepts without asking only together with --expect-session 0x… (the session fingerprint the initiator gave you, checked over another channel) or --expect-config-hash 0x…. Add one, or leave --yes out to be asked.",
        "--expect-session",
      );
    }

    const waitSeconds =
      values["wait-for-invitation"] === undefined
        ? undefined
        : parseDuration(values["wait-for-invitation"], "--wait-for-invitation");
    const relayerUrls = parseRelayerUrls(values.relayer);
    const relayerTimeout = parseRelayerTimeout(values["relayer-timeout"]);

    const connection = await context.roundtable();
    const trustedBlock = await resolveTrustedBlock(values["trusted-block"], {
      chainId: connection.chainId,
      deploymentsDir: context.options.deploymentsDir,
    });
    const delegation = await parseDelegation(values);
    // Signing away from the runner, the party's account may be one no key file holds (a Safe).
    const account =
      delegation.partyAccount !== undefined && values["key-file"] === undefined
        ? undefined
        : await context.account(values, "Running a party");
    const partyAddress = delegation.partyAccount ?? (account as LocalAccount).address;
    if (waitSeconds !== undefined) {
      await waitForSession({ connection, sessionId, boundSeconds: waitSeconds, log, signal });
    }
    // Checked before the store is opened (or created) and its password asked for.
    const parties = await connection.publicClient
      .readContract({
        address: connection.contract,
        abi: roundtableAbi,
        functionName: "partiesOf",
        args: [sessionId],
      })
      .catch((error: unknown) => {
        throw toCliError(error, connection.rpcUrlShown);
      });
    if (!parties.some((party) => party.toLowerCase() === partyAddress.toLowerCase())) {
      throw new CliError({
        message: `Account ${partyAddress} is not a party of session ${sessionId}, which has ${parties.length} parties. Run it with the key file of one of them (\`roundtable session show ${sessionId}\` lists them), or check the session id and --contract.`,
        exitCode: ExitCode.NotAPartyOrWrongPhase,
      });
    }
    const storeExists = await access(join(directory, "store.json")).then(
      () => true,
      () => false,
    );
    const password = await getPassword(context.keyIo, {
      file: values["store-password-file"],
      flag: "--store-password-file",
      purpose: `the secret store ${directory}`,
      confirm: !storeExists,
    });
    const store = await announceIfSlow(
      log,
      `${storeExists ? "Opening" : "Creating"} the secret store ${directory} (scrypt, a second or two) …`,
      () => openFileSecretStore({ directory, password }),
    );
    log.info(
      `Party ${partyAddress}, session ${sessionId} on chain ${connection.chainId} (${connection.rpcUrlShown}), store ${directory}${storeExists ? "" : " (new)"}.`,
    );

    let refusal: string | undefined;
    const confirm = async (summary: AcceptanceSummary): Promise<boolean> => {
      // The countdown by the chain's clock (the latest block), as the contract decides it.
      const latest = await connection.publicClient.getBlock().catch(() => undefined);
      const chainNow = latest === undefined ? Date.now() / 1000 : Number(latest.timestamp);
      const keyHolders =
        summary.keySession === undefined
          ? undefined
          : await keyHolderCount(connection.publicClient, connection.contract, summary.keySession);
      io.stderr.write(`${summaryLines(summary, partyAddress, chainNow, keyHolders).join("\n")}\n`);
      if (expected !== undefined && expected !== summary.configHash.toLowerCase()) {
        refusal = `Refused session ${sessionId}: its config hash is ${summary.configHash}, but --expect-config-hash is ${expected}. Do not accept: you and the initiator are not looking at the same configuration. Nothing was sent.`;
        return false;
      }
      if (
        expectedSession !== undefined &&
        expectedSession !== summary.sessionFingerprint.toLowerCase()
      ) {
        refusal = `Refused session ${sessionId}: its fingerprint (chain ${summary.chainId}, contract ${summary.contract}, session ${sessionId}, config hash ${summary.configHash}) is ${summary.sessionFingerprint}, but --expect-session is ${expectedSession}. Do not accept: this is not the session the initiator named (a clone with the same configuration has another fingerprint). Nothing was sent.`;
        return false;
      }
      if (values.yes) {
        if (expectedSession === undefined) {
          log.warn(
            `Accepting on --expect-config-hash alone: a config hash names no chain, contract or session, and a clone session with the same configuration has it too. Prefer --expect-session ${summary.sessionFingerprint}.`,
          );
        } else {
          log.info("Accepting: the session fingerprint matches --expect-session (--yes).");
        }
        return true;
      }
      if (isInteractive(io.stdin)) {
        const accepted = await promptYesNo(io.stdin, io.stderr, "Accept? [y/N] ");
        if (!accepted) {
          refusal = `Declined session ${sessionId} at the prompt; nothing was sent. The session cannot start without you: it expires at its acceptance deadline unless the initiator cancels it.`;
        }
        return accepted;
      }
      refusal = `Not accepted: stdin is not a terminal, so session ${sessionId} cannot be confirmed interactively, and nothing was sent. To accept without a prompt, check the config hash above with the initiator and pass --yes --expect-config-hash ${summary.configHash}.`;
      return false;
    };

    const walletClient = account === undefined ? undefined : connection.walletClient(account);
    const transports: Transport[] = [
      ...relayerUrls.map((url, index) =>
        createRelayedTransport({
          url,
          publicClient: connection.publicClient,
          account,
          chainId: connection.chainId,
          address: connection.contract,
          deliveryTimeout: relayerTimeout,
          pollingInterval: Math.min(connection.pollingInterval, 1000),
          signal,
          // One warning per dead relayer: its actions go on to the next transport.
          onUnreachable: (code) =>
            log.warn(
              `Relayer ${redactUrl(url)} cannot be reached (${code}): each action goes on to ${fallbackText(transports, index)}.`,
            ),
        }),
      ),
      ...(delegation.delegated
        ? [
            createDirectTransport({
              publicClient: connection.publicClient,
              address: connection.contract,
              payer: "delegate",
            }),
          ]
        : []),
      ...(walletClient === undefined
        ? []
        : [
            createDirectTransport({
              publicClient: connection.publicClient,
              walletClient,
              address: connection.contract,
            }),
          ]),
    ];
    if (relayerUrls.length > 0) {
      log.info(`Delivering through ${transports.map(transportText).join(", then ")}.`);
    } else if (
      account !== undefined &&
      (await connection.publicClient.getBalance({ address: account.address }).catch(() => 1n)) ===
        0n
    ) {
      log.warn(
        `Account ${account.address} has a balance of 0 ETH on chain ${connection.chainId}: it cannot send its actions itself. Fund it, or deliver through a relayer with --relayer URL.`,
      );
    }

    let outcome: Awaited<ReturnType<typeof runParty>>;
    try {
      outcome = await runParty({
        publicClient: connection.publicClient,
        walletClient,
        transports,
        address: connection.contract,
        sessionId,
        store,
        confirm,
        pollingInterval: connection.pollingInterval,
        onProgress: (progress) => log.info(progressLine(progress)),
        signal,
        ...(trustedBlock === undefined ? {} : { proofs: { trustedBlock } }),
        account: partyAddress,
        delegate: delegation.delegated && {
          signAcceptance: acceptanceSigner(delegation, { log, stdout: io.stdout }),
        },
      });
    } catch (error) {
      if (error instanceof AcceptanceExported) {
        return acceptanceExportedResult(error, delegation, output);
      }
      if (error instanceof PartyError && error.code === "REFUSED" && refusal !== undefined) {
        throw new CliError({ message: refusal, exitCode: ExitCode.Refused, cause: error });
      }
      // Nodes word an empty balance in their own way ("Missing or invalid parameters"): say it.
      if (error instanceof PartyError && error.code === "SUBMIT") {
        const empty = await emptyBalanceError(connection, account?.address ?? partyAddress, {
          relayer: relayerUrls.length === 0,
          cause: error,
        });
        if (empty !== undefined) throw empty;
      }
      throw toCliError(error, connection.rpcUrlShown);
    }

    const party = partyAddress;
    switch (outcome.status) {
      case "finalized": {
        // Each value once: a key generation's result is its group key, a signing's its signature.
        const rows: string[][] = [];
        if (outcome.signature !== undefined) rows.push(["signature", outcome.signature]);
        if (outcome.groupPublicKey !== undefined) {
          rows.push([
            outcome.signature === undefined ? "group key" : "signed by key",
            outcome.groupPublicKey,
          ]);
        }
        const said = [outcome.signature, outcome.groupPublicKey].map((v) => v?.toLowerCase());
        if (!said.includes(outcome.result.toLowerCase())) rows.unshift(["result", outcome.result]);
        output.result(
          [`Session ${sessionId} finalized: every party agreed.`, ...formatTable(rows, "  ")],
          {
            sessionId,
            party,
            status: "finalized",
            result: outcome.result,
            groupPublicKey: outcome.groupPublicKey ?? null,
            signature: outcome.signature ?? null,
          },
        );
        return ExitCode.Success;
      }
      case "aborted": {
        const blamed =
          outcome.blame.length === 0
            ? ""
            : `; blamed part${outcome.blame.length === 1 ? "y" : "ies"} ${outcome.blame.join(", ")}`;
        const why =
          outcome.reason === "expired"
            ? "a deadline passed"
            : outcome.reason === "complaint"
              ? "a party complained (the evidence is in the log)"
              : "the parties' results disagree";
        output.result(
          [
            `Session ${sessionId} aborted without a result: ${why}${blamed}. Start a new session to try again.`,
          ],
          { sessionId, party, status: "aborted", reason: outcome.reason, blame: outcome.blame },
        );
        return ExitCode.NoResult;
      }
      case "cancelled":
        output.result(
          [`Session ${sessionId} was cancelled by its initiator; there is no result.`],
          {
            sessionId,
            party,
            status: "cancelled",
          },
        );
        return ExitCode.NoResult;
    }
  },
});
