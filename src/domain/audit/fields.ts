import type { ChainedAuditEvent } from './audit.js';

type Field = keyof ChainedAuditEvent;
type OptionalField = {
  [K in Field]-?: undefined extends ChainedAuditEvent[K] ? K : never;
}[Field];
type RequiredField = Exclude<Field, OptionalField>;

/**
 * What a field holds, which says how it is stored (S, N or M), hashed and sent: `instant` is
 * an ISO-8601 string, `integer` a whole number; the last three are closed lists
 * (AUDIT_ACTIONS, AUDIT_OUTCOMES, AUTH_METHODS).
 */
export type FieldKind =
  | 'string'
  | 'instant'
  | 'integer'
  | 'number'
  | 'map'
  | 'action'
  | 'outcome'
  | 'authMethod';

/**
 * The one field table of an audit record. Storage (aws/audit-items), hashing (chain.ts keeps
 * exactly these fields), the wire schema and so the OpenAPI document (wire/audit), the offline
 * verifier (cli/offline-audit) and the event stream (events.ts) all read it. `satisfies` makes
 * it exhaustive: a field added to ChainedAuditEvent does not compile until it is listed here,
 * and wire/audit.ts checks that each kind names the field's type exactly.
 */
export const REQUIRED_AUDIT_FIELDS = {
  eventId: 'string',
  time: 'instant',
  action: 'action',
  outcome: 'outcome',
  requestId: 'string',
  principal: 'string',
  authMethod: 'authMethod',
  chainId: 'string',
  seq: 'integer',
  prevHash: 'string',
  hash: 'string',
  day: 'string',
} as const satisfies Record<RequiredField, FieldKind>;

export const OPTIONAL_AUDIT_FIELDS = {
  callerSessionName: 'string',
  callerName: 'string',
  entitlementId: 'string',
  matchedSubject: 'string',
  accountId: 'string',
  roleArn: 'string',
  sessionName: 'string',
  sourceIdentity: 'string',
  durationSeconds: 'integer',
  expiration: 'instant',
  accessKeyId: 'string',
  assumedRoleArn: 'string',
  packedPolicySize: 'integer',
  sessionPolicyChars: 'integer',
  sessionTags: 'map',
  reason: 'string',
  sourceIp: 'string',
  userAgent: 'string',
  problemCode: 'string',
  detail: 'string',
  stsRequestId: 'string',
  relatedEventId: 'string',
  change: 'string',
  accessRequestId: 'string',
  slackUserId: 'string',
} as const satisfies Record<OptionalField, FieldKind>;

type Optional = typeof OPTIONAL_AUDIT_FIELDS;
type Required = typeof REQUIRED_AUDIT_FIELDS;
export type OptionalAuditField = keyof Optional;
export type RequiredAuditField = keyof Required;

/** Every field with its kind, required ones first, each list in its own order. */
export const AUDIT_FIELDS: ReadonlyArray<readonly [Field, FieldKind, 'required' | 'optional']> = [
  ...Object.entries(REQUIRED_AUDIT_FIELDS).flatMap(([name, kind]) =>
    isField(name) ? [[name, kind, 'required'] as const] : [],
  ),
  ...Object.entries(OPTIONAL_AUDIT_FIELDS).flatMap(([name, kind]) =>
    isField(name) ? [[name, kind, 'optional'] as const] : [],
  ),
];

function isField(name: string): name is Field {
  return name in REQUIRED_AUDIT_FIELDS || name in OPTIONAL_AUDIT_FIELDS;
}

/**
 * The record as it is hashed and stored: the table's fields and nothing else, without empty
 * optional strings (DynamoDB refuses an empty string in an index key, so storage could not keep
 * one). Hashing this, not the caller's object, is what lets a record read back from the table,
 * the API or an export hash to the same value.
 */
export function auditRecordContent<T extends Partial<ChainedAuditEvent>>(record: T): T {
  const content: T = { ...record };
  for (const key of Object.keys(content)) {
    const value: unknown = Reflect.get(content, key);
    const emptyOptional = key in OPTIONAL_AUDIT_FIELDS && value === '';
    if (!isField(key) || value === undefined || emptyOptional) Reflect.deleteProperty(content, key);
  }
  return content;
}
