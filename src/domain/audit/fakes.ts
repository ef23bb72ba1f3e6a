import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { InvalidRequestError } from '../shared/errors.js';
import { Faults, sequentialIds } from '../shared/fakes.js';
import type { AuditEvent, ChainedAuditEvent } from './audit.js';
import { type AuditRecordSink, ChainedAuditLog, canonicalJson } from './chain.js';
import type { ChainHead, ForwardDatedRecord, SignedDigest } from './digest.js';
import { type DigestObject, type DigestSource, parseSignedDigest } from './digest-verify.js';
import type { ChainHeadSource, DigestSigner, DigestStore } from './digest-writer.js';
import type { ExportChunk, ExportManifest, ExportSource, ExportStore } from './export.js';
import type { EntryKey, PartitionRead, TimeBound, TimeOrderedPartitions } from './merged-pages.js';
import type { AuditPage, AuditPageRequest, AuditReader } from './query.js';

type AuditTableOperation = 'write' | 'read';

/**
 * The audit table in memory, as the DynamoDB sink, reader and chain-head adapters see it:
 * a record is stored only if its event id is new (`attribute_not_exists(eventId)`), and
 * stores that write a record in one transaction with their own change call `assertNew`
 * first and `commit` after their own conditions held, so both land or neither.
 */
export class InMemoryAuditTable implements AuditRecordSink, AuditReader, ChainHeadSource {
  private readonly byId = new Map<string, ChainedAuditEvent>();
  readonly faults = new Faults<AuditTableOperation>();

  async putNew(record: ChainedAuditEvent): Promise<void> {
    this.assertNew(record);
    this.commit(record);
  }

  /** The transaction's condition on the audit record; throws what a cancelled write throws. */
  assertNew(record: ChainedAuditEvent): void {
    this.faults.check('write');
    if (this.byId.has(record.eventId)) {
      throw new Error(`conditional check failed: audit record ${record.eventId} exists`);
    }
  }

  commit(record: ChainedAuditEvent): void {
    this.byId.set(record.eventId, structuredClone(record));
  }

  /** Every record, in the order written. */
  records(): ChainedAuditEvent[] {
    return [...this.byId.values()].map((r) => structuredClone(r));
  }

  /** Records with this action, in the order written. */
  withAction(action: AuditEvent['action']): ChainedAuditEvent[] {
    return this.records().filter((r) => r.action === action);
  }

  async get(eventId: string): Promise<ChainedAuditEvent | undefined> {
    this.faults.check('read');
    const record = this.byId.get(eventId);
    return record && structuredClone(record);
  }

  async byAccessKey(accessKeyId: string): Promise<ChainedAuditEvent[]> {
    this.faults.check('read');
    return this.records().filter((r) => r.accessKeyId === accessKeyId);
  }

  /** Newest first, one filter, `limit` per page; the cursor is the offset (a reader's MAC'd cursor elsewhere). */
  async page(request: AuditPageRequest): Promise<AuditPage> {
    this.faults.check('read');
    const { filter } = request;
    const offset = request.cursor === undefined ? 0 : Number(request.cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidRequestError('cursor is invalid');
    const matching = this.records()
      .filter((r) => r.time >= request.from && r.time <= request.to)
      .filter((r) => filter.by === 'all' || r[filter.by] === filter.value)
      .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
    const events = matching.slice(offset, offset + request.limit);
    const next = offset + events.length;
    return next < matching.length ? { events, nextCursor: String(next) } : { events };
  }

  async chainsBetween(from: string, to: string): Promise<string[]> {
    this.faults.check('read');
    return [
      ...new Set(
        this.records()
          .filter((r) => r.time >= from && r.time <= to)
          .map((r) => r.chainId),
      ),
    ];
  }

  async chain(chainId: string): Promise<ChainedAuditEvent[]> {
    this.faults.check('read');
    return this.records()
      .filter((r) => r.chainId === chainId)
      .sort((a, b) => a.seq - b.seq);
  }

  async chains(chainIds: readonly string[]): Promise<ChainedAuditEvent[]> {
    this.faults.check('read');
    const wanted = new Set(chainIds);
    return this.records().filter((r) => wanted.has(r.chainId));
  }

  async headsBetween(
    after: string | undefined,
    upTo: string,
    refused: ReadonlySet<string> = new Set(),
  ): Promise<Array<ChainHead & { records: number; minSeq: number }>> {
    this.faults.check('read');
    const heads = new Map<string, ChainHead & { records: number; minSeq: number }>();
    for (const r of this.records()) {
      if ((after !== undefined && r.time <= after) || r.time > upTo || refused.has(r.eventId)) continue;
      const head = { chainId: r.chainId, seq: r.seq, hash: r.hash, time: r.time };
      const seen = heads.get(r.chainId);
      if (!seen) {
        heads.set(r.chainId, { ...head, records: 1, minSeq: r.seq });
        continue;
      }
      seen.records++;
      seen.minSeq = Math.min(seen.minSeq, r.seq);
      if (r.seq > seen.seq) Object.assign(seen, head);
    }
    return [...heads.values()];
  }

  async recordsAfter(after: string): Promise<Array<Omit<ForwardDatedRecord, 'seenAt'>>> {
    this.faults.check('read');
    return this.records()
      .filter((r) => r.time > after)
      .map(({ chainId, seq, eventId, time, hash }) => ({ chainId, seq, eventId, time, hash }));
  }

  /** Replaces a stored record as someone with write access to the table could (tamper tests). */
  tamper(eventId: string, change: (record: ChainedAuditEvent) => ChainedAuditEvent | undefined): void {
    const record = this.byId.get(eventId);
    if (!record) throw new Error(`no audit record ${eventId}`);
    const changed = change(structuredClone(record));
    if (changed) this.byId.set(eventId, changed);
    else this.byId.delete(eventId);
  }
}

/** The production audit log (hash chains, ChainedAuditLog) writing into an in-memory table. */
export function inMemoryAuditLog(table: InMemoryAuditTable, maxChains = 8): ChainedAuditLog {
  return new ChainedAuditLog(table, sequentialIds('chain'), maxChains);
}

/**
 * The digest bucket: digests under their keys plus `latest.json`, stored as canonical JSON
 * exactly as the S3 writer stores them and read back (parsed, untrusted) by `latest`.
 */
export class InMemoryDigestStore implements DigestStore, DigestSource {
  private readonly objects = new Map<string, string>();
  readonly faults = new Faults<'put' | 'read'>();

  constructor(private readonly prefix = 'digests/') {}

  async latest(): Promise<SignedDigest | undefined> {
    this.faults.check('read');
    const body = this.objects.get(`${this.prefix}latest.json`);
    if (body === undefined) return undefined;
    const signed = parseSignedDigest(body);
    if (!signed) throw new Error(`${this.prefix}latest.json is not a digest`);
    return signed;
  }

  async put(signed: SignedDigest): Promise<void> {
    this.faults.check('put');
    const body = `${canonicalJson(signed)}\n`;
    this.objects.set(signed.digest.key, body);
    this.objects.set(`${this.prefix}latest.json`, body);
  }

  async get(key: string): Promise<DigestObject | undefined> {
    this.faults.check('read');
    const body = this.objects.get(key);
    return body === undefined ? undefined : { key, body };
  }

  /** Digests (not `latest.json`) whose window overlaps [from, to], in key order. */
  async overlapping(from: string, to: string): Promise<DigestObject[]> {
    this.faults.check('read');
    return [...this.objects.keys()]
      .filter((key) => key !== `${this.prefix}latest.json`)
      .sort()
      .flatMap((key) => {
        const body = this.objects.get(key) ?? '';
        const digest = parseSignedDigest(body)?.digest;
        // An unreadable object is kept, as the S3 reader keeps it: verification names it.
        return !digest || (digest.startTime < to && digest.endTime >= from) ? [{ key, body }] : [];
      });
  }

  /** Object keys, `latest.json` included. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** Overwrites or deletes an object as a bucket without Object Lock would allow (tamper tests). */
  replace(key: string, body: string | undefined): void {
    if (body === undefined) this.objects.delete(key);
    else this.objects.set(key, body);
  }
}

/** A KMS-like ECDSA P-256 signer whose private key never leaves this object. */
export class LocalDigestSigner implements DigestSigner {
  readonly algorithm = 'ECDSA_SHA_256';
  readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;
  readonly faults = new Faults<'sign'>();

  constructor(readonly keyId = 'local-digest-key') {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.publicKey = keys.publicKey;
    this.privateKey = keys.privateKey;
  }

  async sign(message: string): Promise<Buffer> {
    this.faults.check('sign');
    return sign('sha256', Buffer.from(message), this.privateKey);
  }
}

/**
 * Index partitions as DynamoDB's Query reads them: newest time first, entries of one time in
 * the store's own order (here event id ascending, the opposite of the merge's), `limit`
 * counting the entries examined before the filter, and a read that stopped at its limit
 * naming where it stopped, even when nothing is left after it (as LastEvaluatedKey does).
 */
export class InMemoryPartitions<T extends EntryKey> implements TimeOrderedPartitions<T> {
  readonly lists: T[][];
  reads = 0;

  constructor(
    partitions: number,
    private readonly matches: (entry: T) => boolean = () => true,
  ) {
    this.lists = Array.from({ length: partitions }, () => []);
  }

  get partitions(): number {
    return this.lists.length;
  }

  add(partition: number, entry: T): void {
    const list = this.lists[partition];
    if (!list) throw new Error(`no partition ${partition}`);
    list.push(entry);
    list.sort((a, b) => (a.time === b.time ? (a.eventId < b.eventId ? -1 : 1) : a.time < b.time ? 1 : -1));
  }

  async read(
    partition: number,
    bound: TimeBound,
    limit: number,
    continueFrom?: EntryKey,
  ): Promise<PartitionRead<T>> {
    this.reads++;
    const list = (this.lists[partition] ?? []).filter((e) =>
      'at' in bound ? e.time === bound.at : bound.upTo === undefined || e.time <= bound.upTo,
    );
    const start = continueFrom ? list.findIndex((e) => e.eventId === continueFrom.eventId) + 1 : 0;
    const examined = list.slice(start, start + limit);
    const entries = examined.filter(this.matches);
    const last = examined.at(-1);
    return examined.length === limit && last
      ? { entries, stoppedAt: { time: last.time, eventId: last.eventId } }
      : { entries };
  }
}

/**
 * The audit table as the export sees it: records with a TTL (epoch seconds) each, `expire`
 * removing those past it as DynamoDB's TTL would. A chunk holds whole milliseconds and is cut
 * after `limit` records like the DynamoDB adapter's (which cuts per partition).
 */
export class InMemoryExportSource implements ExportSource {
  readonly records: ChainedAuditEvent[] = [];
  readonly expiresAt = new Map<string, number>();
  readonly faults = new Faults<'read' | 'hold'>();
  holds = 0;

  add(record: ChainedAuditEvent, expiresAt?: number): void {
    this.records.push(record);
    this.records.sort((a, b) =>
      a.time === b.time ? (a.eventId < b.eventId ? -1 : 1) : a.time < b.time ? -1 : 1,
    );
    if (expiresAt !== undefined) this.expiresAt.set(record.eventId, expiresAt);
  }

  /** What TTL does by `now`: removes every record whose TTL has passed. */
  expire(now: Date): ChainedAuditEvent[] {
    const gone = this.records.filter(
      (r) => (this.expiresAt.get(r.eventId) ?? Infinity) * 1000 <= now.getTime(),
    );
    for (const r of gone) this.records.splice(this.records.indexOf(r), 1);
    return gone;
  }

  async oldest(): Promise<string | undefined> {
    this.faults.check('read');
    return this.records[0]?.time;
  }

  async chunk(after: string, upTo: string, limit: number): Promise<ExportChunk> {
    this.faults.check('read');
    const inRange = this.records.filter((r) => r.time > after && r.time <= upTo);
    const cut = inRange[limit - 1];
    const through = cut && inRange.length > limit ? cut.time : upTo;
    return {
      records: inRange.filter((r) => r.time <= through).map((r) => structuredClone(r)),
      unreadable: [],
      through,
    };
  }

  async holdExpiry(
    after: string,
    upTo: string,
    hold: { expiringBefore: Date; until: Date },
  ): Promise<number> {
    this.faults.check('hold');
    let held = 0;
    for (const r of this.records) {
      const ttl = this.expiresAt.get(r.eventId);
      if (r.time <= after || r.time > upTo || ttl === undefined) continue;
      if (ttl * 1000 >= hold.expiringBefore.getTime()) continue;
      this.expiresAt.set(r.eventId, Math.floor(hold.until.getTime() / 1000));
      held++;
    }
    this.holds += held;
    return held;
  }
}

/** The export prefix of the bucket in memory: files by key, manifests in order. */
export class InMemoryExportStore implements ExportStore {
  readonly files = new Map<string, Uint8Array>();
  readonly manifests: ExportManifest[] = [];
  readonly faults = new Faults<'latest' | 'put'>();

  async latest(): Promise<ExportManifest | undefined> {
    this.faults.check('latest');
    return this.manifests.at(-1);
  }

  async putFile(key: string, body: Uint8Array): Promise<void> {
    this.faults.check('put');
    this.files.set(key, body);
  }

  async putManifest(manifest: ExportManifest): Promise<void> {
    this.faults.check('put');
    this.manifests.push(structuredClone(manifest));
  }

  /** The event ids the files hold, for an encoding that writes one id a line. */
  exportedIds(): string[] {
    return [...this.files.values()].flatMap((body) =>
      Buffer.from(body).toString('utf8').split('\n').filter(Boolean),
    );
  }
}
