/**
 * The cold-start reference (npm run bench): the smallest Lambda a person would write for the
 * same job, hono and the same SDK clients making the same three calls (entitlement Query,
 * AssumeRole, audit PutItem), with no authentication, validation or audit chain. It is built
 * exactly as the functions are (bench/lambda-build.ts) and never deployed.
 */
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

const dynamodb = new DynamoDBClient({});
const sts = new STSClient({});
const app = new Hono();

app.post('/v1/credentials', async (c) => {
  const subject = c.req.header('x-subject') ?? 'anonymous';
  const found = await dynamodb.send(
    new QueryCommand({
      TableName: process.env.ENTITLEMENTS_TABLE,
      KeyConditionExpression: 'subject = :s',
      ExpressionAttributeValues: { ':s': { S: subject } },
    }),
  );
  const roleArn = found.Items?.[0]?.roleArn?.S;
  if (!roleArn) return c.json({ error: 'not entitled' }, 403);
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'reference' }));
  await dynamodb.send(
    new PutItemCommand({
      TableName: process.env.AUDIT_TABLE,
      Item: {
        eventId: { S: crypto.randomUUID() },
        subject: { S: subject },
        accessKeyId: { S: assumed.Credentials?.AccessKeyId ?? '' },
      },
    }),
  );
  return c.json(assumed.Credentials);
});

export const handler = handle(app);
