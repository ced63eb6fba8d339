import { describeIntent } from "../../../sdk/accountIntent.js";
import { readSession } from "../../../sdk/actions/readSession.js";
import {
  executeSignedIntent,
  ThresholdAccountNonceError,
  thresholdAccountAddress,
} from "../../../sdk/thresholdAccount.js";
import { keyOptions } from "../../account.js";
import { emptyBalanceError } from "../../balance.js";
import { defineCommand } from "../../command.js";
import { CliError, ExitCode, toCliError, UsageError } from "../../errors.js";
import { formatTable } from "../../output.js";
import { parseSessionId } from "../../parse.js";
import { connectFactory, factoryOption } from "./shared.js";

export const accountExecuteCommand = defineCommand({
  path: ["account", "execute"],
  summary: "execute the intent a finalized signing session signed (anyone may)",
  positionals: [],
  options: {
    ...keyOptions,
    ...factoryOption,
    session: {
      type: "string",
      valueName: "ID",
      description: "the finalized signing session of the intent (`roundtable account propose`)",
    },
  },
  description: [
    "Reads the intent and the group's signature from the signing session --session, checks them (the session signs exactly the intent's EIP-712 digest with the account's own key session, the intent names this chain and the factory's account of that key session, and the signature verifies under the account's group key), then sends the account's execute from your account. Anyone may send it: the signature is the authority, and the sender only pays gas.",
    "An intent runs once: its nonce is then spent, and executing it again is refused before anything is sent.",
  ],
  examples: ["roundtable account execute --key-file me.json --session 2"],
  async run({ values, context }) {
    if (values.session === undefined) {
      throw new UsageError(
        "Missing --session: pass the finalized signing session of the intent, such as --session 2 (`roundtable account propose` printed its id).",
        "--session",
      );
    }
    const sessionId = parseSessionId(values.session, "--session");
    const signer = await context.account(values, "Executing the intent");
    const { connection, factory } = await connectFactory(context, values);
    const { publicClient, contract } = connection;
    const fail = (error: unknown): never => {
      if (error instanceof ThresholdAccountNonceError) {
        throw new CliError({
          message: error.shortMessage,
          exitCode: ExitCode.NoResult,
          cause: error,
        });
      }
      throw toCliError(error, connection.rpcUrlShown);
    };
    // The account the key session owns, from the factory: an intent naming any other is refused.
    const session = await readSession({
      publicClient,
      address: contract,
      sessionId,
      fromBlock: connection.deploymentBlock,
    }).catch(fail);
    const account = await thresholdAccountAddress({
      publicClient,
      factory,
      roundtable: contract,
      keySession: session.config.keySession,
    }).catch(fail);
    context.log.info(
      `Executing the intent of session ${sessionId} on ${account} from ${signer.address} …`,
    );
    const executed = await executeSignedIntent({
      publicClient,
      walletClient: connection.walletClient(signer),
      roundtable: contract,
      signingSession: sessionId,
      account,
      fromBlock: connection.deploymentBlock,
    }).catch(async (error: unknown) => {
      const empty = await emptyBalanceError(connection, signer.address, {
        relayer: false,
        cause: error,
      });
      return fail(empty ?? error);
    });
    context.output.result(
      [
        `Executed the intent of session ${sessionId} on account ${account}.`,
        ...formatTable(
          [
            ["nonce spent", String(executed.intent.nonce)],
            ["digest", executed.digest],
            ["signature", executed.signature],
            ["transaction", executed.transactionHash],
            ["gas used", String(executed.gasUsed)],
          ],
          "  ",
        ),
        "It did:",
        ...describeIntent(executed.intent).map((line) => `  ${line}`),
      ],
      {
        account,
        sessionId,
        keySession: executed.keySession,
        nonce: executed.intent.nonce,
        intentDigest: executed.digest,
        signature: executed.signature,
        transactionHash: executed.transactionHash,
        blockNumber: executed.blockNumber,
        gasUsed: executed.gasUsed,
        intent: executed.intent,
      },
    );
    return ExitCode.Success;
  },
});
