import { type DynamoDBClient, paginateQuery } from '@aws-sdk/client-dynamodb';
import type { EntitlementStore } from '../domain/issuance/ports.js';
import type { Entitlement } from '../domain/shared/types.js';
import { MAX_CLAIM_RULES_PER_ISSUER, subjectKindOf } from '../domain/subjects/subjects.js';
import { itemToEntitlement } from './entitlement-items.js';

/** A subject with more rows than this is a data problem, not something to page through on the hot path. */
const MAX_PAGES_PER_SUBJECT = 4;

/** A subject's rows did not fit in the page cap: the lookup fails rather than return part of them. */
export class EntitlementPageCapError extends Error {
  override readonly name = 'EntitlementPageCapError';
}

/**
 * Entitlements keyed by subject: one Query per subject key (the caller's exact keys, one
 * per group, one for its issuer's claim rules), so cost does not grow with the table.
 */
export class DynamoDbEntitlementStore implements EntitlementStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** Items per Query page; DynamoDB's 1 MB pages when absent. Tests set it to reach the cap. */
    private readonly pageSize?: number,
  ) {}

  async listForSubjects(subjectKeys: readonly string[]): Promise<Entitlement[]> {
    const perSubject = await Promise.all(subjectKeys.map((key) => this.querySubject(key)));
    return perSubject.flat();
  }

  private async querySubject(subject: string): Promise<Entitlement[]> {
    const rules = subjectKindOf(subject) === 'claim-rule';
    const entitlements: Entitlement[] = [];
    const pages = paginateQuery(
      { client: this.client, ...(this.pageSize ? { pageSize: this.pageSize } : {}) },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#subject = :subject',
        ExpressionAttributeNames: { '#subject': 'subject' },
        ExpressionAttributeValues: { ':subject': { S: subject } },
      },
    );
    let read = 0;
    for await (const output of pages) {
      for (const item of output.Items ?? []) entitlements.push(itemToEntitlement(item));
      // An issuer's claim rules are capped at write time; more means a race, and one unread could be a deny.
      if (rules && entitlements.length > MAX_CLAIM_RULES_PER_ISSUER) {
        throw new EntitlementPageCapError(
          `subject ${subject.slice(0, 200)} holds more than ${MAX_CLAIM_RULES_PER_ISSUER} claim rules`,
        );
      }
      if (!output.LastEvaluatedKey) return entitlements;
      // The next page would pass the cap: stop before reading it.
      if (++read >= MAX_PAGES_PER_SUBJECT) break;
    }
    // Fail closed: a partial list could miss the deny row that should win.
    throw new EntitlementPageCapError(
      `subject ${subject.slice(0, 200)} has more entitlement rows than ${MAX_PAGES_PER_SUBJECT} pages hold`,
    );
  }
}
