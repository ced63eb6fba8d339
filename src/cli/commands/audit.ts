import { createWriteStream, type WriteStream } from "node:fs";
import { auditSessions, UnknownSessionError } from "../../auditor/auditSessions.js";
import {
  ChainReadError,
  type ChainReader,
  createChainReader,
  type ReportBlockChoice,
} from "../../auditor/readChain.js";
import { HtmlReport } from "../../auditor/report/html.js";
import { jsonReportWriter, type ReportHead, type ReportTail } from "../../auditor/report/json.js";
import { textHead, textSession, textTail } from "../../auditor/report/text.js";
import {
  RangeAfterReportBlockError,
  selectionProblems,
  selectSessions,
} from "../../auditor/sessionSelection.js";
import { defineCommand } from "../command.js";
import { connectChain, resolveRoundtable } from "../connection.js";
import type { CliContext } from "../context.js";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { parseInteger, parseSessionId, redactUrl } from "../parse.js";
import { resolveTrustedBlock, trustedBlockOption } from "../trustedBlock.js";

// `audit` has its own exit codes: 0 every session passes, 1 a check failed, 2 could not audit
// (bad arguments, unknown session, unreachable RPC). ExitCode.Usage is 2.
const CouldNotAudit = ExitCode.Usage;

export const auditCommand = defineCommand({
  path: ["audit"],
  summary: "rebuild and verify sessions from chain events alone: report, JSON or HTML",
  positionals: [
    {
      name: "ID",
      description:
        "session ids to audit; none: every session (or those created in --from-block..--to-block)",
      variadic: true,
    },
  ],
  options: {
    ...trustedBlockOption,
    confirmations: {
      type: "string",
      valueName: "N",
      description: "report at block latest − N (default 0: the latest block)",
    },
    finalized: { type: "boolean", description: "report at the chain's finalized block" },
    "from-block": {
      type: "string",
      valueName: "N",
      description: "audit sessions created from this block (default: the deployment block)",
    },
    "to-block": {
      type: "string",
      valueName: "N",
      description: "audit sessions created up to this block (default: the report block)",
    },
    html: {
      type: "string",
      valueName: "FILE",
      description: "also write one self-contained HTML page",
    },
    concurrency: {
      type: "string",
      valueName: "N",
      description: "sessions audited at once (default 4)",
    },
    "page-size": {
      type: "string",
      valueName: "BLOCKS",
      description:
        "most blocks per eth_getLogs request; halved when a provider refuses (default 5000)",
    },
  },
  description: [
    "Reads every event of each session, the transactions that carried them and the contract's state at the report block, and re-checks every rule of the contract and every cryptographic claim: the configuration hash, each acceptance and its signer, reveals against commitments, phases and deadlines, the blame at expiry, the transcript hash, proofs of knowledge, the group key, agreements, complaints, and signatures. It trusts no RPC: give --rpc-url twice or more and every log, block hash and read is compared; every block hash is read again before the verdict, so a reorganisation is reported.",
    "Exit codes: 0 every audited session passes; 1 a check failed; 2 could not audit (bad arguments, unknown session, unreachable RPC). A session a party sabotaged can pass: the report names who misbehaved (findings) apart from whether the chain's record is right (verdict). See docs/audit.md.",
  ],
  examples: [
    "roundtable audit 7",
    "roundtable audit --rpc-url https://rpc-a.example --rpc-url https://rpc-b.example --confirmations 12",
    "roundtable audit --from-block 100 --to-block 200 --json",
    "roundtable audit --html report.html",
  ],
  async run({ values, args, context }) {
    const ids = args.map((arg) => parseSessionId(arg, "ID"));
    const ranged = values["from-block"] !== undefined || values["to-block"] !== undefined;
    if (ids.length > 0 && ranged) {
      throw new UsageError(
        "Give session ids or --from-block/--to-block, not both: `roundtable audit 3 7` or `roundtable audit --from-block 100`.",
        "--from-block",
      );
    }
    if (values.finalized === true && values.confirmations !== undefined) {
      throw new UsageError("Give --confirmations N or --finalized, not both.", "--confirmations");
    }
    const blockFlag = (flag: "from-block" | "to-block") => {
      const value = values[flag];
      if (value === undefined) return undefined;
      return BigInt(
        parseInteger(value, `--${flag}`, {
          min: 0,
          max: Number.MAX_SAFE_INTEGER,
          what: "a block number",
          sample: 100,
        }),
      );
    };
    const fromFlag = blockFlag("from-block");
    const toFlag = blockFlag("to-block");
    const choice: ReportBlockChoice =
      values.finalized === true
        ? { kind: "finalized" }
        : values.confirmations !== undefined
          ? {
              kind: "confirmations",
              confirmations: BigInt(
                parseInteger(values.confirmations, "--confirmations", {
                  min: 0,
                  max: 1_000_000,
                  what: "a number of blocks",
                  sample: 12,
                }),
              ),
            }
          : { kind: "latest" };
    const concurrency =
      values.concurrency === undefined
        ? 4
        : parseInteger(values.concurrency, "--concurrency", {
            min: 1,
            max: 64,
            what: "a number of sessions",
            sample: 4,
          });
    const pageSize =
      values["page-size"] === undefined
        ? 5_000n
        : BigInt(
            parseInteger(values["page-size"], "--page-size", {
              min: 1,
              max: 1_000_000,
              what: "a number of blocks",
              sample: 1000,
            }),
          );

    const { reader, deploymentBlock } = await openReader(
      context,
      pageSize,
      values["trusted-block"],
    );
    const reportBlock = await reader.reportBlock(choice).catch(couldNotAudit);
    const selection = await selectSessions({
      reader,
      ids,
      fromBlock: fromFlag,
      toBlock: toFlag,
      deploymentBlock,
      reportBlockNumber: reportBlock.number,
    }).catch((error: unknown) => {
      if (error instanceof RangeAfterReportBlockError) {
        throw new UsageError(
          `--to-block ${error.toBlock} is after the report block ${error.reportBlock}; give a block up to ${error.reportBlock}, or fewer --confirmations.`,
          "--to-block",
        );
      }
      return couldNotAudit(error);
    });

    const head: ReportHead = {
      chainId: reader.chainId,
      contract: reader.contract,
      reportBlock,
      reportBlockChoice:
        choice.kind === "confirmations" ? `latest-${choice.confirmations}` : choice.kind,
      rpcs: reader.endpoints.map((e) => e.shown),
    };
    const stdout = (text: string) => context.io.stdout.write(text);
    const json = jsonReportWriter(stdout);
    // The page is written at the end: its verdict comes first. The file is opened now so that an
    // unwritable path fails before the audit, not after it.
    let html: WriteStream | undefined;
    const page =
      values.html === undefined ? undefined : new HtmlReport({ asOf: reportBlock.timestamp });
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      if (context.options.json) json.head(head);
      else stdout(`${textHead(head).join("\n")}\n`);
    };
    if (values.html !== undefined) html = await openHtml(values.html);
    const tail: ReportTail = {
      audited: 0,
      failed: 0,
      discovered: selection.kind === "range" ? 0 : null,
      problems: [],
    };
    try {
      const summary = await auditSessions({
        reader,
        selection,
        reportBlock,
        concurrency,
        windowSize: pageSize,
        onSession(audit) {
          start();
          if (context.options.json) json.session(audit);
          else stdout(`${textSession(audit, reportBlock.timestamp).join("\n")}\n`);
          page?.add(audit);
        },
      });
      Object.assign(tail, { audited: summary.audited, failed: summary.failed });
      if (selection.kind === "range") tail.discovered = summary.discovered;
      tail.problems.push(
        ...(await selectionProblems({
          reader,
          selection,
          summary,
          fullScan: fromFlag === undefined && toFlag === undefined,
          reportBlockNumber: reportBlock.number,
        })),
      );
    } catch (error) {
      const failure = toAuditError(error);
      if (!started) {
        html?.destroy();
        throw failure;
      }
      // The report is already under way: end it as one object that says why it stopped.
      if (context.options.json)
        json.end(tail, { message: failure.message, exitCode: failure.exitCode });
      context.io.stderr.write(`error: ${failure.message}\n`);
      html?.end(
        page?.page(head, {
          ...tail,
          problems: [...tail.problems, `The audit stopped before the end: ${failure.message}`],
        }),
      );
      return failure.exitCode;
    }
    start();
    if (context.options.json) json.end(tail);
    else stdout(`${textTail(tail).join("\n")}\n`);
    if (html !== undefined) {
      const file = html;
      await new Promise<void>((resolve, reject) => {
        file.once("error", reject);
        file.end(page?.page(head, tail), () => resolve());
      });
      context.log.info(`HTML report written to ${values.html}`);
    }
    return tail.failed > 0 || tail.problems.length > 0 ? ExitCode.NoResult : ExitCode.Success;
  },
});

/** The reader over every --rpc-url, and the contract (from --contract or the deployment record). */
async function openReader(
  context: CliContext,
  pageSize: bigint,
  trusted: string | undefined,
): Promise<{ reader: ChainReader; deploymentBlock: bigint | undefined }> {
  const { options } = context;
  const [first] = options.rpcUrls;
  try {
    const connection = await connectChain(first ?? options.rpcUrl);
    const roundtable = await resolveRoundtable(connection, {
      contract: options.contract,
      contractSource: options.contractSource,
      deploymentsDir: options.deploymentsDir,
      log: context.log,
    });
    const trustedBlock = await resolveTrustedBlock(trusted, {
      chainId: roundtable.chainId,
      deploymentsDir: options.deploymentsDir,
    });
    const reader = await createChainReader({
      endpoints: options.rpcUrls.map((url) => ({ url, shown: redactUrl(url) })),
      contract: roundtable.contract,
      pageSize,
      trustedBlock,
    });
    return { reader, deploymentBlock: roundtable.deploymentBlock };
  } catch (error) {
    throw toAuditError(error);
  }
}

async function openHtml(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (error: Error) =>
      reject(
        new UsageError(
          `Cannot write --html ${path}: ${error.message}. Give a writable path.`,
          "--html",
        ),
      ),
    );
  });
  return stream;
}

function couldNotAudit(error: unknown): never {
  throw toAuditError(error);
}

/** Any failure to audit at all is exit code 2, whatever its kind. */
function toAuditError(error: unknown): CliError {
  if (error instanceof UsageError) return error;
  if (error instanceof UnknownSessionError)
    return new CliError({ message: error.message, exitCode: CouldNotAudit, retryable: false });
  if (error instanceof ChainReadError) {
    return new CliError({
      message: `Could not audit: ${error.message}. Check --rpc-url (and that the node is running).`,
      exitCode: CouldNotAudit,
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof CliError) {
    return new CliError({
      message: error.message,
      exitCode: CouldNotAudit,
      retryable: error.retryable,
      cause: error,
    });
  }
  return new CliError({
    message: `Could not audit: ${error instanceof Error ? error.message : String(error)}`,
    exitCode: CouldNotAudit,
    cause: error,
  });
}
