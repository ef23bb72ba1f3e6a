import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { QuotaLedger, QuotaWindow } from '../domain/issuance/ports.js';

/** Conditional writes one lease may make when others lease the same window at once. */
const MAX_WRITES = 3;

/**
 * The quota ledger in DynamoDB: one counter item per window, one conditional `ADD` per
 * lease (no read first). The condition keeps the count at or under the limit; when a full
 * block does not fit, the failed write returns the count (ReturnValuesOnConditionCheckFailure)
 * and the lease asks once more for what is left. Counters expire through the table's TTL a
 * minute after their window ends.
 */
export class DynamoDbQuotaLedger implements QuotaLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async lease(window: QuotaWindow, want: number): Promise<number> {
    let asking = Math.min(want, window.limit);
    for (let write = 0; write < MAX_WRITES && asking > 0; write++) {
      try {
        await this.client.send(this.update(window, asking));
        return asking;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const count = Number(error.Item?.count?.N ?? window.limit);
        asking = Math.min(asking, window.limit - count);
      }
    }
    return 0;
  }

  private update(window: QuotaWindow, tokens: number): UpdateItemCommand {
    return new UpdateItemCommand({
      TableName: this.tableName,
      Key: { bucket: { S: window.key } },
      UpdateExpression: 'ADD #count :tokens SET expiresAt = if_not_exists(expiresAt, :expires)',
      ConditionExpression: 'attribute_not_exists(#count) OR #count <= :most',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: {
        ':tokens': { N: String(tokens) },
        ':most': { N: String(window.limit - tokens) },
        ':expires': { N: String(Math.ceil(window.endsAt / 1000) + 60) },
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  }
}
