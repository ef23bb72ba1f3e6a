/**
 * A cached credential served without loading the CLI program. AWS CLIs and SDKs run
 * `credential_process` before their calls, many times an hour, so a cache hit must cost
 * little more than starting Node. Only a plain `creds` command is understood here, with
 * only Node built-ins loaded; anything else, and every miss, returns false and the full
 * program runs (and explains, refreshes or vends as usual). Its reads block: a process that
 * reads three small files and exits gains nothing from the thread pool.
 */
import { readFileSync } from 'node:fs';
import { type OutputFormat, renderSecrets } from './credential-output.js';
import { DiskCredentialCache } from './disk-cache.js';
import { durationSeconds } from './durations.js';
import { cacheDir, configPath, DEFAULT_API_URL, profileFileName, tokensDir } from './paths.js';
import { readPrivateFileSync } from './private-files.js';
import { regionFor } from './region.js';
import { credentialCacheKey, type VendFields } from './request-body.js';
import { outNow } from './terminal-text.js';
import { principalOfToken, RENEW_BEFORE_MS } from './token-principal.js';

interface FastRequest {
  profile?: string;
  apiUrl?: string;
  fields: VendFields;
  format: Exclude<OutputFormat, 'json'>;
}

/** `[--profile P] [--api-url U] creds <target> [--format F] [--reason R] [--duration N]`, or nothing. */
export function parseFastRequest(args: readonly string[]): FastRequest | undefined {
  const values: Record<string, string> = {};
  let target: string | undefined;
  let command = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!command && arg === 'creds') {
      command = true;
      continue;
    }
    if (command && target === undefined && !arg.startsWith('-')) {
      target = arg;
      continue;
    }
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const allowed = command ? ['--format', '--reason', '--duration'] : ['--profile', '--api-url'];
    const value = inline ?? args[++i];
    if (!allowed.includes(flag) || value === undefined || flag.slice(2) in values) return undefined;
    values[flag.slice(2)] = value;
  }
  // `json` prints the whole answer as the full program parsed it: that one is left to it.
  const format = values.format;
  const duration = values.duration;
  if (
    !target ||
    (format !== 'credential_process' && format !== 'env') ||
    (duration !== undefined && !durationSeconds(duration))
  )
    return undefined;
  return {
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    ...(values['api-url'] !== undefined ? { apiUrl: values['api-url'] } : {}),
    fields: {
      target,
      ...(duration !== undefined ? { duration: durationSeconds(duration) } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
    },
    format,
  };
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? { ...value } : undefined;

/** The bearer token a profile (or $CREDVEND_TOKEN) sends, when it can be had without the network. */
function localToken(name: string, profile: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv) {
  if (!profile) return env.CREDVEND_TOKEN?.trim() || undefined;
  const auth = record(profile.auth);
  if (auth?.type === 'oidc') {
    if (typeof auth.tokenEnv === 'string') return env[auth.tokenEnv]?.trim() || undefined;
    if (typeof auth.tokenFile === 'string') return readFileSync(auth.tokenFile, 'utf8').trim() || undefined;
    return undefined;
  }
  if (auth?.type !== 'login') return undefined;
  const session = record(
    JSON.parse(readPrivateFileSync(`${tokensDir(env)}/${profileFileName(name)}.json`) ?? 'null'),
  );
  const token = auth.useIdToken === true ? session?.idToken : session?.accessToken;
  const expiresAt = session?.expiresAt;
  if (typeof token !== 'string' || typeof expiresAt !== 'number') return undefined;
  return expiresAt - RENEW_BEFORE_MS > Date.now() ? token : undefined;
}

/** Whether the cached credentials fit the shape every format prints. */
function cachedAnswer(text: string) {
  const answer = record(JSON.parse(text));
  const c = record(answer?.credentials);
  const fields = ['accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration'] as const;
  if (!answer || !c || !fields.every((f) => typeof c[f] === 'string')) return undefined;
  const [accessKeyId, secretAccessKey, sessionToken, expiration] = fields.map((f) => String(c[f]));
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/** The config file's text, `{}` when there is none. */
function configText(env: NodeJS.ProcessEnv): string {
  try {
    return readFileSync(configPath(env), 'utf8');
  } catch {
    return '{}';
  }
}

/** Writes the cached answer and returns true, or returns false for the full program to run. */
export function servedFromCache(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  try {
    const request = parseFastRequest(args);
    if (!request) return false;
    const name = request.profile ?? env.CREDVEND_PROFILE ?? 'default';
    const named = request.profile !== undefined || env.CREDVEND_PROFILE !== undefined;
    const config = record(JSON.parse(configText(env)));
    // Secrets in the OS keychain are the program's to read (a native addon, a D-Bus call).
    if (config?.keychain === true) return false;
    const profile = record(record(config?.profiles)?.[name]);
    if (!profile && named) return false;
    const token = localToken(name, profile, env);
    if (!token) return false;
    const apiUrl =
      request.apiUrl ??
      env.CREDVEND_API_URL ??
      (typeof profile?.apiUrl === 'string' ? profile.apiUrl : DEFAULT_API_URL);
    const key = credentialCacheKey(
      { apiUrl, profile: name, principal: principalOfToken(token) },
      request.fields,
    );
    const hit = new DiskCredentialCache(cacheDir(env), () => undefined).peekSync(key);
    const answer = hit === undefined ? undefined : cachedAnswer(hit);
    if (!answer) return false;
    const region = request.format === 'env' ? regionFor(request.fields.target, env) : undefined;
    outNow(renderSecrets(answer, request.format, region));
    return true;
  } catch {
    // Anything unexpected is the full program's to report.
    return false;
  }
}
