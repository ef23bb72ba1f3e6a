import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { RateLimitedError } from '../domain/errors.js';
import type { RateLimitBucket, RateLimiter } from '../domain/ports.js';

/**
 * Fixed-window counters in DynamoDB: one conditional `ADD` per bucket, no read first, so
 * concurrent Lambda containers share one exact count per window. A burst can reach twice
 * the limit across a window boundary; that is the price of one write per check (a token
 * bucket needs a read and a conditional write). Counters expire through the table's TTL.
 */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async take(buckets: readonly RateLimitBucket[], now: Date): Promise<void> {
    await Promise.all(buckets.map((bucket) => this.takeOne(bucket, now)));
  }

  private async takeOne(bucket: RateLimitBucket, now: Date): Promise<void> {
    const windowMs = bucket.windowSeconds * 1000;
    const windowStart = Math.floor(now.getTime() / windowMs) * windowMs;
    const windowEnd = windowStart + windowMs;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { bucket: { S: `${bucket.scope}|${bucket.id}|${windowStart}` } },
          UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(bucket.limit) },
            ':expires': { N: String(Math.ceil(windowEnd / 1000) + 60) },
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new RateLimitedError(bucket.scope, Math.max(1, Math.ceil((windowEnd - now.getTime()) / 1000)));
      }
      throw error;
    }
  }
}
