// An account with no ETH cannot send a transaction, and nodes say so in their own words (Hardhat:
// "Missing or invalid parameters"). When a send fails, the balance tells the real cause.
import type { Address } from "viem";
import type { ChainConnection } from "./connection.js";
import { CliError, ExitCode } from "./errors.js";

/**
 * The error to show when `account` holds no ETH on this chain (the likely reason a send failed),
 * or undefined when it holds some, or the balance cannot be read.
 * @param relayer whether a relayer could deliver instead (`party run --relayer`)
 */
export async function emptyBalanceError(
  connection: ChainConnection,
  account: Address,
  { relayer, cause }: { relayer: boolean; cause?: unknown },
): Promise<CliError | undefined> {
  const balance = await connection.publicClient
    .getBalance({ address: account })
    .catch(() => undefined);
  if (balance !== 0n) return undefined;
  return new CliError({
    message: emptyBalanceMessage(connection, account, relayer),
    exitCode: ExitCode.Chain,
    cause,
  });
}

/** Says the balance is 0 on this chain, names the account, and says how to fix it. */
function emptyBalanceMessage(
  connection: ChainConnection,
  account: Address,
  relayer: boolean,
): string {
  const fund = `fund it (on a local chain: \`roundtable chain --fund ${account}\`; elsewhere, send it some ETH)`;
  return `Account ${account} has a balance of 0 ETH on chain ${connection.chainId} (${connection.rpcUrlShown}), so it cannot pay for a transaction. Nothing is lost: ${fund}${relayer ? ", or let a relayer deliver its actions with --relayer URL" : ""}, then run the command again.`;
}
