import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { EntitlementAdminStore, EntitlementPage } from '../domain/admin/ports.js';
import { InvalidRequestError } from '../domain/shared/errors.js';
import { readString, str } from './attribute-values.js';
import { DynamoDbEntitlementRows, REGISTRY_SUBJECT } from './dynamodb-entitlement-rows.js';
import { itemToEntitlement } from './entitlement-items.js';

/** The entitlement table as admins read it: its rows, and all of them page by page. */
export class DynamoDbEntitlementAdminStore extends DynamoDbEntitlementRows implements EntitlementAdminStore {
  /** Admin listing is off the hot path; a paginated Scan is fine here. */
  async list(limit: number, cursor?: string): Promise<EntitlementPage> {
    let startKey: Record<string, AttributeValue> | undefined;
    if (cursor) {
      try {
        const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
        const [subject, entitlementId, ...rest] = Array.isArray(parsed) ? parsed : [];
        if (typeof subject !== 'string' || typeof entitlementId !== 'string' || rest.length > 0)
          throw new Error('shape');
        startKey = { subject: str(subject), entitlementId: str(entitlementId) };
      } catch {
        throw new InvalidRequestError('cursor is invalid');
      }
    }
    const output = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: limit,
        ExclusiveStartKey: startKey,
        FilterExpression: '#subject <> :registry',
        ExpressionAttributeNames: { '#subject': 'subject' },
        ExpressionAttributeValues: { ':registry': str(REGISTRY_SUBJECT) },
      }),
    );
    const page: EntitlementPage = { entitlements: (output.Items ?? []).map(itemToEntitlement) };
    const last = output.LastEvaluatedKey;
    if (last) {
      page.nextCursor = Buffer.from(
        JSON.stringify([readString(last, 'subject'), readString(last, 'entitlementId')]),
      ).toString('base64url');
    }
    return page;
  }
}
