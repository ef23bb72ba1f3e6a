import { randomBytes } from 'node:crypto';
import {
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import {
  type EntryKey,
  mergedPage,
  type TimeBound,
  type TimeOrderedPartitions,
} from '../domain/audit/merged-pages.js';
import type { AuditFilter, AuditPage, AuditPageRequest, AuditReader } from '../domain/audit/query.js';
import { InvalidRequestError } from '../domain/shared/errors.js';
import { timeOfEventId } from '../domain/shared/ids.js';
import { mapLimited } from '../domain/shared/map-limited.js';
import { MAX_PAGE_SIZE } from '../wire/audit.js';
import type { Item } from './attribute-values.js';
import { decodeCursor, encodeCursor } from './audit-cursor.js';
import { itemToAuditEvent, SHORT_NAMES } from './audit-items.js';
import { accountOfRole, accountSegments, allSegments, principalSegments } from './audit-shards.js';
import { readAuditRecords, readAuditRecordsTolerantly } from './dynamodb-audit-records.js';
import { AUDIT_INDEX } from './table-schema.js';

/** One index partition a page walks, and the filter it reads it with (projected: no record read). */
interface Segment {
  index: string;
  attribute: string;
  value: string;
  filter?: { attribute: string; value: string };
}

const TIME_RANGE = '#pk = :pk AND #time BETWEEN :from AND :to';
/** Queries one page may make beyond one per partition before it answers with what it found and a cursor. */
const EXTRA_QUERIES_PER_PAGE = 16;
/** How long before its chain opened a record may be dated: longer than any request runs. */
const CHAIN_START_MARGIN_MS = 3_600_000;
/** Chains one walk reads (DynamoDB's IN takes at most 100 operands). */
const CHAINS_PER_WALK = 100;
/** Partitions a walk reads at once. */
const WALK_CONCURRENCY = 8;
/**
 * How far back an access key is looked for without a hot window (records kept for ever): a
 * bound on the lookup's cost. With one, the whole window (docs/guides/audit.md).
 */
export const ACCESS_KEY_LOOKBACK_DAYS = 31;
/** The access-key walk goes back this much at a time, newest first, and stops once found. */
const ACCESS_KEY_SLICE_DAYS = 7;
/** Longest an issued session lives (STS: 12 hours): the records naming one key lie this close. */
const SESSION_SPAN_MS = 12 * 3_600_000;
const DAY_MS = 86_400_000;

function onTime(segments: readonly string[], filter?: Segment['filter']): Segment[] {
  return segments.map((value) => ({
    index: AUDIT_INDEX.byTime,
    attribute: 'ts',
    value,
    ...(filter ? { filter } : {}),
  }));
}

/**
 * The partitions a filter reads, in walk order. A principal's records lie in one row of the
 * `byTime` grid, an account's (and its roles') in one column; outcomes and the unfiltered
 * walk read every partition (aws/audit-shards.ts). Each page reads only index entries
 * until it has its records.
 */
function segmentsOf(filter: AuditFilter): Segment[] {
  switch (filter.by) {
    case 'all':
      return onTime(allSegments());
    case 'accessRequestId':
      return [{ index: AUDIT_INDEX.byAccessRequest, attribute: 'accessRequestId', value: filter.value }];
    case 'principal':
      return onTime(principalSegments(filter.value), {
        attribute: SHORT_NAMES.principal,
        value: filter.value,
      });
    case 'accountId':
      return onTime(accountSegments(filter.value), { attribute: SHORT_NAMES.accountId, value: filter.value });
    case 'roleArn': {
      const account = accountOfRole(filter.value);
      const segments = account ? accountSegments(account) : allSegments();
      return onTime(segments, { attribute: SHORT_NAMES.roleArn, value: filter.value });
    }
    case 'outcome':
      return onTime(allSegments(), { attribute: 'outcome', value: filter.value });
  }
}

/** What a cursor is bound to. The time range is not in it: the cursor carries its own. */
function fingerprint(request: AuditPageRequest): string {
  const f = request.filter;
  return JSON.stringify([f.by, f.by === 'all' ? '' : f.value, request.limit]);
}

/** An index entry with the place it sorts at. */
interface PlacedEntry extends EntryKey {
  item: Item;
}

function keyOfItem(item: Item): EntryKey | undefined {
  const time = item.time?.S;
  const eventId = item.eventId?.S;
  return time && eventId ? { time, eventId } : undefined;
}

/** The times a read examines: the request's range, narrowed by the merge's bound. */
function timesOf(request: AuditPageRequest, bound: TimeBound): { from: string; to: string } {
  if ('at' in bound) return { from: bound.at, to: bound.at };
  return {
    from: request.from,
    to: bound.upTo !== undefined && bound.upTo < request.to ? bound.upTo : request.to,
  };
}

/**
 * Audit queries. A page is a k-way merge (domain/audit/merged-pages.ts) over the index
 * partitions its filter lies in, reading projected entries only, then one BatchGetItem of the
 * records it returns: globally newest first, its cost bounded per page and following the
 * records of its range in those partitions, never the table.
 */
export class DynamoDbAuditReader implements AuditReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** MAC key of page cursors; a random one per process unless configured (then cursors outlive it). */
    cursorKey?: () => Promise<Buffer>,
    /** The hot window (days); records older are not in the table. */
    private readonly hotDays?: number,
  ) {
    const ownKey = randomBytes(32);
    this.cursorKey = cursorKey ?? (async () => ownKey);
  }

  private readonly cursorKey: () => Promise<Buffer>;

  /**
   * One page. A continuation keeps the time range of the query that started it (a
   * defaulted `to` of "now" must not move between pages, or pages would overlap), and the
   * merge's place in every partition.
   */
  async page(initial: AuditPageRequest): Promise<AuditPage> {
    const fp = fingerprint(initial);
    const key = await this.cursorKey();
    const position = initial.cursor ? decodeCursor(key, fp, initial.cursor) : undefined;
    const request = position ? { ...initial, ...position.range } : initial;
    const source = this.partitionsOf(segmentsOf(request.filter), request);
    const merged = await mergedPage(source, position?.merge, {
      limit: request.limit,
      extraReads: EXTRA_QUERIES_PER_PAGE,
      maxBatch: MAX_PAGE_SIZE,
      concurrency: WALK_CONCURRENCY,
    });
    // Records come back in the order of the entries: the merge's.
    const { events, unreadable } = await readAuditRecordsTolerantly(
      this.client,
      this.tableName,
      merged.entries.map((e) => e.item),
    );
    const page: AuditPage = unreadable.length > 0 ? { events, unreadable } : { events };
    if (!merged.next) return page;
    const range = { from: request.from, to: request.to };
    return { ...page, nextCursor: encodeCursor(key, fp, { range, merge: merged.next }) };
  }

  /** The partitions of `segments` in the request's range, as the merge reads them: one Query a read. */
  private partitionsOf(segments: Segment[], request: AuditPageRequest): TimeOrderedPartitions<PlacedEntry> {
    return {
      partitions: segments.length,
      read: async (partition, bound, limit, continueFrom) => {
        const segment = segments[partition];
        if (!segment) throw new InvalidRequestError('cursor is invalid or belongs to another query');
        // A continuation is a LastEvaluatedKey this partition returned: a key it holds.
        const startKey = continueFrom && {
          eventId: { S: continueFrom.eventId },
          [segment.attribute]: { S: segment.value },
          time: { S: continueFrom.time },
        };
        const { items, lastKey } = await this.query(segment, timesOf(request, bound), limit, startKey);
        const entries = items.flatMap((item) => {
          const place = keyOfItem(item);
          return place ? [{ ...place, item }] : [];
        });
        const stoppedAt = lastKey && keyOfItem(lastKey);
        return stoppedAt ? { entries, stoppedAt } : { entries };
      },
    };
  }

  /** Up to `limit` entries of one index partition between two times, newest first: one Query. */
  private async query(
    segment: Segment,
    times: { from: string; to: string },
    limit: number,
    startKey: Item | undefined,
  ): Promise<{ items: Item[]; lastKey?: Item }> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: segment.index,
        KeyConditionExpression: TIME_RANGE,
        ...(segment.filter ? { FilterExpression: '#f = :f' } : {}),
        ExpressionAttributeNames: {
          '#pk': segment.attribute,
          '#time': 'time',
          ...(segment.filter ? { '#f': segment.filter.attribute } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': { S: segment.value },
          ':from': { S: times.from },
          ':to': { S: times.to },
          ...(segment.filter ? { ':f': { S: segment.filter.value } } : {}),
        },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = output.Items ?? [];
    return output.LastEvaluatedKey ? { items, lastKey: output.LastEvaluatedKey } : { items };
  }

  async get(eventId: string): Promise<ChainedAuditEvent | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { eventId: { S: eventId } },
        ConsistentRead: true,
      }),
    );
    return output.Item ? itemToAuditEvent(output.Item) : undefined;
  }

  /**
   * Records naming an access key: its issuance (and a withholding or replay of it), looked for
   * over the hot window (else {@link ACCESS_KEY_LOOKBACK_DAYS} days), every partition, index
   * entries only: a week at a time, newest first, ending 12 hours (a session's longest life)
   * past the first week that names the key. A recent key costs a week's entries; a key the
   * table does not hold costs the whole window.
   */
  async byAccessKey(accessKeyId: string): Promise<ChainedAuditEvent[]> {
    const now = Date.now();
    const oldest = now - (this.hotDays ?? ACCESS_KEY_LOOKBACK_DAYS) * DAY_MS;
    const entries: Item[] = [];
    for (let to = now; to > oldest && entries.length === 0; to -= ACCESS_KEY_SLICE_DAYS * DAY_MS) {
      const from = Math.max(oldest, to - ACCESS_KEY_SLICE_DAYS * DAY_MS);
      entries.push(...(await this.keyEntries(accessKeyId, from, to)));
      if (entries.length > 0 && from > oldest)
        entries.push(
          ...(await this.keyEntries(accessKeyId, Math.max(oldest, from - SESSION_SPAN_MS), from - 1)),
        );
    }
    return readAuditRecords(this.client, this.tableName, entries);
  }

  private keyEntries(accessKeyId: string, from: number, to: number): Promise<Item[]> {
    return this.walk(allSegments(), new Date(from).toISOString(), new Date(to).toISOString(), {
      FilterExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': SHORT_NAMES.accessKeyId },
      ExpressionAttributeValues: { ':k': { S: accessKeyId } },
    });
  }

  /** Issuances made under one just-in-time grant (its records carry the request id). */
  async issuancesOf(accessRequestId: string): Promise<ChainedAuditEvent[]> {
    return this.recordsOf({
      IndexName: AUDIT_INDEX.byAccessRequest,
      KeyConditionExpression: 'accessRequestId = :r',
      // Both attributes are projected into the index: the filter reads no record.
      FilterExpression: '#action = :issue AND outcome = :issued',
      ExpressionAttributeNames: { '#action': 'action' },
      ExpressionAttributeValues: {
        ':r': { S: accessRequestId },
        ':issue': { S: 'credentials.issue' },
        ':issued': { S: 'issued' },
      },
    });
  }

  /** Ids of the chains with a record in [from, to]: one Query per partition, index entries only. */
  async chainsBetween(from: string, to: string): Promise<string[]> {
    const entries = await this.walk(allSegments(), from, to, {
      ProjectionExpression: '#c',
      ExpressionAttributeNames: { '#c': SHORT_NAMES.chainId },
    });
    return [...new Set(entries.flatMap((item) => (item.c?.S ? [item.c.S] : [])))];
  }

  /** Every record of one chain, in sequence order (see {@link chains}). */
  async chain(chainId: string): Promise<ChainedAuditEvent[]> {
    return (await this.chains([chainId])).sort((x, y) => x.seq - y.seq);
  }

  /**
   * Every record of these chains: the index entries naming them from the time the oldest was
   * opened (chain ids are ULIDs: a chain opens with its first append) until now, in one walk
   * of the 64 partitions for up to {@link CHAINS_PER_WALK} chains, where each chain took a walk
   * of its own. A record is dated when its request began, which may be before its chain
   * opened: the walk starts {@link CHAIN_START_MARGIN_MS} earlier.
   */
  async chains(chainIds: readonly string[]): Promise<ChainedAuditEvent[]> {
    const records: ChainedAuditEvent[] = [];
    for (let i = 0; i < chainIds.length; i += CHAINS_PER_WALK) {
      const group = chainIds.slice(i, i + CHAINS_PER_WALK);
      const opened = Math.min(...group.map((id) => timeOfEventId(id)?.getTime() ?? CHAIN_START_MARGIN_MS));
      const from = new Date(opened - CHAIN_START_MARGIN_MS).toISOString();
      const names = group.map((_, k) => `:c${k}`);
      const entries = await this.walk(allSegments(), from, new Date().toISOString(), {
        FilterExpression: `#c IN (${names.join(', ')})`,
        ExpressionAttributeNames: { '#c': SHORT_NAMES.chainId },
        ExpressionAttributeValues: Object.fromEntries(group.map((id, k) => [`:c${k}`, { S: id }])),
      });
      records.push(...(await readAuditRecords(this.client, this.tableName, entries)));
    }
    return records;
  }

  private async recordsOf(query: Omit<QueryCommandInput, 'TableName'>): Promise<ChainedAuditEvent[]> {
    return readAuditRecords(this.client, this.tableName, await this.indexEntries(query));
  }

  /** The entries of `byTime` partitions in [from, to], newest first within each, a few partitions at a time. */
  private async walk(
    segments: readonly string[],
    from: string,
    to: string,
    extra: Pick<QueryCommandInput, 'FilterExpression' | 'ProjectionExpression'> & {
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues?: QueryCommandInput['ExpressionAttributeValues'];
    },
  ): Promise<Item[]> {
    const found = await mapLimited(segments, WALK_CONCURRENCY, (segment) =>
      this.indexEntries({
        ...extra,
        IndexName: AUDIT_INDEX.byTime,
        KeyConditionExpression: TIME_RANGE,
        ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#pk': 'ts', '#time': 'time' },
        ExpressionAttributeValues: {
          ...extra.ExpressionAttributeValues,
          ':pk': { S: segment },
          ':from': { S: from },
          ':to': { S: to },
        },
        ScanIndexForward: false,
      }),
    );
    return found.flat();
  }

  /** Every index entry a Query matches, across DynamoDB's 1 MB pages. */
  private async indexEntries(query: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const entries: Item[] = [];
    for await (const page of paginateQuery(
      { client: this.client },
      { ...query, TableName: this.tableName },
    )) {
      entries.push(...(page.Items ?? []));
    }
    return entries;
  }
}
