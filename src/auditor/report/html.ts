// The HTML report: one self-contained page (inline CSS and SVG, no scripts): the verdict and a
// table of sessions first, then each session drawn as a timeline, its events and its checks.
// Every string from the chain is escaped: configuration ids, payloads and summaries are data an
// attacker chooses.
import { SessionKind } from "../../sdk/types.js";
import type { SessionAudit } from "../types.js";
import { escapeHtml } from "./escapeHtml.js";
import type { ReportHead, ReportTail } from "./json.js";
import { idName } from "./names.js";
import { sessionTimeline } from "./timeline.js";
import { timelineLegendCss, timelineSvg } from "./timelineSvg.js";

export { escapeHtml };

/** The standalone page's frame: only the page has a body of its own to style. */
const pageStyle = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;color:#1d2330;padding:0 1rem}
`;

/**
 * The report's own styles (the page's but its body), for a host that shows {@link HtmlReport.body}
 * inside a page of its own: the web client adopts it as a constructable stylesheet.
 */
export const reportCss = `h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .4rem;border-top:1px solid #d8dde6;padding-top:1rem}
h3{font-size:.95rem;margin:1rem 0 .3rem;color:#4a5568}.meta{color:#4a5568}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.3rem 0}table.events{table-layout:fixed}td,th{border-bottom:1px solid #eceff4;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.events tr>:nth-child(1){width:4rem}.events tr>:nth-child(2){width:11.5rem}.events tr>:nth-child(4),.events tr>:nth-child(5){width:11rem}
.verdict{font-size:1.1rem;margin:.8rem 0}svg.timeline{display:block;margin:.4rem 0;border:1px solid #eceff4}
th{background:#f5f7fa;font-weight:600}.badge{display:inline-block;padding:.05rem .55rem;border-radius:9px;font-weight:700;font-size:12px}
.pass{background:#dcf5e3;color:#135c2c}.fail{background:#fde0e0;color:#8a1414}.na{background:#eceff4;color:#5a6577}
.finding{background:#fff6da;border-left:4px solid #e0a800;padding:.4rem .7rem;margin:.3rem 0}
.id{white-space:nowrap;word-break:normal}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.3rem 0}dt{color:#4a5568}dd{margin:0}
${timelineLegendCss}`;

const style = `${pageStyle}${reportCss}`;

function badge(status: string): string {
  const cls = status === "pass" ? "pass" : status === "fail" ? "fail" : "na";
  return `<span class="badge ${cls}">${escapeHtml(status === "not-applicable" ? "n/a" : status.toUpperCase())}</span>`;
}

/** A long hex value shortened for a narrow column, whole in its tooltip. */
function short(value: string): string {
  const text = value.length > 20 ? `${value.slice(0, 10)}…${value.slice(-8)}` : value;
  return `<span title="${escapeHtml(value)}">${escapeHtml(text)}</span>`;
}

function iso(time: bigint): string {
  return new Date(Number(time) * 1000).toISOString().replace(".000Z", "Z");
}

/** The verdict of the whole report: a failed session or a problem fails it. */
function reportVerdict(tail: ReportTail): "pass" | "fail" {
  return tail.failed > 0 || tail.problems.length > 0 ? "fail" : "pass";
}

/** The page's opening, with the verdict and one row per session, before any session's section. */
function htmlTop(head: ReportHead, tail: ReportTail, rows: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Roundtable audit — chain ${escapeHtml(head.chainId)}: ${reportVerdict(tail).toUpperCase()}</title><style>${style}</style></head><body>
${htmlSummary(head, tail, rows)}`;
}

/** The report's heading: the verdict, the problems, where it was read, and one row per session. */
function htmlSummary(head: ReportHead, tail: ReportTail, rows: readonly string[]): string {
  const verdict = reportVerdict(tail);
  return `<h1>Roundtable audit</h1>
<p class="verdict">Verdict ${badge(verdict)} — ${escapeHtml(tail.audited)} session${tail.audited === 1 ? "" : "s"} audited, ${escapeHtml(tail.failed)} failed${
    tail.discovered === null ? "" : ` (${escapeHtml(tail.discovered)} found in the range)`
  }</p>
${tail.problems.map((p) => `<p class="finding">${escapeHtml(p)}</p>`).join("\n")}
<p class="meta">Contract <code>${escapeHtml(head.contract)}</code> on chain ${escapeHtml(head.chainId)} ·
report block ${escapeHtml(head.reportBlock.number)} (${escapeHtml(head.reportBlockChoice)}) <code>${escapeHtml(head.reportBlock.hash)}</code>,
${escapeHtml(iso(head.reportBlock.timestamp))} · RPC: ${head.rpcs.map((r) => `<code>${escapeHtml(r)}</code>`).join(", ")}</p>
${rows.length > 0 ? `<table><tr><th>session</th><th>verdict</th><th>outcome</th></tr>${rows.join("")}</table>` : ""}
`;
}

/**
 * The whole page. Sessions are collected as they are audited and the page is written at the end,
 * so that the verdict, which only the last session settles, comes first.
 * @example
 * ```ts
 * const report = new HtmlReport();
 * report.add(audit);
 * await writeFile("report.html", report.page(head, tail));
 * ```
 */
export class HtmlReport {
  readonly #rows: string[] = [];
  readonly #sections: string[] = [];
  /** The report block's time: timelines are drawn as of it (see sessionTimeline). */
  readonly #asOf: bigint | undefined;

  constructor({ asOf }: { asOf?: bigint } = {}) {
    this.#asOf = asOf;
  }

  add(audit: SessionAudit): void {
    const { outcome } = audit;
    this.#rows.push(
      `<tr><td><a href="#session-${escapeHtml(audit.sessionId)}">${escapeHtml(audit.sessionId)}</a></td><td>${badge(audit.verdict)}</td><td>${escapeHtml(outcomeText(outcome))}</td></tr>`,
    );
    this.#sections.push(htmlSession(audit, this.#asOf));
  }

  page(head: ReportHead, tail: ReportTail): string {
    return `${htmlTop(head, tail, this.#rows)}${this.#sections.join("")}</body></html>\n`;
  }

  /**
   * The page's body alone (verdict first, then each session), for a host page that brings
   * {@link reportCss} itself; every string from the chain is escaped as in {@link page}.
   */
  body(head: ReportHead, tail: ReportTail): string {
    return `${htmlSummary(head, tail, this.#rows)}${this.#sections.join("")}`;
  }
}

function outcomeText(outcome: SessionAudit["outcome"]): string {
  return `${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ""}${
    outcome.blame.length > 0 ? ` — at fault: party ${outcome.blame.join(", ")}` : ""
  }`;
}

/** One session's section of the page. */
function htmlSession(audit: SessionAudit, asOf: bigint | undefined): string {
  const { record, outcome } = audit;
  const created = record.created;
  const parts: string[] = [];
  parts.push(
    `<h2 id="session-${escapeHtml(audit.sessionId)}">Session ${escapeHtml(audit.sessionId)} ${badge(audit.verdict)}</h2>`,
    `<p>Outcome: <strong>${escapeHtml(outcomeText(outcome))}</strong>${outcome.result ? ` — result <code>${escapeHtml(outcome.result)}</code>` : ""}</p>`,
  );
  if (created !== undefined) {
    const { config } = created;
    const signing = config.kind === SessionKind.Signing;
    const rows: [string, string][] = [
      [
        "kind",
        `${signing ? "signing" : "key generation"} (${idName(config.protocol)}, ${idName(config.ciphersuite)})`,
      ],
      ["threshold", `${config.threshold} of ${config.parties.length}`],
      [
        "rounds",
        config.rounds
          .map((r, i) => `${i + 1}: ${r.duration}s${r.commitReveal ? " commit-reveal" : ""}`)
          .join(", "),
      ],
      ["config hash", created.configHash],
      ["initiator", created.initiator],
      [
        "created",
        `block ${created.at.blockNumber}, ${iso(created.at.time)}, tx ${created.at.transactionHash}`,
      ],
      ...(signing
        ? ([
            ["key session", String(config.keySession)],
            ["message", config.message],
          ] as [string, string][])
        : []),
    ];
    parts.push(
      `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd class="mono">${escapeHtml(v)}</dd>`).join("")}</dl>`,
    );
    const keys = new Map(
      record.actions.filter((a) => a.kind === "accept").map((a) => [a.party, a.data]),
    );
    parts.push(
      "<h3>Parties</h3><table><tr><th>#</th><th>account</th><th>encryption key</th></tr>",
      ...config.parties.map(
        (account, i) =>
          `<tr><td>${i}</td><td class="mono">${escapeHtml(account)}</td><td class="mono">${escapeHtml(keys.get(i) ?? "not accepted")}</td></tr>`,
      ),
      "</table>",
    );
  }
  const timeline = sessionTimeline(record, asOf);
  if (timeline !== undefined) parts.push("<h3>Timeline</h3>", timelineSvg(timeline));
  parts.push(
    '<h3>Events</h3><table class="events"><tr><th>block</th><th>time</th><th>event</th><th>transaction</th><th>submitter / signer</th></tr>',
    ...record.timeline.map(
      (e) =>
        `<tr><td>${escapeHtml(e.at.blockNumber)}</td><td>${escapeHtml(iso(e.at.time))}</td><td>${escapeHtml(e.summary)}</td><td class="mono">${short(
          e.at.transactionHash,
        )}</td><td class="mono">${e.submitter ? short(e.submitter) : ""}${
          e.signer && e.signer !== e.submitter ? `<br>signer ${short(e.signer)}` : ""
        }</td></tr>`,
    ),
    "</table>",
    "<h3>Checks</h3><table><tr><th>status</th><th>check</th><th>summary</th></tr>",
    ...audit.checks.map(
      (c) =>
        `<tr><td>${badge(c.status)}</td><td class="mono id">${escapeHtml(c.id)}</td><td>${escapeHtml(c.summary)}</td></tr>`,
    ),
    "</table>",
  );
  if (audit.findings.length > 0) {
    parts.push(
      "<h3>Findings</h3>",
      ...audit.findings.map(
        (f) =>
          `<div class="finding"><strong>party ${escapeHtml(f.party)}</strong> ${f.account ? `<code>${escapeHtml(f.account)}</code>` : ""} — ${escapeHtml(f.kind)} <code>${escapeHtml(f.check)}</code><br>${escapeHtml(f.summary)}</div>`,
      ),
    );
  }
  return `${parts.join("\n")}\n`;
}
