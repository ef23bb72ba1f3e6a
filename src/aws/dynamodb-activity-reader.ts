import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { ActivityRecord } from '../domain/activity/cloudtrail.js';
import type { ActivityReader } from '../domain/activity/ports.js';
import { activityRecordWire } from '../domain/activity/record-schema.js';
import { type Item, MalformedItemError, readString } from './attribute-values.js';
import { ACTIVITY_INDEX } from './table-schema.js';

function recordOf(item: Item): ActivityRecord {
  let stored: unknown;
  try {
    stored = JSON.parse(readString(item, 'record'));
  } catch {
    throw new MalformedItemError('activity record is not JSON');
  }
  const parsed = activityRecordWire.safeParse(stored);
  if (!parsed.success) throw new MalformedItemError('activity record does not have its stored shape');
  return parsed.data;
}

/** The audit function's reader of the activity table. */
export class DynamoDbActivityReader implements ActivityReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async byAccessKey(accessKeyId: string, limit: number) {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'accessKeyId = :k',
        ExpressionAttributeValues: { ':k': { S: accessKeyId } },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(recordOf);
  }

  async bySourceIdentity(sourceIdentity: string, from: Date, to: Date, limit: number) {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ACTIVITY_INDEX.bySourceIdentity,
        KeyConditionExpression: 'sourceIdentity = :s AND #at BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: {
          ':s': { S: sourceIdentity },
          ':from': { S: from.toISOString() },
          // `~` sorts after every `#<eventId>` suffix of the last instant.
          ':to': { S: `${to.toISOString()}~` },
        },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(recordOf);
  }
}
