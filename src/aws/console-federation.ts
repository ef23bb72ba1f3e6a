import { ConsoleFederationUnavailableError } from '../domain/shared/errors.js';
import type { Credentials } from '../domain/shared/types.js';

export interface ConsoleSignInSettings {
  /** AWS's federation endpoint, or a local stand-in in tests. */
  endpoint: string;
  /** Shown on the console's sign-out page, so people know where to go back to. */
  issuer: string;
  destination: string;
  fetch?: typeof fetch;
}

/** The console allows sessions of 15 minutes to 12 hours. */
const CONSOLE_MIN_SECONDS = 900;
const CONSOLE_MAX_SECONDS = 43_200;

/**
 * AWS's console federation flow: exchange session credentials for a sign-in token
 * (`getSigninToken`), then build the `login` URL. The token is valid for 15 minutes;
 * the console session lasts `sessionSeconds` (omitted for role-chained credentials, which
 * the endpoint refuses a SessionDuration for).
 */
export async function consoleSignInUrl(
  settings: ConsoleSignInSettings,
  credentials: Credentials,
  sessionSeconds: number | undefined,
): Promise<string> {
  const query = new URLSearchParams({
    Action: 'getSigninToken',
    ...(sessionSeconds !== undefined
      ? {
          SessionDuration: String(
            Math.min(CONSOLE_MAX_SECONDS, Math.max(CONSOLE_MIN_SECONDS, sessionSeconds)),
          ),
        }
      : {}),
    Session: JSON.stringify({
      sessionId: credentials.accessKeyId,
      sessionKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    }),
  });
  let token: unknown;
  try {
    // POST keeps the session credentials out of any access log that records query strings.
    const response = await (settings.fetch ?? fetch)(settings.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: query.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`federation endpoint answered ${response.status}`);
    const body: unknown = await response.json();
    token = body && typeof body === 'object' && 'SigninToken' in body ? body.SigninToken : undefined;
  } catch (error) {
    throw new ConsoleFederationUnavailableError('the console sign-in token could not be obtained', {
      cause: error,
    });
  }
  if (typeof token !== 'string' || token.length === 0)
    throw new ConsoleFederationUnavailableError('the federation endpoint returned no sign-in token');
  const login = new URLSearchParams({
    Action: 'login',
    Issuer: settings.issuer,
    Destination: settings.destination,
    SigninToken: token,
  });
  return `${settings.endpoint}?${login}`;
}
