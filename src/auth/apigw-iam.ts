import type { IdentityRules } from '../domain/identity/principal-names.js';
import type { AuthMethod } from './auth-method.js';
import { callerFromAwsArn } from './aws-principal.js';

/**
 * Callers on routes with API Gateway's `aws_iam` authorizer: API Gateway has verified the
 * SigV4 signature of the HTTP request itself and put the caller's ARN in the event's
 * request context. Only the Lambda adapter passes that context; no header is ever read.
 */
export function apiGatewayIamAuth(rules: IdentityRules): AuthMethod {
  return {
    async authenticate({ iamAuthorizerArn }) {
      if (!iamAuthorizerArn) return undefined;
      const caller = callerFromAwsArn(iamAuthorizerArn, rules);
      return caller ? { ...caller, authMethod: 'apigw-iam' } : undefined;
    },
  };
}
