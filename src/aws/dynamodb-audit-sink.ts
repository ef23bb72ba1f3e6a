import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { AuditRecordSink } from '../domain/audit/chain.js';
import { auditEventToItem } from './audit-items.js';

/** Appends audit records; the condition makes the table append-only from this code's side. */
export class DynamoDbAuditSink implements AuditRecordSink {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putNew(record: ChainedAuditEvent): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: auditEventToItem(record),
        ConditionExpression: 'attribute_not_exists(eventId)',
      }),
    );
  }
}
