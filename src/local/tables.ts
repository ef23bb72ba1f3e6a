import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  accessRequestsTableDefinition,
  activityTableDefinition,
  auditTableDefinition,
  entitlementsTableDefinition,
  idempotencyTableDefinition,
  rateLimitsTableDefinition,
  requestablesTableDefinition,
  reviewsTableDefinition,
} from '../aws/table-schema.js';

export interface TableNames {
  entitlements: string;
  audit: string;
  rateLimits: string;
  idempotency: string;
  accessRequests: string;
  requestables: string;
  activity: string;
  reviews: string;
}

/** Creates the tables if they do not exist yet (a persisted DynamoDB Local keeps them). */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  // All at once: one by one, each start (npm start, every test run's stack) waited for eight
  // round trips in a row to a JVM that is still warming up.
  await Promise.all(
    [
      entitlementsTableDefinition(names.entitlements),
      auditTableDefinition(names.audit),
      rateLimitsTableDefinition(names.rateLimits),
      idempotencyTableDefinition(names.idempotency),
      accessRequestsTableDefinition(names.accessRequests),
      requestablesTableDefinition(names.requestables),
      activityTableDefinition(names.activity),
      reviewsTableDefinition(names.reviews),
    ].map(async (definition) => {
      try {
        await client.send(new CreateTableCommand(definition));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilTableExists(
        { client, maxWaitTime: 30, minDelay: 1 },
        { TableName: definition.TableName },
      );
    }),
  );
}

/** A table's stream as DynamoDB Local names it (its own region and account), for a stream reader. */
export async function tableStreamArn(client: DynamoDBClient, table: string): Promise<string> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const arn = described.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${table} has no stream`);
  return arn;
}
