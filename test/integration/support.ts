import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  paginateQuery,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { inject } from 'vitest';
import { itemToAuditEvent, packedFields, SHORT_NAMES } from '../../src/aws/audit-items.js';
import { allSegments, principalSegments } from '../../src/aws/audit-shards.js';
import { DynamoDbAuditReader } from '../../src/aws/dynamodb-audit-reader.js';
import { readAuditRecords } from '../../src/aws/dynamodb-audit-records.js';
import { AUDIT_INDEX, auditTableDefinition } from '../../src/aws/table-schema.js';
import { compose } from '../../src/compose/composition.js';
import { createDigestJob } from '../../src/compose/digest.js';
import { createFunctions } from '../../src/compose/functions.js';
import type { Credentials, Runtime } from '../../src/compose/runtime.js';
import { loadConfig } from '../../src/config.js';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import type { SignedDigest } from '../../src/domain/audit/digest.js';
import { NOTHING_REVOKED, REVOCATION_POLICY_PATH } from '../../src/domain/revocation/revocation.js';
import type { Clock } from '../../src/domain/shared/clock.js';
import { mapLimited } from '../../src/domain/shared/map-limited.js';
import { packagedTemplate } from '../../src/local/cloudformation/packaged-template.js';
import { functionIdentities } from '../../src/local/environment.js';
import { type LocalFunction, lambdaIdentities } from '../../src/local/function-identities.js';
import { streamArnIn } from '../../src/local/iam-gate/operations-json.js';
import { requestDevToken } from '../../src/local/idp/dev-token-client.js';
import { dropListPrefix } from '../../src/local/moto-s3.js';
import {
  deployAgain,
  LOCAL_DEPLOY_PARAMS,
  LOCAL_SECRET_ARN,
  LOCAL_STAGE,
  type SecondDeployment,
  VENDING_ACCOUNT,
} from '../../src/local/seed-aws.js';
import type { LocalSecretPurpose } from '../../src/local/seed-secrets.js';
import { tableStreamArn } from '../../src/local/tables.js';
import type { StackInfo } from './global-setup.js';
import { checkedApp } from './openapi-responses.js';

export function stack(): StackInfo {
  return inject('stack');
}

/**
 * A secret's value as a deployer stores it (never in credvend's configuration), by the operator;
 * its ARN. Readable: the value of the local secret the local template names for `purpose`
 * (src/local/seed-secrets.ts), written in place, so the functions whose roles the template lets
 * read it may read it, and no other. The stack's own idempotency and cursor secrets are not
 * written: the shared API uses them. `readable: false` creates a secret outside what the
 * template names, which no function's role may read.
 */
export async function putSecret(
  purpose: LocalSecretPurpose,
  value: string,
  options = { readable: true },
): Promise<string> {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: stack().operator,
  });
  try {
    if (!options.readable) {
      const created = await client.send(
        new CreateSecretCommand({
          Name: `elsewhere/test-${randomUUID().slice(0, 8)}-${purpose}`,
          SecretString: value,
        }),
      );
      if (!created.ARN) throw new Error('moto created no secret');
      return created.ARN;
    }
    if (purpose === 'idempotency' || purpose === 'cursor')
      throw new Error(`the local ${purpose} secret is the shared stack's own: write another purpose's`);
    const arn = stack().deployment.secretArns[LOCAL_SECRET_ARN(purpose)];
    if (!arn) throw new Error(`the local template names no ${purpose} secret (LOCAL_DEPLOY_PARAMS)`);
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
    return arn;
  } finally {
    client.destroy();
  }
}

export function vendingCredentials(): { accessKeyId: string; secretAccessKey: string } {
  const s = stack();
  return { accessKeyId: s.vendingAccessKeyId, secretAccessKey: s.vendingSecretAccessKey };
}

let identities: ((fn: LocalFunction) => AwsCredentialIdentityProvider) | undefined;

/**
 * A function's own credentials, as the local stack gives them: its role's session (assumed
 * once per test process through the IAM gate, as Lambda assumes it).
 */
export function functionCredentials(fn: LocalFunction): Credentials {
  identities ??= functionIdentities(stack());
  return identities(fn);
}

export type Identities = (fn: LocalFunction) => Credentials;

/**
 * Each function's credentials under its role in a second deployment of the packaged template
 * (deployAgain): the roles are the template's, granted what `second` names instead of the
 * shared stack's resources.
 */
export async function identitiesOfSecondDeployment(
  second: Omit<SecondDeployment, 'suffix'>,
): Promise<Identities> {
  const roleArns = await deployAgain(
    stack().stsEndpoint,
    stack().operator,
    await packagedTemplate(LOCAL_STAGE, LOCAL_DEPLOY_PARAMS),
    stack().deployment,
    { ...second, suffix: randomUUID().slice(0, 8) },
  );
  const identities = lambdaIdentities({
    endpoint: stack().stsEndpoint,
    region: 'us-east-1',
    lambdaService: stack().lambdaService,
    roleArns,
    stage: LOCAL_STAGE,
  });
  // The apps wire every function; one this deployment has no role for fails only if it calls AWS.
  return (fn) =>
    identities[fn] ??
    (() => Promise.reject(new Error(`the second deployment has no role for the ${fn} function`)));
}

/**
 * The template's roles of `functions` for a stack whose audit table (and its stream) is `table`;
 * with `digestBucket`, that stack's own digest bucket too (its digest role alone may write it),
 * created unless `digestBucketExists` (a stack whose audit table was restored keeps its bucket).
 */
export async function identitiesOnAuditTable(
  table: string,
  functions: LocalFunction[],
  options: { digestBucket?: string; digestBucketExists?: boolean } = {},
): Promise<Identities> {
  const client = dynamodb();
  const localStream = await tableStreamArn(client, table).finally(() => client.destroy());
  const existing = options.digestBucketExists && options.digestBucket;
  return identitiesOfSecondDeployment({
    physicalIds: { AuditTable: table, ...(existing ? { DigestBucket: existing } : {}) },
    attributes: {
      'AuditTable.StreamArn': streamArnIn({ region: 'us-east-1', account: VENDING_ACCOUNT }, localStream),
    },
    functions,
    ...(options.digestBucket && !existing ? { digestBucket: options.digestBucket } : {}),
  });
}

/** The audit side of a second stack: its own audit table and digest bucket, and the template's roles for them. */
export interface AuditStack {
  table: string;
  bucket: string;
  /** The digest prefix its configuration names. */
  prefix: string;
  /** DynamoDB as the operator: the test's own fixtures and reads. */
  client: DynamoDBClient;
  identities: Identities;
  /** The stack's configuration pointing at the table and bucket (digests settle at once). */
  config: Record<string, string>;
  /** The scheduled digest job under this stack's digest role, on `clock` if given. */
  digestJob(clock?: Clock): () => Promise<SignedDigest | undefined>;
}

/**
 * A new audit table (`credvend-audit-<name>-<id>`) and digest bucket (its template bucket
 * policy lets only this stack's digest role write), with the template's roles of `functions`
 * deployed for them; `env` adds to (or overrides) the configuration.
 */
export async function newAuditStack(
  name: string,
  options: { functions?: LocalFunction[]; env?: Record<string, string> } = {},
): Promise<AuditStack> {
  const id = randomUUID().slice(0, 8);
  const table = `credvend-audit-${name}-${id}`;
  const bucket = `credvend-digests-${name}-${id}`;
  const client = dynamodb();
  await client.send(new CreateTableCommand(auditTableDefinition(table)));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
  const identities = await identitiesOnAuditTable(table, options.functions ?? ['digest', 'audit'], {
    digestBucket: bucket,
  });
  const config = {
    ...stack().credvendEnv,
    CREDVEND_AUDIT_TABLE: table,
    CREDVEND_DIGEST_BUCKET: bucket,
    CREDVEND_DIGEST_PREFIX: `${name}-${id}/`,
    CREDVEND_DIGEST_SETTLE_SECONDS: '0',
    ...options.env,
  };
  const runtime: Runtime = {
    kind: 'node',
    sourceIp: () => undefined,
    credentials: identities('digest'),
    adjustS3: dropListPrefix,
  };
  return {
    table,
    bucket,
    prefix: config.CREDVEND_DIGEST_PREFIX,
    client,
    identities,
    config,
    digestJob: (clock) => createDigestJob(compose(loadConfig(config), runtime), clock),
  };
}

/** A token from the stack's real IdP (oidc-provider, dev-token grant), fetched over HTTP as the CLI does. */
export function devToken(
  sub: string,
  extra: { ttlSeconds?: number; email?: string; groups?: readonly string[] } = {},
): Promise<string> {
  return requestDevToken({ issuer: stack().issuer, sub, ...extra });
}

/** DynamoDB through the IAM gate as the operator: a test's own fixtures and reads, never a function's. */
export function dynamodb(): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: stack().dynamodbEndpoint,
    credentials: stack().operator,
  });
}

/** Every audit record, read raw: tests look for secrets in the stored items themselves. */
export async function scanAuditItems(client: DynamoDBClient): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: stack().credvendEnv.CREDVEND_AUDIT_TABLE, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every audit item as text, packed fields inflated: what a search of the table's contents finds. */
export async function auditItemsText(client: DynamoDBClient): Promise<string> {
  const items = await scanAuditItems(client);
  return JSON.stringify(items.map((item) => ({ ...item, z: packedFields(item) })));
}

export async function auditEvents(client: DynamoDBClient): Promise<ChainedAuditEvent[]> {
  const items = await scanAuditItems(client);
  return items.map(itemToAuditEvent);
}

export function auditTable(): string {
  const table = stack().credvendEnv.CREDVEND_AUDIT_TABLE;
  if (!table) throw new Error('the stack names no audit table');
  return table;
}

/** The audit table through the production reader: every lookup is a GetItem or an index Query. */
function auditReader(client: DynamoDBClient = dynamodb()): DynamoDbAuditReader {
  return new DynamoDbAuditReader(client, auditTable());
}

/** One audit record by its event id (GetItem). */
export function auditRecord(eventId: string): Promise<ChainedAuditEvent | undefined> {
  return auditReader().get(eventId);
}

/** The records one index partition holds from a day ago on, oldest first, every page read. */
async function auditPartition(
  filter: { by: 'principal' | 'accessRequestId' | 'outcome'; value: string },
  client?: DynamoDBClient,
  sinceMs = 86_400_000,
): Promise<ChainedAuditEvent[]> {
  const reader = auditReader(client);
  const from = new Date(Date.now() - sinceMs).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const events: ChainedAuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.page({ filter, from, to, limit: 100, ...(cursor ? { cursor } : {}) });
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return events.reverse();
}

/** Oldest first, as the API's pages read backwards. */
const oldestFirst = (events: ChainedAuditEvent[]) =>
  events.sort((a, b) => a.time.localeCompare(b.time) || a.eventId.localeCompare(b.eventId));

/**
 * A principal's audit records of the last day, oldest first: its row of the time index, index
 * entries filtered on the principal, then its records read by key (the demo callers have
 * thousands by the end of a run: the API's pages of 100 took eight Queries or more each).
 */
export async function auditOfPrincipal(principal: string): Promise<ChainedAuditEvent[]> {
  return oldestFirst(await auditSince(new Date(Date.now() - 86_400_000), { principal }));
}

/** Longer than any request runs (API Gateway gives up after 29 s): one request's records lie this close. */
const REQUEST_SPAN_MS = 60_000;

/**
 * What one API request, made just now, recorded: its caller's records of the last ten minutes
 * carrying its request id, oldest first (the demo callers have thousands of records by the end
 * of a run). The caller's last two minutes are read first: when the newest record found is a
 * request span inside them, every record of the request is too, and the ten minutes are not read.
 */
export async function auditOfRequest(principal: string, requestId: string): Promise<ChainedAuditEvent[]> {
  const now = Date.now();
  const ofRequest = async (sinceMs: number) =>
    oldestFirst(
      (await auditSince(new Date(now - sinceMs), { principal })).filter((e) => e.requestId === requestId),
    );
  const recent = await ofRequest(2 * REQUEST_SPAN_MS);
  const newest = recent.at(-1);
  if (newest && Date.parse(newest.time) - REQUEST_SPAN_MS >= now - 2 * REQUEST_SPAN_MS) return recent;
  return ofRequest(600_000);
}

/** The records about one access request (Query on the by-access-request index). */
export function auditOfAccessRequest(id: string): Promise<ChainedAuditEvent[]> {
  return auditPartition({ by: 'accessRequestId', value: id });
}

/**
 * The vend app wired exactly as `npm start` wires it, in this process, against the real
 * stack; `overrides` swaps configuration (for example an audit table that does not exist).
 */
export function vendApp(overrides: Record<string, string> = {}, identities?: Identities) {
  return checkedApp(functionsFor(overrides, '198.51.100.7', identities).vend);
}

/**
 * The Node runtime as the local server has it for `fn`, with a fixed caller address for audit
 * checks; under the shared stack's role for `fn` unless `identities` gives another.
 */
export function testRuntime(
  sourceIp: string,
  fn: LocalFunction,
  identities: Identities = functionCredentials,
): Runtime {
  return {
    kind: 'node',
    sourceIp: () => sourceIp,
    credentials: identities(fn),
    adjustS3: dropListPrefix,
  };
}

function functionsFor(overrides: Record<string, string>, sourceIp: string, identities?: Identities) {
  return createFunctions(loadConfig({ ...stack().credvendEnv, ...overrides }), (fn) =>
    testRuntime(sourceIp, fn, identities),
  );
}

/** The audit app wired as in production, against the real stack. */
export function auditApp(overrides: Record<string, string> = {}, identities?: Identities) {
  return checkedApp(functionsFor(overrides, '198.51.100.8', identities).audit);
}

/**
 * The environment for running the real AWS CLI or credvend CLI as a user would: no ambient
 * AWS credentials, an AWS config file of the test's own, and the stack's API and a token.
 */
export function userEnvironment(dir: string, token: string): NodeJS.ProcessEnv {
  const {
    AWS_ACCESS_KEY_ID: _a,
    AWS_SECRET_ACCESS_KEY: _s,
    AWS_SESSION_TOKEN: _t,
    AWS_PROFILE: _p,
    ...rest
  } = process.env;
  return {
    ...rest,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    CREDVEND_API_URL: stack().apiUrl,
    CREDVEND_TOKEN: token,
    // A developer's `npm test` has a terminal: an expired sign-in must fail, not prompt there.
    CREDVEND_TERMINAL_PROMPT: '0',
  };
}

/**
 * A caller's standing entitlement ids, sorted. Grants that the JIT and portal tests leave
 * on the shared stack (`grant-<request id>`) are that caller's too, but not what these tests check.
 */
export function standingIds(ids: readonly string[]): string[] {
  return ids.filter((id) => !id.startsWith('grant-')).sort();
}

export function oidcPrincipal(sub: string): string {
  return `${stack().issuer}#${sub}`;
}

/** The admin app wired as in production, against the real stack. */
export function adminApp(overrides: Record<string, string> = {}) {
  return checkedApp(functionsFor(overrides, '198.51.100.9').admin);
}

/**
 * Tests that revoke share the demo roles with later files, so they put the role's revocation
 * policies back to a no-op afterwards, through the revoker role as the admin function assumes it.
 */
export async function clearRevocations(roleArn: string): Promise<void> {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: functionCredentials('admin'),
  });
  const assumed = await sts.send(
    new AssumeRoleCommand({
      RoleArn: stack().revokerRoleArn,
      RoleSessionName: 'test-cleanup',
      DurationSeconds: 900,
    }),
  );
  const c = assumed.Credentials;
  const iam = new IAMClient({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    },
  });
  const attached = await iam.send(
    new ListAttachedRolePoliciesCommand({ RoleName: roleArn.slice(roleArn.lastIndexOf('/') + 1) }),
  );
  for (const { PolicyArn } of attached.AttachedPolicies ?? []) {
    if (!PolicyArn?.includes(`:policy${REVOCATION_POLICY_PATH}`)) continue;
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn }));
    for (const v of versions.Versions ?? []) {
      if (!v.IsDefaultVersion)
        await iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: v.VersionId }));
    }
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn,
        PolicyDocument: JSON.stringify(NOTHING_REVOKED),
        SetAsDefault: true,
      }),
    );
  }
}

/** Lists the stack's S3 buckets with vended credentials: a call moto authorises by the session's policies. */
export function listBuckets(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) {
  return new S3Client({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    forcePathStyle: true,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
    },
  }).send(new ListBucketsCommand({}));
}

/** What {@link auditSince} selects on: attributes the `byTime` index projects, so no record is read to filter. */
export interface AuditWhere {
  principal?: string;
  action?: ChainedAuditEvent['action'];
  outcome?: ChainedAuditEvent['outcome'];
}

/**
 * The audit records dated from `since` on that match `where`, instead of a scan of the whole
 * table: one Query per partition of the `byTime` index (the principal's row of it when
 * `where` names one, else all 64), filtered on projected attributes, then only the matching
 * records read by key. Every record written since `since` lies in a partition walked, so a
 * check that no such record exists can fail.
 */
export async function auditSince(since: Date, where: AuditWhere = {}): Promise<ChainedAuditEvent[]> {
  const client = dynamodb();
  try {
    const names: Record<string, string> = { '#pk': 'ts', '#time': 'time' };
    const values: Record<string, AttributeValue> = {
      ':from': { S: since.toISOString() },
      ':to': { S: new Date(Date.now() + 86_400_000).toISOString() },
    };
    const conditions: string[] = [];
    const match = (attribute: string, value: string | undefined) => {
      if (value === undefined) return;
      const n = conditions.length;
      names[`#f${n}`] = attribute;
      values[`:f${n}`] = { S: value };
      conditions.push(`#f${n} = :f${n}`);
    };
    match(SHORT_NAMES.principal, where.principal);
    match('action', where.action);
    match('outcome', where.outcome);
    const segments = where.principal ? principalSegments(where.principal) : allSegments();
    const entries = await mapLimited(segments, 8, async (segment) => {
      const found: Array<Record<string, AttributeValue>> = [];
      const pages = paginateQuery(
        { client },
        {
          TableName: auditTable(),
          IndexName: AUDIT_INDEX.byTime,
          KeyConditionExpression: '#pk = :pk AND #time BETWEEN :from AND :to',
          ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':pk': { S: segment } },
        },
      );
      for await (const page of pages) found.push(...(page.Items ?? []));
      return found;
    });
    return await readAuditRecords(client, auditTable(), entries.flat());
  } finally {
    client.destroy();
  }
}
