import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { EntitlementAdminStore, EntitlementChange, EntitlementPage } from '../domain/admin/ports.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { ConflictError, InvalidRequestError } from '../domain/shared/errors.js';
import type { Entitlement } from '../domain/shared/types.js';
import { num, readString, str } from './attribute-values.js';
import { writeAudited } from './audited-transaction.js';
import { entitlementToItem, itemToEntitlement } from './entitlement-items.js';

/**
 * Subject value of the registry rows: one per entitlement id, holding its current subject
 * and version. Real subjects start with `oidc|` or `aws|`, so the hot path never reads these.
 * The registry makes ids unique across subjects and gives a strongly consistent read by
 * id, which a GSI cannot.
 */
export const REGISTRY_SUBJECT = '#id';

export function registryItem(entitlement: Entitlement): Record<string, AttributeValue> {
  return {
    subject: str(REGISTRY_SUBJECT),
    entitlementId: str(entitlement.id),
    currentSubject: str(entitlement.subject),
    version: num(entitlement.version),
  };
}

export class DynamoDbEntitlementAdminStore implements EntitlementAdminStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly auditTableName: string,
  ) {}

  async countSubject(subject: string, upTo: number): Promise<number> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#subject = :subject',
        ExpressionAttributeNames: { '#subject': 'subject' },
        ExpressionAttributeValues: { ':subject': str(subject) },
        Select: 'COUNT',
        Limit: upTo,
        ConsistentRead: true,
      }),
    );
    return output.Count ?? 0;
  }

  async get(id: string): Promise<Entitlement | undefined> {
    const registry = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { subject: str(REGISTRY_SUBJECT), entitlementId: str(id) },
        ConsistentRead: true,
      }),
    );
    if (!registry.Item) return undefined;
    const row = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { subject: str(readString(registry.Item, 'currentSubject')), entitlementId: str(id) },
        ConsistentRead: true,
      }),
    );
    return row.Item ? itemToEntitlement(row.Item) : undefined;
  }

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

  async write(change: EntitlementChange, audit: ChainedAuditEvent): Promise<void> {
    const items: TransactWriteItem[] = [];
    const registryKey = { subject: str(REGISTRY_SUBJECT), entitlementId: str(change.id) };
    const { expected, next } = change;
    if (next) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: registryItem(next),
          ...(expected
            ? {
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': num(expected.version) },
              }
            : { ConditionExpression: 'attribute_not_exists(entitlementId)' }),
        },
      });
      if (expected && expected.subject !== next.subject) {
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: { subject: str(expected.subject), entitlementId: str(change.id) },
          },
        });
      }
      items.push({ Put: { TableName: this.tableName, Item: entitlementToItem(next) } });
    } else if (expected) {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: registryKey,
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': num(expected.version) },
        },
      });
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: { subject: str(expected.subject), entitlementId: str(change.id) },
        },
      });
    }
    await writeAudited(
      this.client,
      items,
      { tableName: this.auditTableName, record: audit },
      (cause) =>
        new ConflictError(`entitlement ${change.id} changed since it was read; read it again`, { cause }),
    );
  }
}
