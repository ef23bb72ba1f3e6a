import { type DynamoDBClient, GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { RequestableChange, RequestableStore } from '../domain/access-requests/ports.js';
import type { Requestable } from '../domain/access-requests/types.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { ConflictError } from '../domain/shared/errors.js';
import { itemToRequestable, requestableToItem } from './access-request-items.js';
import { num, str } from './attribute-values.js';
import type { AuditTable } from './audit-items.js';
import { writeAudited } from './audited-transaction.js';
import { scanRequestables } from './dynamodb-requestable-list.js';

/** Requestable access is a small admin-managed table: read by id, listed whole. */
export class DynamoDbRequestableStore implements RequestableStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly auditTable: AuditTable,
  ) {}

  async get(id: string): Promise<Requestable | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { requestableId: str(id) },
        ConsistentRead: true,
      }),
    );
    return output.Item ? itemToRequestable(output.Item) : undefined;
  }

  list(): Promise<Requestable[]> {
    return scanRequestables(this.client, this.tableName);
  }

  async write(change: RequestableChange, audit: ChainedAuditEvent): Promise<void> {
    const guard = change.expected
      ? {
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': num(change.expected.version) },
        }
      : { ConditionExpression: 'attribute_not_exists(requestableId)' };
    const write: TransactWriteItem = change.next
      ? { Put: { TableName: this.tableName, Item: requestableToItem(change.next), ...guard } }
      : { Delete: { TableName: this.tableName, Key: { requestableId: str(change.id) }, ...guard } };
    await writeAudited(
      this.client,
      [write],
      { table: this.auditTable, record: audit },
      (cause) =>
        new ConflictError(`requestable access ${change.id} changed since it was read; read it again`, {
          cause,
        }),
    );
  }
}
