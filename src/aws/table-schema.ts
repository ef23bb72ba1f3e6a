import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Index names are part of the contract: the repositories query them by these names. */
export const ENTITLEMENT_INDEX = { byId: 'byId' } as const;

export const AUDIT_INDEX = {
  byPrincipal: 'byPrincipal',
  byAccount: 'byAccount',
  byRole: 'byRole',
  byOutcome: 'byOutcome',
  byAccessKey: 'byAccessKey',
  byChain: 'byChain',
  byDay: 'byDay',
  byAccessRequest: 'byAccessRequest',
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
    GlobalSecondaryIndexes: [
      {
        IndexName: ENTITLEMENT_INDEX.byId,
        KeySchema: [{ AttributeName: 'entitlementId', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

const AUDIT_INDEXES: Array<[name: string, hash: string, range?: [string, 'S' | 'N']]> = [
  [AUDIT_INDEX.byPrincipal, 'principal', ['time', 'S']],
  [AUDIT_INDEX.byAccount, 'accountId', ['time', 'S']],
  [AUDIT_INDEX.byRole, 'roleArn', ['time', 'S']],
  [AUDIT_INDEX.byOutcome, 'outcome', ['time', 'S']],
  [AUDIT_INDEX.byAccessKey, 'accessKeyId'],
  [AUDIT_INDEX.byChain, 'chainId', ['seq', 'N']],
  [AUDIT_INDEX.byDay, 'day', ['time', 'S']],
  [AUDIT_INDEX.byAccessRequest, 'accessRequestId', ['time', 'S']],
];

export function auditTableDefinition(tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>([['eventId', 'S']]);
  for (const [, hash, range] of AUDIT_INDEXES) {
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
    GlobalSecondaryIndexes: AUDIT_INDEXES.map(([IndexName, hash, range]) => ({
      IndexName,
      KeySchema: [
        { AttributeName: hash, KeyType: 'HASH' as const },
        ...(range ? [{ AttributeName: range[0], KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: 'ALL' as const },
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
