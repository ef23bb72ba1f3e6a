import * as z from 'zod';
import type {
  AccessRequest,
  AccessRequestInput,
  Decision,
  Requestable,
} from '../domain/access-request-types.js';
import { grantEntitlementId, stateAt } from '../domain/access-requests.js';
import { InvalidRequestError } from '../domain/errors.js';
import { parsePolicyDocument } from '../domain/policy.js';
import type { RequestableInput } from '../domain/requestable-admin.js';
import { invalidRequest } from '../domain/validation.js';

export const REQUESTABLE_ID = /^[\w.:@+=-]{1,128}$/;
export const ACCESS_REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const principalList = z.array(z.string().min(1).max(2048)).max(100).default([]);
const audience = z.object({ principals: principalList, groups: principalList }).strict();

/** POST /v1/access-requests */
export const accessRequestBody = z
  .object({
    requestable: z.string().regex(REQUESTABLE_ID, 'a requestable access id'),
    durationSeconds: z.number().int().positive(),
    reason: z.string().max(1024),
    ticket: z.string().max(256).optional(),
  })
  .strict();

/** POST /v1/access-requests/{id}/{approve|deny|cancel|revoke|review} */
export const decisionBody = z.object({ comment: z.string().max(1024).optional() }).strict();

/** PUT /v1/requestables/{id} */
export const requestableBody = z
  .object({
    description: z.string().max(1024).optional(),
    requesters: audience,
    approvers: audience,
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
      .object({ requesters: audience, maxGrantSeconds: z.number().int().positive() })
      .strict()
      .optional(),
    breakGlass: z.boolean().default(false),
  })
  .strict();

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON');
  }
}

export function parseBody<T extends z.ZodType>(schema: T, text: string, what: string): z.output<T> {
  const result = schema.safeParse(parseJson(text));
  if (!result.success) throw invalidRequest(`the body does not match the ${what} schema`, result.error);
  return result.data;
}

export function toAccessRequestInput(body: z.output<typeof accessRequestBody>): AccessRequestInput {
  const input: AccessRequestInput = {
    requestableId: body.requestable,
    grantSeconds: body.durationSeconds,
    reason: body.reason,
  };
  if (body.ticket !== undefined) input.ticket = body.ticket;
  return input;
}

export function toRequestableInput(id: string, body: z.output<typeof requestableBody>): RequestableInput {
  const { sessionPolicy, ...rest } = body;
  const input: RequestableInput = { id, ...rest };
  if (sessionPolicy !== undefined) input.sessionPolicy = parsePolicyDocument(sessionPolicy, 'sessionPolicy');
  return input;
}

function decisionWire(d: Decision) {
  return {
    principal: d.principal,
    at: d.at.toISOString(),
    via: d.via,
    ...(d.comment !== undefined ? { comment: d.comment } : {}),
    ...(d.slackUserId !== undefined ? { slackUserId: d.slackUserId } : {}),
  };
}

/** A request as the API shows it: its state as of `now`, the grant's entitlement when there is one. */
export function toAccessRequestWire(r: AccessRequest, now: Date) {
  const optional = (d: Decision | undefined) => (d ? decisionWire(d) : undefined);
  return {
    id: r.id,
    requestable: r.requestableId,
    requester: r.requester,
    requesterName: r.requesterName,
    accountId: r.accountId,
    roleArn: r.roleArn,
    reason: r.reason,
    ticket: r.ticket,
    durationSeconds: r.grantSeconds,
    state: stateAt(r, now),
    createdAt: r.createdAt.toISOString(),
    answerBy: r.answerBy.toISOString(),
    quorum: r.quorum,
    approvals: r.approvals.map(decisionWire),
    denial: optional(r.denial),
    cancellation: optional(r.cancellation),
    revocation: optional(r.revocation),
    grant:
      r.grantStart && r.grantEnd
        ? {
            entitlement: grantEntitlementId(r.id),
            start: r.grantStart.toISOString(),
            end: r.grantEnd.toISOString(),
          }
        : undefined,
    breakGlass: r.breakGlass,
    reviewRequired: r.reviewRequired,
    review: optional(r.review),
    version: r.version,
  };
}

/** A requestable as the API shows it; the ExternalId is never sent back. */
export function toRequestableWire(r: Requestable) {
  const { externalId, ...rest } = r;
  return { ...rest, externalIdSet: externalId !== undefined };
}
