import {
  type AttributeValue,
  type DynamoDBClient,
  paginateQuery,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import type { ChainHead, ForwardDatedRecord } from '../domain/audit/digest.js';
import type { ChainHeadSource } from '../domain/audit/digest-writer.js';
import { mapLimited } from '../domain/shared/map-limited.js';
import { readNumber, readString } from './attribute-values.js';
import { allSegments } from './audit-shards.js';
import { AUDIT_INDEX } from './table-schema.js';

/** The table's items carry `chainId` (before the lean layout) or `c`; byTime projects `c` only. */
const SCAN_PROJECTION = 'eventId, chainId, c, seq, #hash, #time';
const INDEX_PROJECTION = 'eventId, c, seq, #hash, #time';
/** Later than any time a record can carry: the open end of a "dated after" Query. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';
const NAMES = { '#hash': 'hash', '#time': 'time' };
/**
 * Partitions read at once, as the audit reader and the export read them: one at a time, a
 * digest run waited for 128 Queries in a row (64 for records dated ahead, 64 for the window).
 */
const WALK_CONCURRENCY = 8;

type WindowHead = ChainHead & { records: number; minSeq: number };

/** The chain of a record: `c` in the lean layout, `chainId` in records written before it. */
function chainOf(item: Record<string, AttributeValue>): string {
  return item.c?.S ?? readString(item, 'chainId');
}

/**
 * Reads the audit table for the digest writer: only the four attributes a digest needs,
 * one Query per partition of the time index (the first digest scans the table once).
 */
export class DynamoDbChainHeads implements ChainHeadSource {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async headsBetween(
    after: string | undefined,
    upTo: string,
    refused: ReadonlySet<string> = new Set(),
  ): Promise<WindowHead[]> {
    const heads = new Map<string, WindowHead>();
    const add = (item: Record<string, AttributeValue>) => {
      const time = readString(item, 'time');
      if ((after !== undefined && time <= after) || time > upTo) return;
      if (refused.has(readString(item, 'eventId'))) return;
      const chainId = chainOf(item);
      const seq = readNumber(item, 'seq');
      const seen = heads.get(chainId);
      if (!seen) {
        heads.set(chainId, { chainId, seq, hash: readString(item, 'hash'), time, records: 1, minSeq: seq });
        return;
      }
      seen.records++;
      seen.minSeq = Math.min(seen.minSeq, seq);
      if (seq > seen.seq) Object.assign(seen, { seq, hash: readString(item, 'hash'), time });
    };
    if (after === undefined) await this.scan(add);
    else for (const item of await this.queryShards(after, upTo)) add(item);
    return [...heads.values()];
  }

  /** Records dated after `after`: one Query per partition, usually each finding nothing. */
  async recordsAfter(after: string): Promise<Array<Omit<ForwardDatedRecord, 'seenAt'>>> {
    return (await this.queryShards(after, END_OF_TIME)).flatMap((item) => {
      const time = readString(item, 'time');
      if (time <= after) return [];
      return [
        {
          chainId: chainOf(item),
          seq: readNumber(item, 'seq'),
          eventId: readString(item, 'eventId'),
          time,
          hash: readString(item, 'hash'),
        },
      ];
    });
  }

  private async scan(add: (item: Record<string, AttributeValue>) => void): Promise<void> {
    const pages = paginateScan(
      { client: this.client },
      { TableName: this.tableName, ProjectionExpression: SCAN_PROJECTION, ExpressionAttributeNames: NAMES },
    );
    for await (const page of pages) for (const item of page.Items ?? []) add(item);
  }

  /** Entries of every partition with `time` in [after, upTo], partition by partition in grid order. */
  private async queryShards(after: string, upTo: string): Promise<Array<Record<string, AttributeValue>>> {
    const found = await mapLimited(allSegments(), WALK_CONCURRENCY, (segment) =>
      this.queryShard(segment, after, upTo),
    );
    return found.flat();
  }

  private async queryShard(
    segment: string,
    after: string,
    upTo: string,
  ): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: AUDIT_INDEX.byTime,
        KeyConditionExpression: '#shard = :shard AND #time BETWEEN :after AND :upTo',
        ProjectionExpression: INDEX_PROJECTION,
        ExpressionAttributeNames: { ...NAMES, '#shard': 'ts' },
        ExpressionAttributeValues: { ':shard': { S: segment }, ':after': { S: after }, ':upTo': { S: upTo } },
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }
}
