import { gzipSync } from 'node:zlib';
import { DynamoDbAuditExportSource } from '../aws/dynamodb-audit-export.js';
import { DynamoDbChainHeads } from '../aws/dynamodb-chain-heads.js';
import { KmsDigestSigner } from '../aws/kms-digest-signer.js';
import { S3AuditExportStore } from '../aws/s3-audit-export-store.js';
import type { S3DigestReader } from '../aws/s3-digest-reader.js';
import { S3DigestWriter } from '../aws/s3-digest-writer.js';
import { type AuditRetentionConfig, ConfigError, type DigestConfig } from '../config.js';
import type { SignedDigest } from '../domain/audit/digest.js';
import { writeNextDigest } from '../domain/audit/digest-writer.js';
import { type ExportChunk, type ExportRun, exportAuditRecords } from '../domain/audit/export.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { toExportLines } from '../http/audit-view.js';
import type { Logger } from '../logging.js';
import { createKmsClient } from './clients.js';
import { type Composition, dynamodbOf } from './composition.js';
import { digestReaderOf } from './digest-bucket.js';

/**
 * The scheduled digest job: the Lambda handler and the local timer run exactly this. With a
 * hot window it also exports the records the previous run has not (domain/audit/export.ts),
 * whether or not the digest could be written: the export's guard must run even then.
 */
export function createDigestJob(
  root: Composition,
  clock: Clock = systemClock,
): () => Promise<SignedDigest | undefined> {
  const digests = root.config.digests;
  if (!digests?.keyId)
    throw new ConfigError(
      'invalid configuration: CREDVEND_DIGEST_BUCKET and CREDVEND_DIGEST_KEY_ID are required',
    );
  const bucket = digestReaderOf(root, digests);
  const retention = root.config.auditRetention;
  const exportJob = retention && createExportJob(root, { bucket, digests, retention, clock });
  const deps = {
    heads: new DynamoDbChainHeads(dynamodbOf(root), root.config.tables.audit),
    signer: new KmsDigestSigner(
      createKmsClient(root.config, root.runtime.credentials),
      digests.keyId,
      digests.algorithm,
    ),
    store: new S3DigestWriter(bucket),
    clock,
    prefix: digests.prefix,
    settleSeconds: digests.settleSeconds,
  };
  const logRun = logDigestRun(root.logger);
  return async () => {
    let failure: { error: unknown } | undefined;
    let signed: SignedDigest | undefined;
    try {
      signed = await writeNextDigest(deps);
      logRun(signed);
    } catch (error) {
      failure = { error };
    }
    if (exportJob) {
      try {
        await exportJob();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return signed;
  };
}

/** The export of records toward the end of their hot window, as the digest job runs it. */
export function createExportJob(
  root: Composition,
  using: { bucket: S3DigestReader; digests: DigestConfig; retention: AuditRetentionConfig; clock: Clock },
): () => Promise<ExportRun> {
  const deps = {
    source: new DynamoDbAuditExportSource(dynamodbOf(root), root.config.tables.audit),
    store: new S3AuditExportStore(using.bucket, using.retention.exportPrefix),
    clock: using.clock,
    prefix: using.retention.exportPrefix,
    settleSeconds: using.digests.settleSeconds,
    hotDays: using.retention.hotDays,
    encode: (chunk: ExportChunk) =>
      gzipSync(
        toExportLines({ events: chunk.records, unreadable: chunk.unreadable }, `export-${chunk.through}`),
      ),
  };
  const logRun = logExportRun(root.logger);
  return async () => {
    const run = await exportAuditRecords(deps);
    logRun(run);
    return run;
  };
}

/** The export's log lines: an error when expiries had to be held (the export is far behind). */
export function logExportRun(logger: Logger): (run: ExportRun) => void {
  return (run) => {
    if (run.held > 0)
      logger.error('audit export behind: expiry of unexported records held', {
        records: run.held,
        exportedThrough: run.exportedThrough ?? '(nothing yet)',
      });
    const records = run.manifests.reduce((sum, m) => sum + m.records, 0);
    if (run.manifests.length > 0)
      logger.info('audit records exported', {
        files: run.manifests.length,
        records,
        exportedThrough: run.exportedThrough ?? '',
      });
    if (!run.caughtUp)
      logger.warn('audit export behind: the next run goes on', {
        exportedThrough: run.exportedThrough ?? '',
      });
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
