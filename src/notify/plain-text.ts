const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);

/**
 * User text (a reason, a display name, a ticket) on its way into a message a person reads:
 * control characters would let it fake lines or move a terminal's cursor, so each becomes a
 * space.
 */
export function withoutControlCharacters(text: string): string {
  let out = '';
  for (const char of text) out += isControl(char.codePointAt(0) ?? 0) ? ' ' : char;
  return out;
}

/** One line of at most `max` characters, cut with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const line = withoutControlCharacters(text).replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
