import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { RateLimitBucket, RateLimiter } from '../domain/issuance/ports.js';
import { RateLimitedError } from '../domain/shared/errors.js';

interface Window {
  bucket: RateLimitBucket;
  end: number;
  update: Update;
}

/**
 * Fixed-window counters in DynamoDB: one conditional `ADD` per bucket, no read first, so
 * concurrent Lambda containers share one exact count per window. Several buckets are taken
 * at once, one write each; when any is refused (or cannot be written) the others are given
 * back, so a request one quota refuses spends no other. Not a transaction: a transaction
 * costs two write units per bucket and a round trip longer (npm run bench: cost model), and
 * the give-back errs strict (between the two writes another request may see the count one
 * high; if the give-back fails the count stays one high). A burst can reach twice the limit
 * across a window boundary; that is the price of one write per check (a token bucket needs
 * a read and a conditional write). Counters expire through the table's TTL.
 */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async take(buckets: readonly RateLimitBucket[], now: Date): Promise<void> {
    const windows = buckets.map((bucket) => this.window(bucket, now));
    const results = await Promise.allSettled(
      windows.map((w) => this.client.send(new UpdateItemCommand(w.update))),
    );
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0) return;
    await this.giveBack(windows.filter((_, i) => results[i]?.status === 'fulfilled'));
    const refused = results.findIndex(
      (r) => r.status === 'rejected' && r.reason instanceof ConditionalCheckFailedException,
    );
    const window = windows[refused];
    if (window) {
      throw new RateLimitedError(
        window.bucket.scope,
        Math.max(1, Math.ceil((window.end - now.getTime()) / 1000)),
      );
    }
    const failure = results[failed];
    throw failure?.status === 'rejected' ? failure.reason : new Error('quota write failed');
  }

  /** Best effort: a count left one high only refuses sooner. */
  private async giveBack(taken: readonly Window[]): Promise<void> {
    await Promise.allSettled(
      taken.map((w) =>
        this.client.send(
          new UpdateItemCommand({
            TableName: w.update.TableName,
            Key: w.update.Key,
            UpdateExpression: 'ADD #count :minusOne',
            ConditionExpression: 'attribute_exists(#count)',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minusOne': { N: '-1' } },
          }),
        ),
      ),
    );
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
