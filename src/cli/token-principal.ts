import { createHash } from 'node:crypto';

/** Tokens are renewed this long before they expire, so a request never leaves with a dying token. */
export const RENEW_BEFORE_MS = 60_000;

/** A JWT's claims, read without verifying (credvend verifies); empty for an opaque token. */
export function tokenClaims(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  if (!payload) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? { ...claims } : {};
  } catch {
    return {};
  }
}

/**
 * The caller as its token names it. The token is not verified here (credvend verifies it
 * on every issuance); this only keeps one caller's cached credentials from another's.
 */
export function principalOfToken(token: string): string {
  const { iss, sub } = tokenClaims(token);
  if (typeof iss === 'string' && typeof sub === 'string') return `${iss}#${sub}`;
  return `token-sha256:${createHash('sha256').update(token).digest('base64url')}`;
}
