import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { RevocationLookup } from '../domain/ports.js';
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
    let startKey: QueryCommand['input']['ExclusiveStartKey'];
    for (let page = 0; page < MAX_PAGES; page++) {
      const output = await this.client.send(
        new QueryCommand({
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
          ExclusiveStartKey: startKey,
        }),
      );
      if ((output.Items ?? []).length > 0) return true;
      startKey = output.LastEvaluatedKey;
      if (!startKey) return false;
    }
    throw new Error(`more audit records on ${roleArn} since ${since.toISOString()} than ${MAX_PAGES} pages`);
  }
}
