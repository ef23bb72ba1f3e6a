import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Every Lambda function of serverless.yml, each under its own role there and here. */
export const LOCAL_FUNCTIONS = [
  'vend',
  'audit',
  'admin',
  'requests',
  'portal',
  'digest',
  'stream',
  'activity',
  'rotation',
  'revocations',
  'reviews',
  'reminders',
] as const;
export type LocalFunction = (typeof LOCAL_FUNCTIONS)[number];

export interface LambdaServiceKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** SDK v3 refreshes credentials expiring within 5 minutes; so does this. */
const REFRESH_WINDOW_MS = 5 * 60_000;

/**
 * A function's role credentials as Lambda obtains them: the Lambda service assumes the
 * function's role (through the IAM gate, which judges the role's trust policy), session name
 * the function's name. One session per process and role, shared by every client and request,
 * renewed before it expires; a failure is not cached, so the next call tries again.
 */
export function lambdaRoleCredentials(options: {
  endpoint: string;
  region: string;
  lambdaService: LambdaServiceKey;
  roleArn: string;
  functionName: string;
}): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const sts = new STSClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.lambdaService,
      maxAttempts: 2,
    });
    try {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({ RoleArn: options.roleArn, RoleSessionName: options.functionName }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
        throw new Error(`AssumeRole of ${options.roleArn} returned no credentials`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } finally {
      sts.destroy();
    }
  };
  return async () => {
    const held = current ? await current.catch(() => undefined) : undefined;
    if (held?.expiration && held.expiration.getTime() - Date.now() > REFRESH_WINDOW_MS) return held;
    current = assume();
    current.catch(() => {
      current = undefined;
    });
    return current;
  };
}

/** Each function's role credentials, by function, for the roles the stack has. */
export function lambdaIdentities(options: {
  endpoint: string;
  region: string;
  lambdaService: LambdaServiceKey;
  roleArns: Partial<Record<LocalFunction, string>>;
  stage: string;
}): Partial<Record<LocalFunction, AwsCredentialIdentityProvider>> {
  const identities: Partial<Record<LocalFunction, AwsCredentialIdentityProvider>> = {};
  for (const fn of LOCAL_FUNCTIONS) {
    const roleArn = options.roleArns[fn];
    if (roleArn)
      identities[fn] = lambdaRoleCredentials({
        ...options,
        roleArn,
        functionName: `credvend-${options.stage}-${fn}`,
      });
  }
  return identities;
}
