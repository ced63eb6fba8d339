import { createThresholdAccount } from "../../../sdk/thresholdAccount.js";
import { keyOptions } from "../../account.js";
import { emptyBalanceError } from "../../balance.js";
import { defineCommand } from "../../command.js";
import { ExitCode, toCliError } from "../../errors.js";
import { formatTable } from "../../output.js";
import { connectFactory, factoryOption, keySessionOption, requireKeySession } from "./shared.js";

export const accountCreateCommand = defineCommand({
  path: ["account", "create"],
  summary: "deploy a key session's threshold account (anyone may)",
  positionals: [],
  options: { ...keyOptions, ...keySessionOption, ...factoryOption },
  description: [
    "Deploys the threshold account of --key-session through the factory, from your account: anyone may pay for it, and it obeys only the group key, which it reads from Roundtable. The key session must be a finalized Taproot (BIP-340) key generation; the factory checks its configuration against Roundtable's record. Deploying it again changes nothing.",
  ],
  examples: ["roundtable account create --key-file me.json --key-session 1"],
  async run({ values, context }) {
    const keySession = requireKeySession(values);
    const signer = await context.account(values, "Creating the account");
    const { connection, factory } = await connectFactory(context, values);
    const { publicClient, contract } = connection;
    context.log.info(`Creating the account of key session ${keySession} from ${signer.address} …`);
    const created = await createThresholdAccount({
      publicClient,
      walletClient: connection.walletClient(signer),
      factory,
      roundtable: contract,
      keySession,
      fromBlock: connection.deploymentBlock,
    }).catch(async (error: unknown) => {
      throw (
        (await emptyBalanceError(connection, signer.address, { relayer: false, cause: error })) ??
        toCliError(error, connection.rpcUrlShown)
      );
    });
    const fresh = created.transactionHash !== undefined;
    context.output.result(
      [
        fresh
          ? `Created the account of key session ${keySession}: ${created.account}.`
          : `The account of key session ${keySession} was already there: ${created.account}. Nothing was sent.`,
        ...formatTable(
          [
            ["factory", factory],
            ...(fresh
              ? [
                  ["transaction", created.transactionHash!],
                  ["gas used", String(created.gasUsed)],
                ]
              : []),
          ],
          "  ",
        ),
      ],
      {
        account: created.account,
        keySession,
        factory,
        created: fresh,
        transactionHash: created.transactionHash ?? null,
        gasUsed: created.gasUsed ?? null,
      },
    );
    return ExitCode.Success;
  },
});
