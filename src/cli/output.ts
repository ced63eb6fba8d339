import type { Writable } from "node:stream";

export const logLevels = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof logLevels)[number];

/** Lines for people, on stderr, so that stdout carries only results. */
export type Logger = {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** Whether `level` is shown. */
  enabled(level: LogLevel): boolean;
};

export function createLogger(stderr: Writable, level: LogLevel): Logger {
  const rank = logLevels.indexOf(level);
  const at =
    (lineLevel: LogLevel, prefix: string) =>
    (message: string): void => {
      if (logLevels.indexOf(lineLevel) <= rank) stderr.write(`${prefix}${message}\n`);
    };
  return {
    error: at("error", "error: "),
    warn: at("warn", "warning: "),
    info: at("info", ""),
    debug: at("debug", "debug: "),
    enabled: (lineLevel) => logLevels.indexOf(lineLevel) <= rank,
  };
}

/** JSON with bigints as decimal strings (uint256 values do not fit a JSON number). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * The result of a command, written once: lines for people, or with `--json`
 * exactly one JSON object and nothing else on stdout.
 */
export type Output = {
  readonly json: boolean;
  /** Whether the result was written (main.ts then adds no error object). */
  readonly written: boolean;
  result(human: readonly string[], json: Record<string, unknown>): void;
};

export function createOutput(stdout: Writable, json: boolean): Output {
  let written = false;
  return {
    json,
    get written() {
      return written;
    },
    result(human, object) {
      if (written) throw new Error("A command wrote its result twice.");
      written = true;
      if (json) stdout.write(`${toJson(object)}\n`);
      else if (human.length > 0) stdout.write(`${human.join("\n")}\n`);
    },
  };
}

/** A duration in seconds as "1h 2m 3s", "4m 5s" or "6s"; negative as "… ago". */
export function formatDuration(seconds: number): string {
  const past = seconds < 0;
  let rest = Math.abs(Math.round(seconds));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes && !days) parts.push(`${minutes}m`);
  if (!days && !hours && (secs || parts.length === 0)) parts.push(`${secs}s`);
  const text = parts.join(" ");
  return past ? `${text} ago` : `in ${text}`;
}

/** Unix seconds as ISO 8601 UTC, to the second. */
export function formatTime(unixSeconds: number | bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Rows as aligned columns, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[], indent = ""): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
  );
}
