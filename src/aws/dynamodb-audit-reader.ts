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
import type { Item } from './attribute-values.js';
import { type CursorPosition, decodeCursor, encodeCursor } from './audit-cursor.js';
import { itemToAuditEvent } from './audit-items.js';
import { outcomeSegments } from './audit-shards.js';
import { readAuditRecords, readAuditRecordsTolerantly } from './dynamodb-audit-records.js';
import { AUDIT_INDEX } from './table-schema.js';

/** Filters with an index of their own, keyed by the filter's value and sorted by time. */
const FILTER_INDEX = {
  principal: AUDIT_INDEX.byPrincipal,
  accountId: AUDIT_INDEX.byAccount,
  roleArn: AUDIT_INDEX.byRole,
  accessRequestId: AUDIT_INDEX.byAccessRequest,
} as const;

interface Partition {
  index: string;
  attribute: string;
  value: string;
}

const TIME_RANGE = '#pk = :pk AND #time BETWEEN :from AND :to';

/** What a cursor is bound to. The time range is not in it: the cursor carries its own. */
function fingerprint(request: AuditPageRequest): string {
  const f = request.filter;
  return JSON.stringify([f.by, f.by === 'all' ? '' : f.value, request.limit]);
}

/** The one index partition a filter reads, or undefined for the walks over outcome shards. */
function partitionOf(filter: AuditFilter): Partition | undefined {
  if (filter.by === 'all' || filter.by === 'outcome') return undefined;
  return { index: FILTER_INDEX[filter.by], attribute: filter.by, value: filter.value };
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

/**
 * Audit queries. Every page is one key-condition Query on one index partition (then one
 * BatchGetItem of the records): cost follows the page, never the table.
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
    const { filter } = request;
    const partition = partitionOf(filter);
    if (partition) {
      const { lastKey, ...page } = await this.pageOf(partition, request, position.key);
      return lastKey ? { ...page, nextCursor: cursorOf(key, fp, request, { key: lastKey }) } : page;
    }
    return this.pageOfShards(
      outcomeSegments(filter.by === 'outcome' ? [filter.value] : undefined),
      request,
      { key, fp },
      position,
    );
  }

  /**
   * Outcomes (and the unfiltered listing) live in `<outcome>#<shard>` partitions, so that no
   * partition takes every write. A page reads one of them, newest first; the cursor then
   * moves through the rest in a fixed order. A page may therefore be short, or empty with a
   * cursor: follow it to the end (as the CLI and the NDJSON export do) for the whole range.
   */
  private async pageOfShards(
    segments: readonly string[],
    request: AuditPageRequest,
    cursor: { key: Buffer; fp: string },
    position: CursorPosition,
  ): Promise<AuditPage> {
    const index = position.segment === undefined ? 0 : segments.indexOf(position.segment);
    const segment = segments[index];
    if (segment === undefined) throw new InvalidRequestError('cursor is invalid or belongs to another query');
    const { lastKey, ...page } = await this.pageOf(
      { index: AUDIT_INDEX.byOutcomeShard, attribute: 'outcomeShard', value: segment },
      request,
      position.key,
    );
    if (lastKey)
      return { ...page, nextCursor: cursorOf(cursor.key, cursor.fp, request, { segment, key: lastKey }) };
    const next = segments[index + 1];
    return next ? { ...page, nextCursor: cursorOf(cursor.key, cursor.fp, request, { segment: next }) } : page;
  }

  /** Up to `limit` records of one index partition in the range, newest first: one Query. */
  private async pageOf(
    segment: Partition,
    request: AuditPageRequest,
    startKey: Item | undefined,
  ): Promise<Omit<AuditPage, 'nextCursor'> & { lastKey?: Item }> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: segment.index,
        KeyConditionExpression: TIME_RANGE,
        ExpressionAttributeNames: { '#pk': segment.attribute, '#time': 'time' },
        ExpressionAttributeValues: {
          ':pk': { S: segment.value },
          ':from': { S: request.from },
          ':to': { S: request.to },
        },
        ScanIndexForward: false,
        Limit: request.limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const { events, unreadable } = await readAuditRecordsTolerantly(
      this.client,
      this.tableName,
      output.Items ?? [],
    );
    const page = unreadable.length > 0 ? { events, unreadable } : { events };
    return output.LastEvaluatedKey ? { ...page, lastKey: output.LastEvaluatedKey } : page;
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

  async byAccessKey(accessKeyId: string): Promise<ChainedAuditEvent[]> {
    return this.recordsOf({
      IndexName: AUDIT_INDEX.byAccessKey,
      KeyConditionExpression: 'accessKeyId = :k',
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

  /** Ids of the chains with a record in [from, to]: one Query per outcome shard. */
  async chainsBetween(from: string, to: string): Promise<string[]> {
    const chains = new Set<string>();
    await Promise.all(
      outcomeSegments().map(async (segment) => {
        for (const item of await this.indexEntries({
          IndexName: AUDIT_INDEX.byOutcomeShard,
          KeyConditionExpression: TIME_RANGE,
          ExpressionAttributeNames: { '#pk': 'outcomeShard', '#time': 'time' },
          ExpressionAttributeValues: { ':pk': { S: segment }, ':from': { S: from }, ':to': { S: to } },
          ProjectionExpression: 'chainId',
        })) {
          if (item.chainId?.S) chains.add(item.chainId.S);
        }
      }),
    );
    return [...chains];
  }

  /** Every record of one chain, in sequence order. */
  async chain(chainId: string): Promise<ChainedAuditEvent[]> {
    return this.recordsOf({
      IndexName: AUDIT_INDEX.byChain,
      KeyConditionExpression: 'chainId = :c',
      ExpressionAttributeValues: { ':c': { S: chainId } },
    });
  }

  private async recordsOf(query: Omit<QueryCommandInput, 'TableName'>): Promise<ChainedAuditEvent[]> {
    return readAuditRecords(this.client, this.tableName, await this.indexEntries(query));
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
