import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { type AuditTable, auditEventToItem } from './audit-items.js';

/**
 * Writes `changes` and the audit record of them in one transaction: both land or neither.
 * The first change carries the version condition; when it fails, the item changed since it
 * was read, and `stale` names that for the caller (a conflict to read again, or a retry).
 * The record gets the table's TTL like any other, so the hot window covers admin changes too.
 */
export async function writeAudited(
  client: DynamoDBClient,
  changes: readonly TransactWriteItem[],
  audit: { table: AuditTable; record: ChainedAuditEvent },
  stale: (cause: Error) => Error,
): Promise<void> {
  const record: TransactWriteItem = {
    Put: {
      TableName: audit.table.name,
      Item: auditEventToItem(audit.record, audit.table.retention),
      ConditionExpression: 'attribute_not_exists(eventId)',
    },
  };
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [...changes, record] }));
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
    ) {
      throw stale(error);
    }
    throw error;
  }
}
