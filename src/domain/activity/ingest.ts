import { activityOf, cloudTrailFileWire } from './cloudtrail.js';
import type { ActivitySink } from './ports.js';

/** A log file that is not CloudTrail's: logged and skipped, never retried (it would fail again). */
export class UnreadableLogFileError extends Error {
  override readonly name = 'UnreadableLogFileError';
}

export interface IngestReport {
  /** Records in the file. */
  records: number;
  /** Of those, made by credvend-issued sessions. */
  attributed: number;
  stored: number;
  /** Already stored: a re-delivered or re-processed file. */
  duplicates: number;
}

/**
 * Stores what credvend-issued sessions did, from one CloudTrail log file's parsed JSON.
 * Records of other sessions, and records that are not CloudTrail's shape, are left out one
 * by one; a file that is not a CloudTrail log at all is refused whole. Storing twice is
 * harmless, so a failed store may be retried with the whole file.
 */
export async function ingestLogFile(store: ActivitySink, json: unknown): Promise<IngestReport> {
  const file = cloudTrailFileWire.safeParse(json);
  if (!file.success) throw new UnreadableLogFileError('not a CloudTrail log file: no Records array');
  const attributed = file.data.Records.flatMap((raw) => activityOf(raw) ?? []);
  const { stored, duplicates } =
    attributed.length > 0 ? await store.put(attributed) : { stored: 0, duplicates: 0 };
  return { records: file.data.Records.length, attributed: attributed.length, stored, duplicates };
}

/**
 * Whether an S3 key is a CloudTrail log file under `prefix`: CloudTrail writes
 * `…/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<name>.json.gz`, and its digests (and Insights)
 * under other folders of the same bucket, which are not activity.
 */
export function isCloudTrailLogKey(key: string, prefix: string): boolean {
  return key.startsWith(prefix) && key.endsWith('.json.gz') && key.includes('/CloudTrail/');
}
