import type { ApiTarget } from './api-client.js';
import { resolveCaller, tokenClaims } from './caller.js';

export interface CallerDescription {
  apiUrl: string;
  auth: string;
  principal: string;
  /** ISO time the bearer token expires, when it says. */
  expiresAt?: string;
  email?: string;
}

/**
 * Who this profile calls credvend as, from the credential it yields now (a refresh happens
 * here when one is due). The token's claims are read, not verified: credvend verifies them.
 */
export async function describeCaller(target: ApiTarget): Promise<CallerDescription> {
  const caller = await resolveCaller(target);
  const claims = caller.authorization.startsWith('Bearer ') ? tokenClaims(caller.authorization.slice(7)) : {};
  return {
    apiUrl: target.apiUrl,
    auth: target.auth.type,
    principal: caller.principal,
    ...(typeof claims.exp === 'number' ? { expiresAt: new Date(claims.exp * 1000).toISOString() } : {}),
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
  };
}
