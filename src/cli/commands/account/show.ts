import {
  readThresholdAccount,
  thresholdAccountAddress,
  thresholdAccountHistory,
} from "../../../sdk/thresholdAccount.js";
import { defineCommand } from "../../command.js";
import { ExitCode, toCliError } from "../../errors.js";
import { formatTable } from "../../output.js";
import {
  connectFactory,
  ethText,
  factoryOption,
  keySessionOption,
  requireKeySession,
} from "./shared.js";

export const accountShowCommand = defineCommand({
  path: ["account", "show"],
  summary: "show a threshold account: balance, nonce, group key and executed intents",
  positionals: [],
  options: { ...keySessionOption, ...factoryOption },
  description: [
    "Shows the threshold account of --key-session: whether it is deployed, its ETH balance, the nonce its next intent must carry, the group key it obeys, and every intent it executed (its ThresholdAccountExecuted events: nonce, digest, who sent it, transaction).",
  ],
  examples: [
    "roundtable account show --key-session 1",
    "roundtable account show --key-session 1 --json",
  ],
  async run({ values, context }) {
    const keySession = requireKeySession(values);
    const { connection, factory } = await connectFactory(context, values);
    const { publicClient, contract } = connection;
    const fail = (error: unknown): never => {
      throw toCliError(error, connection.rpcUrlShown);
    };
    const account = await thresholdAccountAddress({
      publicClient,
      factory,
      roundtable: contract,
      keySession,
    }).catch(fail);
    const state = await readThresholdAccount({ publicClient, account }).catch(fail);
    const history = state.deployed
      ? await thresholdAccountHistory({
          publicClient,
          account,
          fromBlock: connection.deploymentBlock,
        }).catch(fail)
      : [];
    context.output.result(
      [
        `Account ${account} of key session ${keySession}${state.deployed ? "" : " (not deployed yet: `roundtable account create`)"}.`,
        ...formatTable(
          [
            ["balance", ethText(state.balance)],
            ["next nonce", String(state.nonce)],
            ...(state.groupKey ? [["group key", state.groupKey]] : []),
            ["factory", factory],
          ],
          "  ",
        ),
        history.length === 0 ? "No intent executed." : "Executed intents:",
        ...formatTable(
          history.map((h) => [
            `nonce ${h.nonce}`,
            h.digest,
            `by ${h.submitter}`,
            `in ${h.transactionHash}`,
          ]),
          "  ",
        ),
      ],
      {
        account,
        keySession,
        factory,
        deployed: state.deployed,
        balance: state.balance,
        nonce: state.nonce,
        groupKey: state.groupKey ?? null,
        history,
      },
    );
    return ExitCode.Success;
  },
});
