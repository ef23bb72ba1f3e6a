import * as z from 'zod';
import { isoInstant, policyDocumentWire } from './common.js';

export const REQUESTABLE_ID = /^[\w.:@+=-]{1,128}$/;
export const ACCESS_REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** PagerDuty schedule ids (P…) and Opsgenie's (UUIDs): placed in a URL path or query as they are. */
export const SCHEDULE_ID = /^[A-Za-z0-9-]{1,64}$/;
const onCallProvider = z.enum(['pagerduty', 'opsgenie']);

const principalList = z.array(z.string().min(1).max(2048)).max(100).default([]);
const audienceInput = z.object({ principals: principalList, groups: principalList }).strict();

/** POST /v1/access-requests */
export const accessRequestBodyWire = z
  .object({
    requestable: z.string().regex(REQUESTABLE_ID, 'a requestable access id'),
    durationSeconds: z.number().int().positive(),
    reason: z.string().max(1024),
    ticket: z.string().max(256).optional(),
    /** A scheduled start (ISO 8601 with offset): the grant begins then, however early it is approved. */
    start: z.optional(isoInstant),
  })
  .strict();

/** POST /v1/access-requests/{id}/extend: this much longer (from the grant's current end), and why. */
export const extensionBodyWire = z
  .object({
    durationSeconds: z.number().int().positive(),
    reason: z.string().max(1024),
  })
  .strict();

/** POST /v1/access-requests/{id}/{approve|deny|cancel|revoke|review} and extension/{approve|deny|cancel} */
export const decisionBodyWire = z.object({ comment: z.string().max(1024).optional() }).strict();

/** GET /v1/access-requests?view= */
export const accessRequestListQueryWire = z.object({
  view: z.enum(['mine', 'to-approve', 'needs-review', 'grants']).optional(),
});

/** PUT /v1/requestables/{id} */
export const requestableBodyWire = z
  .object({
    description: z.string().max(1024).optional(),
    requesters: audienceInput,
    approvers: audienceInput,
    quorum: z.number().int().min(1).max(10).default(1),
    accountId: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
    roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN'),
    sessionPolicy: z.unknown().optional(),
    managedPolicyArns: z.array(z.string().max(2048)).max(10).default([]),
    tags: z.record(z.string().max(128), z.string().max(256)).default({}),
    externalId: z.string().min(2).max(1224).optional(),
    maxSessionSeconds: z.number().int().default(3600),
    maxGrantSeconds: z.number().int(),
    answerWithinSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400),
    ticketPattern: z.string().min(1).max(256).optional(),
    autoApproval: z
      .object({ requesters: audienceInput, maxGrantSeconds: z.number().int().positive() })
      .strict()
      .optional(),
    // A requester on call now in this schedule (by verified email) is granted until the shift ends at most.
    onCall: z
      .object({
        provider: onCallProvider,
        scheduleId: z.string().regex(SCHEDULE_ID, 'a schedule id: 1-64 letters, digits and -'),
      })
      .strict()
      .optional(),
    // Follow-ups the scheduler sends once: a reminder, an escalation (whose approvers may then
    // decide too), and a notice to the holder before a grant ends.
    remindAfterSeconds: z.number().int().optional(),
    escalation: z.object({ afterSeconds: z.number().int(), approvers: audienceInput }).strict().optional(),
    endingNoticeSeconds: z.number().int().optional(),
    breakGlass: z.boolean().default(false),
  })
  .strict();

/** One approval, denial, cancellation, revocation or review. */
export const decisionWire = z.object({
  principal: z.string(),
  /** The decider's verified email, shown beside the principal (never instead of it). */
  name: z.string().optional(),
  at: isoInstant,
  via: z.enum(['api', 'slack', 'auto']),
  comment: z.string().optional(),
  slackUserId: z.string().optional(),
});

/** The latest request to extend a grant; an approved one has moved `grant.end` by `durationSeconds`. */
export const extensionWire = z.object({
  durationSeconds: z.number().int(),
  reason: z.string(),
  state: z.enum(['requested', 'approved', 'denied', 'cancelled', 'expired-unanswered']),
  requestedAt: isoInstant,
  answerBy: isoInstant,
  /** The grant's end when asked; approved, it ends `durationSeconds` later. */
  fromEnd: isoInstant,
  approvals: z.array(decisionWire),
  denial: decisionWire.optional(),
  cancellation: decisionWire.optional(),
});

/** An access request as the API shows it: its state as of the answer, its grant when there is one. */
export const accessRequestWire = z.object({
  id: z.string(),
  requestable: z.string(),
  requester: z.string(),
  requesterName: z.string(),
  accountId: z.string(),
  roleArn: z.string(),
  reason: z.string(),
  ticket: z.string().optional(),
  durationSeconds: z.number().int(),
  /** The start the requester scheduled, when they did; the grant's start is this or its approval, whichever is later. */
  start: z.optional(isoInstant),
  state: z.enum(['requested', 'active', 'denied', 'cancelled', 'ended', 'expired-unanswered', 'expired']),
  createdAt: isoInstant,
  answerBy: isoInstant,
  quorum: z.number().int(),
  approvals: z.array(decisionWire),
  denial: decisionWire.optional(),
  cancellation: decisionWire.optional(),
  revocation: decisionWire.optional(),
  grant: z.object({ entitlement: z.string(), start: isoInstant, end: isoInstant }).optional(),
  breakGlass: z.boolean(),
  reviewRequired: z.boolean(),
  review: decisionWire.optional(),
  extension: extensionWire.optional(),
  version: z.number().int(),
});
export type AccessRequestWire = z.infer<typeof accessRequestWire>;

export const accessRequestListWire = z.object({ accessRequests: z.array(accessRequestWire) });

const audienceWire = z.object({ principals: z.array(z.string()), groups: z.array(z.string()) });

/** Requestable access as the API shows it: whether an ExternalId is set, never the ExternalId. */
export const requestableWire = z.object({
  id: z.string(),
  description: z.string().optional(),
  requesters: audienceWire,
  approvers: audienceWire,
  quorum: z.number().int(),
  accountId: z.string(),
  roleArn: z.string(),
  sessionPolicy: z.optional(policyDocumentWire),
  managedPolicyArns: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  externalIdSet: z.boolean(),
  maxSessionSeconds: z.number().int(),
  maxGrantSeconds: z.number().int(),
  answerWithinSeconds: z.number().int(),
  ticketPattern: z.string().optional(),
  autoApproval: z.object({ requesters: audienceWire, maxGrantSeconds: z.number().int() }).optional(),
  onCall: z.object({ provider: onCallProvider, scheduleId: z.string() }).optional(),
  remindAfterSeconds: z.number().int().optional(),
  escalation: z.object({ afterSeconds: z.number().int(), approvers: audienceWire }).optional(),
  endingNoticeSeconds: z.number().int().optional(),
  breakGlass: z.boolean(),
  version: z.number().int(),
});
export type RequestableWire = z.infer<typeof requestableWire>;

export const requestableListWire = z.object({ requestables: z.array(requestableWire) });

/** The answer to a Slack interaction: shown to the clicking user only. */
export const slackReplyWire = z.object({
  response_type: z.literal('ephemeral'),
  replace_original: z.boolean(),
  text: z.string(),
});
