import { createHash } from 'node:crypto';
import { type ApiTarget, bearerToken } from './bearer-token.js';

/** How a request proves who is calling, and the name the credential cache keys on. */
export interface ResolvedCaller {
  authorization: string;
  /** `iss#sub` of a JWT, `aws:<access key id>`, or a digest of an opaque token. */
  principal: string;
}

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
function principalOfToken(token: string): string {
  const { iss, sub } = tokenClaims(token);
  if (typeof iss === 'string' && typeof sub === 'string') return `${iss}#${sub}`;
  return `token-sha256:${createHash('sha256').update(token).digest('base64url')}`;
}

export async function resolveCaller(target: ApiTarget): Promise<ResolvedCaller> {
  const auth = target.auth;
  if (auth.type !== 'aws') {
    const token = await bearerToken(target);
    return { authorization: `Bearer ${token}`, principal: principalOfToken(token) };
  }
  const { signedAwsIdentity } = await import('./aws-identity.js');
  const { authorization, accessKeyId } = await signedAwsIdentity(auth);
  return { authorization, principal: `aws:${accessKeyId}` };
}
