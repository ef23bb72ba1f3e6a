import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  paginateScan,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { MalformedItemError } from './attribute-values.js';
import { itemToAuditEvent, SHORT_NAMES } from './audit-items.js';
import { timeShardOf } from './audit-shards.js';

export interface MigrationReport {
  scanned: number;
  /** Records given their byTime attributes by this run. */
  migrated: number;
  /** Records this version cannot read, left as they are (verify names them). */
  unreadable: Array<{ eventId: string; detail: string }>;
}

/**
 * Gives each audit record written before the lean layout the attributes `byTime` is keyed on
 * and projects (`ts`, `p`, `a`, `r`, `k`, `c`), so every reader finds it there. Nothing else
 * of the item changes: its fields, its hash and the retired indexes' entries stay, so a
 * version before this one still reads it. Idempotent (a record that has `ts` is skipped, and
 * each update is conditional on it), so run it before the deploy, and again after it for the
 * records written in between.
 */
export async function migrateAuditRecords(
  client: DynamoDBClient,
  tableName: string,
): Promise<MigrationReport> {
  const report: MigrationReport = { scanned: 0, migrated: 0, unreadable: [] };
  const pages = paginateScan(
    { client },
    { TableName: tableName, FilterExpression: 'attribute_not_exists(ts)', ConsistentRead: true },
  );
  for await (const page of pages) {
    report.scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      const eventId = item.eventId?.S ?? '(no id)';
      let record: ReturnType<typeof itemToAuditEvent>;
      try {
        record = itemToAuditEvent(item);
      } catch (error) {
        if (!(error instanceof MalformedItemError)) throw error;
        report.unreadable.push({ eventId, detail: error.message });
        continue;
      }
      const set: Record<string, string> = {
        ts: timeShardOf(record),
        [SHORT_NAMES.principal]: record.principal,
      };
      set[SHORT_NAMES.chainId] = record.chainId;
      if (record.accountId) set[SHORT_NAMES.accountId] = record.accountId;
      if (record.roleArn) set[SHORT_NAMES.roleArn] = record.roleArn;
      if (record.accessKeyId) set[SHORT_NAMES.accessKeyId] = record.accessKeyId;
      const names = Object.keys(set);
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { eventId: { S: record.eventId } },
            UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
            ConditionExpression: 'attribute_exists(eventId) AND attribute_not_exists(ts)',
            ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
            ExpressionAttributeValues: Object.fromEntries(
              names.map((name, i) => [`:v${i}`, { S: set[name] ?? '' }]),
            ),
          }),
        );
        report.migrated++;
      } catch (error) {
        // Migrated meanwhile by a concurrent run: nothing left to do for it.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }
  return report;
}
