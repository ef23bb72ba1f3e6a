import type { S3Event } from 'aws-lambda';
import { DynamoDbActivitySink } from '../aws/dynamodb-activity-sink.js';
import { readGzipJson } from '../aws/s3-log-reader.js';
import { ingestLogFile, isCloudTrailLogKey, UnreadableLogFileError } from '../domain/activity/ingest.js';
import { createS3Client } from './clients.js';
import { type Composition, dynamodbOf } from './composition.js';

/** S3 event keys are URL-encoded, with `+` for a space. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/**
 * The activity job: each CloudTrail log file S3 announces is read and what credvend-issued
 * sessions did is stored. A file that is not a CloudTrail log is logged and skipped; a failed
 * read or store throws, so Lambda retries the event, which stores nothing twice.
 */
export function createActivityJob(root: Composition): (event: S3Event) => Promise<void> {
  const settings = root.config.activity;
  if (!settings) throw new Error('activity is off: set CREDVEND_ACTIVITY_TABLE');
  const store = new DynamoDbActivitySink(dynamodbOf(root), settings.table, settings.retentionDays);
  const s3 = createS3Client(root.config, root.runtime.credentials, settings.s3Endpoint);
  return async (event) => {
    for (const record of event.Records) {
      const bucket = record.s3.bucket.name;
      const key = decodeKey(record.s3.object.key);
      if (!isCloudTrailLogKey(key, settings.logPrefix)) continue;
      try {
        const report = await ingestLogFile(store, await readGzipJson(s3, bucket, key));
        root.logger.info('cloudtrail file ingested', { bucket, key, ...report });
      } catch (error) {
        if (!(error instanceof UnreadableLogFileError)) throw error;
        root.logger.warn('cloudtrail file skipped', { bucket, key, reason: error.message });
      }
    }
  };
}
