// Chain data in a report is attacker-chosen: a summary that quotes it must not move a terminal's
// cursor, reverse a line or hide words. Every control, format, bidirectional, invisible or
// unassigned character is written out as \u{…} so that it is seen, not obeyed.
const UNPRINTABLE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * `text` with each character a terminal or page would obey instead of show escaped.
 * @example
 * ```ts
 * printable("a\u202Eb"); // "a\\u{202E}b"
 * ```
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (char) => `\\u{${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}}`,
  );
}
