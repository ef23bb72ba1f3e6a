import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { buildSignedGetCallerIdentity } from '../auth/signed-identity-request.js';
import type { ProfileAuth } from './config-store.js';

/**
 * The caller's own AWS identity, proven with a signed GetCallerIdentity; loaded only for
 * AWS profiles, because the SDK's signer and credential chain are most of the CLI's code.
 */
export async function signedAwsIdentity(
  auth: Extract<ProfileAuth, { type: 'aws' }>,
): Promise<{ authorization: string; accessKeyId: string }> {
  const credentials = await defaultProvider()();
  const authorization = await buildSignedGetCallerIdentity({
    stsEndpoint: auth.stsEndpoint,
    serverId: auth.serverId,
    region: auth.region,
    credentials,
  });
  return { authorization, accessKeyId: credentials.accessKeyId };
}
