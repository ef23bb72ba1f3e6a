import type { Command } from 'commander';
import { CliError } from './errors.js';

export interface DevTokenOptions {
  sub: string;
  email?: string;
  ttl: number;
  apiUrl: string;
}

/** Asks the local stack's dev OIDC issuer for a token; only the local stack serves this route. */
export async function fetchDevToken(options: DevTokenOptions): Promise<string> {
  const url = `${options.apiUrl.replace(/\/$/, '')}/dev-oidc/token`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sub: options.sub,
        ttlSeconds: options.ttl,
        ...(options.email ? { email: options.email } : {}),
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new CliError(`cannot reach the local stack at ${options.apiUrl}: is \`npm start\` running?`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (
    !response.ok ||
    !body ||
    typeof body !== 'object' ||
    !('token' in body) ||
    typeof body.token !== 'string'
  ) {
    const detail =
      body && typeof body === 'object' && 'detail' in body ? String(body.detail) : `HTTP ${response.status}`;
    throw new CliError(`the dev issuer refused: ${detail}`);
  }
  return body.token;
}

export function registerDevToken(program: Command, apiUrl: () => string): void {
  program
    .command('dev-token')
    .description('mint a token from the local stack dev OIDC issuer (local development only)')
    .requiredOption('--sub <subject>', 'subject of the token, e.g. alice@example.com')
    .option('--email <email>', 'email claim (defaults to the subject when it looks like one)')
    .option('--ttl <seconds>', 'lifetime in seconds', (v) => Number.parseInt(v, 10), 3600)
    .action(async (options: { sub: string; email?: string; ttl: number }) => {
      const token = await fetchDevToken({ ...options, apiUrl: apiUrl() });
      process.stdout.write(`${token}\n`);
    });
}
