import type { AccountIntent } from "../../../sdk/accountIntent.js";
import { describeIntent } from "../../../sdk/accountIntent.js";
import { encodeMessagePreimage, MessagePreimageError } from "../../../sdk/messagePreimage.js";
import { buildIntent, thresholdAccountAddress } from "../../../sdk/thresholdAccount.js";
import { defineCommand } from "../../command.js";
import { toCliError, UsageError } from "../../errors.js";
import { signingOptions, startSigningSession } from "../sign.js";
import {
  connectFactory,
  factoryOption,
  parseCall,
  parseDeadline,
  parseTransfer,
  requireKeySession,
} from "./shared.js";

export const accountProposeCommand = defineCommand({
  path: ["account", "propose"],
  summary: "ask the group to sign an intent of its account (creates a signing session)",
  positionals: [],
  options: {
    ...signingOptions,
    ...factoryOption,
    call: {
      type: "string",
      valueName: "TO,ETH[,DATA]",
      multiple: true,
      description: "a call: target, value in ETH and calldata (hex); repeatable, run in order",
    },
    transfer: {
      type: "string",
      valueName: "TO,ETH",
      multiple: true,
      description: "a plain ETH payment; repeatable, run in order after every --call",
    },
    deadline: {
      type: "string",
      valueName: "SECONDS|TIME",
      description:
        "when the intent expires: seconds from the chain's now, or an ISO 8601 time (default 86400)",
    },
  },
  description: [
    "Builds an intent of the threshold account of --key-session (its calls, the account's next nonce on this chain and a deadline) and creates a signing session of it, as `roundtable sign --text` does for a text: the session carries the intent, and every signer's runner shows the account, chain, nonce, deadline and each call (ETH payments and ERC-20 transfer/approve decoded), and checks that the message is its EIP-712 digest, the contract's intentDigest.",
    "Once the session finalizes, anyone executes it with `roundtable account execute --session ID`. The account need not exist yet while the group signs.",
  ],
  examples: [
    "roundtable account propose --key-file me.json --key-session 1 --signers 0xA…,0xC… --transfer 0xB…,0.25",
    "roundtable account propose --key-file me.json --key-session 1 --signers 0xA…,0xC… --call 0xT…,0,0xa9059cbb… --deadline 3600",
  ],
  async run(input) {
    const { values, context } = input;
    const keySession = requireKeySession(values);
    // Flags keep their order within a kind, not across kinds: calls run first, then transfers.
    const calls = [
      ...(values.call ?? []).map(parseCall),
      ...(values.transfer ?? []).map(parseTransfer),
    ];
    if (calls.length === 0) {
      throw new UsageError(
        "Missing --call or --transfer: an intent needs at least one call, such as --transfer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0.25.",
        "--transfer",
      );
    }
    const { connection, factory } = await connectFactory(context, values);
    const { publicClient, contract } = connection;
    let intent: AccountIntent;
    try {
      const account = await thresholdAccountAddress({
        publicClient,
        factory,
        roundtable: contract,
        keySession,
      });
      const now = (await publicClient.getBlock()).timestamp;
      const deadline = parseDeadline(values.deadline, now);
      intent = await buildIntent({ publicClient, account, calls, deadline });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw toCliError(error, connection.rpcUrlShown);
    }
    try {
      encodeMessagePreimage({ kind: "intent", intent });
    } catch (error) {
      if (!(error instanceof MessagePreimageError)) throw error;
      throw new UsageError(`Invalid intent: ${error.message}`, "--call");
    }
    for (const line of describeIntent(intent)) context.log.info(`Intent: ${line}`);
    return startSigningSession(input, { kind: "intent", intent });
  },
});
