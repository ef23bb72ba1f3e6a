import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type ChainedAuditEvent } from '../domain/audit/audit.js';
import {
  AUDIT_FIELDS,
  type FieldKind,
  type OPTIONAL_AUDIT_FIELDS,
  type OptionalAuditField,
  type REQUIRED_AUDIT_FIELDS,
  type RequiredAuditField,
} from '../domain/audit/fields.js';
import { AUTH_METHODS } from '../domain/shared/types.js';
import * as z from '../zod-mini.js';
import { isoInstant } from './common.js';

export { AUDIT_OUTCOMES };
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** GET /v1/audit/events: one filter at most (each has its own index), a time range, a page. */
export const auditQueryWire = z.strictObject({
  principal: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  accountId: z.optional(z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id'))),
  roleArn: z.optional(
    z.string().check(z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN')),
  ),
  outcome: z.optional(z.enum(AUDIT_OUTCOMES)),
  accessRequest: z.optional(z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id'))),
  from: z.optional(isoInstant),
  to: z.optional(isoInstant),
  limit: z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PAGE_SIZE)),
    DEFAULT_PAGE_SIZE,
  ),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
  format: z._default(z.enum(['json', 'ndjson']), 'json'),
});

/** GET /v1/audit/verify. */
export const verifyQueryWire = z.strictObject({ from: z.optional(isoInstant), to: z.optional(isoInstant) });

/** The schema of each kind of field in the audit field table (domain/audit/fields.ts). */
const KIND_SCHEMAS = {
  string: z.string(),
  instant: isoInstant,
  integer: z.number().check(z.int()),
  number: z.number(),
  map: z.record(z.string(), z.string()),
  action: z.enum(AUDIT_ACTIONS),
  outcome: z.enum(AUDIT_OUTCOMES),
  authMethod: z.enum(AUTH_METHODS),
} as const satisfies Record<FieldKind, z.ZodMiniType>;
type Kinds = typeof KIND_SCHEMAS;

type AuditEventShape = {
  [F in RequiredAuditField]: Kinds[(typeof REQUIRED_AUDIT_FIELDS)[F]];
} & {
  [F in OptionalAuditField]: z.ZodMiniOptional<Kinds[(typeof OPTIONAL_AUDIT_FIELDS)[F]]>;
};

/** The shape, field by field from the table; its type is checked against the record's below. */
function auditEventShape(): AuditEventShape {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const [name, kind, presence] of AUDIT_FIELDS) {
    shape[name] = presence === 'required' ? KIND_SCHEMAS[kind] : z.optional(KIND_SCHEMAS[kind]);
  }
  // Built by the loop above from the same table the mapped type reads.
  return shape as AuditEventShape;
}

/**
 * One audit record as auditors read it: every field of the field table, never a secret
 * access key, session token or bearer token (the domain never stores one). Storage reads,
 * API answers, NDJSON exports and the offline verifier all go through this one schema.
 */
export const auditEventWire = z.object(auditEventShape());
export type AuditEventWire = z.infer<typeof auditEventWire>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Does not compile when a kind in the table names another type than the record's field has. */
export const AUDIT_WIRE_MATCHES_RECORD: Same<AuditEventWire, ChainedAuditEvent> = true;

/** A record of a page that could not be read: a 500 for that record alone, the page goes on. */
const unreadableRecordWire = z.object({
  eventId: z.string(),
  status: z.literal(500),
  /** The attribute and the rule it breaks. */
  detail: z.string(),
});

/** GET /v1/audit/events: one page, newest first. */
export const auditPageWire = z.object({
  events: z.array(auditEventWire),
  unreadable: z.optional(z.array(unreadableRecordWire)),
  nextCursor: z.optional(z.string()),
});
export type AuditPageWire = z.infer<typeof auditPageWire>;

/**
 * A line of an NDJSON export that is not a record: a record that could not be read (with its
 * `eventId`), or the export failing part-way, always the last line then. A reader that parses
 * each line as a record stops at it; `credvend audit verify-offline` reports it.
 */
export const exportErrorLineWire = z.object({
  error: z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int()),
    requestId: z.string(),
    eventId: z.optional(z.string()),
    detail: z.optional(z.string()),
  }),
});
export type ExportErrorLineWire = z.infer<typeof exportErrorLineWire>;

/** One line of an NDJSON export. */
export const auditExportLineWire = z.union([auditEventWire, exportErrorLineWire]);

/** GET /v1/audit/access-keys/{accessKeyId}: the issuance, and whether its credentials were withheld. */
export const accessKeyIssuanceWire = z.extend(auditEventWire, { withheld: z.boolean() });
export type AccessKeyIssuanceWire = z.infer<typeof accessKeyIssuanceWire>;

const findingWire = z.object({
  kind: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  detail: z.string(),
  chainId: z.optional(z.string()),
  seq: z.optional(z.number().check(z.int())),
  eventId: z.optional(z.string()),
  digestKey: z.optional(z.string()),
});

/** GET /v1/audit/verify: the hash chains (and, where configured, the signed digests) checked over a range. */
export const verificationReportWire = z.object({
  ok: z.boolean(),
  from: isoInstant,
  to: isoInstant,
  chainsChecked: z.number().check(z.int()),
  recordsChecked: z.number().check(z.int()),
  anchoring: z.enum(['digests', 'chains-only']),
  digestsChecked: z.number().check(z.int()),
  anchoredRecords: z.number().check(z.int()),
  unanchoredRecords: z.number().check(z.int()),
  lastDigest: z.optional(z.object({ key: z.string(), endTime: z.string() })),
  findings: z.array(findingWire),
  findingsOmitted: z.number().check(z.int()),
  firstBreak: z.optional(findingWire),
});
export type VerificationReportWire = z.infer<typeof verificationReportWire>;

/** POST /v1/audit/events/{id}/revoke. */
export const revocationResultWire = z.object({
  eventId: z.string(),
  revocationEventId: z.string(),
  roleArn: z.string(),
  applied: z.boolean(),
  policy: z.record(z.string(), z.unknown()),
  detail: z.optional(z.string()),
});
export type RevocationResultWire = z.infer<typeof revocationResultWire>;
