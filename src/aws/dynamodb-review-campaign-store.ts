import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { Review, ReviewItem } from '../domain/reviews/campaign.js';
import type { ReviewCampaignStore } from '../domain/reviews/ports.js';
import { BATCH_ATTEMPTS, DynamoDbReviewStore } from './dynamodb-review-store.js';
import { reviewItemToItem, reviewToItem } from './review-items.js';

const BATCH = 25;

/**
 * The reviews store with opening (the admin function's): a file of its own, so the deadline
 * job's bundle, which only settles reviews, holds no BatchWriteItem.
 */
export class DynamoDbReviewCampaignStore extends DynamoDbReviewStore implements ReviewCampaignStore {
  async create(review: Review, items: readonly ReviewItem[], audit: ChainedAuditEvent): Promise<void> {
    // Items first: until the review itself lands with its audit record, nothing refers to them.
    for (let i = 0; i < items.length; i += BATCH) {
      await this.batchWrite(
        items.slice(i, i + BATCH).map((entry) => ({ PutRequest: { Item: reviewItemToItem(entry) } })),
      );
    }
    await this.audited(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: reviewToItem(review),
            ConditionExpression: 'attribute_not_exists(reviewId)',
          },
        },
        { Put: { TableName: this.tableName, Item: this.pointer(review.id, 'open') } },
      ],
      audit,
      `review ${review.id} exists`,
    );
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0 && attempt < BATCH_ATTEMPTS; attempt++) {
      const output = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = output.UnprocessedItems?.[this.tableName] ?? [];
    }
    if (pending.length > 0) throw new Error('DynamoDB left review items unwritten');
  }
}
