import { type IdentityRules, identitiesOfListed } from '../identity/principal-names.js';
import { groupKeyOf } from '../identity/roles.js';
import { STS_LIMITS } from '../issuance/sts-limits.js';
import { ConflictError, InvalidRequestError } from '../shared/errors.js';
import type { AuthMethod, Entitlement } from '../shared/types.js';
import { IllegalTransitionError, NotApproverError, NotRequestableError } from './errors.js';
import { type OnCallCheck, onCallFallbackNote, scheduleName } from './on-call.js';
import { ticketPatternProblem } from './ticket-pattern.js';
import type {
  AccessRequest,
  AccessRequestInput,
  Audience,
  Decision,
  DecisionChannel,
  Requestable,
  RequestState,
  ResolvedAudience,
  ResolvedRequestable,
  TransitionName,
} from './types.js';

/**
 * The request lifecycle as a pure state machine: each step takes the stored request and
 * returns the next one, or throws. Storage applies a step only if the request is still the
 * version the step was computed from, so concurrent steps cannot both land.
 *
 *   requested ──approve (quorum met)──▶ active ──end passes──▶ expired
 *       │ ├──deny──▶ denied                  └──revoke──▶ ended (revoked)
 *       │ ├──cancel──▶ cancelled
 *       │ └──answer deadline passes──▶ expired-unanswered
 *   (break-glass and auto-approval open a request directly as active)
 *
 * Approval makes the grant: it starts when its quorum is met, or at the start the requester
 * scheduled if that is later (approvals may come before it; until then the grant entitlement
 * is not yet valid, so nothing issues), and lasts what was asked from its start.
 */

/** Someone acting on a request, as far as the rules need to know them. */
export interface Actor {
  /** As audited and as approver lists name people: OIDC `iss#sub` or an AWS ARN. */
  principal: string;
  /** The verified identity key (Caller.identityKey): one person, whatever session they use. */
  identity: string;
  authMethod: AuthMethod;
  /** The actor's verified email (Caller.verifiedEmail), compared only to refuse. */
  email?: string;
  /** The group subject keys the actor's verified token carries (none for AWS or Slack). */
  groups: readonly string[];
  via: DecisionChannel;
  slackUserId?: string;
}

export interface Step {
  request: AccessRequest;
  transition: TransitionName;
  /** What the audit record of this step says besides the transition (the on-call rule's finding). */
  note?: string;
}

/** The requester of a new request: an actor with a display name. */
export interface Requester extends Actor {
  displayName: string;
}

/**
 * The shortest grant: STS's shortest session (15 min) plus the widest SDK refresh window
 * (botocore refreshes 15 min before expiry; the JS SDK 5). A grant cannot issue in its
 * last 15 minutes, and credentials that start inside a refresh window are refreshed on
 * every call, so anything shorter would give a grant that never works for a client.
 */
export const SDK_REFRESH_WINDOW_SECONDS = 900;
export const MIN_GRANT_SECONDS = STS_LIMITS.minDurationSeconds + SDK_REFRESH_WINDOW_SECONDS;
/** A reason: 3 to 1024 characters, no control characters (requests and extensions alike). */
export const REASON = /^[^\p{Cc}]{3,1024}$/u;
/** How far ahead a start may be scheduled; a minute in the past is still "now" (clock skew). */
export const MAX_START_AHEAD_SECONDS = 30 * 86_400;
const START_SKEW_MS = 60_000;
const FREE_TICKET = /^[\x21-\x7e]{1,128}$/;

/** Where audiences are resolved: group names against `groupIssuer`, people by `identity`. */
export interface AudienceRules {
  groupIssuer?: string;
  identity: IdentityRules;
}

/**
 * An audience as compared: each named person as the identity key authentication gives them
 * (a name that stands for nobody, such as a session ARN stored before this rule, matches
 * nobody), each group as the subject key verified callers carry (`<issuer>#<group>`, or a
 * bare name of `groupIssuer`): a group name from one issuer never matches another's.
 */
export function resolveAudience(audience: Audience, rules: AudienceRules): ResolvedAudience {
  const groups = audience.groups
    .map((g) => groupKeyOf(g, rules.groupIssuer))
    .filter((key): key is string => key !== undefined);
  return { identities: identitiesOfListed(audience.principals, rules.identity).keys, groups };
}

/** The requestable with every audience resolved (see resolveAudience). */
export function resolveRequestable(requestable: Requestable, rules: AudienceRules): ResolvedRequestable {
  const { autoApproval, escalation, ...rest } = requestable;
  const resolved: ResolvedRequestable = {
    ...rest,
    requesters: resolveAudience(requestable.requesters, rules),
    approvers: resolveAudience(requestable.approvers, rules),
  };
  if (escalation) {
    resolved.escalation = {
      afterSeconds: escalation.afterSeconds,
      approvers: resolveAudience(escalation.approvers, rules),
    };
  }
  if (autoApproval) {
    resolved.autoApproval = {
      maxGrantSeconds: autoApproval.maxGrantSeconds,
      requesters: resolveAudience(autoApproval.requesters, rules),
    };
  }
  return resolved;
}

const NOBODY: ResolvedAudience = { identities: [], groups: [] };

/**
 * Who may decide `request` at `now`: the approvers, and once a pending request has waited
 * the escalation's delay, the escalation's approvers too. Derived from the clock, like the
 * answer deadline: escalating writes nothing (the scheduler only announces it).
 */
export function approversAt(
  requestable: ResolvedRequestable | undefined,
  request: AccessRequest,
  now: Date,
): ResolvedAudience {
  if (!requestable) return NOBODY;
  const { approvers, escalation } = requestable;
  const escalated =
    escalation !== undefined &&
    stateAt(request, now) === 'requested' &&
    now.getTime() >= request.createdAt.getTime() + escalation.afterSeconds * 1000;
  if (!escalated) return approvers;
  return {
    identities: [...approvers.identities, ...escalation.approvers.identities],
    groups: [...approvers.groups, ...escalation.approvers.groups],
  };
}

/** Whether the actor's identity key is named, or it holds one of the audience's group keys. */
export function inAudience(actor: Pick<Actor, 'identity' | 'groups'>, audience: ResolvedAudience): boolean {
  return (
    audience.identities.includes(actor.identity) || actor.groups.some((g) => audience.groups.includes(g))
  );
}

/**
 * Whether two verified identifiers name one person: the same identity key, or the same
 * verified email (one person with accounts at two issuers). Used only where it refuses.
 */
export function samePerson(
  a: { identity: string; email?: string | undefined },
  b: { identity: string; email?: string | undefined },
): boolean {
  return a.identity === b.identity || (a.email !== undefined && a.email === b.email);
}

function requesterOf(request: AccessRequest): { identity: string; email?: string } {
  return request.requesterEmail === undefined
    ? { identity: request.requesterSubject }
    : { identity: request.requesterSubject, email: request.requesterEmail };
}

/** Whether the actor is the requester by any verified identifier. */
export function isRequester(actor: Pick<Actor, 'identity' | 'email'>, request: AccessRequest): boolean {
  return samePerson(actor, requesterOf(request));
}

/** The state a caller sees at `now`: deadlines pass without anything being written. */
export function stateAt(request: AccessRequest, now: Date): RequestState {
  if (request.state === 'requested' && now >= request.answerBy) return 'expired-unanswered';
  if (request.state === 'active' && request.grantEnd && now >= request.grantEnd) return 'expired';
  return request.state;
}

export function decision(actor: Actor, now: Date, comment?: string): Decision {
  const made: Decision = {
    principal: actor.principal,
    identity: actor.identity,
    at: now,
    via: actor.via,
    authMethod: actor.authMethod,
  };
  if (actor.email !== undefined) made.email = actor.email;
  const trimmed = comment?.trim();
  if (trimmed) made.comment = trimmed.slice(0, 1024);
  if (actor.slackUserId !== undefined) made.slackUserId = actor.slackUserId;
  return made;
}

function startProblem(requestable: ResolvedRequestable, start: Date | undefined, now: Date): string[] {
  if (start === undefined) return [];
  if (Number.isNaN(start.getTime())) return ['start: an instant'];
  if (requestable.breakGlass) return ['start: break-glass access starts at once; give no start'];
  const ahead = start.getTime() - now.getTime();
  if (ahead < -START_SKEW_MS || ahead > MAX_START_AHEAD_SECONDS * 1000)
    return [`start: from now to ${MAX_START_AHEAD_SECONDS / 86_400} days ahead`];
  return [];
}

function checkInput(requestable: ResolvedRequestable, input: AccessRequestInput, now: Date): string[] {
  const problems: string[] = startProblem(requestable, input.start, now);
  const reason = input.reason.trim();
  if (!REASON.test(reason)) problems.push('reason: 3 to 1024 characters, no control characters');
  const max = requestable.maxGrantSeconds;
  if (
    !Number.isInteger(input.grantSeconds) ||
    input.grantSeconds < MIN_GRANT_SECONDS ||
    input.grantSeconds > max
  ) {
    problems.push(`duration: whole seconds from ${MIN_GRANT_SECONDS} to ${max} for ${requestable.id}`);
  }
  if (requestable.ticketPattern !== undefined && ticketPatternProblem(requestable.ticketPattern)) {
    // Stored before patterns were checked: never run, so no ticket can stall the function.
    problems.push(`ticket: ${requestable.id}'s ticketPattern is refused (an admin must replace it)`);
  } else if (requestable.ticketPattern !== undefined) {
    const pattern = new RegExp(`^(?:${requestable.ticketPattern})$`);
    if (input.ticket === undefined || !pattern.test(input.ticket)) {
      problems.push(`ticket: required, matching ${requestable.ticketPattern}`);
    }
  } else if (input.ticket !== undefined && !FREE_TICKET.test(input.ticket)) {
    problems.push('ticket: 1 to 128 printable characters');
  }
  return problems;
}

/**
 * A new request. Refused unless the requester may request this access and the input fits
 * its rules. Break-glass and auto-approval rules open it as an active grant at once, and so
 * does `onCall` when it found the requester on call (the requestable's on-call rule).
 */
export function openRequest(
  requestable: ResolvedRequestable,
  requester: Requester,
  input: AccessRequestInput,
  id: string,
  now: Date,
  onCall?: OnCallCheck,
): Step {
  if (!inAudience(requester, requestable.requesters)) {
    throw new NotRequestableError(`you may not request ${input.requestableId}`);
  }
  const problems = checkInput(requestable, input, now);
  if (problems.length > 0) {
    throw new InvalidRequestError(
      `the request does not fit the rules of ${requestable.id}`,
      problems.map((message) => ({ path: message.slice(0, message.indexOf(':')), message })),
    );
  }
  const request: AccessRequest = {
    id,
    requestableId: requestable.id,
    requestableVersion: requestable.version,
    requester: requester.principal,
    requesterSubject: requester.identity,
    requesterName: requester.displayName,
    accountId: requestable.accountId,
    roleArn: requestable.roleArn,
    reason: input.reason.trim(),
    grantSeconds: input.grantSeconds,
    createdAt: now,
    answerBy: new Date(now.getTime() + requestable.answerWithinSeconds * 1000),
    quorum: requestable.quorum,
    state: 'requested',
    approvals: [],
    breakGlass: requestable.breakGlass,
    reviewRequired: requestable.breakGlass,
    version: 1,
  };
  if (input.ticket !== undefined) request.ticket = input.ticket;
  if (requester.email !== undefined) request.requesterEmail = requester.email;
  if (input.start !== undefined && input.start > now) request.requestedStart = input.start;
  if (requestable.breakGlass) return { request: activate(request, now), transition: 'break-glass' };
  const rule = requestable.autoApproval;
  if (rule && inAudience(requester, rule.requesters) && input.grantSeconds <= rule.maxGrantSeconds) {
    const auto: Decision = {
      principal: 'credvend:auto-approval',
      identity: 'credvend:auto-approval',
      at: now,
      via: 'auto',
    };
    return { request: activate({ ...request, approvals: [auto] }, now), transition: 'auto-approved' };
  }
  // Being on call now says nothing of a later start: a scheduled request goes to the approvers.
  if (onCall && request.requestedStart === undefined) return onCallStep(request, onCall, now);
  return { request, transition: 'requested' };
}

/**
 * The on-call rule: a requester on call now is granted at once, for what they asked or until
 * their shift ends, whichever is sooner. A shift ending within STS's shortest session, or any
 * other finding (not on call, no email, lookup failed), leaves the request to the approvers,
 * and the audit record says which.
 */
function onCallStep(request: AccessRequest, check: OnCallCheck, now: Date): Step {
  const left = check.kind === 'on-call' ? Math.floor((check.shiftEnd.getTime() - now.getTime()) / 1000) : 0;
  if (check.kind !== 'on-call' || left < MIN_GRANT_SECONDS) {
    return { request, transition: 'requested', note: onCallFallbackNote(check) };
  }
  const why = `on call in ${scheduleName(check.schedule)} until ${check.shiftEnd.toISOString()}`;
  const auto: Decision = {
    principal: 'credvend:on-call',
    identity: 'credvend:on-call',
    at: now,
    via: 'auto',
    comment: why,
  };
  const granted = { ...request, grantSeconds: Math.min(request.grantSeconds, left), approvals: [auto] };
  return { request: activate(granted, now), transition: 'auto-approved', note: why };
}

/** The grant begins at approval, or at the scheduled start if that is later; it lasts what was asked from then. */
function activate(request: AccessRequest, now: Date): AccessRequest {
  const start = request.requestedStart && request.requestedStart > now ? request.requestedStart : now;
  return {
    ...request,
    state: 'active',
    grantStart: start,
    grantEnd: new Date(start.getTime() + request.grantSeconds * 1000),
  };
}

function requirePending(request: AccessRequest, now: Date, step: string): void {
  const state = stateAt(request, now);
  if (state !== 'requested') throw new IllegalTransitionError(state, step);
}

/** Approvers decide; never the requester, whatever the approver list says. */
export function requireApprover(request: AccessRequest, approvers: ResolvedAudience, actor: Actor): void {
  if (isRequester(actor, request)) {
    throw new NotApproverError('requesters cannot approve or deny their own request');
  }
  if (!inAudience(actor, approvers)) throw new NotApproverError('you are not an approver of this request');
}

/** The request after a step: its changes and the next version (the store's write condition). */
export function next(request: AccessRequest, changes: Partial<AccessRequest>): AccessRequest {
  return { ...request, ...changes, version: request.version + 1 };
}

export function approve(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  now: Date,
  comment?: string,
): Step {
  requirePending(request, now, 'approved');
  requireApprover(request, approvers, actor);
  // One approval per person: a second identity with the same verified email is not a second approver.
  if (request.approvals.some((a) => samePerson(a, actor))) {
    throw new IllegalTransitionError('already approved by you', 'approved again');
  }
  const approvals = [...request.approvals, decision(actor, now, comment)];
  if (approvals.length < request.quorum) {
    return { request: next(request, { approvals }), transition: 'approval-recorded' };
  }
  return { request: activate(next(request, { approvals }), now), transition: 'approved' };
}

/**
 * An approval grants the access the requester asked for and the approvers saw: once the
 * requestable has changed (another role, policy, approver list or quorum) or is gone, the
 * approval is refused and the requester asks again under the new rules.
 */
export function requireRequestedVersion(request: AccessRequest, currentVersion: number | undefined): void {
  if (currentVersion === request.requestableVersion) return;
  throw new ConflictError(
    currentVersion === undefined
      ? `${request.requestableId} no longer exists; nothing can be granted under it`
      : `${request.requestableId} changed since this was requested (version ${request.requestableVersion}, now ${currentVersion}); cancel it and request again`,
  );
}

export function deny(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  now: Date,
  comment?: string,
): Step {
  requirePending(request, now, 'denied');
  requireApprover(request, approvers, actor);
  return {
    request: next(request, { state: 'denied', denial: decision(actor, now, comment) }),
    transition: 'denied',
  };
}

/** Only the requester withdraws a pending request. */
export function cancel(request: AccessRequest, actor: Actor, now: Date, comment?: string): Step {
  requirePending(request, now, 'cancelled');
  if (actor.identity !== request.requesterSubject) {
    throw new NotApproverError('only the requester can cancel a request');
  }
  return {
    request: next(request, { state: 'cancelled', cancellation: decision(actor, now, comment) }),
    transition: 'cancelled',
  };
}

/** Who may end a grant (or complete its recorded revocation): its requester, an approver, an admin. */
export function requireRevoker(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  isAdmin: boolean,
): void {
  if (actor.identity !== request.requesterSubject && !inAudience(actor, approvers) && !isAdmin) {
    throw new NotApproverError('only the requester, an approver or an admin can revoke a grant');
  }
}

/** Ends a grant in force early: the requester giving it up, an approver, or an admin. */
export function revoke(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  isAdmin: boolean,
  now: Date,
  comment?: string,
): Step {
  const state = stateAt(request, now);
  if (state !== 'active') throw new IllegalTransitionError(state, 'revoked');
  // A pending extension lapses with the grant (extensionStateAt: its grant is no longer active).
  requireRevoker(request, approvers, actor, isAdmin);
  return {
    request: next(request, {
      state: 'ended',
      grantEnd: now,
      revocation: decision(actor, now, comment),
      // The write-ahead record: stored with the end of the grant, cleared once the Deny lands.
      sessionsDeny: 'due',
    }),
    transition: 'revoked',
  };
}

/** Records the after-the-fact review of a break-glass grant, by someone other than its user. */
export function review(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  isAdmin: boolean,
  now: Date,
  comment?: string,
): Step {
  if (!request.reviewRequired) throw new IllegalTransitionError('not break-glass', 'reviewed');
  if (request.review) throw new IllegalTransitionError('already reviewed', 'reviewed');
  if (isRequester(actor, request)) {
    throw new NotApproverError('a break-glass grant is reviewed by someone other than its user');
  }
  if (!inAudience(actor, approvers) && !isAdmin) {
    throw new NotApproverError('only an approver or an admin can review a break-glass grant');
  }
  return { request: next(request, { review: decision(actor, now, comment) }), transition: 'reviewed' };
}

/** When the grant was to end before it was revoked: no session under it outlives this. */
export function plannedGrantEnd(request: AccessRequest): Date {
  const start = request.grantStart ?? request.createdAt;
  return new Date(start.getTime() + request.grantSeconds * 1000);
}

export function grantEntitlementId(requestId: string): string {
  return `grant-${requestId}`;
}

/**
 * The time-boxed entitlement a grant in force is: the requestable's ceiling for the
 * requester's own subject, valid from the grant's start to its end. Issuance under it is
 * the normal path; `notAfter` makes it refused afterwards and caps each session's length.
 */
export function grantEntitlement(
  request: AccessRequest,
  requestable: Omit<Requestable, 'requesters' | 'approvers' | 'autoApproval' | 'escalation'>,
): Entitlement {
  if (request.state !== 'active' || !request.grantStart || !request.grantEnd) {
    throw new IllegalTransitionError(request.state, 'granted');
  }
  const entitlement: Entitlement = {
    id: grantEntitlementId(request.id),
    subject: request.requesterSubject,
    accountId: requestable.accountId,
    roleArn: requestable.roleArn,
    maxDurationSeconds: requestable.maxSessionSeconds,
    managedPolicyArns: [...requestable.managedPolicyArns],
    tags: { ...requestable.tags },
    claimTags: {},
    transitiveTagKeys: [],
    notBefore: request.grantStart,
    notAfter: request.grantEnd,
    reasonRequired: false,
    effect: 'allow',
    description: `grant of access request ${request.id} (${requestable.id})`,
    accessRequestId: request.id,
    version: 1,
  };
  if (requestable.sessionPolicy) entitlement.sessionPolicy = requestable.sessionPolicy;
  if (requestable.externalId !== undefined) entitlement.externalId = requestable.externalId;
  return entitlement;
}
