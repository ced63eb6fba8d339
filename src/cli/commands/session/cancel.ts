import { cancelSession } from "../../../sdk/actions/cancelSession.js";
import { keyOptions } from "../../account.js";
import { defineCommand } from "../../command.js";
import { ExitCode, toCliError } from "../../errors.js";
import { parseSessionId } from "../../parse.js";

export const sessionCancelCommand = defineCommand({
  path: ["session", "cancel"],
  summary: "cancel a session that has not started (its initiator only)",
  positionals: [{ name: "ID", description: "the session id, such as 7" }],
  options: keyOptions,
  description: [
    "Sends `cancel` from the initiator's account. Only possible while parties are still accepting: once every party has accepted, the initiator has no power left.",
  ],
  examples: ["roundtable session cancel 7 --key-file initiator.json"],
  async run({ values, args, context }) {
    const sessionId = parseSessionId(args[0] ?? "", "ID");
    const account = await context.account(values, "Cancelling a session");
    const connection = await context.roundtable();
    const { transactionHash, blockNumber } = await cancelSession({
      publicClient: connection.publicClient,
      walletClient: connection.walletClient(account),
      address: connection.contract,
      sessionId,
    }).catch((error: unknown) => {
      throw toCliError(error, connection.rpcUrlShown);
    });
    context.output.result(
      [
        `Session ${sessionId} cancelled.`,
        `  transaction  ${transactionHash} (block ${blockNumber})`,
      ],
      { sessionId, status: "cancelled", transactionHash, blockNumber },
    );
    return ExitCode.Success;
  },
});
