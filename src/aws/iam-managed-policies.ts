import { GetPolicyCommand, GetPolicyVersionCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { ManagedPolicySource } from '../domain/policy/managed-policies.js';

/** Managed policy documents from IAM, as the vend role may read them (AWS managed policies). */
export class IamManagedPolicies implements ManagedPolicySource {
  constructor(private readonly iam: IAMClient) {}

  async defaultVersion(arn: string): Promise<string> {
    const answer = await this.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const versionId = answer.Policy?.DefaultVersionId;
    if (!versionId) throw new Error(`IAM named no default version of ${arn}`);
    return versionId;
  }

  async document(arn: string, versionId: string): Promise<unknown> {
    const answer = await this.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
    // IAM returns policy documents URL-encoded; the domain validates what the JSON holds.
    return JSON.parse(decodeURIComponent(answer.PolicyVersion?.Document ?? ''));
  }
}
