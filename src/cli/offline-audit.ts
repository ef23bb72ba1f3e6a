import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { itemToAuditEvent } from '../aws/audit-items.js';
import { readDynamoDbExport } from '../aws/dynamodb-export.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import {
  type DigestObject,
  type DigestSource,
  type Finding,
  parseSignedDigest,
} from '../domain/audit/digest-verify.js';
import { EXPORT_OBJECT_NAME } from '../domain/audit/export.js';
import { parseExportManifest } from '../domain/audit/export-manifest.js';
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
  const bytes = await readFile(path);
  return parseExportLines(path, path.endsWith('.gz') ? gunzipSync(bytes) : bytes);
}

function parseExportLines(path: string, bytes: Buffer): ExportContents {
  const lines = bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
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
 * The records of every path given: NDJSON files (`.gz` too), and directories holding the
 * hot-window export (a copy of the digest bucket, or of its `exports/` prefix). A record in
 * two of them (the API's export of the hot window overlaps the bucket's) is read once when
 * both copies agree; two different copies are both kept, and verification names the edit.
 */
export async function readRecords(paths: readonly string[]): Promise<ExportContents> {
  const all: ExportContents = { records: [], errors: [] };
  const seen = new Map<string, string>();
  for (const path of paths) {
    const contents = (await stat(path)).isDirectory()
      ? await readExportDirectory(path)
      : await readExport(path);
    all.errors.push(...contents.errors);
    for (const record of contents.records) {
      const copy = JSON.stringify(record);
      if (seen.get(record.eventId) === copy) continue;
      seen.set(record.eventId, copy);
      all.records.push(record);
    }
  }
  return all;
}

/**
 * The exported records under `root`: every manifest (`credvend-export-*.manifest.json`) and
 * the data file it names, beside it. A data file missing, or not the bytes its manifest
 * hashed, is an `incomplete-export` finding: its records cannot be vouched for as a whole.
 */
export async function readExportDirectory(root: string): Promise<ExportContents> {
  const contents: ExportContents = { records: [], errors: [] };
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const manifests = entries
    .filter((e) => e.isFile() && e.name.startsWith(EXPORT_OBJECT_NAME) && e.name.endsWith('.manifest.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const path of manifests) {
    const manifest = parseExportManifest(await readFile(path, 'utf8'));
    if (!manifest) {
      contents.errors.push({
        kind: 'incomplete-export',
        severity: 'error',
        detail: `${path}: not an export manifest`,
      });
      continue;
    }
    const file = join(dirname(path), basename(manifest.file.key));
    const bytes = await readFile(file).catch(() => undefined);
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== manifest.file.sha256) {
      const what = bytes ? 'differs from the file its manifest hashed' : 'is missing';
      contents.errors.push({ kind: 'incomplete-export', severity: 'error', detail: `${file} ${what}` });
      continue;
    }
    const read = parseExportLines(file, gunzipSync(bytes));
    contents.records.push(...read.records);
    contents.errors.push(...read.errors);
  }
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
      // The hot-window export's manifests share the bucket: they are not digests.
      if (entry.name.startsWith(EXPORT_OBJECT_NAME)) continue;
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
