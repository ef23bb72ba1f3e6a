import { type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import type { Requestable } from '../domain/access-requests/types.js';
import { itemToRequestable } from './access-request-items.js';

/**
 * Every requestable, read whole (a small admin-managed table). Its own module so a function
 * that only reads them (the follow-ups) bundles no write path and its role grants none.
 */
export async function scanRequestables(client: DynamoDBClient, tableName: string): Promise<Requestable[]> {
  const requestables: Requestable[] = [];
  const pages = paginateScan({ client }, { TableName: tableName, ConsistentRead: true });
  for await (const output of pages) requestables.push(...(output.Items ?? []).map(itemToRequestable));
  return requestables;
}
