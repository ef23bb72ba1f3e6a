import { join } from 'node:path';
import { configuredSecrets } from '../config-store.js';
import { CliError } from '../errors.js';
import { profileFileName, tokensDir } from '../paths.js';
import { UnsafeFileError } from '../private-files.js';
import { RENEW_BEFORE_MS } from '../token-principal.js';
import { describeOAuthError } from './oauth-errors.js';
import { type LoginAuth, type StoredSession, sessionSchema } from './stored-session.js';

const sessionPath = (profile: string): string => join(tokensDir(), `${profileFileName(profile)}.json`);
/** The secret's name in the store: its path under the config directory when the store is files. */
export const sessionSecret = (profile: string): string => `tokens/${profileFileName(profile)}.json`;

export async function readSession(profile: string): Promise<StoredSession | undefined> {
  const path = sessionPath(profile);
  let text: string | undefined;
  try {
    text = await (await configuredSecrets()).read(sessionSecret(profile));
  } catch (error) {
    if (error instanceof UnsafeFileError) throw new CliError(`refusing sign-in tokens: ${error.message}`, 3);
    throw error;
  }
  if (text === undefined) return undefined;
  const parsed = sessionSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new CliError(`${path} is not a credvend sign-in file: run \`credvend login\``, 3);
  return parsed.data;
}

export async function saveSession(profile: string, session: StoredSession): Promise<void> {
  await (await configuredSecrets()).write(sessionSecret(profile), `${JSON.stringify(session)}\n`);
}

export async function deleteSession(profile: string): Promise<boolean> {
  const existed = (await readSession(profile).catch(() => undefined)) !== undefined;
  await (await configuredSecrets()).remove(sessionSecret(profile));
  return existed;
}

const loginHint = (profile: string) =>
  profile === 'default' ? '`credvend login`' : `\`credvend --profile ${profile} login\``;

/**
 * The token to send: the stored one while it is fresh, else a silently refreshed one; when
 * the sign-in has expired, a new sign-in at the person's terminal if there is one.
 */
export async function signedInToken(profile: string, auth: LoginAuth): Promise<string> {
  const session = await readSession(profile);
  if (!session) throw new CliError(`profile "${profile}" is not signed in: run ${loginHint(profile)}`, 3);
  const token = (s: StoredSession) => (auth.useIdToken ? s.idToken : s.accessToken);
  const current = token(session);
  if (current && session.expiresAt - RENEW_BEFORE_MS > Date.now()) return current;
  const renewed = session.refreshToken
    ? await refreshed(profile, auth, session)
    : await signInAgain(profile, auth, 'no refresh token');
  await saveSession(profile, renewed);
  const fresh = token(renewed);
  if (!fresh) throw new CliError(`the IdP sent no ${auth.useIdToken ? 'ID' : 'access'} token`, 3);
  return fresh;
}

async function refreshed(profile: string, auth: LoginAuth, session: StoredSession): Promise<StoredSession> {
  const { refreshSession } = await import('./oauth.js');
  return refreshSession(auth, session).catch(async (error: unknown) => {
    // Another credvend may have refreshed first (refresh tokens rotate): use its result.
    const latest = await readSession(profile);
    if (latest && latest.refreshToken !== session.refreshToken && latest.expiresAt > Date.now())
      return latest;
    return signInAgain(profile, auth, describeOAuthError(error));
  });
}

/** A new sign-in at the terminal, or the expiry reported with the command that recovers. */
async function signInAgain(profile: string, auth: LoginAuth, why: string): Promise<StoredSession> {
  const { signInAgainAtTerminal } = await import('./sign-in-again.js');
  const session = await signInAgainAtTerminal(profile, auth, why);
  if (session) return session;
  throw new CliError(
    `the sign-in of profile "${profile}" has expired (${why}): run ${loginHint(profile)}`,
    3,
  );
}
