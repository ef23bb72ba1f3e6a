import * as z from 'zod';
import { ON_CALL_PROVIDERS } from '../domain/access-requests/on-call.js';
import type { AccessRequest, Requestable } from '../domain/access-requests/types.js';
import { parsePolicyDocument } from '../domain/policy/policy.js';
import { AUTH_METHODS } from '../domain/shared/types.js';
import { type Item, MalformedItemError, num, readNumber, readString, str } from './attribute-values.js';

/**
 * Requests and requestables are stored as one validated JSON document (`doc`) plus the
 * attributes their keys and indexes need. Reading parses the document with the same
 * schema every time: a stored item is never trusted to have the shape this code wrote.
 */
const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const audience = z.object({ principals: z.array(z.string()), groups: z.array(z.string()) });

const decisionSchema = z.object({
  principal: z.string(),
  identity: z.string(),
  email: z.string().optional(),
  at: isoDate,
  comment: z.string().optional(),
  via: z.enum(['api', 'slack', 'auto']),
  authMethod: z.enum(AUTH_METHODS).optional(),
  slackUserId: z.string().optional(),
});

const extensionSchema = z.object({
  seconds: z.number().int(),
  reason: z.string(),
  requestedAt: isoDate,
  answerBy: isoDate,
  fromEnd: isoDate,
  state: z.enum(['requested', 'approved', 'denied', 'cancelled']),
  approvals: z.array(decisionSchema),
  denial: decisionSchema.optional(),
  cancellation: decisionSchema.optional(),
});

const requestSchema = z.object({
  id: z.string(),
  requestableId: z.string(),
  // Requests stored before versions were carried read as 0, which no requestable has: their
  // approval is refused (asked again) rather than granting an access nobody saw requested.
  requestableVersion: z.number().int().min(0).default(0),
  requester: z.string(),
  requesterSubject: z.string(),
  requesterName: z.string(),
  requesterEmail: z.string().optional(),
  accountId: z.string(),
  roleArn: z.string(),
  reason: z.string(),
  ticket: z.string().optional(),
  grantSeconds: z.number().int(),
  requestedStart: isoDate.optional(),
  createdAt: isoDate,
  answerBy: isoDate,
  quorum: z.number().int().min(1),
  state: z.enum(['requested', 'active', 'denied', 'cancelled', 'ended']),
  approvals: z.array(decisionSchema),
  denial: decisionSchema.optional(),
  cancellation: decisionSchema.optional(),
  grantStart: isoDate.optional(),
  grantEnd: isoDate.optional(),
  revocation: decisionSchema.optional(),
  sessionsDeny: z.enum(['due', 'written']).optional(),
  breakGlass: z.boolean(),
  reviewRequired: z.boolean(),
  review: decisionSchema.optional(),
  extension: extensionSchema.optional(),
  version: z.number().int().min(1),
});

const requestableSchema = z.object({
  id: z.string(),
  description: z.string().optional(),
  requesters: audience,
  approvers: audience,
  quorum: z.number().int().min(1),
  accountId: z.string(),
  roleArn: z.string(),
  sessionPolicy: z.unknown().optional(),
  managedPolicyArns: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  externalId: z.string().optional(),
  maxSessionSeconds: z.number().int(),
  maxGrantSeconds: z.number().int(),
  answerWithinSeconds: z.number().int(),
  ticketPattern: z.string().optional(),
  autoApproval: z.object({ requesters: audience, maxGrantSeconds: z.number().int() }).optional(),
  onCall: z.object({ provider: z.enum(ON_CALL_PROVIDERS), scheduleId: z.string() }).optional(),
  remindAfterSeconds: z.number().int().optional(),
  escalation: z.object({ afterSeconds: z.number().int(), approvers: audience }).optional(),
  endingNoticeSeconds: z.number().int().optional(),
  breakGlass: z.boolean(),
  version: z.number().int().min(1),
});

function parseDoc<T>(item: Item, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readString(item, 'doc'));
  } catch {
    throw new MalformedItemError('attribute doc is not JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new MalformedItemError(`attribute doc: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Sparse index attributes: only pending requests and unreviewed break-glass grants carry them. */
export const PENDING = 'pending';
/** Kept in the same sparse index as pending requests, under its own value: revocations whose Deny is due. */
export const DENY_DUE = 'deny-due';
/** Grants in force, for the follow-up scheduler (a grant's end notice); past their end they are skipped. */
export const ACTIVE = 'active';
export const REVIEW_DUE = 'review-due';
/** Grants in force whose extension awaits decisions: listed to approvers beside pending requests. */
export const EXTENSION_PENDING = 'extension';

export function accessRequestToItem(request: AccessRequest): Item {
  const item: Item = {
    requestId: str(request.id),
    // Indexed by identity key: "my requests" are one person's, whichever session asks.
    requester: str(request.requesterSubject),
    createdAt: str(request.createdAt.toISOString()),
    version: num(request.version),
    doc: str(JSON.stringify(request)),
  };
  if (request.state === 'requested') item.pending = str(PENDING);
  else if (request.sessionsDeny === 'due') item.pending = str(DENY_DUE);
  else if (request.state === 'active' && request.extension?.state === 'requested')
    item.pending = str(EXTENSION_PENDING);
  else if (request.state === 'active') item.pending = str(ACTIVE);
  if (request.reviewRequired && !request.review) item.reviewDue = str(REVIEW_DUE);
  return item;
}

export function itemToAccessRequest(item: Item): AccessRequest {
  const request: AccessRequest = parseDoc(item, requestSchema);
  if (readNumber(item, 'version') !== request.version) throw new MalformedItemError('version mismatch');
  return request;
}

export function requestableToItem(requestable: Requestable): Item {
  return {
    requestableId: str(requestable.id),
    version: num(requestable.version),
    doc: str(JSON.stringify(requestable)),
  };
}

export function itemToRequestable(item: Item): Requestable {
  const { sessionPolicy, ...parsed } = parseDoc(item, requestableSchema);
  const requestable: Requestable = parsed;
  if (sessionPolicy !== undefined)
    requestable.sessionPolicy = parsePolicyDocument(sessionPolicy, 'sessionPolicy');
  return requestable;
}
