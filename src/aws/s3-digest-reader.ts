import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { DigestObject, DigestSource } from '../domain/audit/digest-verify.js';
import { parseSignedDigest } from '../domain/audit/digest-verify.js';

const DAY_MS = 86_400_000;
/** Parallel GETs when reading a range of digests. */
const FETCH_CONCURRENCY = 16;

/**
 * Reads digests from S3: one object per digest under `<prefix>YYYY/MM/DD/`. The bucket's
 * Object Lock keeps every version, so an overwrite or a delete marker hides a digest from
 * a reader but cannot destroy it. Verification never reads `<prefix>latest.json`.
 */
export class S3DigestReader implements DigestSource {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {}

  async get(key: string): Promise<DigestObject | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, body: (await output.Body?.transformToString('utf8')) ?? '' };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async overlapping(from: string, to: string): Promise<DigestObject[]> {
    const keys: string[] = [];
    // A digest is filed under the day its window ends, so the one covering `to` may be a day later.
    const last = Date.parse(`${to.slice(0, 10)}T00:00:00.000Z`) + DAY_MS;
    for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`); t <= last; t += DAY_MS) {
      keys.push(
        ...(await this.list(`${this.prefix}${new Date(t).toISOString().slice(0, 10).replace(/-/g, '/')}/`)),
      );
    }
    const objects = await fetchAll(keys.sort(), (key) => this.get(key));
    return objects.filter((object): object is DigestObject => {
      if (!object) return false;
      const digest = parseSignedDigest(object.body)?.digest;
      // An unreadable object is kept: verification names it.
      return !digest || (digest.startTime < to && digest.endTime >= from);
    });
  }

  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const output = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      // Filtered here too: the local emulator is sent no prefix (see src/local/moto-s3.ts).
      for (const object of output.Contents ?? []) if (object.Key?.startsWith(prefix)) keys.push(object.Key);
      token = output.NextContinuationToken;
    } while (token);
    return keys;
  }
}

async function fetchAll<T>(keys: string[], fetch: (key: string) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      results[index] = await fetch(keys[index] ?? '');
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, keys.length) }, worker));
  return results;
}
