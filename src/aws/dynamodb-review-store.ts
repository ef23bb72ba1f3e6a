import {
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  QueryCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { ItemDecision, ItemOutcome, Review, ReviewItem } from '../domain/reviews/campaign.js';
import type { ReviewStore } from '../domain/reviews/ports.js';
import { ConflictError } from '../domain/shared/errors.js';
import { type Item, readString, str } from './attribute-values.js';
import type { AuditTable } from './audit-items.js';
import { writeAudited } from './audited-transaction.js';
import {
  decisionAttributes,
  itemSort,
  itemToReview,
  itemToReviewItem,
  REVIEW_SORT,
  statePartition,
} from './review-items.js';

export const BATCH_ATTEMPTS = 8;

/**
 * Reviews in their own table, no index (opening one is DynamoDbReviewCampaignStore's): a decision is one UpdateItem of an item under 1 KB
 * (one write unit, two in its transaction) whatever the review's size; the audit record
 * rides in the same transaction.
 */
export class DynamoDbReviewStore implements ReviewStore {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
    private readonly auditTable: AuditTable,
  ) {}

  async get(id: string): Promise<Review | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { reviewId: str(id), itemId: str(REVIEW_SORT) },
        ConsistentRead: true,
      }),
    );
    return item ? itemToReview(item) : undefined;
  }

  async list(state: Review['state'], limit: number): Promise<Review[]> {
    const { Items: pointers = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'reviewId = :p',
        ExpressionAttributeValues: { ':p': str(statePartition(state)) },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const ids = pointers.map((p) => readString(p, 'itemId'));
    if (ids.length === 0) return [];
    const found = await this.batchGet(ids);
    return ids.map((id) => found.get(id)).filter((r): r is Review => r !== undefined && r.state === state);
  }

  async items(reviewId: string): Promise<ReviewItem[]> {
    const items: ReviewItem[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'reviewId = :r AND begins_with(itemId, :i)',
        ExpressionAttributeValues: { ':r': str(reviewId), ':i': str('item|') },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []).map(itemToReviewItem));
    return items;
  }

  async item(reviewId: string, entitlementId: string): Promise<ReviewItem | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { reviewId: str(reviewId), itemId: str(itemSort(entitlementId)) },
        ConsistentRead: true,
      }),
    );
    return item ? itemToReviewItem(item) : undefined;
  }

  async decide(entry: ReviewItem, decision: ItemDecision, audit: ChainedAuditEvent): Promise<void> {
    const set = decisionAttributes(decision);
    const names = Object.keys(set);
    await this.audited(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: { reviewId: str(entry.reviewId), itemId: str(itemSort(entry.entitlementId)) },
            UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
            ConditionExpression: 'attribute_exists(entitlementId) AND attribute_not_exists(#a0)',
            ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
            ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:a${i}`, set[n] ?? str('')])),
          },
        },
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: { reviewId: str(entry.reviewId), itemId: str(REVIEW_SORT) },
            ConditionExpression: '#s = :open',
            ExpressionAttributeNames: { '#s': 'state' },
            ExpressionAttributeValues: { ':open': str('open') },
          },
        },
      ],
      audit,
      `item ${entry.entitlementId} was decided, or its review closed, meanwhile`,
    );
  }

  async settle(reviewId: string, entitlementId: string, outcome: ItemOutcome): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { reviewId: str(reviewId), itemId: str(itemSort(entitlementId)) },
        UpdateExpression: 'SET outcome = :o',
        ConditionExpression: 'attribute_exists(decision)',
        ExpressionAttributeValues: { ':o': str(outcome) },
      }),
    );
  }

  async close(
    review: Review,
    closedAt: Date,
    closedBy: string | undefined,
    audit: ChainedAuditEvent,
  ): Promise<void> {
    const values: Item = {
      ':closed': str('closed'),
      ':open': str('open'),
      ':at': str(closedAt.toISOString()),
    };
    if (closedBy !== undefined) values[':by'] = str(closedBy);
    await this.audited(
      [
        {
          Update: {
            TableName: this.tableName,
            Key: { reviewId: str(review.id), itemId: str(REVIEW_SORT) },
            UpdateExpression: `SET #s = :closed, closedAt = :at${closedBy !== undefined ? ', closedBy = :by' : ''}`,
            ConditionExpression: '#s = :open',
            ExpressionAttributeNames: { '#s': 'state' },
            ExpressionAttributeValues: values,
          },
        },
        {
          Delete: {
            TableName: this.tableName,
            Key: { reviewId: str(statePartition('open')), itemId: str(review.id) },
          },
        },
        { Put: { TableName: this.tableName, Item: this.pointer(review.id, 'closed') } },
      ],
      audit,
      `review ${review.id} is already closed`,
    );
  }

  async notified(reviewId: string, notice: keyof Review['notified'], at: Date): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { reviewId: str(reviewId), itemId: str(REVIEW_SORT) },
        UpdateExpression: 'SET #n = :at',
        ExpressionAttributeNames: { '#n': notice === 'opened' ? 'notifiedOpened' : 'notifiedReminder' },
        ExpressionAttributeValues: { ':at': str(at.toISOString()) },
      }),
    );
  }

  protected pointer(id: string, state: Review['state']): Item {
    return { reviewId: str(statePartition(state)), itemId: str(id) };
  }

  /** The writes and their audit record in one transaction; any failed condition is a conflict. */
  protected async audited(changes: TransactWriteItem[], audit: ChainedAuditEvent, conflict: string) {
    const asConflict = (cause: Error) => new ConflictError(conflict, { cause });
    try {
      await writeAudited(this.client, changes, { table: this.auditTable, record: audit }, asConflict);
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
      )
        throw asConflict(error);
      throw error;
    }
  }

  private async batchGet(ids: readonly string[]): Promise<Map<string, Review>> {
    const found = new Map<string, Review>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Item[] = ids.slice(i, i + 100).map((id) => ({ reviewId: str(id), itemId: str(REVIEW_SORT) }));
      for (let attempt = 0; keys.length > 0 && attempt < BATCH_ATTEMPTS; attempt++) {
        const output = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const review = itemToReview(item);
          found.set(review.id, review);
        }
        keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
      if (keys.length > 0) throw new Error('DynamoDB left review reads unprocessed');
    }
    return found;
  }
}
