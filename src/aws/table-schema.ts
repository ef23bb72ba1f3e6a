import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Index names are part of the contract: the repositories query them by these names. */
export const AUDIT_INDEX = {
  byPrincipal: 'byPrincipal',
  byAccount: 'byAccount',
  byRole: 'byRole',
  byOutcomeShard: 'byOutcomeShard',
  byAccessKey: 'byAccessKey',
  byChain: 'byChain',
  byAccessRequest: 'byAccessRequest',
  byTime: 'byTime',
} as const;

export const ACCESS_REQUEST_INDEX = {
  byRequester: 'byRequester',
  byPending: 'byPending',
  byReviewDue: 'byReviewDue',
} as const;

/**
 * The two tables' keys and indexes. One definition, used to create the local tables and
 * checked against the deployed CloudFormation template by the packaging test.
 */
export function entitlementsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'subject', AttributeType: 'S' },
      { AttributeName: 'entitlementId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'subject', KeyType: 'HASH' },
      { AttributeName: 'entitlementId', KeyType: 'RANGE' },
    ],
  };
}

interface AuditIndex {
  name: string;
  hash: string;
  range?: [string, 'S' | 'N'];
  /** Attributes copied beside the keys: only what a query filters or reads without the item. */
  include?: string[];
}

/**
 * A record written since the lean layout (aws/audit-items.ts) has one index entry: `byTime`,
 * keyed `t<row><column>` (aws/audit-shards.ts) and time, projecting what every audit filter,
 * the digest and verification read, so a filtered page reads the index and then only the
 * records it returns (one BatchGetItem). Just-in-time records add a `byAccessRequest` entry,
 * revocations a `byRole` one (the issuance path's revocation check).
 *
 * The other indexes are retired: new records carry none of their key attributes, so they get
 * no entries and cost nothing. They hold the entries of records written before, until
 * `credvend-migrate-audit` has given those a `ts`; a later release removes them, one per
 * deploy (CloudFormation changes one index per update: docs/operations/upgrades.md).
 */
const AUDIT_INDEXES: AuditIndex[] = [
  { name: AUDIT_INDEX.byPrincipal, hash: 'principal', range: ['time', 'S'] },
  { name: AUDIT_INDEX.byAccount, hash: 'accountId', range: ['time', 'S'] },
  // Idempotent replays look for a revocation of one SourceIdentity on this index alone.
  { name: AUDIT_INDEX.byRole, hash: 'roleArn', range: ['time', 'S'], include: ['action', 'sourceIdentity'] },
  {
    name: AUDIT_INDEX.byOutcomeShard,
    hash: 'outcomeShard',
    range: ['time', 'S'],
    include: ['chainId', 'seq', 'hash'],
  },
  { name: AUDIT_INDEX.byAccessKey, hash: 'accessKeyId' },
  { name: AUDIT_INDEX.byChain, hash: 'chainId', range: ['seq', 'N'] },
  // The issuances under a grant are picked out by action and outcome on the index alone.
  {
    name: AUDIT_INDEX.byAccessRequest,
    hash: 'accessRequestId',
    range: ['time', 'S'],
    include: ['action', 'outcome'],
  },
  {
    name: AUDIT_INDEX.byTime,
    hash: 'ts',
    range: ['time', 'S'],
    include: ['p', 'a', 'r', 'k', 'c', 'seq', 'hash', 'action', 'outcome'],
  },
];

export function auditTableDefinition(tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>([['eventId', 'S']]);
  for (const { hash, range } of AUDIT_INDEXES) {
    attributes.set(hash, 'S');
    if (range) attributes.set(range[0], range[1]);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
    // The stream feeds the event publisher (functions/stream.ts); new images only.
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    GlobalSecondaryIndexes: AUDIT_INDEXES.map(({ name, hash, range, include }) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: hash, KeyType: 'HASH' as const },
        ...(range ? [{ AttributeName: range[0], KeyType: 'RANGE' as const }] : []),
      ],
      Projection: include
        ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: include }
        : { ProjectionType: 'KEYS_ONLY' as const },
    })),
  };
}

function stringKeyTable(tableName: string, key: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
  };
}

/** Fixed-window issuance counters; expired windows are removed by TTL on `expiresAt`. */
export function rateLimitsTableDefinition(tableName: string): CreateTableCommandInput {
  return stringKeyTable(tableName, 'bucket');
}

/** Idempotency keys (hashed) and sealed replays; TTL on `expiresAt`. */
export function idempotencyTableDefinition(tableName: string): CreateTableCommandInput {
  return stringKeyTable(tableName, 'key');
}

/**
 * Access reviews: a review and its items share the review's partition, and one pointer per
 * review sits in the partition of its state (reviewId `#open` / `#closed`). No index, so each
 * decision costs the write of one small item.
 */
export function reviewsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'reviewId', AttributeType: 'S' },
      { AttributeName: 'itemId', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'reviewId', KeyType: 'HASH' },
      { AttributeName: 'itemId', KeyType: 'RANGE' },
    ],
  };
}

/** Admin-managed requestable access, one item per id. */
export function requestablesTableDefinition(tableName: string): CreateTableCommandInput {
  return stringKeyTable(tableName, 'requestableId');
}

/**
 * Access requests by id; by requester, and sparse indexes holding only pending requests and
 * break-glass grants awaiting review, so each listing is one Query over live items.
 */
export function accessRequestsTableDefinition(tableName: string): CreateTableCommandInput {
  const index = (IndexName: string, hash: string) => ({
    IndexName,
    KeySchema: [
      { AttributeName: hash, KeyType: 'HASH' as const },
      { AttributeName: 'createdAt', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['requestId', 'requester', 'createdAt', 'pending', 'reviewDue'].map(
      (AttributeName) => ({
        AttributeName,
        AttributeType: 'S' as const,
      }),
    ),
    KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      index(ACCESS_REQUEST_INDEX.byRequester, 'requester'),
      index(ACCESS_REQUEST_INDEX.byPending, 'pending'),
      index(ACCESS_REQUEST_INDEX.byReviewDue, 'reviewDue'),
    ],
  };
}

export const ACTIVITY_INDEX = { bySourceIdentity: 'bySourceIdentity' } as const;

/**
 * CloudTrail activity of credvend-issued sessions: one item per CloudTrail event, keyed by the
 * session's access key (`accessKeyId`, `at` = `<time>#<eventId>`), and by SourceIdentity on an
 * index, which follows a role chain. TTL on `expiresAt`.
 */
export function activityTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'accessKeyId', AttributeType: 'S' },
      { AttributeName: 'at', AttributeType: 'S' },
      { AttributeName: 'sourceIdentity', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'accessKeyId', KeyType: 'HASH' },
      { AttributeName: 'at', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACTIVITY_INDEX.bySourceIdentity,
        KeySchema: [
          { AttributeName: 'sourceIdentity', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
