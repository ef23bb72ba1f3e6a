import { CREDENTIAL_FORMATS, type CredentialFormat } from '../wire/credential-format-names.js';
import { shellQuote, toEnvText, toProcessCredentials } from '../wire/credential-formats.js';
import type { CredentialsResponse } from './wire.js';

type Secrets = CredentialsResponse['credentials'];

/**
 * What `credvend creds --format` prints for each credential format: the API's whole JSON
 * answer, the credentials alone (which the fast path serves from the cache), or nothing but
 * the command that serves that format instead. One entry per format of the wire enum, so a
 * new format the CLI does not handle does not compile.
 */
const PRINTERS = {
  json: 'answer',
  env: (c: Secrets) => toEnvText(c),
  credential_process: (c: Secrets) => `${JSON.stringify(toProcessCredentials(c))}\n`,
  // Served, not printed: a loopback endpoint that keeps the credentials fresh.
  container: { servedBy: 'credvend serve' },
  // A sign-in URL, not credentials.
  console: { servedBy: 'credvend console' },
} as const satisfies Record<CredentialFormat, 'answer' | ((c: Secrets) => string) | { servedBy: string }>;

/** The formats `creds` prints (the others name the command that serves them). */
export type OutputFormat = {
  [F in CredentialFormat]: (typeof PRINTERS)[F] extends { servedBy: string } ? never : F;
}[CredentialFormat];

export const isOutputFormat = (value: string): value is OutputFormat =>
  CREDENTIAL_FORMATS.some((format) => format === value && !(typeof PRINTERS[format] === 'object'));

export const OUTPUT_FORMATS: readonly OutputFormat[] = CREDENTIAL_FORMATS.filter(isOutputFormat);

/** The command serving a format `creds` does not print, if `value` is one. */
export function commandServing(value: string): string | undefined {
  for (const [format, printer] of Object.entries(PRINTERS))
    if (format === value && typeof printer === 'object') return printer.servedBy;
  return undefined;
}

/**
 * The formats that print only the credentials (the fast path serves these from the cache);
 * `env` adds the region when one is known (see region.ts), as `aws configure export-credentials` does not.
 */
export function renderSecrets(c: Secrets, format: Exclude<OutputFormat, 'json'>, region?: string): string {
  const text = PRINTERS[format](c);
  if (format !== 'env' || !region) return text;
  return `${text}export AWS_REGION=${shellQuote(region)}\nexport AWS_DEFAULT_REGION=${shellQuote(region)}\n`;
}

/** Cached or fresh, credentials print the same as the API renders each format. */
export function renderCredentials(
  vended: CredentialsResponse,
  format: OutputFormat,
  region?: string,
): string {
  if (format === 'json') return `${JSON.stringify(vended, null, 2)}\n`;
  return renderSecrets(vended.credentials, format, region);
}
