import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { LeaseStore } from '../domain/revocation/ports.js';

/**
 * Leases as items of the rate-limits table (key `bucket`, TTL on `expiresAt`): a conditional
 * put takes a free or expired lease, a conditional update gives up only one's own (the item stays for TTL to tidy). A holder
 * that crashes blocks others until its lease runs out; TTL tidies the item later.
 */
export class DynamoDbLeaseStore implements LeaseStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async acquire(name: string, holder: string, until: Date, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            bucket: { S: name },
            holder: { S: holder },
            leaseUntil: { N: String(until.getTime()) },
            expiresAt: { N: String(Math.ceil(until.getTime() / 1000) + 3600) },
          },
          ConditionExpression: 'attribute_not_exists(#bucket) OR leaseUntil < :now',
          ExpressionAttributeNames: { '#bucket': 'bucket' },
          ExpressionAttributeValues: { ':now': { N: String(now.getTime()) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(name: string, holder: string, freeAt: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { bucket: { S: name } },
          UpdateExpression: 'SET leaseUntil = :freeAt',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': { S: holder }, ':freeAt': { N: String(freeAt.getTime()) } },
        }),
      );
    } catch (error) {
      // Expired and taken over by another holder: theirs now, not ours to change.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
