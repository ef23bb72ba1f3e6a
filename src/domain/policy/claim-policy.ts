import type { InputIssue } from '../shared/errors.js';
import { LimitExceededError } from '../shared/errors.js';
import { claimText } from '../subjects/claim-rules.js';
import { type PolicyDocument, type PolicyStatement, statementsOf } from './policy.js';

/** `{{claims.repository}}` in a session policy ceiling: replaced by that verified claim's value. */
const PLACEHOLDER = /\{\{claims\.([A-Za-z_][\w.:-]{0,63})\}\}/g;
const ANY_PLACEHOLDER = /\{\{|\}\}/;
/**
 * What a substituted value may hold: no IAM wildcard (`*`, `?`), no policy variable (`$`,
 * `{`, `}`), no quote or space. A value that could widen the ceiling is refused, not escaped.
 */
const SAFE_CLAIM_VALUE = /^[\w.:/=+@,-]{1,256}$/;

function substitute(text: string, claims: Readonly<Record<string, unknown>>): string {
  return text.replace(PLACEHOLDER, (_whole, claim: string) => {
    const value = claimText(claims[claim]);
    if (value === undefined || !SAFE_CLAIM_VALUE.test(value)) {
      throw new LimitExceededError(
        'claim-value',
        `claim ${claim} must be 1-256 characters of letters, digits and _.:/=+@,- to be used in the session policy`,
      );
    }
    return value;
  });
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

function substituteStatement(statement: PolicyStatement, fn: (s: string) => string): PolicyStatement {
  const next: PolicyStatement = { ...statement };
  if (typeof statement.Resource === 'string') next.Resource = fn(statement.Resource);
  else if (statement.Resource) next.Resource = statement.Resource.map(fn);
  if (statement.Condition) {
    next.Condition = Object.fromEntries(
      Object.entries(statement.Condition).map(([op, block]) => [
        op,
        Object.fromEntries(Object.entries(block).map(([key, v]) => [key, mapStrings(v, fn)])),
      ]),
    );
  }
  return next;
}

/** True when the ceiling names any claim placeholder. */
function usesClaims(policy: PolicyDocument): boolean {
  return ANY_PLACEHOLDER.test(JSON.stringify(policy));
}

/**
 * The entitlement's ceiling with `{{claims.X}}` in Resource and Condition values replaced by
 * the caller's verified claim X. A missing claim, a non-scalar one, or a value with a
 * wildcard or policy variable in it refuses the issuance (`limit: claim-value`).
 */
export function substituteClaims(
  policy: PolicyDocument,
  claims: Readonly<Record<string, unknown>>,
): PolicyDocument {
  if (!usesClaims(policy)) return policy;
  const fn = (s: string) => substitute(s, claims);
  const statements = statementsOf(policy).map((s) => substituteStatement(s, fn));
  return { ...policy, Statement: statements };
}

/** Placeholders only where substitution happens (Resource, Condition values), and well formed. */
export function validateClaimPlaceholders(policy: PolicyDocument): InputIssue[] {
  const issues: InputIssue[] = [];
  statementsOf(policy).forEach((statement, i) => {
    const { Resource: _r, Condition: _c, ...rest } = statement;
    if (ANY_PLACEHOLDER.test(JSON.stringify(rest))) {
      issues.push({
        path: `sessionPolicy.Statement.${i}`,
        message: 'claim placeholders are allowed only in Resource and Condition values',
      });
    }
    const strings: string[] = [];
    mapStrings([statement.Resource, statement.Condition], (text) => {
      strings.push(text);
      return text;
    });
    if (strings.some((text) => ANY_PLACEHOLDER.test(text.replace(PLACEHOLDER, '')))) {
      issues.push({
        path: `sessionPolicy.Statement.${i}`,
        message: 'a claim placeholder is {{claims.<name>}}',
      });
    }
  });
  return issues;
}
