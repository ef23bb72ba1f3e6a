import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { ChainedAuditEvent } from './audit.js';
import type { UnreadableRecord } from './query.js';

/**
 * History past the hot window (issue 25). Audit records carry a TTL (`expiresAt`, their time
 * plus the hot window); before they expire, the digest function copies them to S3 in the format
 * `credvend audit verify-offline` reads (gzipped NDJSON, one record a line as the API's export
 * writes it), one data file and one manifest per chunk, so the digests keep covering them.
 *
 * The rule that nothing expires unexported: every run first holds back the expiry of records
 * the export has not reached and that would expire within {@link EXPORT_GUARD_DAYS} (pushing
 * it to twice that from now), then exports. In normal running the export trails the table by
 * the settle delay and the hold touches nothing; it writes only while the export falls behind
 * by more than the hot window less the guard (S3 refusing writes, a long backlog). A digest
 * function that does not run at all for the whole hot window is the one case left, and the
 * export-overdue alarm fires long before (docs/operations/runbook.md).
 */
export const EXPORT_GUARD_DAYS = 7;
/** Records one data file holds at most (about 5 MB of JSON before gzip). */
export const RECORDS_PER_FILE = 5_000;
/** Data files one run writes at most, so a backlog is worked off over several runs. */
export const FILES_PER_RUN = 20;
const DAY_MS = 86_400_000;

/** What one chunk of the table holds: every record with time in (after, through]. */
export interface ExportChunk {
  records: ChainedAuditEvent[];
  unreadable: UnreadableRecord[];
  /** The chunk holds every record up to this time (the requested end, or earlier when cut). */
  through: string;
}

/** The audit table as the export reads it. */
export interface ExportSource {
  /** The time of the oldest record, if any. */
  oldest(): Promise<string | undefined>;
  /** Records with time in (after, upTo], oldest first: about `limit` of them, whole milliseconds. */
  chunk(after: string, upTo: string, limit: number): Promise<ExportChunk>;
  /**
   * Records with time in (after, upTo] whose TTL falls before `expiringBefore`: their TTL
   * set to `until`. Records without a TTL are left alone. Returns how many were held.
   */
  holdExpiry(after: string, upTo: string, hold: { expiringBefore: Date; until: Date }): Promise<number>;
}

/** One exported chunk: its data file, and the range of time it holds completely. */
export interface ExportManifest {
  version: 1;
  /** The key the manifest is stored under. */
  key: string;
  /** Exclusive start; null: from the first record of the table. */
  after: string | null;
  /** Inclusive end: every record with time in (after, through] is in the file. */
  through: string;
  records: number;
  /** Records the export could not read: each is an error line in the file (verify names it). */
  unreadable: number;
  file: { key: string; sha256: string; bytes: number };
}

/** Where exports are kept: the digest bucket, under their own prefix (Object Lock too). */
export interface ExportStore {
  /** The newest manifest written; undefined before the first export. */
  latest(): Promise<ExportManifest | undefined>;
  putFile(key: string, body: Uint8Array): Promise<void>;
  /** Stores the manifest under its key, then as the latest. */
  putManifest(manifest: ExportManifest): Promise<void>;
}

export interface ExportDependencies {
  source: ExportSource;
  store: ExportStore;
  clock: Clock;
  /** Key prefix in the bucket, e.g. `exports/`. */
  prefix: string;
  /** As the digest's: a record's time is taken before its write lands. */
  settleSeconds: number;
  hotDays: number;
  /** The data file of a chunk: gzipped NDJSON as the API's export writes it. */
  encode(chunk: ExportChunk): Uint8Array;
  /** {@link RECORDS_PER_FILE} and {@link FILES_PER_RUN} unless given (tests). */
  limits?: { recordsPerFile: number; filesPerRun: number };
}

export interface ExportRun {
  manifests: ExportManifest[];
  /** Records whose expiry this run held back. */
  held: number;
  /** Every record up to this time is exported (undefined: nothing yet). */
  exportedThrough?: string;
  /** False when the run stopped at {@link FILES_PER_RUN} with records left. */
  caughtUp: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `<prefix>YYYY/MM/DD/credvend-export-<through>`: by date, like the digests. */
export function exportBaseKey(prefix: string, through: string): string {
  const [year, month, day] = through.slice(0, 10).split('-');
  return `${prefix}${year}/${month}/${day}/credvend-export-${through.replace(/:/g, '-')}`;
}

/** The name every export object starts with: digest readers skip these. */
export const EXPORT_OBJECT_NAME = 'credvend-export-';

/** Holds back the expiry of unexported records close to it (see {@link EXPORT_GUARD_DAYS}). */
export async function holdUnexported(
  deps: Pick<ExportDependencies, 'source' | 'hotDays'>,
  exportedThrough: string | undefined,
  now: Date,
): Promise<number> {
  const hotStart = now.getTime() - deps.hotDays * DAY_MS;
  // From where the export stands: a record held before may be older than the hot window by
  // now. Before any export, from the beginning (records written before TTLs are skipped).
  const from = exportedThrough ? Date.parse(exportedThrough) : 0;
  const to = hotStart + EXPORT_GUARD_DAYS * DAY_MS;
  if (from >= to) return 0;
  return deps.source.holdExpiry(iso(from), iso(to), {
    expiringBefore: new Date(now.getTime() + EXPORT_GUARD_DAYS * DAY_MS),
    until: new Date(now.getTime() + 2 * EXPORT_GUARD_DAYS * DAY_MS),
  });
}

/** The guard, then the records the previous export has not reached, up to now less the settle delay. */
export async function exportAuditRecords(deps: ExportDependencies): Promise<ExportRun> {
  const now = deps.clock.now();
  const upTo = iso(now.getTime() - deps.settleSeconds * 1000);
  let previous: ExportManifest | undefined;
  try {
    previous = await deps.store.latest();
  } catch (error) {
    // Where the export stands is unknown: hold every record close to expiry, exported or not.
    await holdUnexported(deps, undefined, now);
    throw error;
  }
  const held = await holdUnexported(deps, previous?.through, now);
  const run: ExportRun = { manifests: [], held, caughtUp: true };
  if (previous) run.exportedThrough = previous.through;
  let after = previous?.through;
  if (after === undefined) {
    const oldest = await deps.source.oldest();
    if (oldest === undefined) return run;
    after = iso(Date.parse(oldest) - 1);
  }
  const { recordsPerFile, filesPerRun } = deps.limits ?? {
    recordsPerFile: RECORDS_PER_FILE,
    filesPerRun: FILES_PER_RUN,
  };
  while (after < upTo) {
    if (run.manifests.length >= filesPerRun) return { ...run, caughtUp: false };
    const chunk = await deps.source.chunk(after, upTo, recordsPerFile);
    // An empty stretch is not written: the next run asks again from the same place.
    if (chunk.records.length + chunk.unreadable.length === 0) break;
    const manifest = await writeChunk(deps, previous || run.manifests.length > 0 ? after : null, chunk);
    run.manifests.push(manifest);
    run.exportedThrough = chunk.through;
    after = chunk.through;
  }
  return run;
}

async function writeChunk(
  deps: ExportDependencies,
  after: string | null,
  chunk: ExportChunk,
): Promise<ExportManifest> {
  const base = exportBaseKey(deps.prefix, chunk.through);
  const body = deps.encode(chunk);
  const file = {
    key: `${base}.ndjson.gz`,
    sha256: createHash('sha256').update(body).digest('hex'),
    bytes: body.byteLength,
  };
  await deps.store.putFile(file.key, body);
  const manifest: ExportManifest = {
    version: 1,
    key: `${base}.manifest.json`,
    after,
    through: chunk.through,
    records: chunk.records.length,
    unreadable: chunk.unreadable.length,
    file,
  };
  await deps.store.putManifest(manifest);
  return manifest;
}
