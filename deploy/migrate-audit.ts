/**
 * `npm run migrate:audit -- --table credvend-<stage>-audit [--region <region>]`: gives audit
 * records written before the lean layout their byTime attributes (docs/operations/upgrades.md).
 * Runs with the operator's AWS credentials from the environment, as the AWS CLI does.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { migrateAuditRecords } from '../src/aws/audit-migration.js';

const { values } = parseArgs({ options: { table: { type: 'string' }, region: { type: 'string' } } });
if (!values.table) {
  console.error('usage: npm run migrate:audit -- --table <audit table name> [--region <region>]');
  process.exit(2);
}
const client = new DynamoDBClient(values.region ? { region: values.region } : {});
const report = await migrateAuditRecords(client, values.table);
console.log(`${report.scanned} items scanned, ${report.migrated} records migrated`);
for (const { eventId, detail } of report.unreadable)
  console.log(`unreadable, left as it is: ${eventId}: ${detail}`);
