import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ActivityRecord } from '../domain/activity/cloudtrail.js';
import type { ActivitySink } from '../domain/activity/ports.js';
import { mapLimited } from '../domain/shared/map-limited.js';

/** Writes in flight at once while storing one log file: a file holds up to thousands of records. */
const WRITE_CONCURRENCY = 16;

const sortKey = (record: Pick<ActivityRecord, 'time' | 'eventId'>) => `${record.time}#${record.eventId}`;

/**
 * The activity job's writer: an event id is stored once (a conditional put), kept
 * `retentionDays`. Apart from the reader so the job's bundle, and its role, hold no Query.
 */
export class DynamoDbActivitySink implements ActivitySink {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async put(records: readonly ActivityRecord[]) {
    const expiresAt = Math.floor(this.now().getTime() / 1000) + this.retentionDays * 86_400;
    const isNew = await mapLimited(records, WRITE_CONCURRENCY, (record) => this.putOne(record, expiresAt));
    const stored = isNew.filter(Boolean).length;
    return { stored, duplicates: records.length - stored };
  }

  private async putOne(record: ActivityRecord, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            accessKeyId: { S: record.accessKeyId },
            at: { S: sortKey(record) },
            sourceIdentity: { S: record.sourceIdentity },
            record: { S: JSON.stringify(record) },
            expiresAt: { N: String(expiresAt) },
          },
          // A re-delivered or re-processed file stores nothing twice.
          ConditionExpression: 'attribute_not_exists(accessKeyId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
