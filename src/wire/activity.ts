import * as z from 'zod';
import { activityRecordWire } from '../domain/activity/record-schema.js';

/** One call a credvend-issued session made, as CloudTrail recorded it. */
export const attributedActivityWire = activityRecordWire.extend({
  /** `session`: with the issued key itself; `role-chain`: by a session it assumed (same SourceIdentity). */
  attribution: z.enum(['session', 'role-chain']),
});

/** GET /v1/audit/events/{id}/activity and GET /v1/audit/activity: what issued credentials did, oldest first. */
export const activityWire = z.object({
  /** The issuances the records belong to (one, or every issuance under a grant). */
  issuances: z.array(
    z.object({ eventId: z.string(), accessKeyId: z.string(), expiration: z.string().optional() }),
  ),
  records: z.array(attributedActivityWire.extend({ issuanceEventId: z.string() })),
  /** More records exist than one answer carries (500 per issuance). */
  truncated: z.boolean(),
});
export type ActivityWire = z.infer<typeof activityWire>;

/** GET /v1/audit/activity: by access key id or by access request (grant); exactly one. */
export const activityQueryWire = z
  .object({
    accessKeyId: z
      .string()
      .regex(/^[A-Z0-9]{16,128}$/, 'an access key id')
      .optional(),
    accessRequest: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id')
      .optional(),
  })
  .strict()
  .refine((q) => (q.accessKeyId === undefined) !== (q.accessRequest === undefined), {
    message: 'name exactly one of accessKeyId or accessRequest',
  });

/** GET /v1/entitlements/{id}/suggested-policy: how far back to look. */
export const suggestionQueryWire = z
  .object({
    /** Days of recorded activity to read, newest first (CloudTrail delivers with ~5 minutes' delay). */
    days: z.coerce.number().int().min(1).max(90).default(30),
  })
  .strict();

/** A session policy from what an entitlement's sessions did, with credvend's own verdict on it. */
export const policySuggestionWire = z.object({
  entitlementId: z.string(),
  days: z.number().int(),
  /** Allows exactly the allowed calls seen; absent when none was recorded. */
  policy: z.record(z.string(), z.unknown()).optional(),
  /** True when the narrowing check that issuance runs accepts it under the entitlement's ceiling. */
  narrows: z.boolean(),
  reason: z.string().optional(),
  issuancesRead: z.number().int(),
  /** More issuances (or calls per issuance) were recorded than one suggestion reads. */
  truncated: z.boolean(),
  callsRead: z.number().int(),
});
export type PolicySuggestionWire = z.infer<typeof policySuggestionWire>;
