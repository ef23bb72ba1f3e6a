import type { ApiTarget } from './api-client.js';
import { callApi, parseBody } from './api-client.js';
import { resolveCaller } from './caller.js';
import { durationSeconds } from './durations.js';
import { CliError } from './errors.js';
import { credentialCacheKey, type VendFields } from './request-body.js';
import { withRequestHint } from './request-hint.js';
import { sealedCache } from './sealed-cache.js';
import { err } from './terminal-text.js';
import { type CredentialsResponse, credentialsResponse } from './wire.js';

export { requestBody, type VendFields } from './request-body.js';

export const integer = (value: string): number => {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || String(n) !== value.trim())
    throw new CliError(`${value} is not a whole number`);
  return n;
};

/** A `--duration`: seconds, or a number with s, m, h or d (`90m`, `1h30m`). */
export const duration = (value: string): number => {
  const seconds = durationSeconds(value);
  if (seconds === undefined || seconds < 1)
    throw new CliError(`--duration is seconds or a time like 90m, 1h or 1h30m, not ${value}`);
  return seconds;
};

const warn = (message: string) => err(`credvend: ${message}\n`);

/**
 * Credentials shorter than asked for were cut by the end of their entitlement or grant:
 * asking again cannot give longer ones, so they are served until the SDKs' refresh windows
 * (botocore refuses credentials with under 10 minutes left; the JS SDK refreshes at 5).
 */
const CAPPED_REUSE_MARGIN_MS = 10 * 60_000;

function cacheEntry(vended: CredentialsResponse, body: Record<string, unknown>) {
  const expiresAt = Date.parse(vended.credentials.expiration);
  const asked = typeof body.durationSeconds === 'number' ? body.durationSeconds : undefined;
  const capped = asked !== undefined && vended.durationSeconds < asked;
  return {
    expiresAt,
    entitlementId: vended.entitlementId,
    ...(capped ? { reuseUntil: expiresAt - CAPPED_REUSE_MARGIN_MS } : {}),
  };
}

/**
 * Credentials for one request, from the on-disk cache while they are fresh enough, else
 * vended (one issuance, one audit record) and cached. `useCache: false` drops the entry
 * and vends afresh (the new answer replaces the cached one).
 */
export async function vendCredentials(
  target: ApiTarget,
  fields: VendFields,
  useCache: boolean,
): Promise<CredentialsResponse> {
  const caller = await resolveCaller(target);
  const key = credentialCacheKey(
    { apiUrl: target.apiUrl, profile: target.profile, principal: caller.principal },
    fields,
  );
  const body = key.request;
  const cache = await sealedCache(warn);
  if (useCache) {
    const hit = await cache.get(key);
    if (hit !== undefined) {
      const parsed = credentialsResponse.safeParse(JSON.parse(hit));
      if (parsed.success) return parsed.data;
    }
  }
  // Without the cache the old entry stays until new credentials replace it: a refusal
  // leaves the user with what still works.
  const response = await withRequestHint(target, fields.target, () =>
    callApi(target, 'POST', '/v1/credentials', { body, authorization: caller.authorization }),
  );
  const vended = parseBody(credentialsResponse, response);
  await cache
    .put(key, response.text, cacheEntry(vended, body))
    .catch((error: unknown) =>
      warn(`could not cache credentials: ${error instanceof Error ? error.message : String(error)}`),
    );
  return vended;
}
