import type { Context, MiddlewareHandler } from 'hono';
import { AuthenticationError } from '../domain/errors.js';
import type { Caller } from '../domain/types.js';
import type { AppEnv } from './app-env.js';

/**
 * Proves who the caller is from the request, or returns undefined when the request does
 * not carry this method's credentials, so the next method can try. Throws when the
 * credentials are present but wrong: a bad token must never fall through to another method.
 */
export interface AuthMethodHandler {
  authenticate(c: Context<AppEnv>): Promise<Caller | undefined>;
}

/** Told about a failed authentication that claimed a principal worth auditing. */
export type AuthFailureRecorder = (
  c: Context<AppEnv>,
  claimedPrincipal: string,
  error: AuthenticationError,
) => Promise<void>;

export function authenticate(
  methods: readonly AuthMethodHandler[],
  onClaimedFailure?: AuthFailureRecorder,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const method of methods) {
      let caller: Caller | undefined;
      try {
        caller = await method.authenticate(c);
      } catch (error) {
        if (
          error instanceof AuthenticationError &&
          error.claimedPrincipal !== undefined &&
          onClaimedFailure
        ) {
          await onClaimedFailure(c, error.claimedPrincipal, error);
        }
        throw error;
      }
      if (caller) {
        c.set('caller', caller);
        return next();
      }
    }
    throw new AuthenticationError(
      'no credentials: send Authorization: Bearer <OIDC token>, or CredvendAWS <signed GetCallerIdentity>',
    );
  };
}

const BEARER = /^Bearer\s+([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)\s*$/;

/** OIDC bearer tokens from the Authorization header. */
export function bearerAuth(verify: (token: string) => Promise<Caller>): AuthMethodHandler {
  return {
    async authenticate(c) {
      const header = c.req.header('authorization');
      if (!header?.toLowerCase().startsWith('bearer')) return undefined;
      const match = BEARER.exec(header);
      if (!match?.[1]) throw new AuthenticationError('bearer token rejected: malformed token');
      return verify(match[1]);
    },
  };
}
