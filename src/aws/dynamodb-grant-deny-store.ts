import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { StaleRequestError } from '../domain/access-requests/errors.js';
import type { GrantDenyStore } from '../domain/access-requests/ports.js';
import type { AccessRequest } from '../domain/access-requests/types.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { accessRequestToItem, DENY_DUE, itemToAccessRequest } from './access-request-items.js';
import { num, str } from './attribute-values.js';
import type { AuditTable } from './audit-items.js';
import { writeAudited } from './audited-transaction.js';
import { ACCESS_REQUEST_INDEX } from './table-schema.js';

/** The request's own write in a step's transaction: conditional on the version it was read at. */
export function requestPut(tableName: string, next: AccessRequest): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: accessRequestToItem(next),
      ...(next.version === 1
        ? { ConditionExpression: 'attribute_not_exists(requestId)' }
        : {
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': num(next.version - 1) },
          }),
    },
  };
}

/**
 * Reads requests and stores a step that changes no grant rows (marking a Deny written):
 * all the revocation sweep may do to the requests table, with its audit record in the
 * same transaction. DynamoDbAccessRequestStore builds on it.
 */
export class DynamoDbGrantDenyStore implements GrantDenyStore {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tables: { requests: string; audit: AuditTable },
  ) {}

  async get(id: string): Promise<AccessRequest | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tables.requests,
        Key: { requestId: str(id) },
        ConsistentRead: true,
      }),
    );
    return output.Item ? itemToAccessRequest(output.Item) : undefined;
  }

  save(next: AccessRequest, _grant: undefined, audit: ChainedAuditEvent): Promise<void> {
    return this.write([requestPut(this.tables.requests, next)], next, audit);
  }

  revocationsDue(limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byPending, 'pending', DENY_DUE, limit);
  }

  protected write(items: TransactWriteItem[], next: AccessRequest, audit: ChainedAuditEvent): Promise<void> {
    return writeAudited(
      this.client,
      items,
      { table: this.tables.audit, record: audit },
      (cause) => new StaleRequestError(`access request ${next.id} changed since it was read`, { cause }),
    );
  }

  /** Newest first; one key-condition Query on a sparse or per-requester index. */
  protected async query(index: string, key: string, value: string, limit: number): Promise<AccessRequest[]> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tables.requests,
        IndexName: index,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': key },
        ExpressionAttributeValues: { ':v': str(value) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (output.Items ?? []).map(itemToAccessRequest);
  }
}
