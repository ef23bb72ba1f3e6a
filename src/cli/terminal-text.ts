/**
 * Everything the CLI prints passes through here. Text from the server or a user (reasons,
 * names, problem details, audit fields) may hold control characters: an ESC sequence can
 * rewrite the screen, set the window title or the clipboard (OSC 52), a lone CR or a bidi
 * override can make a line read as something else. Each such character is printed as its
 * `\uXXXX` escape, which leaves JSON output valid and meaning the same.
 */
import { writeSync } from 'node:fs';

/**
 * C0 controls but tab and newline, CR not before LF (CRLF is CSV's line end), DEL, C1
 * controls, and the invisible characters that reorder or break lines (ALM, LRM, RLM, LS, PS,
 * bidi embeddings, overrides and isolates).
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|\r(?!\n)/g;
/** In one field (a table cell, a name in a sentence) newline and tab are escaped too. */
const UNSAFE_IN_FIELD = /[\t\n\r]/g;

const asEscape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every character that could drive a terminal shown as its escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, asEscape);
}

/** One field of a line: also its tabs and line breaks escaped, so it cannot start a line of its own. */
export function fieldSafe(text: string): string {
  return terminalSafe(text).replace(UNSAFE_IN_FIELD, asEscape);
}

/** Prints to stdout, escaped. */
export function out(text: string): void {
  process.stdout.write(terminalSafe(text));
}

/**
 * Prints to stdout, escaped, with blocking writes: the entry's quick answers (the version,
 * a cached credential) never build process.stdout, whose pipe stream costs a short-lived
 * process more start-up than the rest of its answer (`npm run bench`: CLI start-up).
 */
export function outNow(text: string): void {
  const bytes = Buffer.from(terminalSafe(text));
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    // A non-blocking stdout that is full: the stream waits until it drains.
    if (!(error instanceof Error && 'code' in error && error.code === 'EAGAIN')) throw error;
    process.stdout.write(bytes.subarray(written));
  }
}

/** Prints to stderr, escaped. */
export function err(text: string): void {
  process.stderr.write(terminalSafe(text));
}

/** Writes a line, escaped, to an open terminal (the /dev/tty a credential_process sign-in uses). */
export function toTerminal(fd: number, text: string): void {
  writeSync(fd, `${terminalSafe(text)}\n`);
}

/** Erases the progress line: the one control sequence the CLI itself sends, only to a terminal. */
export function clearProgressLine(): void {
  process.stderr.write('\r\x1b[K');
}
