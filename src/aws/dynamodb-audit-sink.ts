import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { AuditRecordSink } from '../domain/audit/chain.js';
import { type AuditRetention, auditEventToItem } from './audit-items.js';

/** Appends audit records; the condition makes the table append-only from this code's side. */
export class DynamoDbAuditSink implements AuditRecordSink {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** Without one, records never expire (no export to keep them: config.ts). */
    private readonly retention?: AuditRetention,
  ) {}

  async putNew(record: ChainedAuditEvent): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: auditEventToItem(record, this.retention),
        ConditionExpression: 'attribute_not_exists(eventId)',
      }),
    );
  }
}
