import type { AuditEvent } from './audit.js';

type OptionalField = {
  [K in keyof AuditEvent]-?: undefined extends AuditEvent[K] ? K : never;
}[keyof AuditEvent];
type FieldKind = 'string' | 'number' | 'map';

/**
 * Every optional field of an audit record and its kind: one list that storage (aws/audit-items)
 * and the event stream (audit-events) both read, so a new field cannot reach one and miss the
 * other. `satisfies` makes it exhaustive: a field added to AuditEvent does not compile until
 * it is listed here.
 */
export const OPTIONAL_AUDIT_FIELDS = {
  callerSessionName: 'string',
  callerName: 'string',
  entitlementId: 'string',
  matchedSubject: 'string',
  accountId: 'string',
  roleArn: 'string',
  sessionName: 'string',
  sourceIdentity: 'string',
  durationSeconds: 'number',
  expiration: 'string',
  accessKeyId: 'string',
  assumedRoleArn: 'string',
  packedPolicySize: 'number',
  sessionPolicyChars: 'number',
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

type Fields = typeof OPTIONAL_AUDIT_FIELDS;
export type OptionalAuditField<K extends FieldKind = FieldKind> = {
  [F in keyof Fields]: Fields[F] extends K ? F : never;
}[keyof Fields];

/** The optional fields of one kind, in the list's order. */
export function optionalAuditFields<K extends FieldKind>(kind: K): Array<OptionalAuditField<K>> {
  const fields: Array<OptionalAuditField<K>> = [];
  for (const field of Object.keys(OPTIONAL_AUDIT_FIELDS) as Array<keyof Fields>) {
    if (isOfKind(field, kind)) fields.push(field);
  }
  return fields;
}

function isOfKind<K extends FieldKind>(field: keyof Fields, kind: K): field is OptionalAuditField<K> {
  return OPTIONAL_AUDIT_FIELDS[field] === kind;
}
