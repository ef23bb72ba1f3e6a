import { randomBytes } from 'node:crypto';
import {
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { AuditFilter, AuditPage, AuditPageRequest, AuditReader } from '../domain/audit/query.js';
import { InvalidRequestError } from '../domain/shared/errors.js';
import { timeOfEventId } from '../domain/shared/ids.js';
import { mapLimited } from '../domain/shared/map-limited.js';
import type { Item } from './attribute-values.js';
import { type CursorPosition, decodeCursor, encodeCursor } from './audit-cursor.js';
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
/** Queries one page may make before it answers with what it found and a cursor. */
const QUERIES_PER_PAGE = 16;
/** How long before its chain opened a record may be dated: longer than any request runs. */
const CHAIN_START_MARGIN_MS = 3_600_000;
/** Partitions a walk reads at once. */
const WALK_CONCURRENCY = 8;
/** How far back an access key is looked for: its issuance is at most this old (docs/guides/audit.md). */
export const ACCESS_KEY_LOOKBACK_DAYS = 31;

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

/** The next page's cursor: where this one stopped, within the first page's time range. */
function cursorOf(
  key: Buffer,
  fp: string,
  request: AuditPageRequest,
  position: Omit<CursorPosition, 'range'>,
): string {
  return encodeCursor(key, fp, { range: { from: request.from, to: request.to }, ...position });
}

/** Newest first, ties by id: a page gathers entries from several partitions. */
function newestFirst(events: ChainedAuditEvent[]): ChainedAuditEvent[] {
  return events.sort((a, b) =>
    a.time === b.time ? b.eventId.localeCompare(a.eventId) : a.time < b.time ? 1 : -1,
  );
}

/**
 * Audit queries. A page is key-condition Queries on the index partitions its filter lies in,
 * reading projected entries only, then one BatchGetItem of the records it returns: its cost
 * follows the records of its range in those partitions, never the table.
 */
export class DynamoDbAuditReader implements AuditReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** MAC key of page cursors; a random one per process unless configured (then cursors outlive it). */
    cursorKey?: () => Promise<Buffer>,
  ) {
    const ownKey = randomBytes(32);
    this.cursorKey = cursorKey ?? (async () => ownKey);
  }

  private readonly cursorKey: () => Promise<Buffer>;

  /**
   * One page. A continuation keeps the time range of the query that started it (a
   * defaulted `to` of "now" must not move between pages, or pages would overlap).
   */
  async page(initial: AuditPageRequest): Promise<AuditPage> {
    const fp = fingerprint(initial);
    const key = await this.cursorKey();
    const position: CursorPosition = initial.cursor
      ? decodeCursor(key, fp, initial.cursor)
      : { range: { from: initial.from, to: initial.to } };
    const request = position.range ? { ...initial, ...position.range } : initial;
    const segments = segmentsOf(request.filter);
    let index = position.segment === undefined ? 0 : Number(position.segment);
    if (!segments[index]) throw new InvalidRequestError('cursor is invalid or belongs to another query');
    let startKey = position.key;
    const entries: Item[] = [];
    // Partitions are read in a fixed order, each newest first, until the page is full or has
    // spent its queries: a page may be short, or empty with a cursor. Follow the cursor to the
    // end (as the CLI and the NDJSON export do) for the whole range.
    for (let queries = 0; queries < QUERIES_PER_PAGE && entries.length < request.limit && segments[index]; ) {
      // A round reads several partitions at once (most are empty in a short range); the first
      // resumes where the cursor stopped. What does not fit the page is read again later.
      const round = segments.slice(index, index + Math.min(WALK_CONCURRENCY, QUERIES_PER_PAGE - queries));
      const wanted = request.limit - entries.length;
      const results = await Promise.all(
        round.map((segment, i) => this.query(segment, request, wanted, i === 0 ? startKey : undefined)),
      );
      queries += round.length;
      for (const { items, lastKey } of results) {
        if (entries.length + items.length > request.limit) break;
        entries.push(...items);
        startKey = lastKey;
        if (lastKey) break;
        index++;
      }
      if (startKey) break;
    }
    const { events, unreadable } = await readAuditRecordsTolerantly(this.client, this.tableName, entries);
    const page: AuditPage =
      unreadable.length > 0 ? { events: newestFirst(events), unreadable } : { events: newestFirst(events) };
    if (!segments[index]) return page;
    const next: Omit<CursorPosition, 'range'> = startKey
      ? { segment: String(index), key: startKey }
      : { segment: String(index) };
    return { ...page, nextCursor: cursorOf(key, fp, request, next) };
  }

  /** Up to `limit` entries of one index partition in the range, newest first: one Query. */
  private async query(
    segment: Segment,
    request: AuditPageRequest,
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
          ':from': { S: request.from },
          ':to': { S: request.to },
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
   * over the last {@link ACCESS_KEY_LOOKBACK_DAYS} days, every partition, index entries only.
   */
  async byAccessKey(accessKeyId: string): Promise<ChainedAuditEvent[]> {
    const to = new Date();
    const from = new Date(to.getTime() - ACCESS_KEY_LOOKBACK_DAYS * 86_400_000);
    const entries = await this.walk(allSegments(), from.toISOString(), to.toISOString(), {
      FilterExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': SHORT_NAMES.accessKeyId },
      ExpressionAttributeValues: { ':k': { S: accessKeyId } },
    });
    return readAuditRecords(this.client, this.tableName, entries);
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

  /**
   * Every record of one chain, in sequence order: the index entries naming it from the time
   * its id was made (chain ids are ULIDs: a chain opens with its first append) until now. A
   * record is dated when its request began, which may be before its chain opened: the walk
   * starts {@link CHAIN_START_MARGIN_MS} earlier.
   */
  async chain(chainId: string): Promise<ChainedAuditEvent[]> {
    const opened = timeOfEventId(chainId)?.getTime() ?? CHAIN_START_MARGIN_MS;
    const from = new Date(opened - CHAIN_START_MARGIN_MS).toISOString();
    const entries = await this.walk(allSegments(), from, new Date().toISOString(), {
      FilterExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': SHORT_NAMES.chainId },
      ExpressionAttributeValues: { ':c': { S: chainId } },
    });
    const records = await readAuditRecords(this.client, this.tableName, entries);
    return records.sort((x, y) => x.seq - y.seq);
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
