// The timeline drawn as inline SVG for the HTML report: one column per phase, spanning its opening
// to its deadline (dashed) in chain time, so a mark's place says how close to the deadline it came;
// one lane per party, a mark per action (a tooltip says what and when), a cross where a blamed
// party's action is missing, and the end as a line. Phases get equal widths: most close within
// seconds of opening while their deadlines are hours away, and a single time axis would crush them.
// Self-contained: no script, no external resource; every string is escaped.
import { escapeHtml } from "./escapeHtml.js";
import { type SessionTimeline, sinceStart, type TimelineMarkKind } from "./timeline.js";

const WIDTH = 960;
const LABELS = 90;
const BAND = 34;
const LANE = 24;
const MIN_GAP = 9;

const colours: Record<TimelineMarkKind, string> = {
  accept: "#4a6fa5",
  commit: "#7d5ba6",
  reveal: "#2e8b74",
  submit: "#2e8b57",
  agree: "#1f6f3f",
  complain: "#c62828",
};

/**
 * The legend's colours as CSS classes, not `style=` attributes, so that the report also shows
 * under a Content-Security-Policy without 'unsafe-inline' (the web client's audit view).
 */
export const timelineLegendCss = `${(Object.keys(colours) as TimelineMarkKind[])
  .map((kind) => `.mark-${kind}{color:${colours[kind]}}`)
  .join("")}.mark-overdue{opacity:.55}\n`;

/**
 * The SVG element for one session's timeline.
 * @example
 * ```ts
 * const svg = timelineSvg(sessionTimeline(record)!);
 * ```
 */
export function timelineSvg(timeline: SessionTimeline): string {
  const plot = WIDTH - LABELS - 8;
  const column = plot / Math.max(timeline.phases.length, 1);
  const pad = Math.min(10, column / 6);
  /** Where `time` falls in phase `index`'s column: its opening on the left, its deadline right. */
  const x = (index: number, time: bigint): number => {
    const phase = timeline.phases[index]!;
    const span = Number(phase.deadline - phase.opened) || 1;
    const fraction = Math.min(Math.max(Number(time - phase.opened) / span, 0), 1);
    return LABELS + index * column + pad + fraction * (column - 2 * pad);
  };
  const laneY = (party: number): number => BAND + 8 + party * LANE + LANE / 2;
  const height = BAND + 16 + timeline.lanes.length * LANE;
  const parts: string[] = [];
  timeline.phases.forEach((phase, i) => {
    const from = LABELS + i * column;
    const fill = i % 2 === 0 ? "#eef2f8" : "#f7f9fc";
    const deadline = x(i, phase.deadline).toFixed(1);
    parts.push(
      `<rect x="${from.toFixed(1)}" y="0" width="${column.toFixed(1)}" height="${height}" fill="${fill}"><title>${escapeHtml(
        `${phase.label}: opened ${sinceStart(timeline, phase.opened)}, deadline ${sinceStart(timeline, phase.deadline)}${
          phase.closed === undefined
            ? ", still open"
            : `, closed ${sinceStart(timeline, phase.closed)}`
        }`,
      )}</title></rect>`,
      `<text x="${(from + 4).toFixed(1)}" y="13" font-size="11" font-weight="600" fill="#4a5568">${escapeHtml(phase.label)}</text>`,
      `<text x="${(from + 4).toFixed(1)}" y="26" font-size="10" fill="#8a6d1f">deadline ${escapeHtml(sinceStart(timeline, phase.deadline))}</text>`,
      `<line x1="${deadline}" y1="${BAND - 4}" x2="${deadline}" y2="${height}" stroke="#b7791f" stroke-dasharray="4 3"/>`,
    );
  });
  for (const lane of timeline.lanes) {
    const y = laneY(lane.party);
    parts.push(
      `<text x="4" y="${y + 4}" font-size="12" fill="#1d2330"><title>${escapeHtml(lane.account)}</title>party ${lane.party}</text>`,
      `<line x1="${LABELS}" y1="${y}" x2="${WIDTH - 16}" y2="${y}" stroke="#d8dde6"/>`,
    );
    // Marks in one block would sit on top of each other: keep a few pixels between them.
    let previous = Number.NEGATIVE_INFINITY;
    for (const mark of timeline.marks.filter((m) => m.party === lane.party)) {
      const mx = Math.max(x(mark.phase, mark.time), previous + MIN_GAP);
      previous = mx;
      const title = escapeHtml(
        `party ${mark.party} ${mark.kind}${mark.kind === "complain" ? ` against party ${mark.accused}` : ""} in ${timeline.phases[mark.phase]!.label}, block ${mark.blockNumber}, ${sinceStart(timeline, mark.time)}`,
      );
      parts.push(
        mark.kind === "complain"
          ? `<path d="M${mx.toFixed(1)} ${y - 7}l6 12h-12z" fill="${colours.complain}"><title>${title}</title></path>`
          : `<circle cx="${mx.toFixed(1)}" cy="${y}" r="5" fill="${colours[mark.kind]}"><title>${title}</title></circle>`,
      );
    }
  }
  for (const gap of timeline.missing) {
    const phase = timeline.phases[gap.phase]!;
    const mx = x(gap.phase, phase.deadline);
    const y = laneY(gap.party);
    parts.push(
      `<path d="M${(mx - 5).toFixed(1)} ${y - 5}l10 10m0 -10l-10 10" stroke="${colours.complain}" stroke-width="2.5"><title>${escapeHtml(
        `party ${gap.party} did not act in ${phase.label} before its deadline (${sinceStart(timeline, phase.deadline)}): blamed`,
      )}</title></path>`,
    );
  }
  // Past the deadline with no expiry recorded yet: the same cross, lighter, saying so.
  for (const gap of timeline.overdue) {
    const phase = timeline.phases[gap.phase]!;
    const mx = x(gap.phase, phase.deadline);
    const y = laneY(gap.party);
    parts.push(
      `<path d="M${(mx - 5).toFixed(1)} ${y - 5}l10 10m0 -10l-10 10" stroke="${colours.complain}" stroke-width="2.5" stroke-opacity="0.55"><title>${escapeHtml(
        `party ${gap.party} did not act in ${phase.label} before its deadline (${sinceStart(timeline, phase.deadline)}): missed; the deadline passed, not yet expired (nobody has called expire)`,
      )}</title></path>`,
    );
  }
  if (timeline.ending !== undefined) {
    const last = timeline.phases.length - 1;
    // An end after the deadline (an expiry) is drawn just past the deadline line.
    const late = timeline.ending.time > timeline.phases[last]!.deadline ? 4 : 0;
    const ex = (x(last, timeline.ending.time) + late).toFixed(1);
    parts.push(
      `<line x1="${ex}" y1="16" x2="${ex}" y2="${height}" stroke="#1d2330" stroke-width="1.5"><title>${escapeHtml(
        `${timeline.ending.label} ${sinceStart(timeline, timeline.ending.time)}`,
      )}</title></line>`,
    );
  }
  const legend = (Object.keys(colours) as TimelineMarkKind[])
    .filter((kind) => timeline.marks.some((m) => m.kind === kind))
    .map((kind) => `<span class="mark-${kind}">●</span> ${kind}`)
    .join(" ");
  return `<svg class="timeline" role="img" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(
    `${timeline.phases.length} phases, ${timeline.marks.length} actions${timeline.ending ? `, ${timeline.ending.label}` : ""}`,
  )}</title>${parts.join("")}</svg><p class="meta">${legend}${
    timeline.missing.length > 0 ? ` <span class="mark-complain">✗</span> missing` : ""
  }${
    timeline.overdue.length > 0
      ? ` <span class="mark-complain mark-overdue">✗</span> missed: deadline passed, not yet expired`
      : ""
  } · a column per phase, from its opening to its deadline (dashed), in chain time · times after creation</p>`;
}
