import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where the API is when nothing else says: the local stack's default port. */
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** The local stack mounts its IdP here, on the API's own port. */
export const LOCAL_ISSUER_PATH = '/dev-oidc';

/**
 * The API an issuer implies: the local stack's IdP (`<api>/dev-oidc`) names its API, on
 * whatever port it runs. Any other issuer implies nothing.
 */
export function apiUrlOfLocalIssuer(issuer: string | undefined): string | undefined {
  if (!issuer) return undefined;
  const trimmed = issuer.replace(/\/+$/, '');
  if (!trimmed.endsWith(LOCAL_ISSUER_PATH) || !/^https?:\/\/[^/]+/.test(trimmed)) return undefined;
  return trimmed.slice(0, -LOCAL_ISSUER_PATH.length);
}

/** `$CREDVEND_CONFIG`, else `$XDG_CONFIG_HOME/credvend/config.json`, else `~/.config/credvend/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CREDVEND_CONFIG) return env.CREDVEND_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'credvend', 'config.json');
}

/** Sign-in tokens, one file per profile, beside the config (mode 0700 directory, 0600 files). */
export function tokensDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(configPath(env)), 'tokens');
}

/** Cached credentials, one directory per profile, beside the config. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(configPath(env)), 'cache');
}

/** A profile name as a file name: any name a user types maps to one safe, distinct name. */
export function profileFileName(profile: string): string {
  return encodeURIComponent(profile).replaceAll('.', '%2E');
}
