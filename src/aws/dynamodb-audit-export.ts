import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ExportChunk, ExportSource } from '../domain/audit/export.js';
import { mapLimited } from '../domain/shared/map-limited.js';
import { type Item, readString } from './attribute-values.js';
import { EXPIRES_AT } from './audit-items.js';
import { allSegments } from './audit-shards.js';
import { readAuditRecordsTolerantly } from './dynamodb-audit-records.js';
import { AUDIT_INDEX } from './table-schema.js';

const WALK_CONCURRENCY = 8;
/** BatchGetItem's cap on keys per call. */
const KEYS_PER_CALL = 100;
const KEY_NAMES = { '#pk': 'ts', '#time': 'time' };

const plusMs = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString();

interface PartitionRead {
  entries: Item[];
  /** Set when the partition holds more after this time: it is complete only up to here. */
  cutAt?: string;
}

/**
 * The audit table as the export reads it: `byTime`'s 64 partitions walked oldest first, each
 * to a share of the chunk's size, then one BatchGetItem per 100 records returned. Records not
 * yet in `byTime` (written before the lean layout and not migrated) are not exported; they
 * carry no TTL either, so they stay in the table.
 */
export class DynamoDbAuditExportSource implements ExportSource {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async oldest(): Promise<string | undefined> {
    const firsts = await mapLimited(allSegments(), WALK_CONCURRENCY, async (segment) => {
      const output = await this.client.send(
        new QueryCommand({ ...this.range(segment, '0000', '9999'), ScanIndexForward: true, Limit: 1 }),
      );
      return output.Items?.[0]?.time?.S;
    });
    return firsts.filter((time): time is string => time !== undefined).sort()[0];
  }

  /**
   * Each partition read oldest first up to `limit / 64` entries; a partition cut short is
   * read to the end of the millisecond it stopped in, and the chunk ends at the earliest such
   * millisecond: up to there every partition was read whole.
   */
  async chunk(after: string, upTo: string, limit: number): Promise<ExportChunk> {
    const share = Math.max(1, Math.ceil(limit / allSegments().length));
    const reads = await mapLimited(allSegments(), WALK_CONCURRENCY, (segment) =>
      this.partition(segment, plusMs(after, 1), upTo, share),
    );
    const cuts = reads.flatMap((read) => (read.cutAt ? [read.cutAt] : []));
    const through = cuts.length > 0 ? (cuts.sort()[0] ?? upTo) : upTo;
    const entries = reads
      .flatMap((read) => read.entries)
      .filter((entry) => readString(entry, 'time') <= through)
      .sort((a, b) => order(a, b));
    const { events, unreadable } = await readAuditRecordsTolerantly(this.client, this.tableName, entries);
    return { records: events, unreadable, through };
  }

  private async partition(
    segment: string,
    from: string,
    upTo: string,
    share: number,
  ): Promise<PartitionRead> {
    const output = await this.client.send(
      new QueryCommand({ ...this.range(segment, from, upTo), ScanIndexForward: true, Limit: share }),
    );
    const entries = output.Items ?? [];
    const last = entries.at(-1);
    if (!output.LastEvaluatedKey || !last) return { entries };
    const cutAt = readString(last, 'time');
    // The rest of that millisecond, so that the chunk can end with it whole.
    const rest = paginateQuery(
      { client: this.client },
      { ...this.range(segment, cutAt, cutAt), ExclusiveStartKey: output.LastEvaluatedKey },
    );
    for await (const page of rest) entries.push(...(page.Items ?? []));
    return { entries, cutAt };
  }

  async holdExpiry(
    after: string,
    upTo: string,
    hold: { expiringBefore: Date; until: Date },
  ): Promise<number> {
    const entries = (
      await mapLimited(allSegments(), WALK_CONCURRENCY, async (segment) => {
        const found: Item[] = [];
        const pages = paginateQuery(
          { client: this.client },
          { ...this.range(segment, plusMs(after, 1), upTo), ProjectionExpression: 'eventId' },
        );
        for await (const page of pages) found.push(...(page.Items ?? []));
        return found;
      })
    ).flat();
    const soon = Math.floor(hold.expiringBefore.getTime() / 1000);
    const expiring = (await this.expiries(entries.map((e) => readString(e, 'eventId')))).filter(
      ([, expiresAt]) => expiresAt < soon,
    );
    const until = String(Math.floor(hold.until.getTime() / 1000));
    const held = await mapLimited(expiring, WALK_CONCURRENCY, ([eventId]) => this.hold(eventId, until));
    return held.filter(Boolean).length;
  }

  /** The TTL of each record that has one (records written before TTLs have none). */
  private async expiries(ids: readonly string[]): Promise<Array<[string, number]>> {
    const found: Array<[string, number]> = [];
    for (let i = 0; i < ids.length; i += KEYS_PER_CALL) {
      let keys = ids.slice(i, i + KEYS_PER_CALL).map((eventId) => ({ eventId: { S: eventId } }));
      while (keys.length > 0) {
        const output = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression: 'eventId, #e',
                ExpressionAttributeNames: { '#e': EXPIRES_AT },
              },
            },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const expiresAt = item[EXPIRES_AT]?.N;
          if (expiresAt !== undefined) found.push([readString(item, 'eventId'), Number(expiresAt)]);
        }
        keys = (output.UnprocessedKeys?.[this.tableName]?.Keys ?? []).flatMap((key) =>
          key.eventId?.S ? [{ eventId: { S: key.eventId.S } }] : [],
        );
      }
    }
    return found;
  }

  /** One record's TTL moved later; never earlier, never on a record TTL already removed. */
  private async hold(eventId: string, until: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { eventId: { S: eventId } },
          UpdateExpression: 'SET #e = :until',
          ConditionExpression: 'attribute_exists(eventId) AND #e < :until',
          ExpressionAttributeNames: { '#e': EXPIRES_AT },
          ExpressionAttributeValues: { ':until': { N: until } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private range(segment: string, from: string, to: string): QueryCommandInput {
    return {
      TableName: this.tableName,
      IndexName: AUDIT_INDEX.byTime,
      KeyConditionExpression: '#pk = :pk AND #time BETWEEN :from AND :to',
      ExpressionAttributeNames: KEY_NAMES,
      ExpressionAttributeValues: { ':pk': { S: segment }, ':from': { S: from }, ':to': { S: to } },
    };
  }
}

/** Oldest first: time, then event id. */
function order(a: Item, b: Item): number {
  const [ta, tb] = [readString(a, 'time'), readString(b, 'time')];
  if (ta !== tb) return ta < tb ? -1 : 1;
  const [ia, ib] = [readString(a, 'eventId'), readString(b, 'eventId')];
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}
