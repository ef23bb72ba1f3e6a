import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { ChainHead } from '../domain/audit-digest.js';
import type { ChainHeadSource } from '../domain/audit-digest-writer.js';
import { readNumber, readString } from './attribute-values.js';
import { AUDIT_INDEX } from './table-schema.js';

const DAY_MS = 86_400_000;
const PROJECTION = 'chainId, seq, #hash, #time';
const NAMES = { '#hash': 'hash', '#time': 'time' };

type WindowHead = ChainHead & { records: number; minSeq: number };

/**
 * Reads the audit table for the digest writer: only the four attributes a digest needs,
 * one by-day Query per day of the window (the first digest scans the table once).
 */
export class DynamoDbChainHeads implements ChainHeadSource {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async headsBetween(after: string | undefined, upTo: string): Promise<WindowHead[]> {
    const heads = new Map<string, WindowHead>();
    const add = (item: Record<string, AttributeValue>) => {
      const time = readString(item, 'time');
      if ((after !== undefined && time <= after) || time > upTo) return;
      const chainId = readString(item, 'chainId');
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
    else for (const day of days(after, upTo)) await this.queryDay(day, after, upTo, add);
    return [...heads.values()];
  }

  private async scan(add: (item: Record<string, AttributeValue>) => void): Promise<void> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: PROJECTION,
          ExpressionAttributeNames: NAMES,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) add(item);
      startKey = output.LastEvaluatedKey;
    } while (startKey);
  }

  private async queryDay(
    day: string,
    after: string,
    upTo: string,
    add: (item: Record<string, AttributeValue>) => void,
  ): Promise<void> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: AUDIT_INDEX.byDay,
          KeyConditionExpression: '#day = :day AND #time BETWEEN :after AND :upTo',
          ProjectionExpression: PROJECTION,
          ExpressionAttributeNames: { ...NAMES, '#day': 'day' },
          ExpressionAttributeValues: { ':day': { S: day }, ':after': { S: after }, ':upTo': { S: upTo } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) add(item);
      startKey = output.LastEvaluatedKey;
    } while (startKey);
  }
}

function days(from: string, to: string): string[] {
  const list: string[] = [];
  const last = Date.parse(`${to.slice(0, 10)}T00:00:00.000Z`);
  for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`); t <= last; t += DAY_MS) {
    list.push(new Date(t).toISOString().slice(0, 10));
  }
  return list;
}
