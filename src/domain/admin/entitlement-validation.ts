import { CALLER_NAME_TAG } from '../identity/caller-identity.js';
import { STS_LIMITS } from '../issuance/sts-limits.js';
import { STS_RULES, type StsRuleBreach } from '../issuance/sts-rules.js';
import { validateClaimPlaceholders } from '../policy/claim-policy.js';
import { conditionOperatorIssues } from '../policy/condition-operators.js';
import { minifyPolicy } from '../policy/policy.js';
import { GRANT_TAG } from '../revocation/revocation.js';
import type { InputIssue } from '../shared/errors.js';
import type { Entitlement } from '../shared/types.js';
import { claimConditionWarnings, validateClaimConditions } from '../subjects/claim-rules.js';
import { subjectKindOf } from '../subjects/subjects.js';

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const POLICY_ARN = /^arn:aws[\w-]*:iam::(?:\d{12}|aws):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

/**
 * Every reason an entitlement could not be issued as written, collected at write time
 * (not just the first), so an admin fixes them all at once and a stored entitlement
 * never fails on the hot path for a reason knowable in advance.
 */
export function validateEntitlement(e: Entitlement): InputIssue[] {
  const issues: InputIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });

  const roleMatch = ROLE_ARN.exec(e.roleArn);
  if (!roleMatch) add('roleArn', 'must be an IAM role ARN, arn:aws:iam::<account>:role/<name>');
  else if (roleMatch[1] !== e.accountId) add('accountId', `must be the role's account (${roleMatch[1]})`);
  if (!/^\d{12}$/.test(e.accountId)) add('accountId', 'must be a 12-digit AWS account id');

  const breach = (path: string, found: StsRuleBreach | undefined) => found && add(path, found.message);
  breach('maxDurationSeconds', STS_RULES.duration(e.maxDurationSeconds));
  if (e.defaultDurationSeconds !== undefined) {
    const found = STS_RULES.duration(e.defaultDurationSeconds);
    if (found) {
      add('defaultDurationSeconds', found.message);
    } else if (e.defaultDurationSeconds > e.maxDurationSeconds) {
      add('defaultDurationSeconds', 'must not exceed maxDurationSeconds');
    }
  }

  breach('managedPolicyArns', STS_RULES.policyArnCount(e.managedPolicyArns.length));
  e.managedPolicyArns.forEach((arn, i) => {
    if (!POLICY_ARN.test(arn)) add(`managedPolicyArns.${i}`, 'must be an IAM policy ARN');
  });
  const policyChars =
    (e.sessionPolicy ? minifyPolicy(e.sessionPolicy).length : 0) +
    e.managedPolicyArns.reduce((n, arn) => n + arn.length, 0);
  breach('sessionPolicy', STS_RULES.policySize(policyChars));

  const keys = [...Object.keys(e.tags), ...Object.keys(e.claimTags)];
  // One of STS's 50 session tags is always credvend-caller, which the target role's trust requires.
  if (keys.length >= STS_LIMITS.maxSessionTags)
    add(
      'tags',
      `at most ${STS_LIMITS.maxSessionTags - 1} session tags, static and claim tags together (${CALLER_NAME_TAG} is the last)`,
    );
  const seen = new Set<string>();
  for (const key of keys) {
    breach(`tags.${key}`, STS_RULES.tagKey(key));
    if (key.toLowerCase() === CALLER_NAME_TAG)
      add(`tags.${key}`, "reserved: credvend sets it to the caller's name");
    if (key.toLowerCase() === GRANT_TAG)
      add(`tags.${key}`, 'reserved: credvend sets it on the sessions of a grant');
    breach(`tags.${key}`, STS_RULES.tagKeyRepeat(key, seen));
  }
  for (const [key, value] of Object.entries(e.tags)) breach(`tags.${key}`, STS_RULES.tagValue(key, value));
  for (const key of e.transitiveTagKeys) {
    if (!keys.includes(key)) add('transitiveTagKeys', `"${key}" is not one of this entitlement's tags`);
  }
  if (e.externalId !== undefined) breach('externalId', STS_RULES.externalId(e.externalId));
  if (e.notBefore && e.notAfter && e.notBefore >= e.notAfter) add('notAfter', 'must be after notBefore');
  issues.push(...validateSubject(e));
  if (e.sessionPolicy) issues.push(...validateClaimPlaceholders(e.sessionPolicy));
  if (e.sessionPolicy) issues.push(...conditionOperatorIssues(e.sessionPolicy, 'sessionPolicy'));
  return issues;
}

/** A claim rule needs conditions that identify someone; other subjects may not carry any. */
function validateSubject(e: Entitlement): InputIssue[] {
  if (subjectKindOf(e.subject) !== 'claim-rule') {
    return e.claimConditions === undefined
      ? []
      : [{ path: 'subject', message: 'claim conditions belong only to a claims subject' }];
  }
  return validateClaimConditions(e.claimConditions ?? {});
}

/**
 * Advice returned with a stored entitlement: it is valid, but could be pinned better, or
 * grants longer sessions than credvend's vending identity can get (role chaining: 1 h).
 */
export function entitlementWarnings(e: Entitlement, vending: { roleChaining: boolean }): string[] {
  const warnings = e.claimConditions ? claimConditionWarnings(e.claimConditions) : [];
  const cap = STS_LIMITS.roleChainingMaxDurationSeconds;
  if (vending.roleChaining && e.maxDurationSeconds > cap)
    warnings.push(
      `maxDurationSeconds ${e.maxDurationSeconds} exceeds what credvend's vending identity can issue: its role session chains, so sessions end after ${cap} s (deploy with vendingIdentity=user for up to 12 h)`,
    );
  return warnings;
}
