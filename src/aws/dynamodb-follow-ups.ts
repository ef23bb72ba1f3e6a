import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import type { FollowUpMarkers, FollowUpStore } from '../domain/access-requests/follow-ups.js';
import type { AccessRequest } from '../domain/access-requests/types.js';
import { ACTIVE, EXTENSION_PENDING, itemToAccessRequest, PENDING } from './access-request-items.js';
import { str } from './attribute-values.js';
import { ACCESS_REQUEST_INDEX } from './table-schema.js';

/**
 * Pending requests and grants in force, from the sparse byPending index (its `pending`
 * attribute is `pending`, `active` or `extension` on exactly those items), made since a date:
 * three key-condition Queries, whatever the table's size.
 */
export class DynamoDbFollowUpStore implements FollowUpStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async followUpCandidates(since: Date, limit: number): Promise<AccessRequest[]> {
    const found: AccessRequest[] = [];
    for (const value of [PENDING, ACTIVE, EXTENSION_PENDING]) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: ACCESS_REQUEST_INDEX.byPending,
          KeyConditionExpression: '#k = :v AND createdAt >= :since',
          ExpressionAttributeNames: { '#k': 'pending' },
          ExpressionAttributeValues: { ':v': str(value), ':since': str(since.toISOString()) },
          ScanIndexForward: false,
        },
      );
      for await (const page of pages) {
        found.push(...(page.Items ?? []).map(itemToAccessRequest));
        if (found.length >= limit) return found.slice(0, limit);
      }
    }
    return found;
  }
}

/** The key prefix of follow-up markers in the rate-limits table (the role may write no other). */
export const FOLLOW_UP_MARKER_PREFIX = 'notice|';

/**
 * Follow-up markers as items of the rate-limits table (key `bucket`, TTL on `expiresAt`): a
 * put conditional on the item's absence, so of two runs at once exactly one sends the notice.
 */
export class DynamoDbFollowUpMarkers implements FollowUpMarkers {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(marker: string, keepUntil: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            bucket: str(`${FOLLOW_UP_MARKER_PREFIX}${marker}`),
            expiresAt: { N: String(Math.ceil(keepUntil.getTime() / 1000) + 86_400) },
          },
          ConditionExpression: 'attribute_not_exists(#bucket)',
          ExpressionAttributeNames: { '#bucket': 'bucket' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
