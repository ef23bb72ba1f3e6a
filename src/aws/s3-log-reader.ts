import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UnreadableLogFileError } from '../domain/activity/ingest.js';

/** CloudTrail log files are a few MB gzipped; anything far larger is not one, and is refused. */
const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024;

/** Reads one gzip JSON log file from S3; a file that does not unzip or parse is UnreadableLogFileError. */
export async function readGzipJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await object.Body?.transformToByteArray();
  if (!bytes) throw new UnreadableLogFileError('empty object');
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: MAX_UNZIPPED_BYTES }).toString('utf8');
  } catch {
    throw new UnreadableLogFileError('not gzip, or larger than a CloudTrail log file');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UnreadableLogFileError('not JSON');
  }
}
