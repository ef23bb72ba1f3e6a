import { PutObjectCommand } from '@aws-sdk/client-s3';
import { canonicalJson } from '../domain/audit/chain.js';
import type { SignedDigest } from '../domain/audit/digest.js';
import { parseSignedDigest } from '../domain/audit/digest-verify.js';
import type { DigestStore } from '../domain/audit/digest-writer.js';
import type { S3DigestReader } from './s3-digest-reader.js';

/**
 * Writes each digest under its date key and as `<prefix>latest.json`, a copy of the newest,
 * so the writer finds its predecessor with one GET. Only the digest function holds this.
 */
export class S3DigestWriter implements DigestStore {
  constructor(private readonly reader: S3DigestReader) {}

  async latest(): Promise<SignedDigest | undefined> {
    const object = await this.reader.get(`${this.reader.prefix}latest.json`);
    if (!object) return undefined;
    const signed = parseSignedDigest(object.body);
    if (!signed) throw new Error(`${this.reader.prefix}latest.json is not a digest`);
    return signed;
  }

  async put(signed: SignedDigest): Promise<void> {
    const body = `${canonicalJson(signed)}\n`;
    for (const key of [signed.digest.key, `${this.reader.prefix}latest.json`]) {
      await this.reader.client.send(
        new PutObjectCommand({
          Bucket: this.reader.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    }
  }
}
