import { AuthenticationError, StsThrottledError, StsUnavailableError } from '../domain/shared/errors.js';
import type { ForwardableRequest } from './aws-sigv4-check.js';
import { onlyTag, parseGetCallerIdentityResponse, type StsIdentity } from './aws-sigv4-protocol.js';

/** Seconds a caller is told to wait when STS throttles the forwarded request; STS sends no Retry-After. */
const STS_THROTTLE_RETRY_AFTER_SECONDS = 2;
const STS_THROTTLED_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']);
const STS_TIMEOUT_MS = 5000;

/**
 * Sends a checked GetCallerIdentity to the configured endpoint (never a caller-chosen
 * host, no redirects) and returns the identity STS answers. A signature STS refuses is an
 * AuthenticationError naming the claimed key id, so it can be audited.
 */
export async function forwardGetCallerIdentity(
  endpoint: URL,
  request: ForwardableRequest,
  doFetch: typeof fetch,
): Promise<StsIdentity> {
  let response: Response;
  let text: string;
  try {
    response = await doFetch(endpoint.href, {
      method: 'POST',
      headers: new Headers([...request.headers]),
      body: request.body,
      redirect: 'error',
      signal: AbortSignal.timeout(STS_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new StsUnavailableError('STS could not be reached to verify the caller', { cause: error });
  }
  if (response.status === 429 || STS_THROTTLED_CODES.has(onlyTag(text, 'Code') ?? '')) {
    throw new StsThrottledError(STS_THROTTLE_RETRY_AFTER_SECONDS);
  }
  if (response.status === 403 || response.status === 400 || response.status === 401) {
    const rejected = new AuthenticationError('AWS signature rejected by STS');
    rejected.claimedPrincipal = `unverified-aws-access-key:${request.claimedKeyId}`;
    throw rejected;
  }
  if (response.status !== 200) {
    throw new StsUnavailableError(`STS answered GetCallerIdentity with ${response.status}`);
  }
  const identity = parseGetCallerIdentityResponse(text);
  if (!identity) throw new StsUnavailableError('STS answered GetCallerIdentity with an unexpected document');
  return identity;
}
