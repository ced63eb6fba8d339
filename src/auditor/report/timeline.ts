// A session as people look at it: its phases with their deadlines, one lane per party, each
// action a mark in the phase it was recorded in, and what was missing when the session ended.
// Built from the rebuilt record (chain events only); the HTML report draws it as SVG and the text
// report prints it as a grid.
import type { Address } from "viem";
import { Phase } from "../../sdk/types.js";
import type { ChainPosition, SessionRecord } from "../types.js";

export type TimelinePhase = {
  /** "accept", "r1 commit", "r2 submit", "r3 agree"… */
  label: string;
  round: number;
  phase: number;
  opened: bigint;
  deadline: bigint;
  /** When the next phase opened or the session ended; undefined while it is open. */
  closed: bigint | undefined;
};

export type TimelineMarkKind = "accept" | "commit" | "reveal" | "submit" | "agree" | "complain";

export type TimelineMark = {
  party: number;
  /** Index into `phases`. */
  phase: number;
  kind: TimelineMarkKind;
  time: bigint;
  blockNumber: bigint;
  /** Complaints: the accused party. */
  accused: number | undefined;
};

export type SessionTimeline = {
  /** The creation time; every other time is shown relative to it. */
  start: bigint;
  /** The end event's time, else the later of the last mark and the open phase's deadline. */
  end: bigint;
  phases: TimelinePhase[];
  lanes: { party: number; account: Address }[];
  marks: TimelineMark[];
  /** Parties the contract blamed for not acting before the deadline of the phase they are in. */
  missing: { party: number; phase: number }[];
  /**
   * Parties that had not acted in the open phase when its deadline passed, as of `asOf`, while
   * nobody has called expiry yet: the contract will blame them, but has not recorded it.
   */
  overdue: { party: number; phase: number }[];
  /** The chain time the timeline is drawn as of (the report block's); undefined: the last event. */
  asOf: bigint | undefined;
  ending: { label: string; time: bigint } | undefined;
};

const phaseWords: Record<number, string> = {
  [Phase.Committing]: "commit",
  [Phase.Revealing]: "reveal",
  [Phase.Submitting]: "submit",
  [Phase.Agreeing]: "agree",
};

/**
 * The timeline of a rebuilt session; undefined when its creation is not in the record. `asOf` is
 * the chain time of the block the record was read at (an audit's report block): a phase still
 * open in the record but past its deadline by then draws its silent parties as overdue, not
 * waiting, since the contract no longer takes their actions.
 * @example
 * ```ts
 * const timeline = sessionTimeline(audit.record, reportBlock.timestamp);
 * if (timeline) console.log(timeline.phases.map((p) => p.label).join(" → "));
 * ```
 */
export function sessionTimeline(record: SessionRecord, asOf?: bigint): SessionTimeline | undefined {
  const created = record.created;
  if (created === undefined) return undefined;
  const opened: { phase: TimelinePhase; at: ChainPosition }[] = [
    {
      phase: {
        label: "accept",
        round: 0,
        phase: Phase.Accepting,
        opened: created.at.time,
        deadline: created.acceptanceDeadline,
        closed: undefined,
      },
      at: created.at,
    },
    ...record.phases.map((p) => ({
      phase: {
        label: `r${p.round} ${phaseWords[p.phase] ?? `phase ${p.phase}`}`,
        round: p.round,
        phase: p.phase,
        opened: p.at.time,
        deadline: p.deadline,
        closed: undefined,
      },
      at: p.at,
    })),
  ];
  const endAt = record.end?.at;
  opened.forEach((entry, i) => {
    entry.phase.closed = opened[i + 1]?.phase.opened ?? endAt?.time;
  });
  // An action belongs to the phase open at its log position: the action that completes a phase
  // is logged before the PhaseOpened it causes, in the same transaction.
  const phaseAt = (at: ChainPosition): number => {
    let index = 0;
    opened.forEach((entry, i) => {
      if (before(entry.at, at)) index = i;
    });
    return index;
  };
  const marks: TimelineMark[] = record.actions.map((action) => {
    const phase = phaseAt(action.at);
    const phaseKind = opened[phase]!.phase.phase;
    const kind: TimelineMarkKind =
      action.kind === "submit"
        ? phaseKind === Phase.Revealing
          ? "reveal"
          : phaseKind === Phase.Agreeing
            ? "agree"
            : "submit"
        : action.kind;
    return {
      party: action.party,
      phase,
      kind,
      time: action.at.time,
      blockNumber: action.at.blockNumber,
      accused: action.accused,
    };
  });
  const phases = opened.map((entry) => entry.phase);
  const last = phases.length - 1;
  const end = record.end;
  const missing =
    end?.kind === "aborted" && end.reason === "expired"
      ? end.blame.map((party) => ({ party, phase: last }))
      : [];
  // Every party acts in every phase (the contract blames, at expiry, each one that has not).
  const lastPhase = phases[last]!;
  const overdue =
    end === undefined && asOf !== undefined && asOf > lastPhase.deadline
      ? created.config.parties
          .map((_, party) => party)
          .filter(
            (party) =>
              !marks.some((m) => m.party === party && m.phase === last && m.kind !== "complain"),
          )
          .map((party) => ({ party, phase: last }))
      : [];
  let latest = lastPhase.deadline;
  for (const mark of marks) if (mark.time > latest) latest = mark.time;
  if (end === undefined && asOf !== undefined && asOf > latest) latest = asOf;
  return {
    start: created.at.time,
    end: end?.at.time ?? latest,
    phases,
    lanes: created.config.parties.map((account, party) => ({ party, account })),
    marks,
    missing,
    overdue,
    asOf,
    ending: end === undefined ? undefined : { label: endLabel(end), time: end.at.time },
  };
}

function before(a: ChainPosition, b: ChainPosition): boolean {
  return (
    a.blockNumber < b.blockNumber || (a.blockNumber === b.blockNumber && a.logIndex < b.logIndex)
  );
}

function endLabel(end: NonNullable<SessionRecord["end"]>): string {
  if (end.kind === "aborted") {
    return `aborted (${end.reason})${end.blame.length > 0 ? `, blaming ${end.blame.join(", ")}` : ""}`;
  }
  return end.kind;
}

/** Seconds after the session's creation, as "+12s" / "+3m05s" / "+2h04m". */
export function sinceStart(timeline: SessionTimeline, time: bigint): string {
  const seconds = Number(time - timeline.start);
  if (seconds < 0) return `${seconds}s`;
  if (seconds < 60) return `+${seconds}s`;
  if (seconds < 3600)
    return `+${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `+${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * The timeline as a text grid: a column per phase, a row per party, each cell what that party did
 * in that phase and when (relative to creation).
 * @example
 * ```ts
 * for (const line of textTimeline(timeline)) console.log(line);
 * ```
 */
export function textTimeline(timeline: SessionTimeline): string[] {
  const cell = (party: number, phase: number): string => {
    const marks = timeline.marks.filter((m) => m.party === party && m.phase === phase);
    if (marks.length > 0) {
      return marks
        .map((mark) => {
          const when = sinceStart(timeline, mark.time);
          return mark.kind === "complain" ? `! accuses ${mark.accused} ${when}` : `✓ ${when}`;
        })
        .join(", ");
    }
    if (timeline.missing.some((m) => m.party === party && m.phase === phase)) return "✗ missing";
    if (timeline.overdue.some((m) => m.party === party && m.phase === phase)) return "✗ missed";
    const p = timeline.phases[phase]!;
    return p.closed === undefined ? "· waiting" : "";
  };
  const header = ["", ...timeline.phases.map((p) => p.label)];
  const deadlines = ["deadline", ...timeline.phases.map((p) => sinceStart(timeline, p.deadline))];
  const rows = timeline.lanes.map((lane) => [
    `party ${lane.party}`,
    ...timeline.phases.map((_, phase) => cell(lane.party, phase)),
  ]);
  const table = [header, deadlines, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...table.map((row) => [...(row[column] ?? "")].length)),
  );
  const lines = table.map((row) =>
    row
      .map((text, column) => text + " ".repeat(widths[column]! - [...text].length))
      .join("  ")
      .trimEnd(),
  );
  if (timeline.ending !== undefined) {
    lines.push(`${timeline.ending.label} at ${sinceStart(timeline, timeline.ending.time)}`);
  } else if (timeline.overdue.length > 0) {
    const phase = timeline.phases[timeline.overdue[0]!.phase]!;
    lines.push(
      `${phase.label} deadline passed at ${sinceStart(timeline, phase.deadline)}, not yet expired (anyone may call expire)${
        timeline.asOf === undefined ? "" : `; as of ${sinceStart(timeline, timeline.asOf)}`
      }`,
    );
  }
  return lines;
}
