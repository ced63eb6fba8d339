// Which sessions an audit covers, and what a scan may have missed. Shared by `roundtable audit`
// and the web client's audit view, so that both audit exactly the same sessions and report the
// same problems; browser-safe (no Node imports).
import type { AuditSummary, SessionSelection } from "./auditSessions.js";
import type { ChainReader } from "./readChain.js";

/** A range that ends after the report block: the audit would speak for blocks it cannot see. */
export class RangeAfterReportBlockError extends Error {
  override name = "RangeAfterReportBlockError";
  readonly toBlock: bigint;
  readonly reportBlock: bigint;
  constructor(toBlock: bigint, reportBlock: bigint) {
    super(
      `The range ends at block ${toBlock}, after the report block ${reportBlock}: give a block up to ${reportBlock}.`,
    );
    this.toBlock = toBlock;
    this.reportBlock = reportBlock;
  }
}

export type SelectSessionsParameters = {
  reader: ChainReader;
  /** Session ids; when any are given, the range is ignored (duplicates are dropped). */
  ids: readonly bigint[];
  fromBlock?: bigint | undefined;
  toBlock?: bigint | undefined;
  /** The contract's deployment block, from its deployment record, when known. */
  deploymentBlock?: bigint | undefined;
  reportBlockNumber: bigint;
};

/**
 * Session ids as given, or every session created in [fromBlock, toBlock]: from the deployment
 * block (or the first session's creation block) to the report block unless told otherwise.
 * @throws RangeAfterReportBlockError when `toBlock` is after the report block.
 * @example
 * ```ts
 * const selection = await selectSessions({ reader, ids: [], reportBlockNumber: block.number });
 * ```
 */
export async function selectSessions({
  reader,
  ids,
  fromBlock,
  toBlock,
  deploymentBlock,
  reportBlockNumber,
}: SelectSessionsParameters): Promise<SessionSelection> {
  if (ids.length > 0) return { kind: "ids", ids: [...new Set(ids)] };
  if (toBlock !== undefined && toBlock > reportBlockNumber) {
    throw new RangeAfterReportBlockError(toBlock, reportBlockNumber);
  }
  let from = fromBlock ?? deploymentBlock;
  if (from === undefined) {
    // No deployment record for this contract: the first session's creation block is as early
    // as any session can be.
    const scope = reader.scope();
    const count = await scope.readContract<bigint>({
      functionName: "sessionCount",
      args: [],
      blockNumber: reportBlockNumber,
    });
    from =
      count === 0n
        ? reportBlockNumber
        : await scope.readContract<bigint>({
            functionName: "creationBlockOf",
            args: [1n],
            blockNumber: reportBlockNumber,
          });
  }
  return { kind: "range", fromBlock: from, toBlock: toBlock ?? reportBlockNumber };
}

/**
 * What a range audit may have missed, as lines for the report's problems: providers that
 * disagreed while discovering sessions, and, for a full scan (no range given), a session count
 * that differs from the SessionCreated logs found (a provider that hides a log hides a session).
 */
export async function selectionProblems({
  reader,
  selection,
  summary,
  fullScan,
  reportBlockNumber,
}: {
  reader: ChainReader;
  selection: SessionSelection;
  summary: AuditSummary;
  /** Whether the range was the default one (every session the contract has). */
  fullScan: boolean;
  reportBlockNumber: bigint;
}): Promise<string[]> {
  const problems = summary.discoveryDisagreements.map(
    (d) =>
      `rpc.cross-check: the providers disagree on ${d.subject} ${d.key} while discovering sessions`,
  );
  if (selection.kind === "range" && fullScan) {
    const count = await reader.scope().readContract<bigint>({
      functionName: "sessionCount",
      args: [],
      blockNumber: reportBlockNumber,
    });
    if (BigInt(summary.discovered) !== count) {
      problems.push(
        `The contract counts ${count} sessions at block ${reportBlockNumber}, but ${summary.discovered} SessionCreated logs were found: the provider hid some`,
      );
    }
  }
  return problems;
}
