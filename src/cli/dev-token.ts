import type { Command } from 'commander';
import { DevTokenError, requestDevToken } from '../local/idp/dev-token-client.js';
import { CliError } from './errors.js';
import { LOCAL_ISSUER_PATH } from './paths.js';
import { out } from './terminal-text.js';

export function registerDevToken(program: Command, apiUrl: () => Promise<string>): void {
  program
    .command('dev-token')
    .description("print an access token from the local stack's IdP for any subject (local development only)")
    .requiredOption('--sub <subject>', 'subject of the token, e.g. alice@example.com')
    .option('--email <email>', 'email claim (defaults to the subject when it looks like one)')
    .option('--ttl <seconds>', 'lifetime in seconds', (v) => Number.parseInt(v, 10), 3600)
    .option(
      '--issuer <url>',
      'the local IdP (default: <api-url>/dev-oidc, the API URL from --api-url, $CREDVEND_API_URL or the profile)',
    )
    .action(async (options: { sub: string; email?: string; ttl: number; issuer?: string }) => {
      const issuer = options.issuer ?? `${(await apiUrl()).replace(/\/$/, '')}${LOCAL_ISSUER_PATH}`;
      try {
        const token = await requestDevToken({
          issuer,
          sub: options.sub,
          ttlSeconds: options.ttl,
          ...(options.email ? { email: options.email } : {}),
        });
        out(`${token}\n`);
      } catch (error) {
        if (error instanceof DevTokenError) throw new CliError(error.message);
        throw error;
      }
    });
}
