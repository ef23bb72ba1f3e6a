import * as z from 'zod';
import { isoInstant } from './common.js';
import { adminEntitlementWire } from './entitlements.js';

/** GET /v1/reviews/unused. */
export const unusedAccessQueryWire = z
  .object({
    days: z.coerce.number().int().min(1).max(400).default(90),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
  })
  .strict();

const changeSeenWire = z.object({ by: z.string(), at: isoInstant });

/**
 * GET /v1/reviews/unused: standing access with no issuance in `days` days, each with its
 * evidence; GET /v1/reviews/evidence: every standing entitlement with its evidence.
 */
export const unusedAccessWire = z.object({
  days: z.number().int(),
  /** The audit window read: the longer of `days` and 90 days, up to now. */
  from: isoInstant,
  to: isoInstant,
  /** Accounts whose audit held more than the report reads: rows listed there may have been used. */
  partialAccounts: z.array(z.string()),
  entitlements: z.array(
    z.object({
      id: z.string(),
      subject: adminEntitlementWire.shape.subject,
      subjectKind: z.enum(['principal', 'group', 'claim-rule', 'account']),
      accountId: z.string(),
      roleArn: z.string(),
      lastIssuance: z.optional(isoInstant),
      issuancesInDays: z.number().int(),
      issuancesIn90Days: z.number().int(),
      added: changeSeenWire.optional(),
      lastChanged: changeSeenWire.optional(),
      /** Who got credentials under it in the last 90 days (display name beside the principal). */
      callers: z.array(
        z.object({
          principal: z.string(),
          name: z.string().optional(),
          issuances: z.number().int(),
          last: isoInstant,
        }),
      ),
    }),
  ),
});
export type UnusedAccessWire = z.infer<typeof unusedAccessWire>;
