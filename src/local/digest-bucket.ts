import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationTemplate, DeployedTemplate } from './cloudformation/resolve.js';

/**
 * The template's DigestBucket as the local stack creates it: Object Lock on, a default
 * retention moto enforces. The template uses COMPLIANCE for years (prod); locally a day of
 * GOVERNANCE is enough, since every test run starts a fresh moto.
 */
export async function createDigestBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    }),
  );
}

/**
 * The template's DigestBucketPolicy, resolved for `stack`, on its bucket: only the stack's
 * digest role may write or delete a digest, whatever an identity policy grants (an account
 * administrator included); the IAM gate judges every S3 call against it, as S3 would.
 */
export async function applyDigestBucketPolicy(
  s3: S3Client,
  template: CloudFormationTemplate,
  stack: DeployedTemplate,
): Promise<void> {
  if (!stack.creates('DigestBucketPolicy')) return;
  const properties = stack.resolve(template.Resources.DigestBucketPolicy?.Properties ?? {});
  if (!properties || typeof properties !== 'object' || !('PolicyDocument' in properties))
    throw new Error('the packaged template has no DigestBucketPolicy document');
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: String(stack.ref('DigestBucket')),
      Policy: JSON.stringify(properties.PolicyDocument),
    }),
  );
}
