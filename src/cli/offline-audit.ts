import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemToAuditEvent } from '../aws/audit-items.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { type DigestObject, type DigestSource, parseSignedDigest } from '../domain/audit/digest-verify.js';

/**
 * What an auditor verifies offline: an NDJSON export of the audit (`GET /v1/audit/events
 * ?format=ndjson`) and a copy of the digest bucket (`aws s3 sync`). Nothing here calls credvend.
 */

/** One exported record, checked as strictly as a record read from the table. */
function parseExportedRecord(line: string): ChainedAuditEvent {
  const value: unknown = JSON.parse(line);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  const item: Record<string, AttributeValue> = {};
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'string') item[name] = { S: field };
    else if (typeof field === 'number') item[name] = { N: String(field) };
    else if (field && typeof field === 'object' && !Array.isArray(field)) {
      const map: Record<string, AttributeValue> = {};
      for (const [key, entry] of Object.entries(field)) map[key] = { S: String(entry) };
      item[name] = { M: map };
    }
  }
  return itemToAuditEvent(item);
}

export async function readExport(path: string): Promise<ChainedAuditEvent[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, index) => {
    try {
      return parseExportedRecord(line);
    } catch (error) {
      throw new Error(
        `${path}:${index + 1}: not an audit record (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  });
}

/** A downloaded copy of the digest bucket: object keys are paths under `root`. */
export class DirectoryDigestSource implements DigestSource {
  private objects?: Promise<DigestObject[]>;

  constructor(private readonly root: string) {}

  async overlapping(from: string, to: string): Promise<DigestObject[]> {
    this.objects ??= this.readAll();
    return (await this.objects).filter((object) => {
      const digest = parseSignedDigest(object.body)?.digest;
      return !digest || (digest.startTime < to && digest.endTime >= from);
    });
  }

  async get(key: string): Promise<DigestObject | undefined> {
    this.objects ??= this.readAll();
    return (await this.objects).find((object) => object.key === key);
  }

  private async readAll(): Promise<DigestObject[]> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    const objects: DigestObject[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.json') || entry.name === 'latest.json') continue;
      const path = join(entry.parentPath, entry.name);
      objects.push({
        key: relative(this.root, path).split(sep).join('/'),
        body: await readFile(path, 'utf8'),
      });
    }
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  }
}

/** The public key as an auditor saved it: PEM, base64 DER (`aws kms get-public-key`), or raw DER. */
export async function readPublicKeyFile(path: string): Promise<string | Buffer> {
  const bytes = await readFile(path);
  const text = bytes.toString('utf8').trim();
  if (text.startsWith('-----BEGIN') || /^[A-Za-z0-9+/=\s]+$/.test(text)) return text;
  return bytes;
}
