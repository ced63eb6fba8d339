import type { Address } from "viem";
import { printable } from "../../../auditor/report/printable.js";
import { findInvitations } from "../../../sdk/actions/findInvitations.js";
import { readSession } from "../../../sdk/actions/readSession.js";
import {
  decodeMessagePreimage,
  describeMessage,
  MessagePreimageError,
} from "../../../sdk/messagePreimage.js";
import { Phase, phaseName, SessionKind } from "../../../sdk/types.js";
import { keyOptions } from "../../account.js";
import { defineCommand } from "../../command.js";
import { deadlineJson, deadlineText, kindName } from "../../describe.js";
import { ExitCode, toCliError, UsageError } from "../../errors.js";
import { formatTable } from "../../output.js";
import { parseAddress } from "../../parse.js";

const finalPhases: readonly number[] = [Phase.Finalized, Phase.Aborted, Phase.Cancelled];

/** The text a signing session's preimage carries, or null (an opaque digest, or unreadable). */
function messageText(params: `0x${string}`): string | null {
  try {
    const preimage = decodeMessagePreimage(params);
    return preimage?.kind === "text" ? preimage.text : null;
  } catch (error) {
    if (error instanceof MessagePreimageError) return null;
    throw error;
  }
}

export const sessionListCommand = defineCommand({
  path: ["session", "list"],
  summary:
    "list the sessions that invite a party (an address, or your key file's), with each one's kind, phase, initiator and message",
  positionals: [],
  options: {
    party: { type: "string", valueName: "ADDRESS", description: "the party's address" },
    ...keyOptions,
  },
  description: [
    "Finds the party's invitations from the PartyInvited events (scanning from the contract's deployment block when the deployment record names it), oldest first, and reads each session (its configuration checked against the hash the contract stores): kind, phase, round, deadline, initiator, and for a signing session the message, with its text when the session carries one. Closed sessions are listed too.",
    "The party is --party ADDRESS, or the address of --key-file (opened with its password, which --password-file or the terminal gives); not both.",
  ],
  examples: [
    "roundtable session list --party 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "roundtable session list --key-file alice.json",
  ],
  async run({ values, context }) {
    if (values.party !== undefined && values["key-file"] !== undefined) {
      throw new UsageError(
        "Both --party and --key-file were given: pass one, the address whose invitations to list or the key file of that account.",
        "--party",
      );
    }
    if (values.party === undefined && values["key-file"] === undefined) {
      throw new UsageError(
        "Missing --party or --key-file: pass the address whose invitations to list, such as --party 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, or your key file, such as --key-file alice.json.",
        "--party",
      );
    }
    const party: Address =
      values.party !== undefined
        ? parseAddress(values.party, "--party")
        : (await context.account(values, "listing its sessions")).address;
    const connection = await context.roundtable();
    const { publicClient, contract, chainId } = connection;
    const fail = (error: unknown): never => {
      throw toCliError(error, connection.rpcUrlShown);
    };
    const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 }).catch(fail);
    const block = await publicClient.getBlock({ blockNumber }).catch(fail);
    const now = Number(block.timestamp);
    const invitations = await findInvitations({
      publicClient,
      address: contract,
      party,
      fromBlock: connection.deploymentBlock ?? 0n,
      toBlock: blockNumber,
    }).catch(fail);
    const sessions = await Promise.all(
      invitations.map(async (invitation) => {
        const session = await readSession({
          publicClient,
          address: contract,
          sessionId: invitation.sessionId,
          fromBlock: invitation.blockNumber,
        }).catch(fail);
        const { state, config } = session;
        const final = finalPhases.includes(state.phase);
        const signing = config.kind === SessionKind.Signing;
        return {
          sessionId: invitation.sessionId,
          index: invitation.index,
          kind: kindName(config.kind),
          initiator: session.initiator,
          ...(signing
            ? {
                keySession: config.keySession,
                message: config.message,
                messageText: messageText(config.params),
                messageDescription: describeMessage(config.message, config.params).join(" "),
              }
            : {}),
          phase: phaseName(state.phase),
          round: state.round,
          deadline: final ? null : deadlineJson(state.deadline, now),
          actedInPhase: final ? null : ((state.acted >> BigInt(invitation.index)) & 1n) === 1n,
          invitedInBlock: invitation.blockNumber,
        };
      }),
    );
    const human =
      sessions.length === 0
        ? [`No session on chain ${chainId} (contract ${contract}) invites ${party}.`]
        : [
            `Sessions on chain ${chainId} (contract ${contract}) that invite ${party}:`,
            ...withMessages(
              formatTable(
                [
                  ["session", "party", "kind", "phase", "round", "acted", "initiator", "deadline"],
                  ...sessions.map((s) => [
                    String(s.sessionId),
                    String(s.index),
                    s.kind,
                    s.phase,
                    String(s.round),
                    s.actedInPhase === null ? "" : s.actedInPhase ? "yes" : "no",
                    s.initiator,
                    s.deadline === null ? "" : deadlineText(s.deadline.unix, now),
                  ]),
                ],
                "  ",
              ),
              sessions,
            ),
          ];
    context.output.result(human, { chainId, contract, party, blockNumber, invitations: sessions });
    return ExitCode.Success;
  },
});

/** The table's lines with, under each signing session's row, its message and what it is. */
function withMessages(
  table: readonly string[],
  sessions: readonly { message?: string; messageDescription?: string }[],
): string[] {
  const [header = "", ...rows] = table;
  return [
    header,
    ...rows.flatMap((row, i) => {
      const s = sessions[i];
      return s?.message === undefined
        ? [row]
        : [row, `      message ${s.message}: ${printable(s.messageDescription ?? "")}`];
    }),
  ];
}
