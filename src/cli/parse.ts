import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";
import { UsageError } from "./errors.js";

// Parsers for flag and argument values. Each names the flag, quotes what it
// got (cut short, so a pasted secret is never echoed whole) and shows a valid
// example, like the SDK's input errors.

const maxUint256 = 2n ** 256n - 1n;

/** A value for a message: quoted, and cut when long. */
function quote(value: string): string {
  return value.length > 42 ? `"${value.slice(0, 10)}…" (${value.length} characters)` : `"${value}"`;
}

/** Whether `flag` names an environment variable, such as ROUNDTABLE_CONTRACT. */
function isVariable(flag: string): boolean {
  return flag.startsWith("ROUNDTABLE_");
}

/** A flag, variable or argument as people type it: `--session`, `ROUNDTABLE_CONTRACT`, `argument ID`. */
function label(flag: string): string {
  return flag.startsWith("-") || isVariable(flag) ? flag : `argument ${flag}`;
}

function example(flag: string, value: string): string {
  if (flag.startsWith("-")) return `${flag} ${value}`;
  return isVariable(flag) ? `${flag}=${value}` : value;
}

export function parseSessionId(value: string, flag: string): bigint {
  const id = /^[0-9]+$/.test(value) ? BigInt(value) : undefined;
  if (id === undefined || id < 1n || id > maxUint256) {
    throw new UsageError(
      `Invalid ${label(flag)} ${quote(value)}: expected a session id, a whole number from 1 (sessions are numbered from 1), such as ${example(flag, "7")}.`,
      flag,
    );
  }
  return id;
}

/**
 * Mixed-case hex is an EIP-55 checksum: when it does not match, the address holds a typo (or was
 * mangled), and a session would invite an account nobody holds. All-lowercase or all-uppercase
 * hex carries no checksum, and is taken as it is.
 */
function checksumProblem(value: string): string | undefined {
  const digits = value.slice(2);
  const unchecked = digits === digits.toLowerCase() || digits === digits.toUpperCase();
  if (unchecked || isAddress(value, { strict: true })) return undefined;
  return `${quote(value)} has a wrong EIP-55 checksum (its mix of upper and lower case), so it likely holds a typo; the correctly checksummed form of the same hex digits is ${getAddress(value)}. Check the address with its owner before using it`;
}

export function parseAddress(value: string, flag: string): Address {
  if (!isAddress(value, { strict: false })) {
    throw new UsageError(
      `Invalid ${label(flag)} ${quote(value)}: expected an address, 0x followed by 40 hex digits, such as ${example(flag, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")}.`,
      flag,
    );
  }
  const problem = checksumProblem(value);
  if (problem !== undefined) throw new UsageError(`Invalid ${label(flag)}: ${problem}.`, flag);
  return getAddress(value);
}

/** Comma-separated addresses, as given (not sorted, duplicates kept for the caller to report). */
export function parseAddressList(value: string, flag: string): Address[] {
  const items = value.split(",").map((item) => item.trim());
  const valid = `a comma-separated list of addresses, such as ${flag} 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC`;
  if (items.length === 0 || items.every((item) => item === "")) {
    throw new UsageError(`Invalid ${flag}: it is empty; expected ${valid}.`, flag);
  }
  return items.map((item, i) => {
    if (!isAddress(item, { strict: false })) {
      throw new UsageError(
        `Invalid ${flag}: item ${i + 1} ${quote(item)} is not an address (0x followed by 40 hex digits); expected ${valid}.`,
        flag,
      );
    }
    const problem = checksumProblem(item);
    if (problem !== undefined) {
      throw new UsageError(`Invalid ${flag}: item ${i + 1} ${problem}.`, flag);
    }
    return getAddress(item);
  });
}

export function parseInteger(
  value: string,
  flag: string,
  { min, max, what, sample }: { min: number; max: number; what: string; sample: number },
): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `Invalid ${label(flag)} ${quote(value)}: expected ${what}, a whole number from ${min} to ${max}, such as ${example(flag, String(sample))}.`,
      flag,
    );
  }
  return n;
}

export function parseBytes32(value: string, flag: string, what: string): Hex {
  if (!isHex(value, { strict: true }) || value.length !== 66) {
    const got = isHex(value, { strict: true })
      ? `${quote(value)} (${(value.length - 2) / 2} bytes)`
      : quote(value);
    throw new UsageError(
      `Invalid ${label(flag)} ${got}: expected ${what}, 32 bytes as 0x followed by 64 hex digits, such as ${example(flag, `0x${"ab".repeat(32)}`)}.`,
      flag,
    );
  }
  return value.toLowerCase() as Hex;
}

export function parseChoice<const T extends string>(
  value: string,
  flag: string,
  choices: readonly T[],
): T {
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new UsageError(
      `Invalid ${label(flag)} ${quote(value)}: expected one of ${choices.join(", ")}, such as ${example(flag, choices[0] ?? "")}.`,
      flag,
    );
  }
  return found;
}

export function parseUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `Invalid ${flag} ${quote(value)}: expected an http(s) or ws(s) URL, such as ${example(flag, "http://127.0.0.1:8545")}.`,
      flag,
    );
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    throw new UsageError(
      `Invalid ${flag} ${quote(value)}: the scheme ${url.protocol} is not supported; use http, https, ws or wss, such as http://127.0.0.1:8545.`,
      flag,
    );
  }
  return value;
}

// Moved to the SDK, which names RPC providers in its errors too.
export { redactUrl } from "../sdk/rpc/redactUrl.js";

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A duration such as "90s", "10m", "1h30m" or "2d", or a number of seconds ("600"), in seconds;
 * from 1 second to `maxSeconds`.
 */
export function parseDuration(value: string, flag: string, maxSeconds = 7 * 86_400): number {
  const whole = /^(?:\d+[smhd])+$/.test(value) || /^\d+$/.test(value);
  const seconds = whole
    ? /^\d+$/.test(value)
      ? Number(value)
      : [...value.matchAll(/(\d+)([smhd])/g)].reduce(
          (sum, [, n, unit]) => sum + Number(n) * (durationUnits[unit ?? "s"] ?? 1),
          0,
        )
    : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    throw new UsageError(
      `Invalid ${label(flag)} ${quote(value)}: expected a duration from 1s to ${maxSeconds / 86_400}d, a number with s, m, h or d (or seconds alone), such as ${example(flag, "30m")} or ${example(flag, "1h30m")}.`,
      flag,
    );
  }
  return seconds;
}
