import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { StaleRequestError } from '../domain/access-requests/errors.js';
import type { AccessRequestStore, GrantChange } from '../domain/access-requests/ports.js';
import type { AccessRequest } from '../domain/access-requests/types.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { Entitlement } from '../domain/shared/types.js';
import {
  accessRequestToItem,
  DENY_DUE,
  itemToAccessRequest,
  PENDING,
  REVIEW_DUE,
} from './access-request-items.js';
import { num, str } from './attribute-values.js';
import { writeAudited } from './audited-transaction.js';
import { REGISTRY_SUBJECT, registryItem } from './dynamodb-entitlement-admin-store.js';
import { entitlementToItem } from './entitlement-items.js';
import { ACCESS_REQUEST_INDEX } from './table-schema.js';

export interface AccessRequestTables {
  requests: string;
  entitlements: string;
  audit: string;
}

/** A grant's rows leave the table a day after it ends; being past `notAfter` already refuses it. */
const GRANT_TIDY_AFTER_SECONDS = 86_400;

/**
 * Access requests, their grant entitlement rows and their audit records, written together
 * in one transaction guarded by the request's version: of two concurrent steps on one
 * request exactly one lands, and the other is told to read again.
 */
export class DynamoDbAccessRequestStore implements AccessRequestStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: AccessRequestTables,
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

  async save(next: AccessRequest, grant: GrantChange, audit: ChainedAuditEvent): Promise<void> {
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tables.requests,
          Item: accessRequestToItem(next),
          ...(next.version === 1
            ? { ConditionExpression: 'attribute_not_exists(requestId)' }
            : {
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': num(next.version - 1) },
              }),
        },
      },
      ...this.grantWrites(grant),
    ];
    await writeAudited(
      this.client,
      items,
      { tableName: this.tables.audit, record: audit },
      (cause) => new StaleRequestError(`access request ${next.id} changed since it was read`, { cause }),
    );
  }

  /** A grant is a normal entitlement row plus its registry row (ids stay unique across subjects). */
  private grantWrites(grant: GrantChange): TransactWriteItem[] {
    if (!grant) return [];
    if ('put' in grant) {
      const tidy = { expiresAt: num(tidyAt(grant.put)) };
      return [
        {
          Put: {
            TableName: this.tables.entitlements,
            Item: { ...registryItem(grant.put), ...tidy },
            ConditionExpression: 'attribute_not_exists(entitlementId)',
          },
        },
        { Put: { TableName: this.tables.entitlements, Item: { ...entitlementToItem(grant.put), ...tidy } } },
      ];
    }
    // Revoked early: the rows go at once, so the grant is refused from this transaction on.
    return [grant.remove.subject, REGISTRY_SUBJECT].map((subject) => ({
      Delete: {
        TableName: this.tables.entitlements,
        Key: { subject: str(subject), entitlementId: str(grant.remove.id) },
      },
    }));
  }

  byRequester(identity: string, limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byRequester, 'requester', identity, limit);
  }

  pending(limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byPending, 'pending', PENDING, limit);
  }

  needingReview(limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byReviewDue, 'reviewDue', REVIEW_DUE, limit);
  }

  revocationsDue(limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byPending, 'pending', DENY_DUE, limit);
  }

  /** Newest first; one key-condition Query on a sparse or per-requester index. */
  private async query(index: string, key: string, value: string, limit: number): Promise<AccessRequest[]> {
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

function tidyAt(grant: Entitlement): number {
  const end = grant.notAfter?.getTime() ?? Date.now();
  return Math.floor(end / 1000) + GRANT_TIDY_AFTER_SECONDS;
}
