import * as z from 'zod';
import { AUDIT_EVENT_SCHEMA_VERSION } from './events.js';

const optionalString = z.string().optional();

/**
 * `detail` of every credvend event, version 1. Strict: a field not listed here is a schema
 * change, so a secret can never ride along unnoticed. `credvend audit event-schema` prints it
 * as JSON Schema.
 */
export const auditEventDetailSchema = z.strictObject({
  schemaVersion: z.literal(AUDIT_EVENT_SCHEMA_VERSION),
  eventId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
  time: z.string(),
  action: z.string(),
  outcome: z.enum(['issued', 'applied', 'denied', 'error']),
  requestId: z.string(),
  principal: z.string(),
  authMethod: z.string(),
  chain: z.strictObject({ chainId: z.string(), seq: z.number().int().min(0), hash: z.string() }),
  callerSessionName: optionalString,
  callerName: optionalString,
  entitlementId: optionalString,
  matchedSubject: optionalString,
  accountId: optionalString,
  roleArn: optionalString,
  sessionName: optionalString,
  sourceIdentity: optionalString,
  durationSeconds: z.number().optional(),
  expiration: optionalString,
  accessKeyId: optionalString,
  assumedRoleArn: optionalString,
  packedPolicySize: z.number().optional(),
  sessionPolicyChars: z.number().optional(),
  sessionTags: z.record(z.string(), z.string()).optional(),
  reason: optionalString,
  sourceIp: optionalString,
  userAgent: optionalString,
  problemCode: optionalString,
  detail: optionalString,
  stsRequestId: optionalString,
  relatedEventId: optionalString,
  change: optionalString,
});

export function auditEventJsonSchema(): unknown {
  return z.toJSONSchema(auditEventDetailSchema);
}
