import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ProfileAuth } from './config-store.js';
import { CliError } from './errors.js';

// Where a target's bearer token comes from: apart from api-client.ts, so resolving a caller
// (caller.ts) and calling the API can each use it without importing the other.
const run = promisify(execFile);

export interface ApiTarget {
  apiUrl: string;
  /** The profile name: what cached credentials and sign-in tokens are filed under. */
  profile: string;
  auth: ProfileAuth | { type: 'token'; token: string };
}

/** The bearer token for an OIDC profile, from the source it names. */
async function tokenFromSource(auth: Extract<ProfileAuth, { type: 'oidc' }>): Promise<string> {
  let token: string | undefined;
  if (auth.tokenEnv) token = process.env[auth.tokenEnv];
  else if (auth.tokenFile) token = await readFile(auth.tokenFile, 'utf8').catch(() => undefined);
  else if (auth.tokenCommand) {
    token = await run('sh', ['-c', auth.tokenCommand], { timeout: 30_000 })
      .then((r) => r.stdout)
      .catch(() => undefined);
  }
  token = token?.trim();
  if (!token) {
    const source = auth.tokenEnv
      ? `$${auth.tokenEnv}`
      : auth.tokenFile
        ? auth.tokenFile
        : `\`${auth.tokenCommand ?? ''}\``;
    throw new CliError(
      `no OIDC token: ${source} gave nothing (run \`credvend login\` to change where it comes from)`,
    );
  }
  return token;
}

/** The bearer token of a token-based target (a literal token, a token source, or a sign-in). */
export async function bearerToken(target: ApiTarget): Promise<string> {
  const auth = target.auth;
  if (auth.type === 'token') return auth.token;
  if (auth.type === 'oidc') return tokenFromSource(auth);
  if (auth.type === 'login') {
    const { signedInToken } = await import('./login/session.js');
    return signedInToken(target.profile, auth);
  }
  throw new CliError('this profile signs AWS requests; it has no bearer token');
}
