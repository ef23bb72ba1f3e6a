/**
 * Entitlement subject keys. An entitlement row is keyed by one of these strings so that
 * a caller's entitlements are one DynamoDB Query per key, whatever the table's size.
 */
export function oidcSubject(issuer: string, sub: string): string {
  return `oidc|${issuer}|${sub}`;
}

export function awsPrincipalSubject(arn: string): string {
  return `aws|${arn}`;
}
