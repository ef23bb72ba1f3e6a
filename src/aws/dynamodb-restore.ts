import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** DynamoDB's limit of items in one BatchWriteItem. */
const BATCH = 25;
const ATTEMPTS = 8;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes `items` into `table` (a new table restored from an export or backup, or the stack's
 * own table when restored items are copied back), 25 at a time, retrying what DynamoDB leaves
 * unprocessed with doubling backoff. Items are written as they are: an audit record's
 * attributes are what its hash covers, so nothing is converted on the way.
 */
export async function restoreItems(
  client: DynamoDBClient,
  table: string,
  items: readonly Record<string, AttributeValue>[],
): Promise<number> {
  for (let start = 0; start < items.length; start += BATCH) {
    let requests = items.slice(start, start + BATCH).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > ATTEMPTS)
        throw new Error(`${table}: ${requests.length} items still unprocessed after ${ATTEMPTS} attempts`);
      if (attempt > 1) await pause(50 * 2 ** (attempt - 2));
      const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (output.UnprocessedItems?.[table] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
      );
    }
  }
  return items.length;
}
