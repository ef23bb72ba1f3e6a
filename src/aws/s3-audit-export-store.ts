import { PutObjectCommand } from '@aws-sdk/client-s3';
import { canonicalJson } from '../domain/audit/chain.js';
import type { ExportManifest, ExportStore } from '../domain/audit/export.js';
import { parseExportManifest } from '../domain/audit/export-manifest.js';
import type { S3DigestReader } from './s3-digest-reader.js';

/**
 * Exports in the digest bucket under their own prefix: each data file, its manifest, and the
 * newest manifest again as `<prefix>latest.json`, where the next run finds where to go on
 * (as the digest writer finds its predecessor). Only the digest function writes here.
 */
export class S3AuditExportStore implements ExportStore {
  constructor(
    private readonly bucket: S3DigestReader,
    private readonly prefix: string,
  ) {}

  async latest(): Promise<ExportManifest | undefined> {
    const object = await this.bucket.get(`${this.prefix}latest.json`);
    if (!object) return undefined;
    const manifest = parseExportManifest(object.body);
    if (!manifest) throw new Error(`${this.prefix}latest.json is not an export manifest`);
    return manifest;
  }

  async putFile(key: string, body: Uint8Array): Promise<void> {
    // Stored as gzip bytes (no Content-Encoding), so a download is the file verify-offline reads.
    await this.put(key, body, 'application/gzip');
  }

  async putManifest(manifest: ExportManifest): Promise<void> {
    const body = `${canonicalJson(manifest)}\n`;
    for (const key of [manifest.key, `${this.prefix}latest.json`])
      await this.put(key, body, 'application/json');
  }

  private async put(key: string, body: Uint8Array | string, contentType: string) {
    await this.bucket.client.send(
      new PutObjectCommand({ Bucket: this.bucket.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }
}
