import { AuthenticationError } from '../domain/shared/errors.js';
import type { Caller } from '../domain/shared/types.js';
import type { AuthMethod } from './auth-method.js';

// HTTP auth schemes are case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer.
const BEARER = /^Bearer\s+([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)\s*$/i;

/** OIDC bearer tokens from the Authorization header, checked by `verify` (see oidc.ts). */
export function bearerAuth(verify: (token: string) => Promise<Caller>): AuthMethod {
  return {
    async authenticate({ authorization }) {
      if (!authorization?.toLowerCase().startsWith('bearer')) return undefined;
      const match = BEARER.exec(authorization);
      if (!match?.[1]) throw new AuthenticationError('bearer token rejected: malformed token');
      return verify(match[1]);
    },
  };
}
