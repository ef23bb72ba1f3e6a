import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createDigestBucket } from './digest-bucket.js';
import { type AccessKey, DIGEST_BUCKET, TARGET_ACCOUNT } from './seed-aws.js';

export interface AnchoringSeed {
  digestKeyId: string;
  digestBucket: string;
  /** The audit guide's example (docs/guides/audit.md): issuances for the target account, forwarded to this queue (npm start only). */
  issuancesQueueUrl?: string;
}

const ISSUANCES_RULE = 'credvend-issuances-to-sqs';

/**
 * The audit guide's target: `{"detail": …}`, the event's detail alone, which is what a SIEM
 * ingests. (moto spends about 20 ms per input path on every delivery, so one path keeps
 * tests fast; and it chokes on a top-level `time` that is not epoch seconds.)
 */
export const DETAIL_ONLY = { InputPathsMap: { detail: '$.detail' }, InputTemplate: '{"detail": <detail>}' };

/** The EventBridge pattern of the audit guide: one account's issuances. */
export function issuancesPattern(source: string, accountId: string): string {
  return JSON.stringify({
    source: [source],
    'detail-type': ['credvend.credentials.issued'],
    detail: { accountId: [accountId] },
  });
}

/** Creates what serverless.yml declares for digests and events: the signing key, the locked bucket, a rule. */
export async function seedAnchoring(
  endpoint: string,
  operator: AccessKey,
  options: { demoRule: boolean },
): Promise<AnchoringSeed> {
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
    // Its policy is the template's, applied once the stack's roles exist (seedMoto).
    await createDigestBucket(s3, DIGEST_BUCKET);
    const keyId = key.KeyMetadata?.KeyId;
    if (!keyId) throw new Error('moto did not create the digest key');
    const seed: AnchoringSeed = { digestKeyId: keyId, digestBucket: DIGEST_BUCKET };
    if (options.demoRule) seed.issuancesQueueUrl = await seedIssuancesRule(sqs, events);
    return seed;
  } finally {
    for (const client of [kms, s3, sqs, events]) client.destroy();
  }
}

/** The audit guide's example rule: issuances for the target account, to an SQS queue. */
async function seedIssuancesRule(sqs: SQSClient, events: EventBridgeClient): Promise<string> {
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
      Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn ?? '', InputTransformer: DETAIL_ONLY }],
    }),
  );
  if (!queueUrl) throw new Error('moto did not create the queue');
  return queueUrl;
}
