import { AuthenticationError } from '../domain/shared/errors.js';
import type { Caller } from '../domain/shared/types.js';

/**
 * What an authentication method may look at: the few request facts that carry a caller's
 * proof, and nothing of the HTTP framework. `iamAuthorizerArn` is set only by the Lambda
 * adapter, from the event API Gateway built; it is never read from a header.
 */
export interface AuthRequest {
  authorization?: string;
  iamAuthorizerArn?: string;
  /** The network source as the runtime saw it (API Gateway, or the socket); for rate limits only. */
  sourceIp?: string;
}

/**
 * Proves who the caller is, or returns undefined when the request does not carry this
 * method's credentials, so the next method can try. Throws when the credentials are present
 * but wrong: a bad token must never fall through to another method.
 */
export interface AuthMethod {
  authenticate(request: AuthRequest): Promise<Caller | undefined>;
}

/** The caller proven by the first method whose credentials the request carries; else an AuthenticationError. */
export async function authenticateRequest(
  methods: readonly AuthMethod[],
  request: AuthRequest,
): Promise<Caller> {
  for (const method of methods) {
    const caller = await method.authenticate(request);
    if (caller) return caller;
  }
  throw new AuthenticationError(
    'no credentials: send Authorization: Bearer <OIDC token>, or CredvendAWS <signed GetCallerIdentity>',
  );
}
