import { printable } from "./printable.js";

/**
 * Escapes text for HTML element content and attribute values (chain data is attacker-chosen).
 * Bidirectional and invisible characters are written out first: an entity such as &#x202E; would
 * still reverse what follows it.
 */
export function escapeHtml(value: unknown): string {
  return printable(String(value))
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
