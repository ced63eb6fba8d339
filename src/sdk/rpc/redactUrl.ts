/**
 * A URL as messages show it: scheme and host only when the rest (user, password, path, query)
 * may hold an API key, as hosted providers put keys in the path or the query.
 * @example
 * ```ts
 * redactUrl("https://eth-mainnet.example.com/v2/SECRET"); // "https://eth-mainnet.example.com/…"
 * ```
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    const hidden =
      url.username || url.password || url.search || (url.pathname && url.pathname !== "/");
    return `${url.protocol}//${url.host}${hidden ? "/…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}
