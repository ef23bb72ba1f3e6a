import type { DynamoDBStreamEvent } from 'aws-lambda';
import { itemToAuditEvent } from '../aws/audit-items.js';
import { DynamoDbChainHeads } from '../aws/dynamodb-chain-heads.js';
import { EventBridgeAuditPublisher } from '../aws/eventbridge-audit-publisher.js';
import { KmsDigestSigner, kmsPublicKey, parsePublicKey } from '../aws/kms-digest-signer.js';
import { S3DigestBucket } from '../aws/s3-digest-bucket.js';
import { streamImageToItem } from '../aws/stream-attribute-values.js';
import { ConfigError, type DigestConfig } from '../config.js';
import type { ChainedAuditEvent } from '../domain/audit.js';
import type { SignedDigest } from '../domain/audit-digest.js';
import { writeNextDigest } from '../domain/audit-digest-writer.js';
import type { DigestAnchoring } from '../domain/audit-verification.js';
import { systemClock } from '../domain/ports.js';
import { createEventBridgeClient, createKmsClient, createS3Client } from './clients.js';
import { type Composition, dynamodbOf } from './composition.js';

/** Audit you can verify from outside: the digest writer, the verifiers' view, the stream publisher. */

function digestConfig(root: Composition): DigestConfig {
  if (!root.config.digests) throw new ConfigError('invalid configuration: CREDVEND_DIGEST_BUCKET is not set');
  return root.config.digests;
}

function digestBucketOf(root: Composition, digests: DigestConfig): S3DigestBucket {
  const s3 = createS3Client(root.config, root.runtime.credentials);
  root.runtime.adjustS3?.(s3);
  return new S3DigestBucket(s3, digests.bucket, digests.prefix);
}

/** The scheduled digest job: the Lambda handler and the local timer run exactly this. */
export function createDigestJob(root: Composition): () => Promise<SignedDigest | undefined> {
  const digests = digestConfig(root);
  if (!digests.keyId) throw new ConfigError('invalid configuration: CREDVEND_DIGEST_KEY_ID is not set');
  const kms = createKmsClient(root.config, root.runtime.credentials);
  const deps = {
    heads: new DynamoDbChainHeads(dynamodbOf(root), root.config.tables.audit),
    signer: new KmsDigestSigner(kms, digests.keyId, digests.algorithm),
    store: digestBucketOf(root, digests),
    clock: systemClock,
    prefix: digests.prefix,
    settleSeconds: digests.settleSeconds,
  };
  return async () => {
    const signed = await writeNextDigest(deps);
    if (signed)
      root.logger.info('audit digest written', {
        key: signed.digest.key,
        records: signed.digest.recordCount,
        chainsAdvanced: signed.digest.advanced.length,
      });
    return signed;
  };
}

/** How verifiers reach the digests: the bucket, and the public key, pinned or from KMS. */
export function digestAnchoringOf(root: Composition): DigestAnchoring | undefined {
  const digests = root.config.digests;
  if (!digests) return undefined;
  const { publicKey: pinned, keyId } = digests;
  if (!pinned && !keyId)
    throw new ConfigError('invalid configuration: set CREDVEND_DIGEST_PUBLIC_KEY or CREDVEND_DIGEST_KEY_ID');
  let key: ReturnType<DigestAnchoring['publicKey']> | undefined;
  return {
    digests: digestBucketOf(root, digests),
    publicKey: () => {
      key ??= pinned
        ? Promise.resolve(parsePublicKey(pinned))
        : kmsPublicKey(createKmsClient(root.config, root.runtime.credentials), keyId ?? '');
      return key;
    },
  };
}

/**
 * The stream job: every record inserted into the audit table becomes one event. A record
 * changed or removed in place is never normal (the table is append-only): it is logged as
 * an error for an alarm, and verification names what it did.
 */
export function createStreamJob(root: Composition): (event: DynamoDBStreamEvent) => Promise<void> {
  const { config } = root;
  const publisher = new EventBridgeAuditPublisher(
    createEventBridgeClient(config, root.runtime.credentials),
    config.events.busName,
    config.events.source,
  );
  return async (event) => {
    const records: ChainedAuditEvent[] = [];
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      if (record.eventName === 'INSERT' && image) records.push(itemToAuditEvent(streamImageToItem(image)));
      else
        root.logger.error('audit record changed in place', {
          eventName: record.eventName,
          keys: JSON.stringify(record.dynamodb?.Keys ?? {}),
        });
    }
    await publisher.publish(records);
  };
}
