import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit.js';
import type { AuditFilter, AuditPage, AuditPageRequest, AuditReader } from '../domain/audit-query.js';
import { type CursorPosition, decodeCursor, encodeCursor } from './audit-cursor.js';
import { itemToAuditEvent } from './audit-items.js';

/** Audit table GSIs: each filter has its own, sorted by time, so a page is one Query. */
export const AUDIT_INDEX = {
  principal: 'byPrincipal',
  accountId: 'byAccount',
  roleArn: 'byRole',
  outcome: 'byOutcome',
  accessKeyId: 'byAccessKey',
  chain: 'byChain',
  day: 'byDay',
  accessRequestId: 'byAccessRequest',
} as const;

const DAY_MS = 86_400_000;

/** What a cursor is bound to. The time range is not in it: the cursor carries its own. */
function fingerprint(request: AuditPageRequest): string {
  const f = request.filter;
  return JSON.stringify([f.by, f.by === 'all' ? '' : f.value, request.limit]);
}

/** UTC days from `to` back to `from`, newest first. */
function daysDescending(from: string, to: string): string[] {
  const days: string[] = [];
  const first = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`);
  for (let t = Date.parse(`${to.slice(0, 10)}T00:00:00.000Z`); t >= first; t -= DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export class DynamoDbAuditReader implements AuditReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** MAC key of page cursors; a random one per process unless configured (then cursors outlive it). */
    private readonly cursorKey: Buffer = randomBytes(32),
  ) {}

  /**
   * One page. A continuation keeps the time range of the query that started it (a
   * defaulted `to` of "now" must not move between pages, or pages would overlap).
   */
  async page(initial: AuditPageRequest): Promise<AuditPage> {
    const fp = fingerprint(initial);
    const position: CursorPosition = initial.cursor
      ? decodeCursor(this.cursorKey, fp, initial.cursor)
      : { range: { from: initial.from, to: initial.to } };
    const request = position.range ? { ...initial, ...position.range } : initial;
    if (request.filter.by === 'all') return this.pageByDay(request, fp, position);
    return this.pageByIndex(request, request.filter, fp, position);
  }

  private async pageByIndex(
    request: AuditPageRequest,
    filter: Exclude<AuditFilter, { by: 'all' }>,
    fp: string,
    position: CursorPosition,
  ): Promise<AuditPage> {
    const { events, lastKey } = await this.fill(
      {
        IndexName: AUDIT_INDEX[filter.by],
        KeyConditionExpression: '#pk = :pk AND #time BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': filter.by, '#time': 'time' },
        ExpressionAttributeValues: {
          ':pk': { S: filter.value },
          ':from': { S: request.from },
          ':to': { S: request.to },
        },
      },
      request.limit,
      position.key,
    );
    const range = { from: request.from, to: request.to };
    return lastKey
      ? { events, nextCursor: encodeCursor(this.cursorKey, fp, { range, key: lastKey }) }
      : { events };
  }

  private async pageByDay(
    request: AuditPageRequest,
    fp: string,
    position: CursorPosition,
  ): Promise<AuditPage> {
    const days = daysDescending(request.from, request.to);
    const range = { from: request.from, to: request.to };
    let index = position.day ? days.indexOf(position.day) : 0;
    if (index < 0) index = days.length;
    let startKey = position.key;
    const events: ChainedAuditEvent[] = [];
    for (; index < days.length; index++) {
      const day = days[index] as string;
      const page = await this.fill(
        {
          IndexName: AUDIT_INDEX.day,
          KeyConditionExpression: '#day = :day AND #time BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#day': 'day', '#time': 'time' },
          ExpressionAttributeValues: {
            ':day': { S: day },
            ':from': { S: request.from },
            ':to': { S: request.to },
          },
        },
        request.limit - events.length,
        startKey,
      );
      events.push(...page.events);
      startKey = undefined;
      if (page.lastKey)
        return { events, nextCursor: encodeCursor(this.cursorKey, fp, { range, day, key: page.lastKey }) };
      if (events.length >= request.limit) {
        const nextDay = days[index + 1];
        return nextDay
          ? { events, nextCursor: encodeCursor(this.cursorKey, fp, { range, day: nextDay }) }
          : { events };
      }
    }
    return { events };
  }

  /** Up to `limit` records newest first, following DynamoDB's 1 MB pages within one logical page. */
  private async fill(
    query: Omit<QueryCommandInput, 'TableName'>,
    limit: number,
    startKey: Record<string, AttributeValue> | undefined,
  ): Promise<{ events: ChainedAuditEvent[]; lastKey?: Record<string, AttributeValue> }> {
    const events: ChainedAuditEvent[] = [];
    let exclusiveStartKey = startKey;
    while (events.length < limit) {
      const output = await this.client.send(
        new QueryCommand({
          ...query,
          TableName: this.tableName,
          ScanIndexForward: false,
          Limit: limit - events.length,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of output.Items ?? []) events.push(itemToAuditEvent(item));
      exclusiveStartKey = output.LastEvaluatedKey;
      if (!exclusiveStartKey) return { events };
    }
    return exclusiveStartKey ? { events, lastKey: exclusiveStartKey } : { events };
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
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: AUDIT_INDEX.accessKeyId,
        KeyConditionExpression: 'accessKeyId = :k',
        ExpressionAttributeValues: { ':k': { S: accessKeyId } },
      }),
    );
    return (output.Items ?? []).map(itemToAuditEvent);
  }

  /** Issuances made under one just-in-time grant (its records carry the request id). */
  async issuancesOf(accessRequestId: string): Promise<ChainedAuditEvent[]> {
    const events: ChainedAuditEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: AUDIT_INDEX.accessRequestId,
          KeyConditionExpression: 'accessRequestId = :r',
          FilterExpression: '#action = :issue AND outcome = :issued',
          ExpressionAttributeNames: { '#action': 'action' },
          ExpressionAttributeValues: {
            ':r': { S: accessRequestId },
            ':issue': { S: 'credentials.issue' },
            ':issued': { S: 'issued' },
          },
          ExclusiveStartKey: startKey,
        }),
      );
      events.push(...(output.Items ?? []).map(itemToAuditEvent));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  async chainsBetween(from: string, to: string): Promise<string[]> {
    const chains = new Set<string>();
    for (const day of daysDescending(from, to)) {
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const output = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: AUDIT_INDEX.day,
            KeyConditionExpression: '#day = :day AND #time BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#day': 'day', '#time': 'time' },
            ExpressionAttributeValues: { ':day': { S: day }, ':from': { S: from }, ':to': { S: to } },
            ProjectionExpression: 'chainId',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of output.Items ?? []) if (item.chainId?.S) chains.add(item.chainId.S);
        startKey = output.LastEvaluatedKey;
      } while (startKey);
    }
    return [...chains];
  }

  async chain(chainId: string): Promise<ChainedAuditEvent[]> {
    const records: ChainedAuditEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: AUDIT_INDEX.chain,
          KeyConditionExpression: 'chainId = :c',
          ExpressionAttributeValues: { ':c': { S: chainId } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) records.push(itemToAuditEvent(item));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
