import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type AccessKey, DIGEST_BUCKET, TARGET_ACCOUNT } from './seed-aws.js';

export interface AnchoringSeed {
  digestKeyId: string;
  digestBucket: string;
  /** The README's example: issuances for the target account, forwarded to this queue. */
  issuancesQueueUrl: string;
}

export const ISSUANCES_RULE = 'credvend-issuances-to-sqs';

/** The EventBridge pattern of the README: one account's issuances. */
export function issuancesPattern(source: string, accountId: string): string {
  return JSON.stringify({
    source: [source],
    'detail-type': ['credvend.credentials.issued'],
    detail: { accountId: [accountId] },
  });
}

/** Creates what serverless.yml declares for digests and events: the signing key, the locked bucket, a rule. */
export async function seedAnchoring(endpoint: string, operator: AccessKey): Promise<AnchoringSeed> {
  const config = { region: 'us-east-1', endpoint, credentials: operator };
  const kms = new KMSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  try {
    const key = await kms.send(
      new CreateKeyCommand({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Description: 'credvend audit digests',
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: DIGEST_BUCKET, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: DIGEST_BUCKET,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          // The template uses COMPLIANCE for years; locally a day of GOVERNANCE is enough.
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
        },
      }),
    );
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'credvend-issuances' }));
    const queueUrl = queue.QueueUrl ?? '';
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await events.send(
      new PutRuleCommand({
        Name: ISSUANCES_RULE,
        EventPattern: issuancesPattern('credvend', TARGET_ACCOUNT),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: ISSUANCES_RULE,
        Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn ?? '' }],
      }),
    );
    const keyId = key.KeyMetadata?.KeyId;
    if (!keyId || !queueUrl) throw new Error('moto did not create the digest key or the queue');
    return { digestKeyId: keyId, digestBucket: DIGEST_BUCKET, issuancesQueueUrl: queueUrl };
  } finally {
    for (const client of [kms, s3, sqs, events]) client.destroy();
  }
}
