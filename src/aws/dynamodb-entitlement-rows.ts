import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { EntitlementChange, EntitlementRowStore } from '../domain/admin/ports.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { ConflictError } from '../domain/shared/errors.js';
import type { Entitlement } from '../domain/shared/types.js';
import { num, readString, str } from './attribute-values.js';
import type { AuditTable } from './audit-items.js';
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

/**
 * The entitlement table one row at a time: what the admin service and the review deadline
 * job write through. Listing (a Scan) is DynamoDbEntitlementAdminStore's, in its own file,
 * so a bundle that never lists holds no Scan.
 */
export class DynamoDbEntitlementRows implements EntitlementRowStore {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
    private readonly auditTable: AuditTable,
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
      { table: this.auditTable, record: audit },
      (cause) =>
        new ConflictError(`entitlement ${change.id} changed since it was read; read it again`, { cause }),
    );
  }
}
