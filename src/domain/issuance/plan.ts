import { CALLER_NAME_TAG, sessionNameFor, sourceIdentityFor } from '../identity/caller-identity.js';
import { substituteClaims } from '../policy/claim-policy.js';
import { conditionOperatorIssues } from '../policy/condition-operators.js';
import { minifyPolicy, narrowPolicy, type PolicyDocument } from '../policy/policy.js';
import { GRANT_TAG } from '../revocation/revocation.js';
import { InvalidRequestError, LimitExceededError, ReasonRequiredError } from '../shared/errors.js';
import type {
  Caller,
  DurationBound,
  Entitlement,
  IssuancePlan,
  IssuanceRequest,
  SessionTag,
} from '../shared/types.js';
import { claimText } from '../subjects/claim-rules.js';
import { STS_LIMITS } from './sts-limits.js';
import { toTagValue } from './sts-names.js';
import { STS_RULES, type StsRuleBreach } from './sts-rules.js';

export interface PlanningOptions {
  /**
   * True when credvend's own credentials are a role session (as in Lambda): AWS then caps
   * the chained session at one hour whatever the role's MaxSessionDuration.
   */
  roleChaining: boolean;
  /** When the session would start: sessions end by the entitlement's notAfter (and token expiry). */
  now: Date;
  /** The entitlement's managed session policies credvend could read, for narrowing proofs. */
  managedDocuments?: ReadonlyMap<string, PolicyDocument>;
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
  const { sessionPolicy, policyArns } = resolveSessionPolicy(entitlement, request, caller, options);
  enforce(STS_RULES.policyArnCount(policyArns.length));
  const sessionPolicyChars =
    (sessionPolicy?.length ?? 0) + policyArns.reduce((sum, arn) => sum + arn.length, 0);
  enforce(STS_RULES.policySize(sessionPolicyChars));
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
  if (entitlement.externalId !== undefined) enforce(STS_RULES.externalId(entitlement.externalId));

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
    const breach = STS_RULES.duration(requested);
    if (breach) throw new LimitExceededError(breach.limit, `durationSeconds ${breach.message}`);
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
  options: PlanningOptions,
): { sessionPolicy: string | undefined; policyArns: string[] } {
  const ceiling = entitlement.sessionPolicy && substituteClaims(entitlement.sessionPolicy, caller.claims);
  // Stored before operators were checked, or sent by the caller: refused here, before any call.
  const issues = [
    ...(ceiling ? conditionOperatorIssues(ceiling, 'entitlement.sessionPolicy') : []),
    ...(request.sessionPolicy ? conditionOperatorIssues(request.sessionPolicy, 'sessionPolicy') : []),
  ];
  if (issues.length > 0)
    throw new InvalidRequestError('a session policy names a condition operator IAM does not have', issues);
  if (request.sessionPolicy) {
    const narrowed = narrowPolicy(
      {
        inline: ceiling,
        managedPolicyArns: entitlement.managedPolicyArns,
        ...(options.managedDocuments ? { managedDocuments: options.managedDocuments } : {}),
      },
      request.sessionPolicy,
    );
    return { sessionPolicy: minifyPolicy(narrowed.policy), policyArns: [...narrowed.managedPolicyArns] };
  }
  return {
    sessionPolicy: ceiling ? minifyPolicy(ceiling) : undefined,
    policyArns: [...entitlement.managedPolicyArns],
  };
}

function resolveTags(entitlement: Entitlement, caller: Caller): SessionTag[] {
  const tags: SessionTag[] = Object.entries(entitlement.tags).map(([key, value]) => ({ key, value }));
  for (const [key, claim] of Object.entries(entitlement.claimTags)) {
    const value = claimText(caller.claims[claim]);
    // A tag whose claim is absent is left out rather than sent empty: an empty value
    // would match a `StringEquals ""` condition the target account did not intend.
    if (value === undefined || value === '') continue;
    // Refused, not rewritten: `org/a#1` and `org/a_1` must never become the same tag value
    // that an `aws:PrincipalTag` condition in the target account then confuses.
    const breach = STS_RULES.tagValue(key, value);
    if (breach) throw new LimitExceededError(breach.limit, `claim ${claim}: ${breach.message}`);
    tags.push({ key, value });
  }
  checkTags(tags);
  return withReservedTags(tags, caller, entitlement);
}

/**
 * Adds the caller's readable name as the `credvend-caller` session tag, and on a grant's
 * sessions the `credvend-grant` tag naming it (ending the grant is one Deny on that tag).
 * The target role's trust policy requires the caller tag, so a session planned without it
 * would be refused by AWS only after its audit record: an entitlement whose own tags take
 * a reserved key, or leave too few of the 50 slots, is refused here, before anything is assumed.
 */
function withReservedTags(tags: SessionTag[], caller: Caller, entitlement: Entitlement): SessionTag[] {
  if (tags.some((t) => t.key.toLowerCase() === CALLER_NAME_TAG)) {
    throw new LimitExceededError(
      'tag-key',
      `session tag key "${CALLER_NAME_TAG}" is reserved for the caller's name`,
    );
  }
  if (tags.some((t) => t.key.toLowerCase() === GRANT_TAG)) {
    throw new LimitExceededError('tag-key', `session tag key "${GRANT_TAG}" is reserved for grants`);
  }
  // The principal is never empty, so the tag always has a value even for an unprintable name.
  const value = toTagValue(caller.displayName) || toTagValue(caller.principal);
  const reserved = [{ key: CALLER_NAME_TAG, value }];
  if (entitlement.accessRequestId !== undefined) {
    reserved.push({ key: GRANT_TAG, value: entitlement.accessRequestId });
  }
  if (tags.length + reserved.length > STS_LIMITS.maxSessionTags) {
    throw new LimitExceededError(
      'session-tags',
      `at most ${STS_LIMITS.maxSessionTags - reserved.length} session tags of the entitlement's own: ${reserved.map((t) => t.key).join(' and ')} take the last of STS's ${STS_LIMITS.maxSessionTags}`,
    );
  }
  return [...tags, ...reserved];
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
    enforce(STS_RULES.tagKey(key) ?? STS_RULES.tagValue(key, value) ?? STS_RULES.tagKeyRepeat(key, seen));
  }
}

/** Planning stops at the first STS rule a session would break: a 400 naming the limit. */
function enforce(breach: StsRuleBreach | undefined): void {
  if (breach) throw new LimitExceededError(breach.limit, breach.message);
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
