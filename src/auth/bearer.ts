import { AuthenticationError } from '../domain/errors.js';
import type { Caller } from '../domain/types.js';
import type { AuthMethod } from './auth-method.js';

const BEARER = /^Bearer\s+([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)\s*$/;

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
