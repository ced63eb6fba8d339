// What the `account` commands share: their flags, where the factory comes from (--factory, or
// the deployment record beside the Roundtable contract, checked to serve it), and the parsers of
// calls and deadlines.
import { type Address, formatEther, type Hex, isHex, parseEther } from "viem";
import type { AccountCall } from "../../../sdk/accountIntent.js";
import { assertFactoryOf } from "../../../sdk/thresholdAccount.js";
import type { OptionSpecs } from "../../command.js";
import type { RoundtableConnection } from "../../connection.js";
import type { CliContext } from "../../context.js";
import { readDeploymentRecord } from "../../deploymentRecord.js";
import { CliError, ExitCode, toCliError, UsageError } from "../../errors.js";
import { parseAddress, parseSessionId } from "../../parse.js";

export const factoryOption = {
  factory: {
    type: "string",
    valueName: "ADDRESS",
    description:
      "the ThresholdAccountFactory (default: the deployment record's, written by `roundtable deploy`)",
  },
} as const satisfies OptionSpecs;

export const keySessionOption = {
  "key-session": {
    type: "string",
    valueName: "ID",
    description: "the finalized key-generation session whose group key controls the account",
  },
} as const satisfies OptionSpecs;

/** The Roundtable connection and the factory it uses, checked to make accounts of that contract. */
export async function connectFactory(
  context: CliContext,
  values: { factory?: string | undefined },
): Promise<{ connection: RoundtableConnection; factory: Address }> {
  const given =
    values.factory === undefined ? undefined : parseAddress(values.factory, "--factory");
  const connection = await context.roundtable();
  let factory = given;
  if (factory === undefined) {
    const record = await readDeploymentRecord(context.options.deploymentsDir, connection.chainId);
    const recorded =
      record !== undefined && record.address.toLowerCase() === connection.contract.toLowerCase()
        ? record.thresholdAccountFactory
        : undefined;
    if (recorded === undefined) {
      throw new UsageError(
        `No ThresholdAccountFactory is known for the Roundtable contract ${connection.contract} on chain ${connection.chainId}: its deployment record names none. Pass --factory ADDRESS, or deploy Roundtable with \`roundtable deploy\`, which deploys the factory beside it and records it.`,
        "--factory",
      );
    }
    factory = recorded;
  }
  await assertFactoryOf({
    publicClient: connection.publicClient,
    factory,
    roundtable: connection.contract,
  }).catch((error: unknown) => {
    throw toCliError(error, connection.rpcUrlShown);
  });
  return { connection, factory };
}

export function requireKeySession(values: { "key-session"?: string | undefined }): bigint {
  if (values["key-session"] === undefined) {
    throw new UsageError(
      "Missing --key-session: pass the key-generation session whose group key controls the account, such as --key-session 1.",
      "--key-session",
    );
  }
  return parseSessionId(values["key-session"], "--key-session");
}

const ethAmount = /^(0|[1-9][0-9]*)(\.[0-9]{1,18})?$/;

function parseEth(value: string, flag: string, what: string): bigint {
  if (!ethAmount.test(value)) {
    throw new UsageError(
      `Invalid ${flag} ${what} "${value}": expected an amount of ETH, such as 0.25 or 0 (up to 18 decimals, no sign or exponent).`,
      flag,
    );
  }
  return parseEther(value);
}

/** `--call target,valueEth[,calldata]`: a call of the intent. */
export function parseCall(value: string): AccountCall {
  const [target, amount, data = "0x", ...extra] = value.split(",");
  if (target === undefined || amount === undefined || extra.length > 0) {
    throw new UsageError(
      `Invalid --call "${value}": expected TARGET,VALUE_ETH[,CALLDATA], such as --call 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0,0xa9059cbb….`,
      "--call",
    );
  }
  if (!isHex(data, { strict: true }) || data.length % 2 !== 0) {
    throw new UsageError(
      `Invalid --call calldata "${data.length > 20 ? `${data.slice(0, 20)}…` : data}": expected hex bytes, 0x followed by an even number of hex digits (0x for none).`,
      "--call",
    );
  }
  return {
    target: parseAddress(target, "--call"),
    value: parseEth(amount, "--call", "value"),
    data: data.toLowerCase() as Hex,
  };
}

/** `--transfer to,amountEth`: a plain ETH payment. */
export function parseTransfer(value: string): AccountCall {
  const [to, amount, ...extra] = value.split(",");
  if (to === undefined || amount === undefined || extra.length > 0) {
    throw new UsageError(
      `Invalid --transfer "${value}": expected TO,AMOUNT_ETH, such as --transfer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0.25.`,
      "--transfer",
    );
  }
  return {
    target: parseAddress(to, "--transfer"),
    value: parseEth(amount, "--transfer", "amount"),
    data: "0x",
  };
}

/** The contract's deadline is a block timestamp: `--deadline` is seconds from the chain's now, or an ISO 8601 time. */
export function parseDeadline(value: string | undefined, now: bigint): bigint {
  if (value === undefined) return now + 86_400n;
  if (/^[0-9]+$/.test(value)) {
    const seconds = BigInt(value);
    if (seconds >= 1n && seconds <= 365n * 86_400n) return now + seconds;
  } else {
    const time = Date.parse(value);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(time)) {
      const deadline = BigInt(Math.floor(time / 1000));
      if (deadline > now) return deadline;
      throw new UsageError(
        `Invalid --deadline "${value}": it is not after the chain's time ${new Date(Number(now) * 1000).toISOString()}. Give a later time.`,
        "--deadline",
      );
    }
  }
  throw new UsageError(
    `Invalid --deadline "${value}": expected seconds from now (1 to ${365 * 86_400}), such as --deadline 3600, or an ISO 8601 time, such as --deadline 2030-01-01T00:00:00Z.`,
    "--deadline",
  );
}

/** Wei as ETH for people: "0.25 ETH". */
export function ethText(wei: bigint): string {
  return `${formatEther(wei)} ETH`;
}

/** The account has no code: say so, and how to create it. */
export function notDeployedError(account: Address, keySession: bigint): CliError {
  return new CliError({
    message: `The account ${account} of key session ${keySession} is not deployed yet. Create it with \`roundtable account create --key-session ${keySession}\` (anyone may), then run the command again.`,
    exitCode: ExitCode.NoResult,
  });
}
