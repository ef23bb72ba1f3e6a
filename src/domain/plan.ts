import { CALLER_NAME_TAG, sessionNameFor, sourceIdentityFor } from './caller-identity.js';
import { substituteClaims } from './claim-policy.js';
import { LimitExceededError, ReasonRequiredError } from './errors.js';
import { EXTERNAL_ID_CHARSET, STS_LIMITS, TAG_CHARSET } from './limits.js';
import { minifyPolicy, narrowPolicy } from './policy.js';
import { toTagValue } from './sts-names.js';
import type {
  Caller,
  DurationBound,
  Entitlement,
  IssuancePlan,
  IssuanceRequest,
  SessionTag,
} from './types.js';

export interface PlanningOptions {
  /**
   * True when credvend's own credentials are a role session (as in Lambda): AWS then caps
   * the chained session at one hour whatever the role's MaxSessionDuration.
   */
  roleChaining: boolean;
  /** When the session would start: sessions end by the entitlement's notAfter (and token expiry). */
  now: Date;
}

/** Default session length when neither the request nor the entitlement names one. */
const DEFAULT_DURATION_SECONDS = 3600;

/**
 * Decides everything AssumeRole will be called with and checks every STS limit, so that
 * a request STS would reject fails here with a 400 naming the limit, before any call.
 */
export function planIssuance(
  entitlement: Entitlement,
  request: IssuanceRequest,
  caller: Caller,
  options: PlanningOptions,
): IssuancePlan {
  const reason = request.reason?.trim() || undefined;
  if (entitlement.reasonRequired && !reason) {
    throw new ReasonRequiredError(`entitlement ${entitlement.id} requires a reason`);
  }
  const { durationSeconds, durationBoundBy } = resolveDuration(entitlement, request, caller, options);
  const sessionPolicy = resolveSessionPolicy(entitlement, request, caller);
  const policyArns = [...entitlement.managedPolicyArns];
  if (policyArns.length > STS_LIMITS.maxPolicyArns) {
    throw new LimitExceededError(
      'policy-arns',
      `at most ${STS_LIMITS.maxPolicyArns} managed policy ARNs per session; entitlement has ${policyArns.length}`,
    );
  }
  const sessionPolicyChars =
    (sessionPolicy?.length ?? 0) + policyArns.reduce((sum, arn) => sum + arn.length, 0);
  if (sessionPolicyChars > STS_LIMITS.sessionPolicyMaxChars) {
    throw new LimitExceededError(
      'session-policy-size',
      `session policy and managed policy ARNs are ${sessionPolicyChars} characters; STS allows ${STS_LIMITS.sessionPolicyMaxChars}`,
    );
  }
  const tags = resolveTags(entitlement, caller);
  const transitiveTagKeys = [...entitlement.transitiveTagKeys];
  const tagKeys = new Set(tags.map((t) => t.key));
  const missing = transitiveTagKeys.filter((key) => !tagKeys.has(key));
  if (missing.length > 0) {
    throw new LimitExceededError(
      'transitive-tag-keys',
      `transitive tag keys must be session tags of this session: ${missing.join(', ')}`,
    );
  }
  if (entitlement.externalId !== undefined) checkExternalId(entitlement.externalId);

  const sourceIdentity = sourceIdentityFor(caller.identityKey);
  const plan: IssuancePlan = {
    entitlementId: entitlement.id,
    accountId: entitlement.accountId,
    roleArn: entitlement.roleArn,
    durationSeconds,
    durationBoundBy,
    sessionName: sessionNameFor(caller, sourceIdentity),
    sourceIdentity,
    policyArns,
    sessionPolicyChars,
    tags,
    transitiveTagKeys,
  };
  if (sessionPolicy !== undefined) plan.sessionPolicy = sessionPolicy;
  if (entitlement.externalId !== undefined) plan.externalId = entitlement.externalId;
  if (reason !== undefined) plan.reason = reason;
  return plan;
}

/**
 * Seconds until each hard end of the session's right to exist: the entitlement's notAfter,
 * and the caller's OIDC token expiry when the entitlement asks for it. Whole seconds, down.
 */
function windowBounds(
  entitlement: Entitlement,
  caller: Caller,
  now: Date,
): Array<[number, DurationBound, Date]> {
  const bounds: Array<[number, DurationBound, Date]> = [];
  const left = (end: Date) => Math.floor((end.getTime() - now.getTime()) / 1000);
  if (entitlement.notAfter)
    bounds.push([left(entitlement.notAfter), 'entitlement-not-after', entitlement.notAfter]);
  if (entitlement.endWithToken) {
    const exp = caller.claims.exp;
    // An AWS caller has no token to end with: nothing proves how long it may act, so refuse.
    const end = typeof exp === 'number' ? new Date(exp * 1000) : now;
    bounds.push([left(end), 'token-expiry', end]);
  }
  return bounds;
}

function resolveDuration(
  entitlement: Entitlement,
  request: IssuanceRequest,
  caller: Caller,
  options: PlanningOptions,
): { durationSeconds: number; durationBoundBy: DurationBound } {
  const requested = request.durationSeconds;
  if (requested !== undefined) {
    if (
      !Number.isInteger(requested) ||
      requested < STS_LIMITS.minDurationSeconds ||
      requested > STS_LIMITS.maxDurationSeconds
    ) {
      throw new LimitExceededError(
        'duration',
        `durationSeconds must be an integer from ${STS_LIMITS.minDurationSeconds} to ${STS_LIMITS.maxDurationSeconds}`,
      );
    }
  }
  const candidates: Array<[number, DurationBound]> = [
    requested !== undefined
      ? [requested, 'request']
      : [entitlement.defaultDurationSeconds ?? DEFAULT_DURATION_SECONDS, 'entitlement-default'],
    [entitlement.maxDurationSeconds, 'entitlement-max'],
  ];
  if (options.roleChaining) candidates.push([STS_LIMITS.roleChainingMaxDurationSeconds, 'role-chaining']);
  for (const [seconds, bound, end] of windowBounds(entitlement, caller, options.now)) {
    if (seconds < STS_LIMITS.minDurationSeconds) {
      const what = bound === 'token-expiry' ? "the caller's token expires" : 'the entitlement ends';
      throw new LimitExceededError(
        'duration',
        `${what} at ${end.toISOString()}, ${Math.max(0, seconds)} s from now: less than STS's minimum session of ${STS_LIMITS.minDurationSeconds} s`,
      );
    }
    candidates.push([seconds, bound]);
  }
  let [durationSeconds, durationBoundBy] = candidates[0] as [number, DurationBound];
  for (const [seconds, bound] of candidates.slice(1)) {
    if (seconds < durationSeconds) [durationSeconds, durationBoundBy] = [seconds, bound];
  }
  if (durationSeconds < STS_LIMITS.minDurationSeconds) {
    throw new LimitExceededError(
      'duration',
      `the resolved duration ${durationSeconds}s is below STS's minimum of ${STS_LIMITS.minDurationSeconds}s`,
    );
  }
  return { durationSeconds, durationBoundBy };
}

function resolveSessionPolicy(
  entitlement: Entitlement,
  request: IssuanceRequest,
  caller: Caller,
): string | undefined {
  const ceiling = entitlement.sessionPolicy && substituteClaims(entitlement.sessionPolicy, caller.claims);
  if (request.sessionPolicy) {
    const narrowed = narrowPolicy(
      { inline: ceiling, managedPolicyArns: entitlement.managedPolicyArns },
      request.sessionPolicy,
    );
    return minifyPolicy(narrowed);
  }
  return ceiling ? minifyPolicy(ceiling) : undefined;
}

function claimAsString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function resolveTags(entitlement: Entitlement, caller: Caller): SessionTag[] {
  const tags: SessionTag[] = Object.entries(entitlement.tags).map(([key, value]) => ({ key, value }));
  for (const [key, claim] of Object.entries(entitlement.claimTags)) {
    const value = claimAsString(caller.claims[claim]);
    // A tag whose claim is absent is left out rather than sent empty: an empty value
    // would match a `StringEquals ""` condition the target account did not intend.
    if (value === undefined || value === '') continue;
    // Refused, not rewritten: `org/a#1` and `org/a_1` must never become the same tag value
    // that an `aws:PrincipalTag` condition in the target account then confuses.
    if (value.length > STS_LIMITS.tagValueMaxLength || !TAG_CHARSET.test(value)) {
      throw new LimitExceededError(
        'tag-value',
        `claim ${claim} for session tag "${key}" must be at most ${STS_LIMITS.tagValueMaxLength} characters of letters, digits, spaces and _.:/=+-@`,
      );
    }
    tags.push({ key, value });
  }
  checkTags(tags);
  return withCallerNameTag(tags, caller);
}

/**
 * Adds the caller's readable name as the `credvend-caller` session tag. The target role's
 * trust policy requires that tag, so a session planned without it would be refused by AWS
 * only after its audit record: an entitlement whose own tags take the key, or all 50 slots,
 * is refused here, before anything is assumed.
 */
function withCallerNameTag(tags: SessionTag[], caller: Caller): SessionTag[] {
  if (tags.some((t) => t.key.toLowerCase() === CALLER_NAME_TAG)) {
    throw new LimitExceededError(
      'tag-key',
      `session tag key "${CALLER_NAME_TAG}" is reserved for the caller's name`,
    );
  }
  if (tags.length >= STS_LIMITS.maxSessionTags) {
    throw new LimitExceededError(
      'session-tags',
      `at most ${STS_LIMITS.maxSessionTags - 1} session tags of the entitlement's own: ${CALLER_NAME_TAG} takes the last of STS's ${STS_LIMITS.maxSessionTags}`,
    );
  }
  // The principal is never empty, so the tag always has a value even for an unprintable name.
  const value = toTagValue(caller.displayName) || toTagValue(caller.principal);
  return [...tags, { key: CALLER_NAME_TAG, value }];
}

function checkTags(tags: readonly SessionTag[]): void {
  if (tags.length > STS_LIMITS.maxSessionTags) {
    throw new LimitExceededError(
      'session-tags',
      `at most ${STS_LIMITS.maxSessionTags} session tags; this session would have ${tags.length}`,
    );
  }
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (key.length < 1 || key.length > STS_LIMITS.tagKeyMaxLength || !TAG_CHARSET.test(key)) {
      throw new LimitExceededError(
        'tag-key',
        `session tag key "${key.slice(0, 40)}" must be 1-${STS_LIMITS.tagKeyMaxLength} characters of letters, digits, spaces and _.:/=+-@`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new LimitExceededError('tag-key', `session tag key "${key}" uses the reserved aws: prefix`);
    }
    if (value.length > STS_LIMITS.tagValueMaxLength || !TAG_CHARSET.test(value)) {
      throw new LimitExceededError(
        'tag-value',
        `value of session tag "${key}" must be at most ${STS_LIMITS.tagValueMaxLength} characters of letters, digits, spaces and _.:/=+-@`,
      );
    }
    const folded = key.toLowerCase();
    if (seen.has(folded)) {
      throw new LimitExceededError(
        'tag-key',
        `session tag keys must be unique ignoring case: "${key}" repeats`,
      );
    }
    seen.add(folded);
  }
}

function checkExternalId(externalId: string): void {
  if (
    externalId.length < STS_LIMITS.externalIdMinLength ||
    externalId.length > STS_LIMITS.externalIdMaxLength ||
    !EXTERNAL_ID_CHARSET.test(externalId)
  ) {
    throw new LimitExceededError(
      'external-id',
      `ExternalId must be ${STS_LIMITS.externalIdMinLength}-${STS_LIMITS.externalIdMaxLength} characters of [\\w+=,.@:/-]`,
    );
  }
}

export interface LimitUsage {
  limit: string;
  used: number;
  max: number;
}

/** How close a plan is to each STS limit, closest first: what to watch when widening an entitlement. */
export function limitUsage(plan: IssuancePlan): LimitUsage[] {
  const usage: LimitUsage[] = [
    { limit: 'session-policy-size', used: plan.sessionPolicyChars, max: STS_LIMITS.sessionPolicyMaxChars },
    { limit: 'session-tags', used: plan.tags.length, max: STS_LIMITS.maxSessionTags },
    { limit: 'policy-arns', used: plan.policyArns.length, max: STS_LIMITS.maxPolicyArns },
    { limit: 'session-name', used: plan.sessionName.length, max: STS_LIMITS.sessionNameMaxLength },
    {
      limit: 'tag-value',
      used: Math.max(0, ...plan.tags.map((t) => t.value.length)),
      max: STS_LIMITS.tagValueMaxLength,
    },
  ];
  return usage.sort((a, b) => b.used / b.max - a.used / a.max);
}
