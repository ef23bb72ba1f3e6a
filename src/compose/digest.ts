import { DynamoDbChainHeads } from '../aws/dynamodb-chain-heads.js';
import { KmsDigestSigner } from '../aws/kms-digest-signer.js';
import { S3DigestWriter } from '../aws/s3-digest-writer.js';
import { ConfigError } from '../config.js';
import type { SignedDigest } from '../domain/audit/digest.js';
import { writeNextDigest } from '../domain/audit/digest-writer.js';
import { systemClock } from '../domain/shared/clock.js';
import type { Logger } from '../logging.js';
import { createKmsClient } from './clients.js';
import { type Composition, dynamodbOf } from './composition.js';
import { digestReaderOf } from './digest-bucket.js';

/** The scheduled digest job: the Lambda handler and the local timer run exactly this. */
export function createDigestJob(root: Composition): () => Promise<SignedDigest | undefined> {
  const digests = root.config.digests;
  if (!digests?.keyId)
    throw new ConfigError(
      'invalid configuration: CREDVEND_DIGEST_BUCKET and CREDVEND_DIGEST_KEY_ID are required',
    );
  const deps = {
    heads: new DynamoDbChainHeads(dynamodbOf(root), root.config.tables.audit),
    signer: new KmsDigestSigner(
      createKmsClient(root.config, root.runtime.credentials),
      digests.keyId,
      digests.algorithm,
    ),
    store: new S3DigestWriter(digestReaderOf(root, digests)),
    clock: systemClock,
    prefix: digests.prefix,
    settleSeconds: digests.settleSeconds,
  };
  const logRun = logDigestRun(root.logger);
  return async () => {
    const signed = await writeNextDigest(deps);
    logRun(signed);
    return signed;
  };
}

/**
 * The digest run's log lines. The digest-overdue alarm counts 'audit digest written' (its
 * metric filter is deploy/harden-template.js's DIGEST_WRITTEN_PATTERN): keep the wording.
 */
export function logDigestRun(logger: Logger): (signed: SignedDigest | undefined) => void {
  return (signed) => {
    if (!signed) {
      // Runs far apart never see this: the latest digest ends at or after this run's window
      // (a clock far ahead when it was written, or a digest planted in the bucket).
      logger.warn('no audit digest written: the latest digest already covers this run', {});
      return;
    }
    logger.info('audit digest written', {
      key: signed.digest.key,
      records: signed.digest.recordCount,
      chainsAdvanced: signed.digest.advanced.length,
    });
    // A forged record waiting for its time to come: an alarm, not a note (see DIGEST_CLOCK_SKEW_SECONDS).
    const refused = signed.digest.forwardDated ?? [];
    if (refused.length > 0)
      logger.error('audit records dated after the digest run: refused, never anchored', {
        records: refused.length,
        eventIds: refused.map((r) => r.eventId).join(','),
      });
  };
}
