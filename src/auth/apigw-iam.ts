import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import type { AuthMethodHandler } from '../http/authenticate.js';
import { callerFromAwsArn } from './aws-principal.js';

function field(value: unknown, key: string): unknown {
  return value && typeof value === 'object' ? Reflect.get(value, key) : undefined;
}

/** `requestContext.authorizer.iam.userArn` of an HTTP API (payload v2) event, if API Gateway put one there. */
export function iamAuthorizerArn(c: Context<AppEnv>): string | undefined {
  const arn = field(field(field(field(c.env, 'requestContext'), 'authorizer'), 'iam'), 'userArn');
  return typeof arn === 'string' ? arn : undefined;
}

/**
 * Callers on routes with API Gateway's `aws_iam` authorizer: API Gateway has verified the
 * SigV4 signature of the HTTP request itself and put the caller's ARN in the event's
 * request context. Only the Lambda adapter passes that context; no header is ever read.
 */
export const apiGatewayIamAuth: AuthMethodHandler = {
  async authenticate(c) {
    const arn = iamAuthorizerArn(c);
    if (!arn) return undefined;
    const caller = callerFromAwsArn(arn);
    return caller ? { ...caller, authMethod: 'apigw-iam' } : undefined;
  },
};
