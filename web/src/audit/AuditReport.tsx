// The auditor's HTML report inside the page: in a shadow root, so that the report's styles and
// ids (#session-3) stay apart from the page's, with the report's CSS adopted as a constructable
// stylesheet, which a Content-Security-Policy without 'unsafe-inline' allows (no <style>, no
// style=; the timeline's legend uses classes for the same reason).
import { useEffect, useRef } from "preact/hooks";
import { reportCss } from "../../../src/auditor/report/html.js";

// What the standalone page's body rule gives the report, for the shadow root's host.
// On a phone the report scrolls sideways rather than squeezing its tables to a letter a line.
const hostCss = `:host{display:block;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;overflow-x:auto}
.report{min-width:720px}`;

let sheet: CSSStyleSheet | undefined;
function reportSheet(): CSSStyleSheet {
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(`${hostCss}\n${reportCss}`);
  }
  return sheet;
}

/** One audit report, as `roundtable audit --html` draws it. */
export function AuditReport({ html }: { html: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const root = element.shadowRoot ?? element.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [reportSheet()];
    // Inserted as HTML (what dangerouslySetInnerHTML would do): this is the auditor's own
    // output, in which every string from the chain went through escapeHtml
    // (src/auditor/report/html.ts; test/attacks/auditReport.attack.test.ts checks that no tag,
    // script or resource of an attacker's survives). The page's CSP forbids scripts besides.
    root.innerHTML = `<div class="report">${html}</div>`;
    // The report's own links (#session-3) would replace the page's route: scroll instead.
    const onClick = (event: Event) => {
      const link = (event.target as Element | null)?.closest?.('a[href^="#session-"]');
      if (link === null || link === undefined) return;
      event.preventDefault();
      root.getElementById(link.getAttribute("href")!.slice(1))?.scrollIntoView({ block: "start" });
    };
    root.addEventListener("click", onClick);
    return () => root.removeEventListener("click", onClick);
  }, [html]);
  return <div class="audit-report" ref={host} />;
}
