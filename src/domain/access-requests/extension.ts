import { InvalidRequestError } from '../shared/errors.js';
import { IllegalTransitionError, NotApproverError, NotRequestableError } from './errors.js';
import {
  type Actor,
  decision,
  inAudience,
  next,
  REASON,
  requireApprover,
  requireRequestedVersion,
  type Step,
  samePerson,
  stateAt,
} from './lifecycle.js';
import { type OnCallCheck, scheduleName } from './on-call.js';
import type {
  AccessRequest,
  Decision,
  ExtensionInput,
  ExtensionState,
  GrantExtension,
  ResolvedAudience,
  ResolvedRequestable,
} from './types.js';

/**
 * Extending a grant in force, as a small state machine on the grant's request (one item, so
 * the store's version condition orders every step):
 *
 *   (active grant) ──ask──▶ requested ──approve (quorum met)──▶ approved: the grant ends later
 *                              │ ├──deny──▶ denied          (the grant is unchanged)
 *                              │ ├──cancel──▶ cancelled     (the grant is unchanged)
 *                              │ └──answer deadline or the grant's end passes──▶ expired-unanswered
 *
 * The rules are a request's: the requestable's approvers and quorum, never the holder; its
 * auto-approval rule (the whole grant within the rule's maximum) and on-call rule (the new end
 * within the shift). Never beyond the requestable's maximum, measured from the grant's start,
 * and only under the requestable version the grant was given under.
 */

/** The shortest extension worth a decision. */
export const MIN_EXTENSION_SECONDS = 60;

/** The extension's state at `now`: a pending one lapses at its deadline or when its grant ends. */
export function extensionStateAt(request: AccessRequest, now: Date): ExtensionState | undefined {
  const extension = request.extension;
  if (!extension) return undefined;
  if (extension.state !== 'requested') return extension.state;
  const lapsed = now >= extension.answerBy || stateAt(request, now) !== 'active';
  return lapsed ? 'expired-unanswered' : 'requested';
}

/** Whether an extension of this grant awaits decisions at `now`. */
export function extensionPending(request: AccessRequest, now: Date): boolean {
  return extensionStateAt(request, now) === 'requested';
}

/** How many more seconds the requestable's maximum leaves this grant, counted from its start. */
export function extensionAllowance(request: AccessRequest, maxGrantSeconds: number): number {
  if (!request.grantStart || !request.grantEnd) return 0;
  const used = (request.grantEnd.getTime() - request.grantStart.getTime()) / 1000;
  return Math.max(0, Math.floor(maxGrantSeconds - used));
}

function checkInput(request: AccessRequest, requestable: ResolvedRequestable, input: ExtensionInput): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (!REASON.test(input.reason.trim())) {
    problems.push({ path: 'reason', message: 'reason: 3 to 1024 characters, no control characters' });
  }
  const allowance = extensionAllowance(request, requestable.maxGrantSeconds);
  if (
    !Number.isInteger(input.seconds) ||
    input.seconds < MIN_EXTENSION_SECONDS ||
    input.seconds > allowance
  ) {
    problems.push({
      path: 'duration',
      message: `duration: whole seconds from ${MIN_EXTENSION_SECONDS} to ${allowance}: a grant of ${requestable.id} lasts at most ${requestable.maxGrantSeconds} s from its start`,
    });
  }
  if (problems.length > 0) {
    throw new InvalidRequestError(`the extension does not fit the rules of ${requestable.id}`, problems);
  }
}

/** Who may ask: the holder of a grant in force that is not break-glass and has no extension pending. */
function requireExtendable(request: AccessRequest, actor: Actor, now: Date): void {
  const state = stateAt(request, now);
  if (state !== 'active') throw new IllegalTransitionError(state, 'extended');
  if (actor.identity !== request.requesterSubject) {
    throw new NotApproverError("only the grant's holder can ask to extend it");
  }
  // Break-glass is rationed and reviewed use by use: more time is another break-glass request.
  if (request.breakGlass) throw new IllegalTransitionError('break-glass', 'extended');
  if (extensionPending(request, now)) {
    throw new IllegalTransitionError('waiting for an extension already', 'extended again');
  }
}

/** The grant with the extension applied: it ends `seconds` later, and says so in its length. */
function extendGrant(request: AccessRequest, extension: GrantExtension): Partial<AccessRequest> {
  return {
    grantEnd: new Date(extension.fromEnd.getTime() + extension.seconds * 1000),
    grantSeconds: request.grantSeconds + extension.seconds,
    extension: { ...extension, state: 'approved' },
  };
}

const automatic = (principal: string, now: Date, comment?: string): Decision => ({
  principal,
  identity: principal,
  at: now,
  via: 'auto',
  ...(comment !== undefined ? { comment } : {}),
});

/**
 * The holder asks for `input.seconds` more. Refused unless they may still request this access
 * under the version they were granted; granted at once under the auto-approval rule (the whole
 * grant within its maximum) or the on-call rule (the new end within the current shift).
 */
export function askExtension(
  request: AccessRequest,
  requestable: ResolvedRequestable | undefined,
  actor: Actor,
  input: ExtensionInput,
  now: Date,
  onCall?: OnCallCheck,
): Step {
  requireExtendable(request, actor, now);
  requireRequestedVersion(request, requestable?.version);
  if (!requestable || !inAudience(actor, requestable.requesters)) {
    throw new NotRequestableError(`you may no longer request ${request.requestableId}`);
  }
  checkInput(request, requestable, input);
  const fromEnd = request.grantEnd ?? now;
  const extension: GrantExtension = {
    seconds: input.seconds,
    reason: input.reason.trim(),
    requestedAt: now,
    answerBy: new Date(now.getTime() + requestable.answerWithinSeconds * 1000),
    fromEnd,
    state: 'requested',
    approvals: [],
  };
  const newEnd = fromEnd.getTime() + input.seconds * 1000;
  const rule = requestable.autoApproval;
  const total = (newEnd - (request.grantStart ?? now).getTime()) / 1000;
  if (rule && inAudience(actor, rule.requesters) && total <= rule.maxGrantSeconds) {
    const approved = { ...extension, approvals: [automatic('credvend:auto-approval', now)] };
    return { request: next(request, extendGrant(request, approved)), transition: 'auto-extended' };
  }
  if (onCall?.kind === 'on-call' && onCall.shiftEnd.getTime() >= newEnd) {
    const why = `on call in ${scheduleName(onCall.schedule)} until ${onCall.shiftEnd.toISOString()}`;
    const approved = { ...extension, approvals: [automatic('credvend:on-call', now, why)] };
    return { request: next(request, extendGrant(request, approved)), transition: 'auto-extended', note: why };
  }
  const note = onCall ? `${onCallNote(onCall)}; approval by people` : undefined;
  return {
    request: next(request, { extension }),
    transition: 'extension-requested',
    ...(note ? { note } : {}),
  };
}

function onCallNote(check: OnCallCheck): string {
  const where = scheduleName(check.schedule);
  if (check.kind === 'on-call') return `on call in ${where} only until ${check.shiftEnd.toISOString()}`;
  if (check.kind === 'unavailable') return `on-call lookup in ${where} failed: ${check.problem}`;
  return check.kind === 'no-email' ? `no verified email to look up in ${where}` : `not on call in ${where}`;
}

function pendingExtension(request: AccessRequest, now: Date, step: string): GrantExtension {
  const state = extensionStateAt(request, now);
  if (state !== 'requested' || !request.extension) {
    throw new IllegalTransitionError(state === undefined ? 'no extension' : `extension ${state}`, step);
  }
  return request.extension;
}

/**
 * An approver approves the pending extension (never the holder; one approval per person);
 * the quorum met, the grant ends later. Refused once the requestable changed since the grant.
 */
export function approveExtension(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  now: Date,
  requestableVersion: number | undefined,
  comment?: string,
): Step {
  const extension = pendingExtension(request, now, 'approved');
  requireApprover(request, approvers, actor);
  if (extension.approvals.some((a) => samePerson(a, actor))) {
    throw new IllegalTransitionError('already approved by you', 'approved again');
  }
  requireRequestedVersion(request, requestableVersion);
  const approved = { ...extension, approvals: [...extension.approvals, decision(actor, now, comment)] };
  if (approved.approvals.length < request.quorum) {
    return { request: next(request, { extension: approved }), transition: 'extension-approval-recorded' };
  }
  return { request: next(request, extendGrant(request, approved)), transition: 'extended' };
}

/** An approver refuses the extension: the grant ends when it did. */
export function denyExtension(
  request: AccessRequest,
  approvers: ResolvedAudience,
  actor: Actor,
  now: Date,
  comment?: string,
): Step {
  const extension = pendingExtension(request, now, 'denied');
  requireApprover(request, approvers, actor);
  const denied: GrantExtension = { ...extension, state: 'denied', denial: decision(actor, now, comment) };
  return { request: next(request, { extension: denied }), transition: 'extension-denied' };
}

/** The holder withdraws the pending extension: the grant ends when it did. */
export function cancelExtension(request: AccessRequest, actor: Actor, now: Date, comment?: string): Step {
  const extension = pendingExtension(request, now, 'cancelled');
  if (actor.identity !== request.requesterSubject) {
    throw new NotApproverError('only the holder can cancel the extension of a grant');
  }
  const cancelled: GrantExtension = {
    ...extension,
    state: 'cancelled',
    cancellation: decision(actor, now, comment),
  };
  return { request: next(request, { extension: cancelled }), transition: 'extension-cancelled' };
}
