import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { canonicalJson } from '../domain/audit-chain.js';
import type { SignedDigest } from '../domain/audit-digest.js';
import type { DigestObject, DigestSource } from '../domain/audit-digest-verify.js';
import { parseSignedDigest } from '../domain/audit-digest-verify.js';
import type { DigestStore } from '../domain/audit-digest-writer.js';

const DAY_MS = 86_400_000;
/** Parallel GETs when reading a range of digests. */
const FETCH_CONCURRENCY = 16;

/**
 * Digests in S3, one object per digest under `<prefix>YYYY/MM/DD/`, plus `<prefix>latest.json`,
 * a copy of the newest one so the writer finds its predecessor with one GET. Verification never
 * reads `latest.json`. The bucket's Object Lock keeps every version, so an overwrite or a delete
 * marker hides a digest from a reader but cannot destroy it.
 */
export class S3DigestBucket implements DigestStore, DigestSource {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async latest(): Promise<SignedDigest | undefined> {
    const object = await this.get(`${this.prefix}latest.json`);
    if (!object) return undefined;
    const signed = parseSignedDigest(object.body);
    if (!signed) throw new Error(`${this.prefix}latest.json is not a digest`);
    return signed;
  }

  async put(signed: SignedDigest): Promise<void> {
    const body = `${canonicalJson(signed)}\n`;
    for (const key of [signed.digest.key, `${this.prefix}latest.json`]) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
    }
  }

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
