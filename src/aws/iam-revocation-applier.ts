import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import {
  minifyPolicy,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
  statementsOf,
} from '../domain/policy/policy.js';
import type { RevocationApplier } from '../domain/revocation/ports.js';
import {
  REVOCATION_POLICY_PATH,
  ROLE_MANAGED_POLICY_QUOTA,
  revocationPolicyName,
  withRevocation,
} from '../domain/revocation/revocation.js';

const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
/** IAM keeps at most five versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;

interface TargetRole {
  roleName: string;
  /** ARN of the role's revocation policy in `slot` (1-based). */
  slotArn: (slot: number) => string;
}

/**
 * Writes revocations into target roles as customer-managed policies under
 * `/credvend-revocations/`, attached to the role. credvend's own role holds no IAM rights
 * in target accounts: it assumes the account's revoker role (deploy/target-account-role.yaml),
 * which may write only those policies and attach them only to roles whose permissions
 * boundary it cannot change, so whatever it writes can never grant beyond that boundary.
 */
export class IamRevocationApplier implements RevocationApplier {
  constructor(
    private readonly sts: STSClient,
    private readonly options: {
      revokerRoleName: string;
      /** Builds an IAM client for the revoker's session, configured like every other client. */
      iamClientFor: (credentials: AwsCredentialIdentity) => IAMClient;
      /** Managed policies a role may have attached (IAM's quota, 10 unless raised). */
      managedPolicyQuota?: number;
    },
  ) {}

  async apply(roleArn: string, statement: PolicyStatement, now: Date): Promise<PolicyDocument> {
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw new Error(`not a role ARN: ${roleArn}`);
    const [, partition, account, roleName = ''] = match;
    const role: TargetRole = {
      roleName,
      slotArn: (slot) =>
        `arn:${partition}:iam::${account}:policy${REVOCATION_POLICY_PATH}${revocationPolicyName(roleName, slot)}`,
    };
    const iam = await this.revokerClient(
      `arn:${partition}:iam::${account}:role/${this.options.revokerRoleName}`,
    );
    try {
      const { slots, otherPolicies } = await this.readSlots(iam, role);
      const quota = this.options.managedPolicyQuota ?? ROLE_MANAGED_POLICY_QUOTA;
      const next = withRevocation(slots, statement, now, Math.max(0, quota - otherPolicies));
      for (const [index, document] of next.entries()) {
        const current = slots[index];
        if (current && minifyPolicy(current) === minifyPolicy(document)) continue;
        await this.writeSlot(iam, role, index + 1, document, current !== undefined);
      }
      return { Version: '2012-10-17', Statement: next.flatMap(statementsOf) };
    } finally {
      iam.destroy();
    }
  }

  private async revokerClient(revokerArn: string): Promise<IAMClient> {
    const assumed = await this.sts.send(
      new AssumeRoleCommand({
        RoleArn: revokerArn,
        RoleSessionName: 'credvend-revocation',
        DurationSeconds: 900,
      }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
      throw new Error('the revoker role returned no credentials');
    return this.options.iamClientFor({
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    });
  }

  /** The role's attached revocation policies in slot order, and how many other policies it has. */
  private async readSlots(iam: IAMClient, role: TargetRole) {
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: role.roleName, MaxItems: 100 }),
    );
    const arns = new Set((attached.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''));
    const slots: PolicyDocument[] = [];
    while (arns.has(role.slotArn(slots.length + 1))) {
      slots.push(await this.readPolicy(iam, role.slotArn(slots.length + 1)));
    }
    return { slots, otherPolicies: arns.size - slots.length };
  }

  private async readPolicy(iam: IAMClient, policyArn: string): Promise<PolicyDocument> {
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
    const version = await iam.send(
      new GetPolicyVersionCommand({
        PolicyArn: policyArn,
        VersionId: policy.Policy?.DefaultVersionId ?? 'v1',
      }),
    );
    // IAM returns policy documents URL-encoded.
    const text = decodeURIComponent(version.PolicyVersion?.Document ?? '');
    return parsePolicyDocument(JSON.parse(text), policyArn);
  }

  private async writeSlot(
    iam: IAMClient,
    role: TargetRole,
    slot: number,
    document: PolicyDocument,
    attached: boolean,
  ) {
    const policyArn = role.slotArn(slot);
    const text = JSON.stringify(document);
    let created = false;
    if (!attached) {
      try {
        await iam.send(
          new CreatePolicyCommand({
            PolicyName: revocationPolicyName(role.roleName, slot),
            Path: REVOCATION_POLICY_PATH,
            PolicyDocument: text,
            Description: `credvend revocations for role ${role.roleName}`,
          }),
        );
        created = true;
      } catch (error) {
        // Left from an earlier, interrupted write: give it a new version below.
        if (!(error instanceof EntityAlreadyExistsException)) throw error;
      }
    }
    if (!created) await this.newDefaultVersion(iam, policyArn, text);
    if (!attached)
      await iam.send(new AttachRolePolicyCommand({ RoleName: role.roleName, PolicyArn: policyArn }));
  }

  private async newDefaultVersion(iam: IAMClient, policyArn: string, text: string) {
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? [];
    if (versions.length >= MAX_POLICY_VERSIONS) {
      const oldest = versions
        .filter((v) => !v.IsDefaultVersion)
        .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
      if (oldest?.VersionId)
        await iam.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: oldest.VersionId }));
    }
    await iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: text, SetAsDefault: true }),
    );
  }
}
