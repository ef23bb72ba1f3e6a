import * as z from 'zod';
import { isoInstant } from './common.js';

export const AUDIT_OUTCOMES = ['issued', 'applied', 'denied', 'error'] as const;
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** GET /v1/audit/events: one filter at most (each has its own index), a time range, a page. */
export const auditQueryWire = z
  .object({
    principal: z.string().min(1).max(2048).optional(),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    roleArn: z
      .string()
      .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN')
      .optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    accessRequest: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id')
      .optional(),
    from: isoInstant.optional(),
    to: isoInstant.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().min(1).max(4096).optional(),
    format: z.enum(['json', 'ndjson']).default('json'),
  })
  .strict();

/** GET /v1/audit/verify. */
export const verifyQueryWire = z.object({ from: isoInstant.optional(), to: isoInstant.optional() }).strict();

/**
 * One audit record as auditors read it: every field the record holds, never a secret
 * access key, session token or bearer token (the domain never stores one).
 */
export const auditEventWire = z.object({
  eventId: z.string(),
  time: isoInstant,
  action: z.string(),
  outcome: z.enum(AUDIT_OUTCOMES),
  requestId: z.string(),
  principal: z.string(),
  authMethod: z.enum(['oidc', 'aws-sigv4', 'apigw-iam']),
  callerSessionName: z.string().optional(),
  callerName: z.string().optional(),
  entitlementId: z.string().optional(),
  /** Which of the caller's subjects granted the issuance, and why. */
  matchedSubject: z.string().optional(),
  accountId: z.string().optional(),
  roleArn: z.string().optional(),
  sessionName: z.string().optional(),
  sourceIdentity: z.string().optional(),
  durationSeconds: z.number().int().optional(),
  expiration: isoInstant.optional(),
  accessKeyId: z.string().optional(),
  assumedRoleArn: z.string().optional(),
  packedPolicySize: z.number().optional(),
  sessionPolicyChars: z.number().int().optional(),
  sessionTags: z.record(z.string(), z.string()).optional(),
  reason: z.string().optional(),
  sourceIp: z.string().optional(),
  userAgent: z.string().optional(),
  problemCode: z.string().optional(),
  detail: z.string().optional(),
  stsRequestId: z.string().optional(),
  relatedEventId: z.string().optional(),
  change: z.string().optional(),
  chainId: z.string(),
  seq: z.number().int(),
  prevHash: z.string(),
  hash: z.string(),
  day: z.string(),
});
export type AuditEventWire = z.infer<typeof auditEventWire>;

/** GET /v1/audit/events: one page, newest first. */
export const auditPageWire = z.object({ events: z.array(auditEventWire), nextCursor: z.string().optional() });
export type AuditPageWire = z.infer<typeof auditPageWire>;

/** GET /v1/audit/access-keys/{accessKeyId}: the issuance, and whether its credentials were withheld. */
export const accessKeyIssuanceWire = auditEventWire.extend({ withheld: z.boolean() });
export type AccessKeyIssuanceWire = z.infer<typeof accessKeyIssuanceWire>;

const findingWire = z.object({
  kind: z.string(),
  severity: z.enum(['error', 'info']),
  detail: z.string(),
  chainId: z.string().optional(),
  seq: z.number().int().optional(),
  eventId: z.string().optional(),
  digestKey: z.string().optional(),
});

/** GET /v1/audit/verify: the hash chains (and, where configured, the signed digests) checked over a range. */
export const verificationReportWire = z.object({
  ok: z.boolean(),
  from: isoInstant,
  to: isoInstant,
  chainsChecked: z.number().int(),
  recordsChecked: z.number().int(),
  anchoring: z.enum(['digests', 'chains-only']),
  digestsChecked: z.number().int(),
  anchoredRecords: z.number().int(),
  unanchoredRecords: z.number().int(),
  lastDigest: z.object({ key: z.string(), endTime: z.string() }).optional(),
  findings: z.array(findingWire),
  findingsOmitted: z.number().int(),
  firstBreak: findingWire.optional(),
});
export type VerificationReportWire = z.infer<typeof verificationReportWire>;

/** POST /v1/audit/events/{id}/revoke. */
export const revocationResultWire = z.object({
  eventId: z.string(),
  revocationEventId: z.string(),
  roleArn: z.string(),
  applied: z.boolean(),
  policy: z.record(z.string(), z.unknown()),
  detail: z.string().optional(),
});
export type RevocationResultWire = z.infer<typeof revocationResultWire>;
