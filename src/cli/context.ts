import type { Command } from 'commander';
import type { ApiTarget } from './api-client.js';
import { configPath, readProfiles } from './config-store.js';
import { CliError } from './errors.js';
import { DEFAULT_API_URL } from './paths.js';
import { clearProgressLine, err, fieldSafe, out } from './terminal-text.js';

export { DEFAULT_API_URL } from './paths.js';

export interface GlobalOptions {
  profile: string;
  apiUrl?: string;
  json?: boolean;
}

/**
 * Where to send requests and how to authenticate: the named profile, else `$CREDVEND_TOKEN`
 * against `--api-url` / `$CREDVEND_API_URL` (handy in CI, where a job exports its token).
 */
export async function resolveTarget(program: Command): Promise<ApiTarget> {
  const options = program.opts<GlobalOptions>();
  const path = configPath();
  const profiles = await readProfiles(path);
  const profile = profiles[options.profile];
  const apiUrl = options.apiUrl ?? process.env.CREDVEND_API_URL ?? profile?.apiUrl ?? DEFAULT_API_URL;
  if (profile) return { apiUrl, profile: options.profile, auth: profile.auth };
  // A profile the user named must exist: falling back to another identity would be a surprise.
  if (program.getOptionValueSource('profile') !== 'default') {
    const known = Object.keys(profiles);
    throw new CliError(
      `no profile "${options.profile}" in ${path}${known.length ? ` (profiles: ${known.join(', ')})` : ''}`,
    );
  }
  const token = process.env.CREDVEND_TOKEN?.trim();
  if (token) return { apiUrl, profile: options.profile, auth: { type: 'token', token } };
  throw new CliError(`no profile "${options.profile}" and no $CREDVEND_TOKEN: run \`credvend login\` first`);
}

/** The API URL a command without a credential uses: --api-url, $CREDVEND_API_URL, the profile's, the default. */
export async function configuredApiUrl(program: Command): Promise<string> {
  const options = program.opts<GlobalOptions>();
  const profile = (await readProfiles(configPath()))[options.profile];
  return options.apiUrl ?? process.env.CREDVEND_API_URL ?? profile?.apiUrl ?? DEFAULT_API_URL;
}

export function printJson(value: unknown): void {
  out(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table for people; `--json` gives machines the full data. */
export function printTable(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): void {
  const cells = rows.map((row) =>
    columns.map((c) => (row[c] === undefined || row[c] === null ? '' : fieldSafe(String(row[c])))),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  out(`${[line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n')}\n`);
}

/** A cell a spreadsheet would read as a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180 CSV. Audit fields carry caller-chosen text (reason, user agent, session name),
 * so a cell that a spreadsheet would run as a formula gets a leading `'`, which makes it text.
 */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string {
  const quote = (v: unknown) => {
    const raw = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\r\n')}\r\n`;
}

/** Progress on stderr, only for a person watching a terminal. */
export function progress(message: string): () => void {
  if (!process.stderr.isTTY) return () => undefined;
  err(`${message}…`);
  return clearProgressLine;
}
