// Small pieces every screen uses: hashes that wrap and can be copied, chain-time countdowns,
// messages for errors and warnings.
import type { ComponentChildren } from "preact";

/** A hash or address in monospace, broken anywhere so it never pushes the layout wider. */
export function Mono({ children, label }: { children: string; label?: string }) {
  return (
    <code class="mono" title={label}>
      {children}
    </code>
  );
}

export function Problem({ children }: { children: ComponentChildren }) {
  return (
    <p class="problem" role="alert">
      {children}
    </p>
  );
}

export function Warning({ children }: { children: ComponentChildren }) {
  return (
    <p class="warning" role="status">
      {children}
    </p>
  );
}

/** "in 4 min 10 s" or "2 min ago", from seconds. */
export function durationText(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const text =
    s < 60
      ? `${s} s`
      : s < 3600
        ? `${Math.floor(s / 60)} min ${s % 60} s`
        : s < 86_400
          ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
          : `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

/** A deadline as UTC time and its distance by the chain's clock (as the contract decides it). */
export function Deadline({ at, chainNow }: { at: number; chainNow: number | undefined }) {
  const iso = new Date(at * 1000).toISOString().replace(".000Z", "Z");
  return (
    <span>
      {iso}
      {chainNow === undefined ? "" : ` (${durationText(at - chainNow)} by chain time)`}
    </span>
  );
}

export function Rows({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="rows">
      {rows.map(([key, value]) => (
        <>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  );
}
