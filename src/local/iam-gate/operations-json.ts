import { type Authorisation, type OperationScope, UnmappedOperation } from './authorisation.js';

type Params = Record<string, unknown>;
type JsonMapper = (params: Params, scope: OperationScope) => Promise<Authorisation[]> | Authorisation[];

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const record = (value: unknown): Params =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const tableArn = (scope: { region: string; account: string }, table: string) =>
  `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${table}`;

/** dynamodb:LeadingKeys: the partition key values an item operation touches. */
async function leadingKeys(scope: OperationScope, table: string, item: unknown): Promise<string[]> {
  const name = await scope.lookups.partitionKey(table);
  const value = name ? record(record(item)[name]) : {};
  const scalar = value.S ?? value.N;
  return typeof scalar === 'string' ? [scalar] : [];
}

async function itemAction(scope: OperationScope, action: string, table: string, item: unknown) {
  const keys = await leadingKeys(scope, table, item);
  return {
    action: `dynamodb:${action}`,
    resource: tableArn(scope, table),
    ...(keys.length > 0 ? { context: { 'dynamodb:LeadingKeys': keys } } : {}),
  };
}

function tableOperation(action: string): JsonMapper {
  return (params, scope) => {
    const table = text(params.TableName);
    const index = text(params.IndexName);
    return [
      {
        action: `dynamodb:${action}`,
        resource: `${tableArn(scope, table)}${index ? `/index/${index}` : ''}`,
      },
    ];
  };
}

/** The value a Query's key condition gives the partition key `name` (`#n = :v`, `name = :v`, or KeyConditions). */
function queriedKey(params: Params, name: string): string | undefined {
  const names = record(params.ExpressionAttributeNames);
  const values = record(params.ExpressionAttributeValues);
  const condition = text(params.KeyConditionExpression);
  for (const match of condition.matchAll(/([#\w.-]+)\s*=\s*(:[\w-]+)|(:[\w-]+)\s*=\s*([#\w.-]+)/g)) {
    const attribute = match[1] ?? match[4] ?? '';
    const placeholder = match[2] ?? match[3] ?? '';
    if ((attribute.startsWith('#') ? names[attribute] : attribute) !== name) continue;
    const value = record(values[placeholder]);
    const scalar = value.S ?? value.N;
    if (typeof scalar === 'string') return scalar;
  }
  const legacy = record(record(params.KeyConditions)[name]);
  const first = record(list(legacy.AttributeValueList)[0]);
  const scalar = first.S ?? first.N;
  return typeof scalar === 'string' ? scalar : undefined;
}

/**
 * A Query of the table itself carries its partition key as dynamodb:LeadingKeys. A Query of an
 * index carries none: the gate does not model LeadingKeys on indexes (no template policy
 * conditions an index on it; docs/local-aws.md lists it among the limits).
 */
const query: JsonMapper = async (params, scope) => {
  const [authorisation] = await tableOperation('Query')(params, scope);
  if (!authorisation || params.IndexName !== undefined) return authorisation ? [authorisation] : [];
  const name = await scope.lookups.partitionKey(text(params.TableName));
  const key = name ? queriedKey(params, name) : undefined;
  return [{ ...authorisation, ...(key !== undefined ? { context: { 'dynamodb:LeadingKeys': [key] } } : {}) }];
};

function itemOperation(action: string, itemField: 'Item' | 'Key'): JsonMapper {
  return async (params, scope) => [
    await itemAction(scope, action, text(params.TableName), params[itemField]),
  ];
}

const TRANSACT_ACTIONS: Record<string, { action: string; field: 'Item' | 'Key' }> = {
  Put: { action: 'PutItem', field: 'Item' },
  Update: { action: 'UpdateItem', field: 'Key' },
  Delete: { action: 'DeleteItem', field: 'Key' },
  ConditionCheck: { action: 'ConditionCheckItem', field: 'Key' },
  Get: { action: 'GetItem', field: 'Key' },
};

/** Each item of a transaction is authorised as its own operation on its own table. */
const transact: JsonMapper = async (params, scope) => {
  const items = list(params.TransactItems).map(record);
  return Promise.all(
    items.flatMap((item) =>
      Object.entries(item).flatMap(([kind, body]) => {
        const mapped = TRANSACT_ACTIONS[kind];
        if (!mapped) throw new UnmappedOperation(`dynamodb:TransactItems.${kind}`);
        return [itemAction(scope, mapped.action, text(record(body).TableName), record(body)[mapped.field])];
      }),
    ),
  );
};

/** The items a batch touches on one table: BatchGetItem's Keys, BatchWriteItem's Put Items and Delete Keys. */
function batchItems(request: unknown): unknown[] {
  const get = list(record(request).Keys);
  const writes = list(request).map(record);
  return [
    ...get,
    ...writes.map((w) => record(w.PutRequest).Item).filter((item) => item !== undefined),
    ...writes.map((w) => record(w.DeleteRequest).Key).filter((key) => key !== undefined),
  ];
}

/** One decision per table, with the partition key values of all its items as dynamodb:LeadingKeys. */
function batch(action: string): JsonMapper {
  return (params, scope) =>
    Promise.all(
      Object.entries(record(params.RequestItems)).map(async ([table, request]) => {
        const keys = (
          await Promise.all(batchItems(request).map((item) => leadingKeys(scope, table, item)))
        ).flat();
        return {
          action: `dynamodb:${action}`,
          resource: tableArn(scope, table),
          ...(keys.length > 0 ? { context: { 'dynamodb:LeadingKeys': [...new Set(keys)] } } : {}),
        };
      }),
    );
}

/**
 * A stream's resource: DynamoDB Local names streams in its own region and account
 * (ddblocal, 000000000000); the gate judges them as the stack's.
 */
export function streamArnIn(scope: { region: string; account: string }, localArn: string): string {
  const match = /:table\/([^/]+)\/stream\/([^|/]+)/.exec(localArn);
  return match ? `${tableArn(scope, match[1] ?? '')}/stream/${match[2]}` : `${tableArn(scope, '*')}/stream/*`;
}

function streamOperation(action: string, field: 'StreamArn' | 'ShardIterator'): JsonMapper {
  return (params, scope) => [
    { action: `dynamodb:${action}`, resource: streamArnIn(scope, text(params[field])) },
  ];
}

const DYNAMODB: Record<string, JsonMapper> = {
  GetItem: itemOperation('GetItem', 'Key'),
  PutItem: itemOperation('PutItem', 'Item'),
  UpdateItem: itemOperation('UpdateItem', 'Key'),
  DeleteItem: itemOperation('DeleteItem', 'Key'),
  Query: query,
  Scan: tableOperation('Scan'),
  DescribeTable: tableOperation('DescribeTable'),
  CreateTable: tableOperation('CreateTable'),
  DeleteTable: tableOperation('DeleteTable'),
  UpdateTable: tableOperation('UpdateTable'),
  DescribeTimeToLive: tableOperation('DescribeTimeToLive'),
  UpdateTimeToLive: tableOperation('UpdateTimeToLive'),
  ListTables: () => [{ action: 'dynamodb:ListTables', resource: '*' }],
  BatchGetItem: batch('BatchGetItem'),
  BatchWriteItem: batch('BatchWriteItem'),
  TransactWriteItems: transact,
  TransactGetItems: transact,
  DescribeStream: streamOperation('DescribeStream', 'StreamArn'),
  GetShardIterator: streamOperation('GetShardIterator', 'StreamArn'),
  GetRecords: streamOperation('GetRecords', 'ShardIterator'),
  ListStreams: () => [{ action: 'dynamodb:ListStreams', resource: '*' }],
};

/** A KMS key named by id, ARN or alias, as the key ARN (aliases as the alias ARN). */
function keyArn(scope: OperationScope, keyId: string): string {
  if (keyId.startsWith('arn:')) return keyId;
  const where = `arn:aws:kms:${scope.region}:${scope.account}`;
  return keyId.startsWith('alias/') ? `${where}:${keyId}` : `${where}:key/${keyId}`;
}

function keyOperation(action: string): JsonMapper {
  return (params, scope) => [{ action: `kms:${action}`, resource: keyArn(scope, text(params.KeyId)) }];
}

const KMS: Record<string, JsonMapper> = {
  CreateKey: () => [{ action: 'kms:CreateKey', resource: '*' }],
  ListKeys: () => [{ action: 'kms:ListKeys', resource: '*' }],
  ListAliases: () => [{ action: 'kms:ListAliases', resource: '*' }],
  ...Object.fromEntries(
    [
      'Sign',
      'Verify',
      'GetPublicKey',
      'DescribeKey',
      'GetKeyPolicy',
      'PutKeyPolicy',
      'Encrypt',
      'Decrypt',
      'GenerateDataKey',
      'EnableKeyRotation',
      'ScheduleKeyDeletion',
    ].map((op) => [op, keyOperation(op)]),
  ),
};

const ruleArn = (scope: OperationScope, name: string) =>
  `arn:aws:events:${scope.region}:${scope.account}:rule/${name}`;
function ruleOperation(action: string, field: 'Name' | 'Rule'): JsonMapper {
  return (params, scope) => [{ action: `events:${action}`, resource: ruleArn(scope, text(params[field])) }];
}

const EVENTS: Record<string, JsonMapper> = {
  PutEvents: (params, scope) =>
    list(params.Entries).map((entry) => {
      const bus = text(record(entry).EventBusName) || 'default';
      return {
        action: 'events:PutEvents',
        resource: bus.startsWith('arn:')
          ? bus
          : `arn:aws:events:${scope.region}:${scope.account}:event-bus/${bus}`,
      };
    }),
  PutRule: ruleOperation('PutRule', 'Name'),
  DescribeRule: ruleOperation('DescribeRule', 'Name'),
  DeleteRule: ruleOperation('DeleteRule', 'Name'),
  PutTargets: ruleOperation('PutTargets', 'Rule'),
  RemoveTargets: ruleOperation('RemoveTargets', 'Rule'),
  ListTargetsByRule: ruleOperation('ListTargetsByRule', 'Rule'),
  ListRules: () => [{ action: 'events:ListRules', resource: '*' }],
};

/** A queue URL (…/<account>/<name>) or name, as the queue's ARN. */
function queueArn(scope: OperationScope, urlOrName: string): { resource: string; resourceAccount: string } {
  const parts = urlOrName.split('/').filter((p) => p !== '');
  const name = parts.at(-1) ?? '';
  const account =
    parts.length >= 2 && /^\d{12}$/.test(parts.at(-2) ?? '') ? (parts.at(-2) ?? '') : scope.account;
  return { resource: `arn:aws:sqs:${scope.region}:${account}:${name}`, resourceAccount: account };
}

function queueOperation(action: string, field: 'QueueUrl' | 'QueueName'): JsonMapper {
  return (params, scope) => [{ action: `sqs:${action}`, ...queueArn(scope, text(params[field])) }];
}

const SQS: Record<string, JsonMapper> = {
  CreateQueue: queueOperation('CreateQueue', 'QueueName'),
  GetQueueUrl: queueOperation('GetQueueUrl', 'QueueName'),
  ListQueues: () => [{ action: 'sqs:ListQueues', resource: '*' }],
  ...Object.fromEntries(
    [
      'GetQueueAttributes',
      'SetQueueAttributes',
      'SendMessage',
      'ReceiveMessage',
      'DeleteMessage',
      'DeleteQueue',
      'PurgeQueue',
    ].map((op) => [op, queueOperation(op, 'QueueUrl')]),
  ),
  // The batch calls are authorised as their single forms, as IAM does.
  DeleteMessageBatch: queueOperation('DeleteMessage', 'QueueUrl'),
  SendMessageBatch: queueOperation('SendMessage', 'QueueUrl'),
};

function secretOperation(action: string): JsonMapper {
  return async (params, scope) => [
    {
      action: `secretsmanager:${action}`,
      resource: await scope.lookups.secretArn(scope.account, scope.region, text(params.SecretId)),
    },
  ];
}

const SECRETS_MANAGER: Record<string, JsonMapper> = {
  CreateSecret: (params, scope) => [
    {
      action: 'secretsmanager:CreateSecret',
      resource: `arn:aws:secretsmanager:${scope.region}:${scope.account}:secret:${text(params.Name)}-??????`,
    },
  ],
  ListSecrets: () => [{ action: 'secretsmanager:ListSecrets', resource: '*' }],
  ...Object.fromEntries(
    [
      'GetSecretValue',
      'PutSecretValue',
      'DescribeSecret',
      'UpdateSecretVersionStage',
      'DeleteSecret',
      'RotateSecret',
      'UpdateSecret',
      'ListSecretVersionIds',
    ].map((op) => [op, secretOperation(op)]),
  ),
};

const identityArn = (scope: OperationScope, identity: string) =>
  `arn:aws:ses:${scope.region}:${scope.account}:identity/${identity}`;

/** SES API v2 (read by wire.ts from its REST paths): sending is authorised on the sender's identity. */
const SES: Record<string, JsonMapper> = {
  SendEmail: (params, scope) => {
    const from = text(params.FromEmailAddress);
    return [
      {
        action: 'ses:SendEmail',
        resource: identityArn(scope, from.slice(from.lastIndexOf('@') + 1) || from),
        context: { 'ses:FromAddress': from },
      },
    ];
  },
  CreateEmailIdentity: (params, scope) => [
    { action: 'ses:CreateEmailIdentity', resource: identityArn(scope, text(params.EmailIdentity)) },
  ],
};

const JSON_SERVICES: Record<string, Record<string, JsonMapper>> = {
  ses: SES,
  dynamodb: DYNAMODB,
  kms: KMS,
  events: EVENTS,
  sqs: SQS,
  secretsmanager: SECRETS_MANAGER,
};

export async function jsonAuthorisations(
  wire: { service: string; operation: string; params: Params },
  scope: OperationScope,
): Promise<Authorisation[]> {
  const mapper = JSON_SERVICES[wire.service]?.[wire.operation];
  if (!mapper) throw new UnmappedOperation(`${wire.service}:${wire.operation}`);
  return mapper(wire.params, scope);
}
