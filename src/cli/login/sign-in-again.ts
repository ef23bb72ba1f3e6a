import { closeSync, openSync } from 'node:fs';
import { toTerminal } from '../terminal-text.js';
import type { LoginAuth, StoredSession } from './stored-session.js';

/**
 * Signs in again at the person's terminal when a profile's sign-in has expired, so that a
 * `credential_process` call (or any command) goes on instead of failing. AWS CLIs and SDKs
 * run credential_process with stdout and stderr piped, so the person is reached through the
 * controlling terminal, /dev/tty. Without one (CI, cron, a service), or with
 * CREDVEND_TERMINAL_PROMPT=0 (as GIT_TERMINAL_PROMPT=0 for git), nothing is attempted and
 * undefined tells the caller to report the expiry as before.
 */
export async function signInAgainAtTerminal(
  profile: string,
  auth: LoginAuth,
  why: string,
): Promise<StoredSession | undefined> {
  if (process.env.CREDVEND_TERMINAL_PROMPT === '0') return undefined;
  let terminal: number;
  try {
    terminal = openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  // The IdP's URLs, device code and error text reach the terminal: escaped as all CLI output is.
  const say = (line: string) => toTerminal(terminal, line);
  try {
    say(`credvend: the sign-in of profile "${profile}" has expired (${why}); signing in again`);
    const flows = await import('./oauth.js');
    const session = flows.browserAvailable()
      ? await flows.loginWithBrowser(auth, say, true)
      : await flows.loginWithDevice(auth, say);
    say(`credvend: signed in to profile "${profile}"; continuing`);
    return session;
  } finally {
    closeSync(terminal);
  }
}
