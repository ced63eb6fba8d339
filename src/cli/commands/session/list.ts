import { findInvitations } from "../../../sdk/actions/findInvitations.js";
import { roundtableAbi } from "../../../sdk/generated/roundtableAbi.js";
import { Phase, phaseName } from "../../../sdk/types.js";
import { defineCommand } from "../../command.js";
import { deadlineJson, deadlineText } from "../../describe.js";
import { ExitCode, toCliError, UsageError } from "../../errors.js";
import { formatTable } from "../../output.js";
import { parseAddress } from "../../parse.js";

const finalPhases: readonly number[] = [Phase.Finalized, Phase.Aborted, Phase.Cancelled];

export const sessionListCommand = defineCommand({
  path: ["session", "list"],
  summary: "list the sessions that invite a party, with each one's phase",
  positionals: [],
  options: {
    party: { type: "string", valueName: "ADDRESS", description: "the party's address" },
  },
  description: [
    "Finds the party's invitations from the PartyInvited events (scanning from the contract's deployment block when the deployment record names it), oldest first, and reads each session's phase, round and deadline. Closed sessions are listed too.",
  ],
  examples: ["roundtable session list --party 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
  async run({ values, context }) {
    if (values.party === undefined) {
      throw new UsageError(
        "Missing --party: pass the address whose invitations to list, such as --party 0x70997970C51812dc3A010C7d01b50e0d17dc79C8.",
        "--party",
      );
    }
    const party = parseAddress(values.party, "--party");
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
        const state = await publicClient
          .readContract({
            address: contract,
            abi: roundtableAbi,
            functionName: "sessionState",
            args: [invitation.sessionId],
            blockNumber,
          })
          .catch(fail);
        const final = finalPhases.includes(state.phase);
        return {
          sessionId: invitation.sessionId,
          index: invitation.index,
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
            ...formatTable(
              [
                ["session", "party", "phase", "round", "acted", "deadline"],
                ...sessions.map((s) => [
                  String(s.sessionId),
                  String(s.index),
                  s.phase,
                  String(s.round),
                  s.actedInPhase === null ? "" : s.actedInPhase ? "yes" : "no",
                  s.deadline === null ? "" : deadlineText(s.deadline.unix, now),
                ]),
              ],
              "  ",
            ),
          ];
    context.output.result(human, { chainId, contract, party, blockNumber, invitations: sessions });
    return ExitCode.Success;
  },
});
