import type * as z from 'zod';
import { extensionStateAt } from '../domain/access-requests/extension.js';
import { grantEntitlementId, stateAt } from '../domain/access-requests/lifecycle.js';
import type { RequestableInput } from '../domain/access-requests/requestable-admin.js';
import type {
  AccessRequest,
  AccessRequestInput,
  Audience,
  Decision,
  ExtensionInput,
  Requestable,
} from '../domain/access-requests/types.js';
import { parsePolicyDocument } from '../domain/policy/policy.js';
import type {
  AccessRequestWire,
  accessRequestBodyWire,
  decisionWire,
  extensionBodyWire,
  extensionWire,
  RequestableWire,
  requestableBodyWire,
} from '../wire/access-requests.js';

export function toAccessRequestInput(body: z.output<typeof accessRequestBodyWire>): AccessRequestInput {
  const input: AccessRequestInput = {
    requestableId: body.requestable,
    grantSeconds: body.durationSeconds,
    reason: body.reason,
  };
  if (body.ticket !== undefined) input.ticket = body.ticket;
  if (body.start !== undefined) input.start = new Date(body.start);
  return input;
}

export function toExtensionInput(body: z.output<typeof extensionBodyWire>): ExtensionInput {
  return { seconds: body.durationSeconds, reason: body.reason };
}

export function toRequestableInput(id: string, body: z.output<typeof requestableBodyWire>): RequestableInput {
  const { sessionPolicy, ...rest } = body;
  const input: RequestableInput = { id, ...rest };
  if (sessionPolicy !== undefined) input.sessionPolicy = parsePolicyDocument(sessionPolicy, 'sessionPolicy');
  return input;
}

function toDecisionWire(d: Decision): z.infer<typeof decisionWire> {
  return {
    principal: d.principal,
    ...(d.email !== undefined ? { name: d.email } : {}),
    at: d.at.toISOString(),
    via: d.via,
    ...(d.comment !== undefined ? { comment: d.comment } : {}),
    ...(d.slackUserId !== undefined ? { slackUserId: d.slackUserId } : {}),
  };
}

function toExtensionWire(r: AccessRequest, now: Date): z.infer<typeof extensionWire> | undefined {
  const e = r.extension;
  const state = extensionStateAt(r, now);
  if (!e || !state) return undefined;
  return {
    durationSeconds: e.seconds,
    reason: e.reason,
    state,
    requestedAt: e.requestedAt.toISOString(),
    answerBy: e.answerBy.toISOString(),
    fromEnd: e.fromEnd.toISOString(),
    approvals: e.approvals.map(toDecisionWire),
    ...(e.denial ? { denial: toDecisionWire(e.denial) } : {}),
    ...(e.cancellation ? { cancellation: toDecisionWire(e.cancellation) } : {}),
  };
}

function extensionOf(r: AccessRequest, now: Date): { extension?: z.infer<typeof extensionWire> } {
  const extension = toExtensionWire(r, now);
  return extension ? { extension } : {};
}

/** A request as the API shows it: its state as of `now`, the grant's entitlement when there is one. */
export function toAccessRequestWire(r: AccessRequest, now: Date): AccessRequestWire {
  const optional = (name: 'denial' | 'cancellation' | 'revocation' | 'review') => {
    const decision = r[name];
    return decision ? { [name]: toDecisionWire(decision) } : {};
  };
  return {
    id: r.id,
    requestable: r.requestableId,
    requester: r.requester,
    requesterName: r.requesterName,
    accountId: r.accountId,
    roleArn: r.roleArn,
    reason: r.reason,
    ...(r.ticket !== undefined ? { ticket: r.ticket } : {}),
    durationSeconds: r.grantSeconds,
    ...(r.requestedStart !== undefined ? { start: r.requestedStart.toISOString() } : {}),
    state: stateAt(r, now),
    createdAt: r.createdAt.toISOString(),
    answerBy: r.answerBy.toISOString(),
    quorum: r.quorum,
    approvals: r.approvals.map(toDecisionWire),
    ...optional('denial'),
    ...optional('cancellation'),
    ...optional('revocation'),
    ...(r.grantStart && r.grantEnd
      ? {
          grant: {
            entitlement: grantEntitlementId(r.id),
            start: r.grantStart.toISOString(),
            end: r.grantEnd.toISOString(),
          },
        }
      : {}),
    breakGlass: r.breakGlass,
    reviewRequired: r.reviewRequired,
    ...optional('review'),
    ...extensionOf(r, now),
    version: r.version,
  };
}

const toAudienceWire = (a: Audience) => ({ principals: [...a.principals], groups: [...a.groups] });

/** A requestable as the API shows it, by allow-list: the ExternalId is never sent back. */
export function toRequestableWire(r: Requestable): RequestableWire {
  return {
    id: r.id,
    ...(r.description !== undefined ? { description: r.description } : {}),
    requesters: toAudienceWire(r.requesters),
    approvers: toAudienceWire(r.approvers),
    quorum: r.quorum,
    accountId: r.accountId,
    roleArn: r.roleArn,
    ...(r.sessionPolicy !== undefined ? { sessionPolicy: { ...r.sessionPolicy } } : {}),
    managedPolicyArns: [...r.managedPolicyArns],
    tags: { ...r.tags },
    externalIdSet: r.externalId !== undefined,
    maxSessionSeconds: r.maxSessionSeconds,
    maxGrantSeconds: r.maxGrantSeconds,
    answerWithinSeconds: r.answerWithinSeconds,
    ...(r.ticketPattern !== undefined ? { ticketPattern: r.ticketPattern } : {}),
    ...(r.autoApproval
      ? {
          autoApproval: {
            requesters: toAudienceWire(r.autoApproval.requesters),
            maxGrantSeconds: r.autoApproval.maxGrantSeconds,
          },
        }
      : {}),
    ...(r.onCall ? { onCall: { provider: r.onCall.provider, scheduleId: r.onCall.scheduleId } } : {}),
    ...(r.remindAfterSeconds !== undefined ? { remindAfterSeconds: r.remindAfterSeconds } : {}),
    ...(r.escalation
      ? {
          escalation: {
            afterSeconds: r.escalation.afterSeconds,
            approvers: toAudienceWire(r.escalation.approvers),
          },
        }
      : {}),
    ...(r.endingNoticeSeconds !== undefined ? { endingNoticeSeconds: r.endingNoticeSeconds } : {}),
    breakGlass: r.breakGlass,
    version: r.version,
  };
}
