import { type DynamoDBClient, paginateQuery } from '@aws-sdk/client-dynamodb';
import type { RevocationLookup } from '../domain/revocation/ports.js';
import { AUDIT_INDEX } from './table-schema.js';

/** Pages read before giving up; a role with more audit records than this in 12 h fails closed. */
const MAX_PAGES = 10;

/**
 * Revocations as the audit records them (`audit.revoke` on the issuance's role, with its
 * SourceIdentity): one key-condition Query on the role's index from the issue time on,
 * so only records of the credentials' own lifetime (at most 12 h) are read.
 */
export class DynamoDbRevocationLookup implements RevocationLookup {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async revokedSince(roleArn: string, sourceIdentity: string, since: Date): Promise<boolean> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: AUDIT_INDEX.byRole,
        KeyConditionExpression: 'roleArn = :role AND #time >= :since',
        FilterExpression: '#action = :revoke AND sourceIdentity = :identity',
        ExpressionAttributeNames: { '#time': 'time', '#action': 'action' },
        ExpressionAttributeValues: {
          ':role': { S: roleArn },
          ':since': { S: since.toISOString() },
          ':revoke': { S: 'audit.revoke' },
          ':identity': { S: sourceIdentity },
        },
      },
    );
    let read = 0;
    for await (const output of pages) {
      if ((output.Items ?? []).length > 0) return true;
      if (!output.LastEvaluatedKey) return false;
      // The next page would pass the cap: stop before reading it.
      if (++read >= MAX_PAGES) break;
    }
    throw new Error(`more audit records on ${roleArn} since ${since.toISOString()} than ${MAX_PAGES} pages`);
  }
}
