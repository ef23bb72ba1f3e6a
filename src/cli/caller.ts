import { type ApiTarget, bearerToken } from './bearer-token.js';
import { principalOfToken } from './token-principal.js';

export { tokenClaims } from './token-principal.js';

/** How a request proves who is calling, and the name the credential cache keys on. */
export interface ResolvedCaller {
  authorization: string;
  /** `iss#sub` of a JWT, `aws:<access key id>`, or a digest of an opaque token. */
  principal: string;
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
