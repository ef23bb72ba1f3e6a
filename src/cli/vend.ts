import type { ApiTarget } from './api-client.js';
import { callApi, parseBody } from './api-client.js';
import { resolveCaller } from './caller.js';
import { DiskCredentialCache } from './disk-cache.js';
import { CliError } from './errors.js';
import { cacheDir } from './paths.js';
import { credentialCacheKey, type VendFields } from './request-body.js';
import { type CredentialsResponse, credentialsResponse } from './wire.js';

export { requestBody, type VendFields } from './request-body.js';

export const integer = (value: string): number => {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || String(n) !== value.trim())
    throw new CliError(`${value} is not a whole number`);
  return n;
};

const warn = (message: string) => process.stderr.write(`credvend: ${message}\n`);

/**
 * Credentials for one request, from the on-disk cache while they are fresh enough, else
 * vended (one issuance, one audit record) and cached. `useCache: false` drops the entry
 * and vends afresh.
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
  const cache = new DiskCredentialCache(cacheDir(), warn);
  if (useCache) {
    const hit = await cache.get(key);
    if (hit !== undefined) {
      const parsed = credentialsResponse.safeParse(JSON.parse(hit));
      if (parsed.success) return parsed.data;
    }
  } else {
    await cache.delete(key);
  }
  const response = await callApi(target, 'POST', '/v1/credentials', {
    body,
    authorization: caller.authorization,
  });
  const vended = parseBody(credentialsResponse, response);
  if (useCache) {
    await cache
      .put(key, response.text, Date.parse(vended.credentials.expiration))
      .catch((error: unknown) =>
        warn(`could not cache credentials: ${error instanceof Error ? error.message : String(error)}`),
      );
  }
  return vended;
}
