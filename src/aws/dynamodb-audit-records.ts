import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { UnreadableRecord } from '../domain/audit/query.js';
import { type Item, MalformedItemError, readString } from './attribute-values.js';
import { itemToAuditEvent } from './audit-items.js';

/** BatchGetItem's cap on keys per call. */
const KEYS_PER_CALL = 100;
/** Attempts at keys DynamoDB left unprocessed (throttling) before the read fails. */
const MAX_ATTEMPTS = 8;

/**
 * The records behind audit index entries, in the entries' order. The indexes hold keys (and
 * a few filter attributes) only, so that each costs one write unit per record; a page pays
 * for it with this one extra round trip. Reads are strongly consistent: an entry the index
 * already shows has its record in the table, and the record must be found.
 */
export async function readAuditRecords(
  client: DynamoDBClient,
  tableName: string,
  entries: readonly Item[],
): Promise<ChainedAuditEvent[]> {
  const { events, unreadable } = await readAuditRecordsTolerantly(client, tableName, entries);
  const [first] = unreadable;
  if (first) throw new MalformedItemError(`audit record ${first.eventId}: ${first.detail}`);
  return events;
}

/** Audit records by id, with those this version cannot read set apart rather than failing the read. */
export async function readAuditRecordsTolerantly(
  client: DynamoDBClient,
  tableName: string,
  entries: readonly Item[],
): Promise<{ events: ChainedAuditEvent[]; unreadable: UnreadableRecord[] }> {
  const ids = entries.map((entry) => readString(entry, 'eventId'));
  const found = new Map<string, Item>();
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += KEYS_PER_CALL) chunks.push(ids.slice(i, i + KEYS_PER_CALL));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: KeysAndAttributes | undefined = {
        Keys: chunk.map((eventId) => ({ eventId: { S: eventId } })),
        ConsistentRead: true,
      };
      for (let attempt = 0; pending?.Keys?.length; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`audit records still unread after ${attempt} attempts`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const output: BatchGetItemCommandOutput = await client.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: pending } }),
        );
        for (const item of output.Responses?.[tableName] ?? []) found.set(readString(item, 'eventId'), item);
        pending = output.UnprocessedKeys?.[tableName];
      }
    }),
  );
  // A record deleted between the Query and this read is simply absent (verify reports the gap).
  const events: ChainedAuditEvent[] = [];
  const unreadable: UnreadableRecord[] = [];
  for (const id of ids) {
    const item = found.get(id);
    if (!item) continue;
    try {
      events.push(itemToAuditEvent(item));
    } catch (error) {
      if (!(error instanceof MalformedItemError)) throw error;
      unreadable.push({ eventId: id, detail: error.message });
    }
  }
  return { events, unreadable };
}
