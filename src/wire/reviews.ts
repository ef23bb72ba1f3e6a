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

export const REVIEW_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const accountIdWire = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const roleArnWire = z
  .string()
  .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN');

/** What a review covers: `subject` is a subject key as `GET /v1/subjects` lists it. */
export const reviewScopeWire = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('account'), accountId: accountIdWire }).strict(),
  z.object({ kind: z.literal('role'), roleArn: roleArnWire }).strict(),
  z.object({ kind: z.literal('subject'), subject: z.string().min(3).max(2048) }).strict(),
]);

/** POST /v1/reviews */
export const openReviewBodyWire = z
  .object({
    scope: reviewScopeWire,
    /** `<issuer>#<sub>`, or an IAM role, user or root ARN, as the admin list names people. */
    reviewers: z.array(z.string().min(1).max(2048)).min(1).max(20),
    deadline: isoInstant,
    /** What undecided items get at the deadline. */
    deadlineDefault: z.enum(['keep', 'remove']),
    description: z.string().max(1024).optional(),
  })
  .strict();

/** POST /v1/reviews/{id}/items/{entitlementId} (If-Match: the entitlement version read). */
export const reviewDecisionBodyWire = z
  .object({
    decision: z.enum(['keep', 'keep-until', 'remove']),
    /** keep-until only: the entitlement ends then (its notAfter). */
    until: z.optional(isoInstant),
    note: z.string().max(1024).optional(),
  })
  .strict();

/** GET /v1/reviews?state=&reviewer=me (only the reviews naming the caller as a reviewer, admins included). */
export const reviewListQueryWire = z
  .object({ state: z.enum(['open', 'closed']).default('open'), reviewer: z.literal('me').optional() })
  .strict();

export const reviewWire = z.object({
  id: z.string(),
  scope: reviewScopeWire,
  reviewers: z.array(z.string()),
  deadline: isoInstant,
  deadlineDefault: z.enum(['keep', 'remove']),
  description: z.string().optional(),
  openedBy: z.string(),
  openedAt: isoInstant,
  state: z.enum(['open', 'closed']),
  closedAt: z.optional(isoInstant),
  /** The admin who closed it early; absent when its deadline closed it. */
  closedBy: z.string().optional(),
  items: z.number().int(),
});
export type ReviewWire = z.infer<typeof reviewWire>;

export const reviewListWire = z.object({ reviews: z.array(reviewWire) });
export type ReviewListWire = z.infer<typeof reviewListWire>;

const decisionWire = z.object({
  decision: z.enum(['keep', 'keep-until', 'remove']),
  until: z.optional(isoInstant),
  by: z.string(),
  byName: z.string(),
  at: isoInstant,
  note: z.string().optional(),
  /** Given by the deadline default (or an early close), not by a reviewer. */
  byDefault: z.boolean(),
  /** The entitlement version it applies to. */
  entitlementVersion: z.number().int(),
  /** applied; gone (already removed); conflict (changed meanwhile: not applied); absent: being applied. */
  outcome: z.enum(['applied', 'gone', 'conflict']).optional(),
});

const evidenceWire = unusedAccessWire.shape.entitlements.element.omit({
  id: true,
  subject: true,
  subjectKind: true,
  accountId: true,
  roleArn: true,
});

export const reviewItemWire = z.object({
  entitlementId: z.string(),
  subject: z.string(),
  accountId: z.string(),
  roleArn: z.string(),
  /** The version the review opened on. */
  openedVersion: z.number().int(),
  /** The entitlement now (absent once removed); its version is what a decision's If-Match names. */
  entitlement: adminEntitlementWire.optional(),
  evidence: evidenceWire.optional(),
  decision: decisionWire.optional(),
  /** GET /v1/reviews/{id}: the reader is (one of) its subject, so they may not decide it. */
  callerIsSubject: z.boolean().optional(),
});
export type ReviewItemWire = z.infer<typeof reviewItemWire>;

/** GET /v1/reviews/{id}: the review, each item with its entitlement now and its evidence. */
export const reviewDetailWire = z.object({
  review: reviewWire,
  items: z.array(reviewItemWire),
  partialAccounts: z.array(z.string()),
});
export type ReviewDetailWire = z.infer<typeof reviewDetailWire>;
