import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { RateLimitedError } from '../domain/errors.js';
import type { RateLimitBucket, RateLimiter } from '../domain/ports.js';

interface Window {
  bucket: RateLimitBucket;
  end: number;
  update: Update;
}

/**
 * Fixed-window counters in DynamoDB: one conditional `ADD` per bucket, no read first, so
 * concurrent Lambda containers share one exact count per window. Several buckets are taken
 * in one transaction: a request one quota refuses spends no other. A burst can reach twice
 * the limit across a window boundary; that is the price of one write per check (a token
 * bucket needs a read and a conditional write). Counters expire through the table's TTL.
 */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async take(buckets: readonly RateLimitBucket[], now: Date): Promise<void> {
    const windows = buckets.map((bucket) => this.window(bucket, now));
    const refused = (window: Window | undefined) =>
      new RateLimitedError(
        window?.bucket.scope ?? 'caller',
        Math.max(1, Math.ceil(((window?.end ?? now.getTime()) - now.getTime()) / 1000)),
      );
    try {
      const [only] = windows;
      if (windows.length === 1 && only) await this.client.send(new UpdateItemCommand(only.update));
      else if (windows.length > 1) {
        await this.client.send(
          new TransactWriteItemsCommand({ TransactItems: windows.map((w) => ({ Update: w.update })) }),
        );
      }
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw refused(windows[0]);
      if (error instanceof TransactionCanceledException) {
        const full = (error.CancellationReasons ?? []).findIndex((r) => r.Code === 'ConditionalCheckFailed');
        if (full >= 0) throw refused(windows[full]);
      }
      throw error;
    }
  }

  private window(bucket: RateLimitBucket, now: Date): Window {
    const windowMs = bucket.windowSeconds * 1000;
    const start = Math.floor(now.getTime() / windowMs) * windowMs;
    const end = start + windowMs;
    return {
      bucket,
      end,
      update: {
        TableName: this.tableName,
        Key: { bucket: { S: `${bucket.scope}|${bucket.id}|${bucket.windowSeconds}|${start}` } },
        UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':limit': { N: String(bucket.limit) },
          ':expires': { N: String(Math.ceil(end / 1000) + 60) },
        },
      },
    };
  }
}
