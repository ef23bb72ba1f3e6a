import { type IdentityRules, NO_FEDERATION } from '../domain/identity/principal-names.js';
import type { RateLimitBucket, RateLimiter } from '../domain/issuance/ports.js';
import type { RateLimitPolicy } from '../domain/issuance/vend.js';
import { AuthenticationError, QuotaUnavailableError, RateLimitedError } from '../domain/shared/errors.js';
import type { AuthMethod } from './auth-method.js';
import { callerFromAwsArn } from './aws-principal.js';
import { checkSignedRequest } from './aws-sigv4-check.js';
import { decodeSignedRequest, encodedSignedRequest } from './aws-sigv4-protocol.js';
import { forwardGetCallerIdentity } from './sts-identity-forwarder.js';

export interface SigV4AuthSettings {
  /** The only STS endpoint requests are forwarded to, e.g. https://sts.us-east-1.amazonaws.com/ */
  stsEndpoint: string;
  serverId: string;
  /** Which assumed roles' session names a trusted federation sets (identity = role + session). */
  identityRules?: IdentityRules;
  /** How far X-Amz-Date may be from now, either way. Default 300 (±5 minutes). */
  maxSkewSeconds?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  /**
   * Attempts counted before anything is forwarded, per network source and per claimed access
   * key id: a flood of wrongly signed headers costs at most this many STS calls (and audit
   * records of refusals) per window, and the rest are 429s that reach neither.
   */
  attempts?: { limiter: RateLimiter; perSource?: RateLimitPolicy; perKey?: RateLimitPolicy };
}

/**
 * The buckets one unverified attempt spends. The per-key bucket is keyed by the claimed key
 * id *and* the source: a key id is no secret (it is in every CloudTrail record and signed
 * header), so a bucket of the key id alone would let anyone who names a victim's key id
 * exhaust it and lock the victim out. Naming it now spends only the namer's own bucket.
 */
export function attemptBuckets(
  attempts: Pick<NonNullable<SigV4AuthSettings['attempts']>, 'perKey' | 'perSource'>,
  claimedKeyId: string,
  sourceIp: string | undefined,
): RateLimitBucket[] {
  const buckets: RateLimitBucket[] = [];
  const source = sourceIp ?? 'unknown-source';
  if (attempts.perKey) {
    buckets.push({ scope: 'aws-auth-key', id: `${claimedKeyId}|${source}`, ...attempts.perKey });
  }
  if (sourceIp && attempts.perSource)
    buckets.push({ scope: 'aws-auth-source', id: sourceIp, ...attempts.perSource });
  return buckets;
}

async function countAttempt(
  attempts: NonNullable<SigV4AuthSettings['attempts']>,
  claimedKeyId: string,
  sourceIp: string | undefined,
  now: Date,
): Promise<void> {
  const buckets = attemptBuckets(attempts, claimedKeyId, sourceIp);
  if (buckets.length === 0) return;
  try {
    await attempts.limiter.take(buckets, now);
  } catch (error) {
    if (error instanceof RateLimitedError) throw error;
    throw new QuotaUnavailableError('AWS sign-in attempts could not be counted', { cause: error });
  }
}

function bareOrigin(stsEndpoint: string): URL {
  const endpoint = new URL(stsEndpoint);
  if (
    endpoint.username ||
    endpoint.password ||
    endpoint.search ||
    endpoint.hash ||
    endpoint.pathname !== '/'
  ) {
    throw new Error('the STS endpoint must be a bare origin, like https://sts.us-east-1.amazonaws.com/');
  }
  return endpoint;
}

/**
 * AWS IAM callers (`Authorization: CredvendAWS …`, see aws-sigv4-protocol.ts): decode,
 * check (no I/O), forward to the configured STS endpoint, and trust only the ARN STS
 * answers. Nothing is sent anywhere unless every check passes.
 */
export function createSigV4AuthMethod(settings: SigV4AuthSettings): AuthMethod {
  const endpoint = bareOrigin(settings.stsEndpoint);
  const maxSkewSeconds = settings.maxSkewSeconds ?? 300;
  const doFetch = settings.fetch ?? fetch;
  const now = settings.now ?? (() => new Date());
  return {
    async authenticate({ authorization, sourceIp }) {
      const encoded = encodedSignedRequest(authorization);
      if (encoded === undefined) return undefined;
      const checked = checkSignedRequest(decodeSignedRequest(encoded), {
        endpoint,
        serverId: settings.serverId,
        maxSkewSeconds,
        now: now(),
      });
      if (settings.attempts) await countAttempt(settings.attempts, checked.claimedKeyId, sourceIp, now());
      const identity = await forwardGetCallerIdentity(endpoint, checked, doFetch);
      const caller = callerFromAwsArn(identity.arn, settings.identityRules ?? NO_FEDERATION);
      if (!caller) {
        throw new AuthenticationError(
          `${identity.arn} is not a principal credvend accepts: sign with an IAM user or an assumed role`,
        );
      }
      return caller;
    },
  };
}
