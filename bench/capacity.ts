/**
 * What real issuances write and read in DynamoDB, as DynamoDB Local counts it
 * (ReturnConsumedCapacity: INDEXES) and as the audit table stores it (the item and its index
 * entries, sized by DynamoDB's rules). The cost model prices these; the write-unit test
 * (test/integration/write-units.test.ts) asserts on the same measurement.
 */

import { gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  type ConsumedCapacity,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { buildSignedGetCallerIdentity } from '../src/auth/signed-identity-request.js';
import { readAuditRecords } from '../src/aws/dynamodb-audit-records.js';
import { entitlementToItem } from '../src/aws/entitlement-items.js';
import { type Composition, compose, dynamodbOf } from '../src/compose/composition.js';
import type { Credentials } from '../src/compose/runtime.js';
import { createVendFunction } from '../src/compose/vend.js';
import { loadConfig } from '../src/config.js';
import type { Entitlement } from '../src/domain/shared/types.js';
import { awsPrincipalSubject, oidcSubject } from '../src/domain/subjects/subjects.js';
import { toExportLines } from '../src/http/audit-view.js';
import type { LocalEnvironment } from '../src/local/environment.js';

const READS = new Set(['QueryCommand', 'GetItemCommand', 'BatchGetItemCommand', 'ScanCommand']);

/** The moto IAM user the local stack's vending credentials belong to. */
const AWS_CALLER_ARN = 'arn:aws:iam::111111111111:user/credvend';

export type CallerKind = 'oidc' | 'aws';

/** What a measurement needs of a running local stack: the bench's and the tests' both give it. */
export interface CapacityStack {
  credvendEnv: Record<string, string>;
  issuer: string;
  mintToken(sub: string): Promise<string>;
  /** The moto IAM user's key: the vending identity, and the AWS caller here. */
  vendingCredentials: { accessKeyId: string; secretAccessKey: string };
  /** The vend function's role, as the local server runs it. */
  vendCredentials: Credentials;
  /** An operator of the vending account: writes the measurement's entitlement and reads its record back. */
  operatorCredentials: Credentials;
  stsEndpoint: string;
  readonlyRoleArn: string;
}

export function capacityStackOf(environment: LocalEnvironment): CapacityStack {
  return {
    credvendEnv: environment.credvendEnv,
    issuer: environment.issuer,
    mintToken: (sub) => environment.mintToken(sub),
    vendingCredentials: {
      accessKeyId: environment.stack.seed.vendingAccessKeyId,
      secretAccessKey: environment.stack.seed.vendingSecretAccessKey,
    },
    vendCredentials: environment.functionCredentials('vend'),
    operatorCredentials: environment.stack.operator,
    stsEndpoint: environment.stack.stsEndpoint,
    readonlyRoleArn: environment.stack.seed.roles.readonly,
  };
}

/**
 * `busy`: every issuance in one container, by one caller (quota tokens leased once per block);
 * `sparse`: each issuance in a container of its own, as a caller issuing once per quota
 * window meets it (every bucket leases for it).
 */
export type Pattern = 'busy' | 'sparse';

export interface CapacityFigures {
  issuances: number;
  /** Per issuance: write units (table and indexes), of which index, and read units. */
  writeUnits: number;
  indexWriteUnits: number;
  readUnits: number;
  /** Per issuance, by command name. */
  calls: Map<string, number>;
  /** Response body bytes per issuance (data transfer out). */
  responseBytes: number;
  /** Stored bytes of one audit record: the item and each index entry, DynamoDB's 100-byte overhead each. */
  storedBytes: number;
  /** Bytes a record takes in the hot-window export: its NDJSON line, gzipped with the others issued. */
  exportBytes: number;
  /** Audit record item size, without overhead (what a write unit is counted on). */
  itemBytes: number;
  /** Each index entry of the record whose partition key one role, account or caller shares. */
  sharedPartitions: SharedPartition[];
}

/** An index partition every issuance of one role (account, caller) writes, and what each write costs it. */
export interface SharedPartition {
  index: string;
  by: 'role' | 'account' | 'caller';
  writeUnits: number;
}

interface Counter {
  read: number;
  write: number;
  indexWrite: number;
  calls: Map<string, number>;
}

function units(consumed: ConsumedCapacity | ConsumedCapacity[] | object | undefined) {
  let total = 0;
  let index = 0;
  for (const c of [consumed ?? []].flat().filter((c): c is ConsumedCapacity => 'CapacityUnits' in c)) {
    total += c.CapacityUnits ?? 0;
    for (const gsi of Object.values(c.GlobalSecondaryIndexes ?? {})) index += gsi.CapacityUnits ?? 0;
  }
  return { total, index };
}

/** Asks DynamoDB for every call's consumed capacity; added before the client's first call (cacheMiddleware). */
function countCapacity(client: DynamoDBClient, counter: Counter): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      Object.assign(args.input, { ReturnConsumedCapacity: 'INDEXES' });
      const result = await next(args);
      const name = context.commandName ?? '?';
      counter.calls.set(name, (counter.calls.get(name) ?? 0) + 1);
      const output = result.output;
      if (typeof output === 'object' && output !== null && 'ConsumedCapacity' in output) {
        const { total, index } = units(output.ConsumedCapacity);
        if (READS.has(name)) counter.read += total;
        else {
          counter.write += total;
          counter.indexWrite += index;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
}

/** DynamoDB's size of a value (developer guide, "Item sizes"): strings and binary by bytes, numbers about 1 byte per 2 digits + 1. */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) return 3 + itemBytes(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  return 0;
}

export function itemBytes(item: Record<string, AttributeValue>, only?: ReadonlySet<string>): number {
  return Object.entries(item)
    .filter(([name]) => !only || only.has(name))
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

/**
 * The record's item and every index entry it has (keys present), each with the 100-byte
 * overhead; and the entries whose partition key names the record's role, account or caller
 * (every issuance of that one role writes that partition: DynamoDB allows 1 000 write units
 * a second per partition).
 */
async function storage(client: DynamoDBClient, table: string, item: Record<string, AttributeValue>) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const tableKeys = (Table?.KeySchema ?? []).map((k) => k.AttributeName ?? '');
  let total = itemBytes(item) + 100;
  const shared: SharedPartition[] = [];
  // The lean layout stores them under short names (src/aws/audit-items.ts), older records under their own.
  const named = {
    role: item.roleArn?.S ?? item.r?.S,
    account: item.accountId?.S ?? item.a?.S,
    caller: item.principal?.S ?? item.p?.S,
  };
  for (const index of Table?.GlobalSecondaryIndexes ?? []) {
    const keys = (index.KeySchema ?? []).map((k) => k.AttributeName ?? '');
    if (!keys.every((k) => item[k] !== undefined)) continue;
    const projection = index.Projection;
    const names =
      projection?.ProjectionType === 'ALL'
        ? undefined
        : new Set([...tableKeys, ...keys, ...(projection?.NonKeyAttributes ?? [])]);
    const entry = itemBytes(item, names);
    total += entry + 100;
    const hash = item[keys[0] ?? '']?.S ?? '';
    const by = (['role', 'account', 'caller'] as const).find(
      (k) => named[k] && hash.includes(named[k] ?? ''),
    );
    if (by) shared.push({ index: index.IndexName ?? '?', by, writeUnits: Math.ceil(entry / 1024) });
  }
  return { total, shared };
}

/** The stack's settings with every quota and attempt counter at its default, as deployed. */
function asDeployed(stack: CapacityStack): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stack.credvendEnv).filter(([name]) => !name.endsWith('_RATE_LIMIT')),
  );
}

function composition(stack: CapacityStack, counter: Counter): Composition {
  const root = compose(loadConfig(asDeployed(stack)), {
    kind: 'node',
    sourceIp: () => '203.0.113.7',
    credentials: stack.vendCredentials,
  });
  countCapacity(dynamodbOf(root), counter);
  return root;
}

/** An entitlement of its own for this kind of caller, to the read-only role, shaped like the demo's. */
async function entitle(stack: CapacityStack, kind: CallerKind, label: string) {
  const sub = `${label}-${Date.now()}@example.com`;
  const entitlement: Entitlement = {
    id: `${label}-${Date.now()}`,
    subject: kind === 'oidc' ? oidcSubject(stack.issuer, sub) : awsPrincipalSubject(AWS_CALLER_ARN),
    accountId: '222222222222',
    roleArn: stack.readonlyRoleArn,
    maxDurationSeconds: 3600,
    defaultDurationSeconds: 900,
    sessionPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetObject'], Resource: '*' },
      ],
    },
    managedPolicyArns: [],
    tags: { team: 'platform' },
    claimTags: { 'caller-email': 'email' },
    transitiveTagKeys: ['team'],
    reasonRequired: false,
    effect: 'allow',
    version: 1,
  };
  const root = compose(loadConfig(stack.credvendEnv), {
    kind: 'node',
    sourceIp: () => undefined,
    credentials: stack.operatorCredentials,
  });
  await dynamodbOf(root).send(
    new PutItemCommand({ TableName: root.config.tables.entitlements, Item: entitlementToItem(entitlement) }),
  );
  return { sub, entitlement };
}

/**
 * `count` issuances by one caller of `kind` with quotas (and attempt counters) on as
 * deployed, against the stack's DynamoDB Local (and moto for AWS callers' GetCallerIdentity).
 */
export async function measureIssuances(
  stack: CapacityStack,
  kind: CallerKind,
  pattern: Pattern,
  count: number,
): Promise<CapacityFigures> {
  const { sub, entitlement } = await entitle(stack, kind, `capacity-${kind}-${pattern}`);
  try {
    return await measureEntitled(stack, kind, pattern, count, sub, entitlement);
  } finally {
    // The AWS caller is the stack's one IAM user: a row left behind would show up in other
    // tests' views of that user's entitlements.
    const root = compose(loadConfig(stack.credvendEnv), {
      kind: 'node',
      sourceIp: () => undefined,
      credentials: stack.operatorCredentials,
    });
    await dynamodbOf(root).send(
      new DeleteItemCommand({
        TableName: root.config.tables.entitlements,
        Key: { subject: { S: entitlement.subject }, entitlementId: { S: entitlement.id } },
      }),
    );
  }
}

async function measureEntitled(
  stack: CapacityStack,
  kind: CallerKind,
  pattern: Pattern,
  count: number,
  sub: string,
  entitlement: Entitlement,
): Promise<CapacityFigures> {
  const counter: Counter = { read: 0, write: 0, indexWrite: 0, calls: new Map() };
  let shared: Composition | undefined;
  let responseBytes = 0;
  let lastEventId = '';
  const eventIds: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pattern === 'sparse' || !shared) shared = composition(stack, counter);
    const root = shared;
    const app = createVendFunction(root);
    const authorization =
      kind === 'oidc'
        ? `Bearer ${await stack.mintToken(sub)}`
        : await buildSignedGetCallerIdentity({
            stsEndpoint: stack.stsEndpoint,
            serverId: stack.credvendEnv.CREDVEND_SERVER_ID ?? '',
            region: 'us-east-1',
            credentials: stack.vendingCredentials,
          });
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ entitlement: entitlement.id }),
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${kind} issuance answered ${response.status}: ${body}`);
    responseBytes += Buffer.byteLength(body);
    const parsed: unknown = JSON.parse(body);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'eventId' in parsed &&
      typeof parsed.eventId === 'string'
    ) {
      lastEventId = parsed.eventId;
      eventIds.push(parsed.eventId);
    }
  }
  const inspect = compose(loadConfig(stack.credvendEnv), {
    kind: 'node',
    sourceIp: () => undefined,
    credentials: stack.operatorCredentials,
  });
  const table = inspect.config.tables.audit;
  const { Item } = await dynamodbOf(inspect).send(
    new GetItemCommand({ TableName: table, Key: { eventId: { S: lastEventId } } }),
  );
  if (!Item) throw new Error(`audit record ${lastEventId} not found`);
  const stored = await storage(dynamodbOf(inspect), table, Item);
  // The export file of these records, as the digest function writes it.
  const records = await readAuditRecords(
    dynamodbOf(inspect),
    table,
    eventIds.slice(-100).map((eventId) => ({ eventId: { S: eventId } })),
  );
  const exportBytes = gzipSync(toExportLines({ events: records }, 'bench')).byteLength / records.length;
  return {
    issuances: count,
    writeUnits: counter.write / count,
    indexWriteUnits: counter.indexWrite / count,
    readUnits: counter.read / count,
    calls: new Map([...counter.calls].map(([name, n]) => [name, n / count])),
    responseBytes: responseBytes / count,
    storedBytes: stored.total,
    exportBytes,
    itemBytes: itemBytes(Item),
    sharedPartitions: stored.shared,
  };
}
