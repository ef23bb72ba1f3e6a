/**
 * Claim rules: "tokens of one issuer whose claims match these conditions". Pure functions,
 * shared by entitlement selection and anything else that asks "does this caller match"
 * (just-in-time access's "who may request", say).
 *
 * A condition names one claim and a pattern. A pattern without `*` or `?` must equal the
 * claim's value exactly; `*` matches any run of characters (`/` included) and `?` exactly
 * one. Every condition of a rule must hold.
 */

import type { InputIssue } from '../shared/errors.js';

export type ClaimConditions = Readonly<Record<string, string>>;

export type ConditionFailure = 'missing' | 'wrong-type' | 'mismatch';

export interface ConditionResult {
  claim: string;
  pattern: string;
  /** Undefined when the condition holds. */
  failure?: ConditionFailure;
  /** The caller's value as compared (strings only; never an object or array). */
  actual?: string;
}

const CLAIM_RULE_LIMITS = {
  maxConditions: 10,
  claimNameMaxLength: 64,
  patternMaxLength: 256,
} as const;

const CLAIM_NAME = /^[A-Za-z_][\w.:-]*$/;
const GLOB_CHARS = /[*?]/;
/** Claims that say nothing about who the caller is: a rule on them alone would match any token. */
const NON_IDENTIFYING_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'azp', 'auth_time']);

/**
 * Mutable names an owner can give up and someone else can take (a renamed or deleted
 * repository's name is free again), each with the immutable id that pins it.
 */
const MUTABLE_NAME_CLAIMS: Readonly<Record<string, string>> = {
  repository: 'repository_id',
  repository_owner: 'repository_owner_id',
  project_path: 'project_id',
  namespace_path: 'namespace_id',
};

function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/**
 * Glob match without regular expressions: O(pattern × value) in the worst case, so no
 * pattern an admin writes can make a caller's long claim value backtrack exponentially.
 */
function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    // A `*` in the pattern is always the wildcard, even facing a literal `*` in the value:
    // taken as a literal there, it would leave no point to backtrack to.
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (star !== -1) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * A claim value as a rule, a tag or a policy compares it: strings as they are, booleans and
 * whole numbers as JSON text. A number JSON parsing may have rounded (beyond 2^53, like a
 * 20-digit id) or one with a fraction or exponent is no value at all: its text is not the
 * token's, and two different ids could read as one.
 */
export function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

export function matchesPattern(pattern: string, value: string): boolean {
  return isGlob(pattern) ? globMatch(pattern, value) : pattern === value;
}

/** Each condition's outcome, by claim name; the rule holds when none failed. */
export function evaluateConditions(
  conditions: ClaimConditions,
  claims: Readonly<Record<string, unknown>>,
): ConditionResult[] {
  // Sorted by claim: stored maps come back in any order, and explanations must not.
  const sorted = Object.entries(conditions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(([claim, pattern]) => {
    if (!Object.hasOwn(claims, claim) || claims[claim] === undefined || claims[claim] === null) {
      return { claim, pattern, failure: 'missing' };
    }
    const actual = claimText(claims[claim]);
    if (actual === undefined) return { claim, pattern, failure: 'wrong-type' };
    return matchesPattern(pattern, actual)
      ? { claim, pattern, actual }
      : { claim, pattern, failure: 'mismatch', actual };
  });
}

/** A pattern every value matches (only `*`, or `*` with `?`s around it): refused. */
function matchesEverything(pattern: string): boolean {
  return /^[*?]*$/.test(pattern) && pattern.includes('*');
}

/**
 * Every reason a rule cannot be stored, all at once: no condition, a condition that would
 * match any value, a rule on claims that do not identify the caller, bad names or sizes.
 */
export function validateClaimConditions(
  conditions: ClaimConditions,
  path = 'subject.claims.conditions',
): InputIssue[] {
  const issues: InputIssue[] = [];
  const entries = Object.entries(conditions);
  if (entries.length === 0) issues.push({ path, message: 'a claim rule needs at least one condition' });
  if (entries.length > CLAIM_RULE_LIMITS.maxConditions) {
    issues.push({ path, message: `at most ${CLAIM_RULE_LIMITS.maxConditions} conditions` });
  }
  for (const [claim, pattern] of entries) {
    const at = `${path}.${claim}`;
    if (claim.length > CLAIM_RULE_LIMITS.claimNameMaxLength || !CLAIM_NAME.test(claim)) {
      issues.push({
        path: at,
        message: `claim names are 1-${CLAIM_RULE_LIMITS.claimNameMaxLength} characters of letters, digits and _.:-`,
      });
    }
    if (pattern.length === 0 || pattern.length > CLAIM_RULE_LIMITS.patternMaxLength) {
      issues.push({ path: at, message: `a pattern is 1-${CLAIM_RULE_LIMITS.patternMaxLength} characters` });
    } else if (matchesEverything(pattern)) {
      issues.push({
        path: at,
        message: `"${pattern}" matches every value; name the values this rule is for`,
      });
    }
  }
  if (entries.length > 0 && entries.every(([claim]) => NON_IDENTIFYING_CLAIMS.has(claim))) {
    issues.push({ path, message: 'the conditions must name at least one claim that identifies the caller' });
  }
  return issues;
}

/** Advice, not refusal: conditions on names that can be recycled, without the id that pins them. */
export function claimConditionWarnings(conditions: ClaimConditions): string[] {
  const warnings: string[] = [];
  for (const [name, id] of Object.entries(MUTABLE_NAME_CLAIMS)) {
    if (conditions[name] !== undefined && conditions[id] === undefined) {
      warnings.push(
        `condition on ${name} without ${id}: a name can be given up and taken by someone else; add ${id} (immutable)`,
      );
    }
  }
  if (conditions.email !== undefined && conditions.email_verified !== 'true') {
    warnings.push(
      'condition on email without email_verified=true: an IdP may sign an address it never checked',
    );
  }
  return warnings;
}

/**
 * One line naming what failed, for the caller's own denial and its audit record. It names
 * the claim and the caller's own value, never the rule's pattern: a pattern can be an id
 * of someone else's repository.
 */
export function describeFailure(result: ConditionResult): string {
  switch (result.failure) {
    case 'missing':
      return `claim ${result.claim} is absent from the token`;
    case 'wrong-type':
      return `claim ${result.claim} is not a string, number or boolean`;
    case 'mismatch':
      return `claim ${result.claim} ("${result.actual}") does not match the rule`;
    default:
      return `claim ${result.claim} matches`;
  }
}
