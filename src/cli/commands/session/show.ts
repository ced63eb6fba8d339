import { zeroHash } from "viem";
import { printable } from "../../../auditor/report/printable.js";
import { readSession } from "../../../sdk/actions/readSession.js";
import { Phase, SessionKind } from "../../../sdk/types.js";
import { defineCommand } from "../../command.js";
import {
  abortReasonName,
  deadlineJson,
  deadlineText,
  idName,
  keyHolderCount,
  kindName,
  scheduleText,
  thresholdText,
} from "../../describe.js";
import { ExitCode, toCliError } from "../../errors.js";
import { formatDuration, formatTable } from "../../output.js";
import { parseSessionId } from "../../parse.js";
import { sessionLanes } from "../../sessionLanes.js";

/** Phases after which nothing can happen any more. */
const finalPhases: readonly number[] = [Phase.Finalized, Phase.Aborted, Phase.Cancelled];

export const sessionShowCommand = defineCommand({
  path: ["session", "show"],
  summary: "show a session: configuration, parties, phase, deadline, transcript, result",
  positionals: [{ name: "ID", description: "the session id, such as 7" }],
  options: {},
  description: [
    "Reads the session at one block: the configuration from its SessionCreated event (checked against the hash the contract stores, so a lying RPC node is caught), each party's acceptance and encryption key, the phase and round, how many parties have acted in it, the time left to its deadline by the chain's clock, the transcript hash and the result.",
  ],
  examples: ["roundtable session show 7", "roundtable session show 7 --json"],
  async run({ args, context }) {
    const sessionId = parseSessionId(args[0] ?? "", "ID");
    const connection = await context.roundtable();
    const { publicClient, contract, chainId } = connection;
    const fail = (error: unknown): never => {
      throw toCliError(error, connection.rpcUrlShown);
    };
    // The scan starts at the session's own creation block (readSession reads it).
    const session = await readSession({ publicClient, address: contract, sessionId }).catch(fail);
    const block = await publicClient.getBlock({ blockNumber: session.blockNumber }).catch(fail);
    const now = Number(block.timestamp);
    const { config, state } = session;
    const partyCount = session.parties.length;
    const acted = session.parties.flatMap((_, i) => ((state.acted >> BigInt(i)) & 1n ? [i] : []));
    const final = finalPhases.includes(state.phase);
    const signing = config.kind === SessionKind.Signing;
    const protocol = idName(config.protocol, "protocol");
    const suite = idName(config.ciphersuite, "ciphersuite");

    const phaseLine =
      state.phase === Phase.Expired
        ? `Expired: the deadline passed in ${state.round === 0 ? "acceptance" : `round ${state.round}`}; anyone may run \`roundtable session expire ${sessionId}\``
        : `${session.phase}${state.round === 0 ? "" : ` (round ${state.round} of ${state.roundCount})`}`;
    const resultLabel = signing ? "signature" : "group key";
    const keyHolders = signing
      ? await keyHolderCount(publicClient, contract, config.keySession)
      : undefined;
    const rows: string[][] = [
      ["kind", `${kindName(config.kind)} (${protocol}, ${suite})`],
      ["initiator", session.initiator],
      ["threshold", thresholdText(session.threshold, partyCount, keyHolders)],
      ["schedule", scheduleText(config.rounds)],
      ["acceptance window", formatDuration(config.acceptanceDuration).replace(/^in /, "")],
      ...(signing
        ? [
            ["key session", String(config.keySession)],
            ["message", config.message],
          ]
        : []),
      ["config hash", session.configHash],
      [
        "created",
        `block ${session.createdAt.blockNumber} (tx ${session.createdAt.transactionHash})`,
      ],
      ["phase", phaseLine],
    ];
    if (!final) {
      rows.push([
        state.round === 0 ? "accepted" : "acted",
        `${acted.length} of ${partyCount}${acted.length > 0 ? ` (part${acted.length === 1 ? "y" : "ies"} ${acted.join(", ")})` : ""}`,
      ]);
      rows.push(["deadline", deadlineText(state.deadline, now)]);
    }
    rows.push([
      "transcript",
      session.transcript === zeroHash ? "(no action yet)" : session.transcript,
    ]);
    if (session.result !== undefined) rows.push([resultLabel, session.result]);
    if (session.abort !== undefined) {
      const reason = abortReasonName(session.abort.reason);
      const blamed = session.abort.blame;
      rows.push([
        "aborted",
        reason === "expired"
          ? `deadline passed; blamed ${blamed.length === 0 ? "nobody" : `part${blamed.length === 1 ? "y" : "ies"} ${blamed.join(", ")}`}`
          : reason === "complaint"
            ? `complaint against ${blamed.length === 0 ? "a party" : `party ${blamed.join(", ")}`} (see the ComplaintFiled event)`
            : "the parties' results disagree",
      ]);
    }

    const parties = session.parties.map((address, index) => {
      const key = session.encryptionKeys[index];
      return {
        index,
        address,
        accepted: key !== undefined,
        encryptionKey: key ?? null,
        actedInPhase: !final ? acted.includes(index) : null,
      };
    });
    const lanes = await sessionLanes({
      publicClient,
      contract,
      chainId,
      sessionId,
      fromBlock: session.createdAt.blockNumber,
      toBlock: session.blockNumber,
    }).catch(fail);
    context.output.result(
      [
        `Session ${sessionId} on chain ${chainId} (contract ${contract}), at block ${session.blockNumber}`,
        ...formatTable(rows, "  "),
        "Parties:",
        ...formatTable(
          parties.map((p) => [
            String(p.index),
            p.address,
            p.accepted ? "accepted" : "not accepted",
            p.encryptionKey ?? "",
          ]),
          "  ",
        ),
        "Timeline (a column per phase; times after creation, by the chain's clock):",
        ...lanes.map((line) => `  ${printable(line)}`),
      ],
      {
        sessionId,
        chainId,
        contract,
        blockNumber: session.blockNumber,
        kind: kindName(config.kind),
        protocol: { id: config.protocol, name: protocol },
        ciphersuite: { id: config.ciphersuite, name: suite },
        initiator: session.initiator,
        threshold: session.threshold,
        partyCount,
        rounds: config.rounds,
        acceptanceDuration: config.acceptanceDuration,
        ...(signing
          ? {
              keySession: config.keySession,
              message: config.message,
              keyHolders: keyHolders ?? null,
            }
          : {}),
        params: config.params,
        configHash: session.configHash,
        createdAt: session.createdAt,
        phase: session.phase,
        round: state.round,
        roundCount: state.roundCount,
        acted: !final ? acted : null,
        actedCount: !final ? acted.length : null,
        deadline: final ? null : deadlineJson(state.deadline, now),
        parties,
        transcript: session.transcript,
        result: session.result ?? null,
        abort:
          session.abort === undefined
            ? null
            : { reason: abortReasonName(session.abort.reason), blame: session.abort.blame },
      },
    );
    return ExitCode.Success;
  },
});
