import type { Context, MiddlewareHandler } from 'hono';
import { type AuthMethod, type AuthRequest, authenticateRequest } from '../auth/auth-method.js';
import { AuthenticationError } from '../domain/shared/errors.js';
import type { AppEnv } from './app-env.js';
import type { SourceIpResolver } from './request-context.js';

/** Told about a failed authentication that claimed a principal worth auditing. */
export type AuthFailureRecorder = (
  c: Context<AppEnv>,
  claimedPrincipal: string,
  error: AuthenticationError,
) => Promise<void>;

/** The request facts authentication may use; the authorizer ARN only from the runtime's bindings. */
function authRequestOf(c: Context<AppEnv>, sourceIp?: SourceIpResolver): AuthRequest {
  const request: AuthRequest = {};
  const ip = sourceIp?.(c);
  if (ip) request.sourceIp = ip;
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) request.authorization = authorization;
  const arn = c.env?.requestContext?.authorizer?.iam?.userArn;
  if (typeof arn === 'string') request.iamAuthorizerArn = arn;
  return request;
}

/** Sets `caller` from the first method that proves one; refuses the request otherwise. */
export function authenticate(
  methods: readonly AuthMethod[],
  onClaimedFailure?: AuthFailureRecorder,
  sourceIp?: SourceIpResolver,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      c.set('caller', await authenticateRequest(methods, authRequestOf(c, sourceIp)));
    } catch (error) {
      if (error instanceof AuthenticationError && error.claimedPrincipal !== undefined && onClaimedFailure) {
        await onClaimedFailure(c, error.claimedPrincipal, error);
      }
      throw error;
    }
    return next();
  };
}
