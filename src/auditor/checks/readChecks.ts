// What the reading itself found: providers that disagree (`rpc.cross-check`) and block hashes that
// changed between reading the logs and the verdict (`chain.block-hashes`, a reorganisation).
import { type CheckContext, type CheckOutput, output } from "./checkContext.js";

/**
 * `rpc.cross-check`: every log, transaction, contract read, block time and the report block agreed
 * across the --rpc-url providers.
 */
export function checkCrossCheck(context: CheckContext, rpcCount: number): CheckOutput {
  if (rpcCount < 2)
    return output(
      "rpc.cross-check",
      "not-applicable",
      "One RPC: give --rpc-url twice or more to cross-check",
    );
  const { disagreements } = context;
  if (disagreements.length > 0) {
    return output(
      "rpc.cross-check",
      "fail",
      `The providers disagree on ${disagreements.length} value${disagreements.length === 1 ? "" : "s"}: ${disagreements
        .slice(0, 3)
        .map((d) => `${d.subject} ${d.key}`)
        .join("; ")}`,
      { disagreements },
    );
  }
  return output(
    "rpc.cross-check",
    "pass",
    `${rpcCount} providers returned the same logs, transactions, contract reads, block times and report block`,
    { rpcs: rpcCount },
  );
}

/** `chain.block-hashes`: every block the audit read still has the same hash on every provider. */
export function checkBlockHashes(context: CheckContext): CheckOutput {
  const { rechecks } = context;
  const blocks = context.record.actions.length + context.record.phases.length;
  if (rechecks.length > 0) {
    return output(
      "chain.block-hashes",
      "fail",
      `${rechecks.length} block${rechecks.length === 1 ? "" : "s"} changed hash while auditing (a reorganisation, or a provider on another fork): blocks ${rechecks.map((r) => r.blockNumber).join(", ")}`,
      { changed: rechecks },
    );
  }
  return output(
    "chain.block-hashes",
    "pass",
    "Every block the audit read (and the report block) still has the same hash",
    { events: blocks },
  );
}
