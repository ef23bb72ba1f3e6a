import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { itemToAuditEvent } from '../aws/audit-items.js';
import { readDynamoDbExport } from '../aws/dynamodb-export.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import {
  type DigestObject,
  type DigestSource,
  type Finding,
  parseSignedDigest,
} from '../domain/audit/digest-verify.js';
import { auditEventWire, exportErrorLineWire } from '../wire/audit.js';
import * as z from '../zod-mini.js';

/**
 * What an auditor verifies offline: an NDJSON export of the audit (`GET /v1/audit/events
 * ?format=ndjson`) and a copy of the digest bucket (`aws s3 sync`). Nothing here calls credvend.
 */

/**
 * The one schema the API renders records with, strict here: a field this verifier does not
 * know is named as an error, never silently dropped (dropping it would read as an edit).
 */
const exportedRecord = z.strictObject(auditEventWire.shape);

/** One exported record, checked as strictly as a record read from the table. */
function parseExportedRecord(value: unknown): ChainedAuditEvent {
  const parsed = exportedRecord.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'not an audit record'}`);
}

/** What an export holds: its records, and a finding for each error line the API wrote into it. */
export interface ExportContents {
  records: ChainedAuditEvent[];
  errors: Finding[];
}

/** An error line: a record the API could not read, or the export stopping part-way. */
function exportErrorFinding(value: unknown): Finding | undefined {
  const parsed = exportErrorLineWire.safeParse(value);
  if (!parsed.success) return undefined;
  const { eventId, detail, title } = parsed.data.error;
  return eventId === undefined
    ? { kind: 'incomplete-export', severity: 'error', detail: detail ?? title }
    : { kind: 'unreadable-record', severity: 'error', detail: detail ?? title, eventId };
}

export async function readExport(path: string): Promise<ExportContents> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const contents: ExportContents = { records: [], errors: [] };
  lines.forEach((line, index) => {
    try {
      const value: unknown = JSON.parse(line);
      const error = exportErrorFinding(value);
      if (error) contents.errors.push(error);
      else contents.records.push(parseExportedRecord(value));
    } catch (error) {
      throw new Error(
        `${path}:${index + 1}: not an audit record (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  });
  return contents;
}

/**
 * The records of a DynamoDB export of the audit table (a point-in-time export, or one of a
 * table restored from a backup), copied to `dir`: the restore drill verifies a backup without
 * touching the live table. An item that is not a record is a finding, as the API reports it.
 */
export async function readTableExport(dir: string): Promise<ExportContents> {
  const contents: ExportContents = { records: [], errors: [] };
  for (const item of await readDynamoDbExport(dir)) {
    try {
      contents.records.push(itemToAuditEvent(item));
    } catch (error) {
      const eventId = item.eventId?.S;
      contents.errors.push({
        kind: 'unreadable-record',
        severity: 'error',
        detail: error instanceof Error ? error.message : String(error),
        ...(eventId ? { eventId } : {}),
      });
    }
  }
  return contents;
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
