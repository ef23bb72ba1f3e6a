import { shellQuote } from '../http/credential-formats.js';
import type { ProcessCredentialsWire } from '../wire/credentials.js';
import type { CredentialsResponse } from './wire.js';

export const OUTPUT_FORMATS = ['json', 'env', 'credential_process'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const isOutputFormat = (value: string): value is OutputFormat =>
  OUTPUT_FORMATS.some((format) => format === value);

type Secrets = CredentialsResponse['credentials'];

/** The AWS CLI/SDK `credential_process` contract (Version 1), from the API's JSON answer. */
function toProcessCredentials(c: Secrets): ProcessCredentialsWire {
  return {
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration,
  };
}

/** The formats that print only the credentials (the fast path serves these from the cache). */
export function renderSecrets(c: Secrets, format: Exclude<OutputFormat, 'json'>): string {
  if (format === 'credential_process') return `${JSON.stringify(toProcessCredentials(c))}\n`;
  return [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration],
  ]
    .map(([name, value]) => `export ${name}=${shellQuote(value ?? '')}\n`)
    .join('');
}

/** Cached or fresh, credentials print the same as the API renders each format. */
export function renderCredentials(vended: CredentialsResponse, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(vended, null, 2)}\n`;
  return renderSecrets(vended.credentials, format);
}
