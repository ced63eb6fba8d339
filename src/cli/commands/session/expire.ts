import { expireSession } from "../../../sdk/actions/expireSession.js";
import { keyOptions } from "../../account.js";
import { defineCommand } from "../../command.js";
import { ExitCode, toCliError } from "../../errors.js";
import { parseSessionId } from "../../parse.js";

export const sessionExpireCommand = defineCommand({
  path: ["session", "expire"],
  summary: "abort a session whose deadline passed, blaming who did not act (anyone may)",
  positionals: [{ name: "ID", description: "the session id, such as 7" }],
  options: keyOptions,
  description: [
    "Sends `expire` for a session whose current phase's deadline has passed. The session is aborted and its SessionAborted event blames exactly the parties that had not acted. Any account may send it; it pays the gas.",
  ],
  examples: ["roundtable session expire 7 --key-file me.json"],
  async run({ values, args, context }) {
    const sessionId = parseSessionId(args[0] ?? "", "ID");
    const account = await context.account(values, "Expiring a session");
    const connection = await context.roundtable();
    const { blame, transcript, transactionHash, blockNumber } = await expireSession({
      publicClient: connection.publicClient,
      walletClient: connection.walletClient(account),
      address: connection.contract,
      sessionId,
    }).catch((error: unknown) => {
      throw toCliError(error, connection.rpcUrlShown);
    });
    const blamed =
      blame.length === 0 ? "nobody" : `part${blame.length === 1 ? "y" : "ies"} ${blame.join(", ")}`;
    context.output.result(
      [
        `Session ${sessionId} expired and aborted; blamed ${blamed} (did not act before the deadline).`,
        `  transaction  ${transactionHash} (block ${blockNumber})`,
        `  transcript   ${transcript}`,
      ],
      {
        sessionId,
        status: "aborted",
        reason: "expired",
        blame,
        transcript,
        transactionHash,
        blockNumber,
      },
    );
    return ExitCode.Success;
  },
});
