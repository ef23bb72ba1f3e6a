import { CALLER_NAME_TAG } from './caller-identity.js';
import { validateClaimPlaceholders } from './claim-policy.js';
import { claimConditionWarnings, validateClaimConditions } from './claim-rules.js';
import type { InputIssue } from './errors.js';
import { EXTERNAL_ID_CHARSET, STS_LIMITS, TAG_CHARSET } from './limits.js';
import { minifyPolicy } from './policy.js';
import { subjectKindOf } from './subjects.js';
import type { Entitlement } from './types.js';

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

  const { minDurationSeconds: min, maxDurationSeconds: max } = STS_LIMITS;
  if (!Number.isInteger(e.maxDurationSeconds) || e.maxDurationSeconds < min || e.maxDurationSeconds > max) {
    add('maxDurationSeconds', `must be an integer from ${min} to ${max}`);
  }
  if (e.defaultDurationSeconds !== undefined) {
    if (!Number.isInteger(e.defaultDurationSeconds) || e.defaultDurationSeconds < min) {
      add('defaultDurationSeconds', `must be an integer of at least ${min}`);
    } else if (e.defaultDurationSeconds > e.maxDurationSeconds) {
      add('defaultDurationSeconds', 'must not exceed maxDurationSeconds');
    }
  }

  if (e.managedPolicyArns.length > STS_LIMITS.maxPolicyArns) {
    add('managedPolicyArns', `at most ${STS_LIMITS.maxPolicyArns} policy ARNs per session`);
  }
  e.managedPolicyArns.forEach((arn, i) => {
    if (!POLICY_ARN.test(arn)) add(`managedPolicyArns.${i}`, 'must be an IAM policy ARN');
  });
  const policyChars =
    (e.sessionPolicy ? minifyPolicy(e.sessionPolicy).length : 0) +
    e.managedPolicyArns.reduce((n, arn) => n + arn.length, 0);
  if (policyChars > STS_LIMITS.sessionPolicyMaxChars) {
    add(
      'sessionPolicy',
      `policy and policy ARNs are ${policyChars} characters; STS allows ${STS_LIMITS.sessionPolicyMaxChars}`,
    );
  }

  const keys = [...Object.keys(e.tags), ...Object.keys(e.claimTags)];
  // One of STS's 50 session tags is always credvend-caller, which the target role's trust requires.
  if (keys.length >= STS_LIMITS.maxSessionTags)
    add(
      'tags',
      `at most ${STS_LIMITS.maxSessionTags - 1} session tags, static and claim tags together (${CALLER_NAME_TAG} is the last)`,
    );
  const folded = new Set<string>();
  for (const key of keys) {
    if (key.length < 1 || key.length > STS_LIMITS.tagKeyMaxLength || !TAG_CHARSET.test(key)) {
      add(
        `tags.${key}`,
        `keys are 1-${STS_LIMITS.tagKeyMaxLength} characters of letters, digits, spaces and _.:/=+-@`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) add(`tags.${key}`, 'the aws: prefix is reserved');
    if (key.toLowerCase() === CALLER_NAME_TAG)
      add(`tags.${key}`, "reserved: credvend sets it to the caller's name");
    if (folded.has(key.toLowerCase())) add(`tags.${key}`, 'tag keys must be unique ignoring case');
    folded.add(key.toLowerCase());
  }
  for (const [key, value] of Object.entries(e.tags)) {
    if (value.length > STS_LIMITS.tagValueMaxLength || !TAG_CHARSET.test(value)) {
      add(
        `tags.${key}`,
        `values are at most ${STS_LIMITS.tagValueMaxLength} characters of letters, digits, spaces and _.:/=+-@`,
      );
    }
  }
  for (const key of e.transitiveTagKeys) {
    if (!keys.includes(key)) add('transitiveTagKeys', `"${key}" is not one of this entitlement's tags`);
  }
  if (
    e.externalId !== undefined &&
    (e.externalId.length < STS_LIMITS.externalIdMinLength ||
      e.externalId.length > STS_LIMITS.externalIdMaxLength ||
      !EXTERNAL_ID_CHARSET.test(e.externalId))
  ) {
    add(
      'externalId',
      `must be ${STS_LIMITS.externalIdMinLength}-${STS_LIMITS.externalIdMaxLength} characters of [\\w+=,.@:/-]`,
    );
  }
  if (e.notBefore && e.notAfter && e.notBefore >= e.notAfter) add('notAfter', 'must be after notBefore');
  issues.push(...validateSubject(e));
  if (e.sessionPolicy) issues.push(...validateClaimPlaceholders(e.sessionPolicy));
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
