import {
  GetRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { type PolicyDocument, type PolicyStatement, parsePolicyDocument } from '../domain/policy.js';
import type { RevocationApplier } from '../domain/ports.js';
import { REVOCATION_POLICY_NAME, withRevocation } from '../domain/revocation.js';

const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/**
 * Writes revocations into target roles. credvend holds no IAM rights in target accounts:
 * it assumes the account's revoker role (deploy/target-account-role.yaml), which may only
 * read and write inline policies of credvend's roles.
 */
export class IamRevocationApplier implements RevocationApplier {
  constructor(
    private readonly sts: STSClient,
    private readonly options: { revokerRoleName: string; region: string; iamEndpoint?: string },
  ) {}

  async apply(roleArn: string, statement: PolicyStatement, now: Date): Promise<PolicyDocument> {
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw new Error(`not a role ARN: ${roleArn}`);
    const [, partition, account, roleName = ''] = match;
    const assumed = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:${partition}:iam::${account}:role/${this.options.revokerRoleName}`,
        RoleSessionName: 'credvend-revocation',
        DurationSeconds: 900,
      }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
      throw new Error('the revoker role returned no credentials');
    const iam = new IAMClient({
      region: this.options.region,
      ...(this.options.iamEndpoint ? { endpoint: this.options.iamEndpoint } : {}),
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      },
    });
    try {
      let existing: PolicyDocument | undefined;
      try {
        const current = await iam.send(
          new GetRolePolicyCommand({ RoleName: roleName, PolicyName: REVOCATION_POLICY_NAME }),
        );
        // IAM returns policy documents URL-encoded.
        if (current.PolicyDocument)
          existing = parsePolicyDocument(JSON.parse(decodeURIComponent(current.PolicyDocument)));
      } catch (error) {
        if (!(error instanceof NoSuchEntityException)) throw error;
      }
      const policy = withRevocation(existing, statement, now);
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: REVOCATION_POLICY_NAME,
          PolicyDocument: JSON.stringify(policy),
        }),
      );
      return policy;
    } finally {
      iam.destroy();
    }
  }
}
