import { readThresholdAccount, thresholdAccountAddress } from "../../../sdk/thresholdAccount.js";
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

export const accountAddressCommand = defineCommand({
  path: ["account", "address"],
  summary: "print the address of a key session's threshold account, deployed or not",
  positionals: [],
  options: { ...keySessionOption, ...factoryOption },
  description: [
    "Prints the address at which the factory deploys (or deployed) the threshold account of --key-session: a CREATE2 address that depends only on the factory, its Roundtable contract and the key session, so it is known, and can receive ETH, before the account exists or the key generation ends.",
  ],
  examples: ["roundtable account address --key-session 1"],
  async run({ values, context }) {
    const keySession = requireKeySession(values);
    const { connection, factory } = await connectFactory(context, values);
    const { publicClient, contract, chainId } = connection;
    const account = await thresholdAccountAddress({
      publicClient,
      factory,
      roundtable: contract,
      keySession,
    }).catch((error: unknown) => {
      throw toCliError(error, connection.rpcUrlShown);
    });
    const state = await readThresholdAccount({ publicClient, account }).catch((error: unknown) => {
      throw toCliError(error, connection.rpcUrlShown);
    });
    context.output.result(
      [
        account,
        ...formatTable(
          [
            ["key session", String(keySession)],
            ["deployed", state.deployed ? "yes" : "not yet (`roundtable account create`)"],
            ["balance", ethText(state.balance)],
            ["factory", factory],
            ["chain", `${chainId} (Roundtable ${contract})`],
          ],
          "  ",
        ),
      ],
      {
        account,
        keySession,
        deployed: state.deployed,
        balance: state.balance,
        factory,
        chainId,
        contract,
      },
    );
    return ExitCode.Success;
  },
});
