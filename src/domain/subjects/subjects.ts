import { InvalidRequestError } from '../shared/errors.js';

/**
 * Entitlement subject keys. An entitlement row is keyed by one of these strings so that
 * a caller's entitlements are one DynamoDB Query per key, whatever the table's size.
 */
/** The subject-key delimiter; an issuer holding it would make `oidc|<issuer>|<sub>` ambiguous. */
const SUBJECT_DELIMITER = '|';

/**
 * `oidc|<issuer>|<sub>`. `sub` is last and may hold the delimiter (Auth0's `auth0|…`); the
 * issuer may not, so issuer `https://a|b` + sub `c` never collides with `https://a` + `b|c`.
 */
export function oidcSubject(issuer: string, sub: string): string {
  if (issuer.includes(SUBJECT_DELIMITER)) {
    throw new InvalidRequestError(`an OIDC issuer must not contain "${SUBJECT_DELIMITER}"`);
  }
  return `oidc|${issuer}|${sub}`;
}

export function awsPrincipalSubject(arn: string): string {
  return `aws|${arn}`;
}

/** `group|<issuer>|<group>`: members of an IdP group, as that issuer's groups claim says. */
export function groupSubject(issuer: string, group: string): string {
  return `group|${issuer}|${group}`;
}

/**
 * `claims|<issuer>`: every claim rule of one issuer shares this key, so a caller's rules
 * are one Query (capped, see MAX_CLAIM_RULES_PER_ISSUER); the conditions live on the row.
 */
export function claimRuleSubject(issuer: string): string {
  return `claims|${issuer}`;
}

/** Claim rules per issuer: what one Query on the issuer's rule key may return. */
export const MAX_CLAIM_RULES_PER_ISSUER = 200;

/** Groups per token: more is refused at authentication (one Query per group). */
export const MAX_GROUPS_PER_TOKEN = 100;

export type SubjectKind = 'principal' | 'group' | 'claim-rule' | 'account';

/**
 * Precedence among allows, most specific first: a row naming this exact caller, then one
 * for a group it is in, then a claim rule it satisfies, then its whole AWS account.
 */
export const SUBJECT_PRECEDENCE: readonly SubjectKind[] = ['principal', 'group', 'claim-rule', 'account'];

export function subjectKindOf(subject: string): SubjectKind {
  if (subject.startsWith('group|')) return 'group';
  if (subject.startsWith('claims|')) return 'claim-rule';
  if (/^aws\|arn:aws[\w-]*:iam::\d{12}:root$/.test(subject)) return 'account';
  return 'principal';
}

/** The keys an OIDC caller holds beyond its exact one: one per group, then its issuer's rule key. */
export function claimSubjectKeys(issuer: string, groups: readonly string[]): string[] {
  return [...groups.map((g) => groupSubject(issuer, g)), claimRuleSubject(issuer)];
}
