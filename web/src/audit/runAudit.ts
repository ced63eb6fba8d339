// An audit in the page, with exactly the auditor `roundtable audit` runs: the same chain reader
// (the page's client first, any further RPC cross-checking it), report block, session selection,
// auditSessions and HTML report. Only the wording of errors is the page's own.
import { type Address, custom } from "viem";
import { auditSessions, UnknownSessionError } from "../../../src/auditor/auditSessions.js";
import {
  ChainReadError,
  createChainReader,
  type RpcEndpoint,
} from "../../../src/auditor/readChain.js";
import { HtmlReport } from "../../../src/auditor/report/html.js";
import type { ReportHead, ReportTail } from "../../../src/auditor/report/json.js";
import {
  RangeAfterReportBlockError,
  selectionProblems,
  selectSessions,
} from "../../../src/auditor/sessionSelection.js";
import type { RoundtablePublicClient } from "../../../src/sdk/actions/internal.js";
import { redactUrl } from "../../../src/sdk/rpc/redactUrl.js";

/** What to audit: session ids, or (none given) the sessions created in a block range. */
export type AuditRequest = {
  ids: bigint[];
  fromBlock?: bigint | undefined;
  toBlock?: bigint | undefined;
  /** More providers whose every answer is compared with the page's (disagreements are findings). */
  extraRpcUrls: string[];
};

export type AuditProgress = {
  /** Sessions audited so far. */
  audited: number;
  /** Sessions to audit, when known (ids); a range finds them as it scans. */
  total: number | undefined;
};

export type AuditResult = {
  verdict: "pass" | "fail";
  head: ReportHead;
  tail: ReportTail;
  /** The report's body (src/auditor/report/html.ts): every chain string escaped by the auditor. */
  html: string;
  /** Why the audit stopped before the end, when it did: the report then holds what was done. */
  stopped: string | undefined;
};

/** The audit could not run at all; the message says why and what to do. */
export class AuditRunError extends Error {
  override name = "AuditRunError";
}

/** The page's own client as the reader's first provider, named as its transport names it. */
function pageEndpoint(publicClient: RoundtablePublicClient): RpcEndpoint {
  const transport = publicClient.transport as { providers?: readonly string[]; url?: string };
  const shown =
    transport.providers !== undefined
      ? transport.providers.join(" + ")
      : transport.url !== undefined
        ? redactUrl(transport.url)
        : "the page's RPC";
  return {
    url: transport.url ?? "",
    shown,
    transport: custom({ request: (args) => publicClient.request(args as never) }),
  };
}

/** An error from the auditor in words for the page (the CLI's name flags, the page has a form). */
export function auditErrorText(error: unknown): string {
  if (error instanceof AuditRunError) return error.message;
  if (error instanceof UnknownSessionError) {
    return `${error.message.replace(/ Check the id and --contract.*$/, "")} Check the session id, and that the page is connected to the right contract.`;
  }
  if (error instanceof RangeAfterReportBlockError) return error.message;
  if (error instanceof ChainReadError) {
    return `Could not audit: ${error.message}. Check the RPC URL and that the node is running; nothing was changed.`;
  }
  return `Could not audit: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
}

/**
 * Audits the request against the page's client (and any further RPCs), reporting progress per
 * session. Throws only when nothing could be audited; a failure part-way returns the report so
 * far with `stopped` set.
 */
export async function runAudit({
  publicClient,
  contract,
  request,
  onProgress,
}: {
  publicClient: RoundtablePublicClient;
  contract: Address;
  request: AuditRequest;
  onProgress(progress: AuditProgress): void;
}): Promise<AuditResult> {
  const reader = await createChainReader({
    endpoints: [
      pageEndpoint(publicClient),
      ...request.extraRpcUrls.map((url) => ({ url, shown: redactUrl(url) })),
    ],
    contract,
  });
  const reportBlock = await reader.reportBlock({ kind: "latest" });
  const selection = await selectSessions({
    reader,
    ids: request.ids,
    fromBlock: request.fromBlock,
    toBlock: request.toBlock,
    reportBlockNumber: reportBlock.number,
  });
  const head: ReportHead = {
    chainId: reader.chainId,
    contract: reader.contract,
    reportBlock,
    reportBlockChoice: "latest",
    rpcs: reader.endpoints.map((e) => e.shown),
  };
  const tail: ReportTail = {
    audited: 0,
    failed: 0,
    discovered: selection.kind === "range" ? 0 : null,
    problems: [],
  };
  const total = selection.kind === "ids" ? selection.ids.length : undefined;
  const report = new HtmlReport({ asOf: reportBlock.timestamp });
  let stopped: string | undefined;
  onProgress({ audited: 0, total });
  try {
    const summary = await auditSessions({
      reader,
      selection,
      reportBlock,
      onSession(audit) {
        report.add(audit);
        tail.audited += 1;
        if (audit.verdict === "fail") tail.failed += 1;
        onProgress({ audited: tail.audited, total });
      },
    });
    if (selection.kind === "range") tail.discovered = summary.discovered;
    tail.problems.push(
      ...(await selectionProblems({
        reader,
        selection,
        summary,
        fullScan: request.fromBlock === undefined && request.toBlock === undefined,
        reportBlockNumber: reportBlock.number,
      })),
    );
  } catch (error) {
    // Nothing audited yet: the page shows the error alone, as the CLI does.
    if (tail.audited === 0) throw error;
    stopped = auditErrorText(error);
    tail.problems.push(`The audit stopped before the end: ${stopped}`);
  }
  const verdict = tail.failed > 0 || tail.problems.length > 0 ? "fail" : "pass";
  return { verdict, head, tail, html: report.body(head, tail), stopped };
}
