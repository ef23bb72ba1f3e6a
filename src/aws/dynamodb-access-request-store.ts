import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { AccessRequestStore, GrantChange } from '../domain/access-requests/ports.js';
import type { AccessRequest } from '../domain/access-requests/types.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { Entitlement } from '../domain/shared/types.js';
import { EXTENSION_PENDING, PENDING, REVIEW_DUE } from './access-request-items.js';
import { num, str } from './attribute-values.js';
import type { AuditTable } from './audit-items.js';
import { REGISTRY_SUBJECT, registryItem } from './dynamodb-entitlement-rows.js';
import { DynamoDbGrantDenyStore, requestPut } from './dynamodb-grant-deny-store.js';
import { entitlementToItem } from './entitlement-items.js';
import { ACCESS_REQUEST_INDEX } from './table-schema.js';

export interface AccessRequestTables {
  requests: string;
  entitlements: string;
  audit: AuditTable;
}

/** A grant's rows leave the table a day after it ends; being past `notAfter` already refuses it. */
const GRANT_TIDY_AFTER_SECONDS = 86_400;

/**
 * Access requests, their grant entitlement rows and their audit records, written together
 * in one transaction guarded by the request's version: of two concurrent steps on one
 * request exactly one lands, and the other is told to read again.
 */
export class DynamoDbAccessRequestStore extends DynamoDbGrantDenyStore implements AccessRequestStore {
  constructor(
    client: DynamoDBClient,
    private readonly grantTables: AccessRequestTables,
  ) {
    super(client, grantTables);
  }

  override save(next: AccessRequest, grant: GrantChange, audit: ChainedAuditEvent): Promise<void> {
    return this.write([requestPut(this.tables.requests, next), ...this.grantWrites(grant)], next, audit);
  }

  /** A grant is a normal entitlement row plus its registry row (ids stay unique across subjects). */
  private grantWrites(grant: GrantChange): TransactWriteItem[] {
    if (!grant) return [];
    if ('put' in grant) {
      const tidy = { expiresAt: num(tidyAt(grant.put)) };
      return [
        {
          Put: {
            TableName: this.grantTables.entitlements,
            Item: { ...registryItem(grant.put), ...tidy },
            ConditionExpression: 'attribute_not_exists(entitlementId)',
          },
        },
        {
          Put: {
            TableName: this.grantTables.entitlements,
            Item: { ...entitlementToItem(grant.put), ...tidy },
          },
        },
      ];
    }
    if ('extend' in grant) {
      // The same rows with the later end; the registry row must still be there, so an extension
      // racing a revocation cannot bring the grant back.
      const tidy = { expiresAt: num(tidyAt(grant.extend)) };
      return [
        {
          Put: {
            TableName: this.grantTables.entitlements,
            Item: { ...registryItem(grant.extend), ...tidy },
            ConditionExpression: 'attribute_exists(entitlementId)',
          },
        },
        {
          Put: {
            TableName: this.grantTables.entitlements,
            Item: { ...entitlementToItem(grant.extend), ...tidy },
          },
        },
      ];
    }
    // Revoked early: the rows go at once, so the grant is refused from this transaction on.
    return [grant.remove.subject, REGISTRY_SUBJECT].map((subject) => ({
      Delete: {
        TableName: this.grantTables.entitlements,
        Key: { subject: str(subject), entitlementId: str(grant.remove.id) },
      },
    }));
  }

  byRequester(identity: string, limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byRequester, 'requester', identity, limit);
  }

  /** Two Queries of the sparse index: pending requests, then grants whose extension is pending. */
  async pending(limit: number): Promise<AccessRequest[]> {
    const requests = await this.query(ACCESS_REQUEST_INDEX.byPending, 'pending', PENDING, limit);
    if (requests.length >= limit) return requests;
    const extensions = await this.query(
      ACCESS_REQUEST_INDEX.byPending,
      'pending',
      EXTENSION_PENDING,
      limit - requests.length,
    );
    return [...requests, ...extensions];
  }

  needingReview(limit: number): Promise<AccessRequest[]> {
    return this.query(ACCESS_REQUEST_INDEX.byReviewDue, 'reviewDue', REVIEW_DUE, limit);
  }
}

function tidyAt(grant: Entitlement): number {
  const end = grant.notAfter?.getTime() ?? Date.now();
  return Math.floor(end / 1000) + GRANT_TIDY_AFTER_SECONDS;
}
