import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateAuditRecords } from '../../src/aws/audit-migration.js';
import { DynamoDbAuditReader } from '../../src/aws/dynamodb-audit-reader.js';
import { auditTableDefinition } from '../../src/aws/table-schema.js';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import { AUDIT_FIELDS } from '../../src/domain/audit/fields.js';
import { chainBreaks } from '../../src/domain/audit/verify.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { everyKindOfEvent, stamp } from '../fixtures/audit-records.js';
import { dynamodb } from './support.js';

/**
 * A record as the layout before issue 25 stored it, written out here rather than by the code
 * under test: every field under its own name, `outcomeShard` for the retired time index.
 */
function legacyItem(record: ChainedAuditEvent): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { outcomeShard: { S: `${record.outcome}#0` } };
  for (const [name] of AUDIT_FIELDS) {
    const value = record[name];
    if (value === undefined || value === '') continue;
    if (typeof value === 'number') item[name] = { N: String(value) };
    else if (typeof value === 'string') item[name] = { S: value };
    else item[name] = { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, { S: v }])) };
  }
  return item;
}

describe('credvend-migrate-audit: records written before the lean layout', () => {
  const client = dynamodb();
  const table = `audit-migration-${Date.now()}`;
  const written: ChainedAuditEvent[] = [];

  beforeAll(async () => {
    await client.send(new CreateTableCommand(auditTableDefinition(table)));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
    const log = new ChainedAuditLog({ putNew: async (record) => void written.push(record) }, () =>
      newEventId(),
    );
    for (const event of stamp(everyKindOfEvent(), new Date(Date.now() - 60_000))) await log.append(event);
    for (const record of written)
      await client.send(new PutItemCommand({ TableName: table, Item: legacyItem(record) }));
  });
  afterAll(async () => client.send(new DeleteTableCommand({ TableName: table })));

  it('are found by every reader after it, unchanged and verifiable; a second run changes nothing', async () => {
    const reader = new DynamoDbAuditReader(client, table);
    const issuance = written.find((r) => r.action === 'credentials.issue' && r.accessKeyId && r.roleArn);
    if (!issuance?.accessKeyId || !issuance.roleArn) throw new Error('fixture has no issuance');
    // Before: the byTime index knows none of them.
    expect(await reader.byAccessKey(issuance.accessKeyId)).toEqual([]);

    const report = await migrateAuditRecords(client, table);
    expect(report).toMatchObject({ migrated: written.length, unreadable: [] });

    expect(await reader.byAccessKey(issuance.accessKeyId)).toContainEqual(issuance);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date().toISOString();
    const byRole = await reader.page({
      filter: { by: 'roleArn', value: issuance.roleArn },
      from,
      to,
      limit: 100,
    });
    expect(byRole.events).toContainEqual(issuance);
    const byPrincipal = await reader.page({
      filter: { by: 'principal', value: issuance.principal },
      from,
      to,
      limit: 100,
    });
    expect(byPrincipal.events).toContainEqual(issuance);
    const [chainId] = await reader.chainsBetween(from, to);
    const chain = await reader.chain(chainId ?? '');
    expect(chain).toEqual(written);
    expect(chainBreaks(chain)).toEqual([]);

    expect(await migrateAuditRecords(client, table)).toMatchObject({ migrated: 0 });
  });
});
