import { InvalidRequestError } from './errors.js';

/**
 * Entitlement subject keys. An entitlement row is keyed by one of these strings so that
 * a caller's entitlements are one DynamoDB Query per key, whatever the table's size.
 */
/** The subject-key delimiter; an issuer holding it would make `oidc|<issuer>|<sub>` ambiguous. */
export const SUBJECT_DELIMITER = '|';

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
