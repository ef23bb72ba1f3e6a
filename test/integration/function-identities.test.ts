import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { EncryptCommand, GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/compose/runtime.js';
import type { LocalFunction } from '../../src/local/function-identities.js';
import { functionCredentials, stack, vendingCredentials } from './support.js';

/**
 * Each function calls AWS as its own role, the role the packaged template gives it (assumed
 * through the IAM gate as Lambda assumes it): it can make the calls its code makes, and one
 * call outside its role is refused with AWS's AccessDenied.
 */

const client = <T>(Client: new (config: object) => T, credentials: Credentials, extra: object = {}): T =>
  new Client({ region: 'us-east-1', endpoint: stack().stsEndpoint, credentials, maxAttempts: 1, ...extra });
const s3 = (credentials: Credentials) => client(S3Client, credentials, { forcePathStyle: true });
const digestKey = () => `arn:aws:kms:us-east-1:111111111111:key/${stack().digestKeyId}`;

/** The refusal, as the SDK reports it: AccessDenied (query, S3) or AccessDeniedException (JSON). */
async function refused(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call was allowed').toBeInstanceOf(Error);
  return error instanceof Error ? error.name : '';
}

const assumeRevoker = (credentials: Credentials) =>
  client(STSClient, credentials).send(
    new AssumeRoleCommand({
      RoleArn: stack().revokerRoleArn,
      RoleSessionName: 'identity-test',
      DurationSeconds: 900,
    }),
  );

const table = (name: 'entitlements' | 'audit' | 'rateLimits' | 'accessRequests') => {
  const env = stack().credvendEnv;
  const tables = {
    entitlements: env.CREDVEND_ENTITLEMENTS_TABLE,
    audit: env.CREDVEND_AUDIT_TABLE,
    rateLimits: env.CREDVEND_RATE_LIMITS_TABLE,
    accessRequests: env.CREDVEND_ACCESS_REQUESTS_TABLE,
  };
  return tables[name] ?? '';
};
const dynamodb = (credentials: Credentials) =>
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint: stack().dynamodbEndpoint,
    credentials,
    maxAttempts: 1,
  });

/** One DynamoDB call outside each function's role, as the gate in front of DynamoDB Local refuses it. */
const DYNAMODB_REFUSALS: Array<
  [string, LocalFunction | 'the vending user', (client: DynamoDBClient) => Promise<unknown>]
> = [
  [
    'vend may Query entitlements, not Scan them',
    'vend',
    (c) => c.send(new ScanCommand({ TableName: table('entitlements') })),
  ],
  [
    'admin may write entitlements, not delete an audit record',
    'admin',
    (c) => c.send(new DeleteItemCommand({ TableName: table('audit'), Key: { eventId: { S: 'not-there' } } })),
  ],
  [
    'audit reads the audit table, never writes an entitlement',
    'audit',
    (c) =>
      c.send(
        new PutItemCommand({
          TableName: table('entitlements'),
          Item: { subject: { S: 'x' }, entitlementId: { S: 'x' } },
        }),
      ),
  ],
  [
    'requests may put revocation leases, not the revocation intents (dynamodb:LeadingKeys)',
    'requests',
    (c) =>
      c.send(
        new PutItemCommand({ TableName: table('rateLimits'), Item: { bucket: { S: 'revocation-intents' } } }),
      ),
  ],
  [
    'revocations may put its leases, not a caller quota (dynamodb:LeadingKeys)',
    'revocations',
    (c) =>
      c.send(
        new PutItemCommand({ TableName: table('rateLimits'), Item: { bucket: { S: 'caller|someone' } } }),
      ),
  ],
  [
    "reviews appends to the audit, never reads it (evidence is the admin function's)",
    'reviews',
    (c) => c.send(new GetItemCommand({ TableName: table('audit'), Key: { eventId: { S: 'any' } } })),
  ],
  [
    'reminders may put its notice markers, not a caller quota (dynamodb:LeadingKeys)',
    'reminders',
    (c) =>
      c.send(
        new PutItemCommand({ TableName: table('rateLimits'), Item: { bucket: { S: 'caller|someone' } } }),
      ),
  ],
  [
    'reminders reads pending requests, never writes one',
    'reminders',
    (c) =>
      c.send(
        new PutItemCommand({ TableName: table('accessRequests'), Item: { requestId: { S: 'forged' } } }),
      ),
  ],
  [
    'digest reads the audit table (and holds back TTLs: audit-export.test.ts), never puts a record',
    'digest',
    (c) => c.send(new PutItemCommand({ TableName: table('audit'), Item: { eventId: { S: 'forged' } } })),
  ],
  [
    'digest never deletes an audit record',
    'digest',
    (c) => c.send(new DeleteItemCommand({ TableName: table('audit'), Key: { eventId: { S: 'any' } } })),
  ],
  [
    'stream reads the audit stream, not the table',
    'stream',
    (c) => c.send(new GetItemCommand({ TableName: table('audit'), Key: { eventId: { S: 'x' } } })),
  ],
  [
    'rotation has no table',
    'rotation',
    (c) =>
      c.send(
        new GetItemCommand({
          TableName: table('entitlements'),
          Key: { subject: { S: 'x' }, entitlementId: { S: 'x' } },
        }),
      ),
  ],
  [
    'portal has no table',
    'portal',
    (c) =>
      c.send(
        new GetItemCommand({
          TableName: table('entitlements'),
          Key: { subject: { S: 'x' }, entitlementId: { S: 'x' } },
        }),
      ),
  ],
  [
    'the vending user has no table',
    'the vending user',
    (c) =>
      c.send(
        new QueryCommand({
          TableName: table('entitlements'),
          KeyConditionExpression: 'subject = :s',
          ExpressionAttributeValues: { ':s': { S: 'x' } },
        }),
      ),
  ],
];

describe('each function under its own role', () => {
  it('runs as a session of its own template role, named for the function', async () => {
    for (const fn of [
      'vend',
      'admin',
      'audit',
      'requests',
      'digest',
      'stream',
      'portal',
      'rotation',
      'revocations',
      'reviews',
      'reminders',
    ] as const) {
      const who = await client(STSClient, functionCredentials(fn)).send(new GetCallerIdentityCommand({}));
      const role = stack().functionRoles[fn]?.split('/').pop();
      expect(who.Arn, fn).toBe(`arn:aws:sts::111111111111:assumed-role/${role}/credvend-local-${fn}`);
    }
  });

  it('admin: assumes the target revoker role; may not sign digests', async () => {
    const admin = functionCredentials('admin');
    expect((await assumeRevoker(admin)).Credentials?.AccessKeyId).toBeTruthy();
    const kms = client(KMSClient, admin);
    expect(await refused(kms.send(new SignCommand(sign())))).toBe('AccessDeniedException');
  });

  it('requests: assumes the target revoker role (ending a grant early); may not read the digest bucket', async () => {
    const requests = functionCredentials('requests');
    expect((await assumeRevoker(requests)).Credentials?.AccessKeyId).toBeTruthy();
    expect(await refused(s3(requests).send(new ListObjectsV2Command({ Bucket: stack().digestBucket })))).toBe(
      'AccessDenied',
    );
  });

  it("audit: reads the digests and the key's public half; may not sign, nor assume the revoker", async () => {
    const audit = functionCredentials('audit');
    await s3(audit).send(new ListObjectsV2Command({ Bucket: stack().digestBucket }));
    expect(
      (await client(KMSClient, audit).send(new GetPublicKeyCommand({ KeyId: digestKey() }))).PublicKey,
    ).toBeTruthy();
    expect(await refused(client(KMSClient, audit).send(new SignCommand(sign())))).toBe(
      'AccessDeniedException',
    );
    expect(await refused(assumeRevoker(audit))).toBe('AccessDenied');
  });

  it("digest: signs with the digest key and lists its bucket; may not list the account's buckets", async () => {
    const digest = functionCredentials('digest');
    expect((await client(KMSClient, digest).send(new SignCommand(sign()))).Signature).toBeTruthy();
    await s3(digest).send(new ListObjectsV2Command({ Bucket: stack().digestBucket }));
    expect(await refused(s3(digest).send(new ListBucketsCommand({})))).toBe('AccessDenied');
  });

  it('stream: publishes to the default event bus; may not sign digests', async () => {
    const stream = functionCredentials('stream');
    const put = await client(EventBridgeClient, stream).send(
      new PutEventsCommand({
        Entries: [{ Source: 'credvend.identity-test', DetailType: 'test', Detail: '{}' }],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    expect(await refused(client(KMSClient, stream).send(new SignCommand(sign())))).toBe(
      'AccessDeniedException',
    );
  });

  it("rotation: manages the vending user's keys, nobody else's", async () => {
    const iam = client(IAMClient, functionCredentials('rotation'));
    await iam.send(new ListAccessKeysCommand({ UserName: 'credvend' }));
    expect(await refused(iam.send(new ListAccessKeysCommand({ UserName: 'credvend-operator' })))).toBe(
      'AccessDenied',
    );
  });

  it('revocations (the sweep): assumes the target revoker role; may not sign digests', async () => {
    const sweep = functionCredentials('revocations');
    expect((await assumeRevoker(sweep)).Credentials?.AccessKeyId).toBeTruthy();
    expect(await refused(client(KMSClient, sweep).send(new SignCommand(sign())))).toBe(
      'AccessDeniedException',
    );
  });

  it("the digest key's policy is the template's: the account delegates only the listed actions, whatever an identity policy says", async () => {
    const operator = client(KMSClient, stack().operator);
    const encrypt = operator.send(
      new EncryptCommand({ KeyId: digestKey(), Plaintext: new TextEncoder().encode('x') }),
    );
    expect(await refused(encrypt)).toBe('AccessDeniedException');
    expect((await operator.send(new GetPublicKeyCommand({ KeyId: digestKey() }))).PublicKey).toBeTruthy();
  });

  it('portal: makes no AWS call, and may make none', async () => {
    expect(await refused(s3(functionCredentials('portal')).send(new ListBucketsCommand({})))).toBe(
      'AccessDenied',
    );
  });

  it("vend (vendingIdentity=user): its role reads the vending key's secret and assumes no role itself", async () => {
    const vend = functionCredentials('vend');
    const secrets = client(SecretsManagerClient, vend);
    const key = await secrets.send(new GetSecretValueCommand({ SecretId: stack().vendingKeySecretArn }));
    expect(JSON.parse(key.SecretString ?? '{}')).toHaveProperty('AccessKeyId', stack().vendingAccessKeyId);
    expect(await refused(client(STSClient, vend).send(new AssumeRoleCommand(assumeReadonly())))).toBe(
      'AccessDenied',
    );
    expect(await refused(s3(vend).send(new ListBucketsCommand({})))).toBe('AccessDenied');
  });

  it('the vending user: assumes target roles, never the revoker, and nothing else', async () => {
    const user = vendingCredentials();
    expect(
      (await client(STSClient, user).send(new AssumeRoleCommand(assumeReadonly()))).Credentials,
    ).toBeTruthy();
    expect(await refused(assumeRevoker(user))).toBe('AccessDenied');
    expect(await refused(s3(user).send(new ListBucketsCommand({})))).toBe('AccessDenied');
  });
});

describe('DynamoDB, behind the same gate', () => {
  it.each(DYNAMODB_REFUSALS)('%s', async (_name, who, command) => {
    const credentials = who === 'the vending user' ? vendingCredentials() : functionCredentials(who);
    const client = dynamodb(credentials);
    const error = await command(client).then(
      () => undefined,
      (e: unknown) => e,
    );
    client.destroy();
    expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  });

  it('allows what the role grants: revocations puts its lease (dynamodb:LeadingKeys matches)', async () => {
    const client = dynamodb(functionCredentials('revocations'));
    const bucket = `revocation-lease|arn:aws:iam::222222222222:role/identity-test-${Date.now()}`;
    await client.send(
      new PutItemCommand({ TableName: table('rateLimits'), Item: { bucket: { S: bucket } } }),
    );
    client.destroy();
  });
});

function assumeReadonly() {
  return {
    RoleArn: stack().roles.readonly,
    RoleSessionName: 'identity-test',
    SourceIdentity: 'identity-test',
    Tags: [{ Key: 'credvend-caller', Value: 'identity-test' }],
    DurationSeconds: 900,
  };
}

function sign() {
  return {
    KeyId: digestKey(),
    Message: new TextEncoder().encode('identity test'),
    SigningAlgorithm: 'ECDSA_SHA_256' as const,
  };
}
