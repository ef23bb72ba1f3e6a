import { createServer, type Server } from 'node:net';
import { DescribeTableCommand, DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStackError } from '../../src/local/errors.js';
import { assertCommandAvailable, assertPortFree, findFreePort } from '../../src/local/preflight.js';
import { type LocalStack, startLocalStack } from '../../src/local/stack.js';

/**
 * The local stack on its own free ports (not the shared one from global-setup): these tests
 * check the stack itself — tables, seeding, what moto enforces once the seed window closes.
 */
const host = '127.0.0.1';
let stack: LocalStack;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const sts = (credentials: Credentials) =>
  new STSClient({ region: 'us-east-1', endpoint: stack.stsEndpoint, credentials, maxAttempts: 1 });

const vending = (): Credentials => ({
  accessKeyId: stack.seed.vendingAccessKeyId,
  secretAccessKey: stack.seed.vendingSecretAccessKey,
});

/** Key schema as "attr HASH, attr RANGE": one comparable string per table or index. */
function keys(schema: TableDescription['KeySchema']): string {
  return (schema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ');
}

function indexes(table: TableDescription | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const index of table?.GlobalSecondaryIndexes ?? []) {
    const projected = index.Projection?.NonKeyAttributes?.join(', ');
    result[index.IndexName ?? ''] =
      `${keys(index.KeySchema)} / ${index.Projection?.ProjectionType}${projected ? ` (${projected})` : ''}`;
  }
  return result;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

beforeAll(async () => {
  stack = await startLocalStack({
    host,
    dynamodbPort: await findFreePort(host),
    motoPort: await findFreePort(host),
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('local stack', () => {
  it('creates the tables with the keys and indexes the repositories rely on', async () => {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.dynamodbEndpoint,
      credentials: stack.operator,
    });
    try {
      const entitlements = (
        await client.send(new DescribeTableCommand({ TableName: stack.tableNames.entitlements }))
      ).Table;
      const audit = (await client.send(new DescribeTableCommand({ TableName: stack.tableNames.audit })))
        .Table;

      // Written out literally, not derived from table-schema.ts: this is the contract it must keep.
      expect(entitlements?.TableStatus).toBe('ACTIVE');
      expect(entitlements?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(keys(entitlements?.KeySchema)).toBe('subject HASH, entitlementId RANGE');
      expect(indexes(entitlements)).toEqual({});

      expect(audit?.TableStatus).toBe('ACTIVE');
      expect(audit?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(keys(audit?.KeySchema)).toBe('eventId HASH');
      expect(indexes(audit)).toEqual({
        byPrincipal: 'principal HASH, time RANGE / KEYS_ONLY',
        byAccount: 'accountId HASH, time RANGE / KEYS_ONLY',
        byRole: 'roleArn HASH, time RANGE / INCLUDE (action, sourceIdentity)',
        byOutcomeShard: 'outcomeShard HASH, time RANGE / INCLUDE (chainId, seq, hash)',
        byAccessKey: 'accessKeyId HASH / KEYS_ONLY',
        byChain: 'chainId HASH, seq RANGE / KEYS_ONLY',
        byAccessRequest: 'accessRequestId HASH, time RANGE / INCLUDE (action, outcome)',
        byTime: 'ts HASH, time RANGE / INCLUDE (p, a, r, k, c, seq, hash, action, outcome)',
      });
      const seq = audit?.AttributeDefinitions?.find((a) => a.AttributeName === 'seq');
      expect(seq?.AttributeType).toBe('N');

      const requests = (
        await client.send(new DescribeTableCommand({ TableName: stack.tableNames.accessRequests }))
      ).Table;
      expect(keys(requests?.KeySchema)).toBe('requestId HASH');
      expect(indexes(requests)).toEqual({
        byRequester: 'requester HASH, createdAt RANGE / ALL',
        byPending: 'pending HASH, createdAt RANGE / ALL',
        byReviewDue: 'reviewDue HASH, createdAt RANGE / ALL',
      });
      const requestables = (
        await client.send(new DescribeTableCommand({ TableName: stack.tableNames.requestables }))
      ).Table;
      expect(keys(requestables?.KeySchema)).toBe('requestableId HASH');
    } finally {
      client.destroy();
    }
  });

  it('refuses a key the IAM gate never saw issued', async () => {
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: stack.stsEndpoint,
      credentials: { accessKeyId: 'seed', secretAccessKey: 'seed' },
      maxAttempts: 1,
    });
    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    // DynamoDB Local sits behind the gate too: it would answer any key.
    const dynamodb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.dynamodbEndpoint,
      credentials: { accessKeyId: 'seed', secretAccessKey: 'seed' },
      maxAttempts: 1,
    });
    await expect(
      dynamodb.send(new DescribeTableCommand({ TableName: stack.tableNames.audit })),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    dynamodb.destroy();
  });

  it('lets the vending user assume credvend-readonly with session tags and a SourceIdentity', async () => {
    const assumed = await sts(vending()).send(
      new AssumeRoleCommand({
        RoleArn: stack.seed.roles.readonly,
        RoleSessionName: 'alice',
        DurationSeconds: 900,
        SourceIdentity: 'alice@example.com',
        Tags: [
          { Key: 'credvend-subject', Value: 'alice@example.com' },
          { Key: 'credvend-caller', Value: 'alice' },
        ],
        TransitiveTagKeys: ['credvend-subject'],
      }),
    );
    const roleSession = 'arn:aws:sts::222222222222:assumed-role/credvend-readonly/alice';
    expect(assumed.AssumedRoleUser?.Arn).toBe(roleSession);
    const credentials: Credentials = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    };
    expect(credentials.accessKeyId).toMatch(/^ASIA/);

    // The vended credentials are the role session, in the target account...
    const identity = await sts(credentials).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Arn: roleSession, Account: '222222222222' });
    // ...and get exactly the role's permissions: read the demo bucket, not write to it.
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: stack.stsEndpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.seed.bucket, Key: 'hello.txt' }));
    expect(await object.Body?.transformToString()).toContain('vended credentials');
    await expect(
      s3.send(new PutObjectCommand({ Bucket: stack.seed.bucket, Key: 'nope.txt', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it("denies AssumeRole on a role outside the vending user's identity policy", async () => {
    await expect(
      sts(vending()).send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/other', RoleSessionName: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  // moto alone skipped a cross-account role's trust policy; the IAM gate judges it, as AWS does.
  it('refuses credvend-deploy without the ExternalId its trust policy requires, and allows it with it', async () => {
    await expect(
      sts(vending()).send(
        new AssumeRoleCommand({
          RoleArn: stack.seed.roles.deploy,
          RoleSessionName: 'no-external-id',
          SourceIdentity: 'no-external-id',
          Tags: [{ Key: 'credvend-caller', Value: 'test' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const assumed = await sts(vending()).send(
      new AssumeRoleCommand({
        RoleArn: stack.seed.roles.deploy,
        RoleSessionName: 'with-external-id',
        ExternalId: stack.seed.externalId,
        SourceIdentity: 'with-external-id',
        Tags: [{ Key: 'credvend-caller', Value: 'test' }],
      }),
    );
    expect(assumed.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::222222222222:assumed-role/credvend-deploy/with-external-id',
    );
  });

  it('rejects a request signed with the wrong secret', async () => {
    // Another last character, whatever the real one is (a secret ending in X once made this pass a valid key).
    const secret = vending().secretAccessKey;
    const forged = {
      ...vending(),
      secretAccessKey: `${secret.slice(0, -1)}${secret.endsWith('X') ? 'Y' : 'X'}`,
    };
    await expect(
      sts(forged).send(
        new AssumeRoleCommand({ RoleArn: stack.seed.roles.readonly, RoleSessionName: 'forged' }),
      ),
    ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });
});

describe('preflight', () => {
  it('names the variable that moves a taken port, in one line, before starting anything', async () => {
    const port = await findFreePort(host);
    const squatter = await listen(port);
    try {
      const message = `port ${port} on ${host} is already in use (set CREDVEND_DYNAMODB_PORT to use another)`;
      const direct = assertPortFree(host, port, 'CREDVEND_DYNAMODB_PORT');
      await expect(direct).rejects.toBeInstanceOf(LocalStackError);
      await expect(direct).rejects.toThrow(message);

      const started = startLocalStack({ host, dynamodbPort: port, motoPort: await findFreePort(host) });
      await expect(started).rejects.toThrow(message);
      await expect(started).rejects.toSatisfy((error: Error) => !error.message.includes('\n'));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('says what to install when a command is missing', () => {
    expect(() => assertCommandAvailable('credvend-no-such-command', 'install it with pip install x')).toThrow(
      new LocalStackError('credvend-no-such-command not found: install it with pip install x'),
    );
    // Looked up on PATH, not run: a command that is there passes.
    expect(() => assertCommandAvailable('sh', 'install a shell')).not.toThrow();
  });
});
