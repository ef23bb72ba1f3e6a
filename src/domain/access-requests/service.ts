import type { AuditAction, AuditEvent } from '../audit/audit.js';
import { baseAuditEvent } from '../audit/base-event.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { IdentityRules } from '../identity/principal-names.js';
import { hasRole, type RoleAssignments } from '../identity/roles.js';
import type { RevocationApplier } from '../revocation/ports.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, CredvendError, NotFoundError, RateLimitedError } from '../shared/errors.js';
import type { RequestContext } from '../shared/types.js';
import { StaleRequestError } from './errors.js';
import {
  approveExtension,
  askExtension,
  cancelExtension,
  denyExtension,
  extensionPending,
} from './extension.js';
import { GrantSessionDenier } from './grant-revocation.js';
import {
  type Actor,
  approve,
  approversAt,
  cancel,
  deny,
  grantEntitlement,
  grantEntitlementId,
  inAudience,
  isRequester,
  openRequest,
  type Requester,
  requireRequestedVersion,
  requireRevoker,
  resolveRequestable,
  review,
  revoke,
  type Step,
  stateAt,
} from './lifecycle.js';
import { checkOnCall, type OnCallCheck, type OnCallDirectory } from './on-call.js';
import type { AccessRequestNotifier, AccessRequestStore, GrantChange, RequestableStore } from './ports.js';
import type {
  AccessRequest,
  AccessRequestInput,
  ExtensionInput,
  ResolvedAudience,
  ResolvedRequestable,
} from './types.js';

export interface AccessRequestDependencies {
  requests: AccessRequestStore;
  requestables: RequestableStore;
  audit: TransactionalAuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
  newRequestId: (now: Date) => string;
  assignments: RoleAssignments;
  /** How named people in requestables resolve to identity keys: the rule authentication uses. */
  identityRules: IdentityRules;
  notifier?: AccessRequestNotifier;
  /** Who is on call in the schedules requestables name; absent, on-call rules never approve. */
  onCall?: OnCallDirectory;
  /**
   * Writes the Deny that ends sessions issued under a revoked grant. Absent, a revoke ends
   * the grant (no new sessions) and answers 503 with the Deny recorded as due.
   */
  revocations?: RevocationApplier;
  onAuditFailure?: (error: unknown, event: AuditEvent) => void;
  /** Break-glass grants one person may open per window (default BREAK_GLASS_LIMIT). */
  breakGlassLimit?: { count: number; windowSeconds: number };
}

/**
 * Break-glass is immediate and unapproved, so it is rationed per person (identity key, any
 * session): a stolen or careless identity cannot chain grants, and each one is reviewed.
 */
export const BREAK_GLASS_LIMIT = { count: 3, windowSeconds: 86_400 };

const NOBODY: ResolvedAudience = { identities: [], groups: [] };
/** Concurrent steps on one request retry from a fresh read; a few rounds settle any real contention. */
const MAX_ATTEMPTS = 8;
const LIST_LIMIT = 100;
/** Due revocations one call retries before its own work: bounded, the sweep takes the rest. */
const DUE_PER_CALL = 10;

type Decide = (
  request: AccessRequest,
  approvers: ResolvedAudience,
  isAdmin: boolean,
  now: Date,
  requestableVersion: number | undefined,
  requestable: ResolvedRequestable | undefined,
) => Step | Promise<Step>;

/**
 * Just-in-time access: opens requests, applies lifecycle steps with conditional writes,
 * writes and removes the grant entitlement in the same transaction as the request and its
 * audit record, then notifies. Every refusal is audited too.
 */
export class AccessRequestService {
  private readonly denier: GrantSessionDenier;

  constructor(private readonly deps: AccessRequestDependencies) {
    this.denier = new GrantSessionDenier(deps);
  }

  async open(
    requester: Requester,
    input: AccessRequestInput,
    context: RequestContext,
  ): Promise<AccessRequest> {
    const now = this.deps.clock.now();
    return this.audited(requester, 'access-request.create', context, undefined, async () => {
      const requestable = await this.requestable(input.requestableId);
      const onCall = requestable && (await this.onCallOf(requestable, requester, now, input.start));
      // An unknown id and one the caller may not request get the same answer.
      const step = openRequest(
        requestable ?? refusedRequestable(input.requestableId),
        requester,
        input,
        this.deps.newRequestId(now),
        now,
        onCall,
      );
      if (step.transition === 'break-glass') await this.rationBreakGlass(requester, now);
      await this.commit(step, requester, requestable, context, now);
      return step.request;
    });
  }

  /**
   * The on-call finding for a requester of this requestable, looked up only for someone who
   * may request it (nobody else makes credvend call the paging service).
   */
  private async onCallOf(
    requestable: ResolvedRequestable,
    requester: Actor,
    now: Date,
    start: Date | undefined,
  ): Promise<OnCallCheck | undefined> {
    const schedule = requestable.onCall;
    if (!schedule || requestable.breakGlass || !inAudience(requester, requestable.requesters))
      return undefined;
    // Being on call now says nothing of a later start: the paging service is not asked.
    if (start !== undefined && start > now) return undefined;
    return checkOnCall(this.deps.onCall, schedule, requester.email, now);
  }

  /**
   * Refuses a break-glass grant past the person's limit in the window (429, audited). Counted
   * from their requests (one Query on the requester index); two opened at the same instant
   * may both pass: the limit is a brake, each grant is still loud and reviewed.
   */
  private async rationBreakGlass(requester: Requester, now: Date): Promise<void> {
    const { count, windowSeconds } = this.deps.breakGlassLimit ?? BREAK_GLASS_LIMIT;
    const since = now.getTime() - windowSeconds * 1000;
    const recent = (await this.deps.requests.byRequester(requester.identity, LIST_LIMIT)).filter(
      (r) => r.breakGlass && r.createdAt.getTime() > since,
    );
    if (recent.length < count) return;
    const oldest = Math.min(...recent.map((r) => r.createdAt.getTime()));
    throw new RateLimitedError('break-glass', Math.max(1, Math.ceil((oldest - since) / 1000)));
  }

  approve(actor: Actor, id: string, context: RequestContext, comment?: string): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.approve', context, (r, approvers, _admin, now, version) => {
      const step = approve(r, approvers, actor, now, comment);
      requireRequestedVersion(r, version);
      return step;
    });
  }

  deny(actor: Actor, id: string, context: RequestContext, comment?: string): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.deny', context, (r, approvers, _admin, now) =>
      deny(r, approvers, actor, now, comment),
    );
  }

  cancel(actor: Actor, id: string, context: RequestContext, comment?: string): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.cancel', context, (r, _approvers, _admin, now) =>
      cancel(r, actor, now, comment),
    );
  }

  /**
   * The holder asks to extend a grant in force (extension.ts): pending for the approvers, or
   * granted at once under the auto-approval or on-call rule, whose lookup is made only for
   * the holder of an active grant.
   */
  extend(actor: Actor, id: string, input: ExtensionInput, context: RequestContext): Promise<AccessRequest> {
    return this.decide(
      actor,
      id,
      'access-request.extend',
      context,
      async (r, _a, _admin, now, _v, requestable) => {
        const holder = actor.identity === r.requesterSubject && stateAt(r, now) === 'active';
        const onCall =
          requestable && holder ? await this.onCallOf(requestable, actor, now, r.grantStart) : undefined;
        return askExtension(r, requestable, actor, input, now, onCall);
      },
    );
  }

  approveExtension(
    actor: Actor,
    id: string,
    context: RequestContext,
    comment?: string,
  ): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.approve', context, (r, approvers, _admin, now, version) =>
      approveExtension(r, approvers, actor, now, version, comment),
    );
  }

  denyExtension(actor: Actor, id: string, context: RequestContext, comment?: string): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.deny', context, (r, approvers, _admin, now) =>
      denyExtension(r, approvers, actor, now, comment),
    );
  }

  cancelExtension(
    actor: Actor,
    id: string,
    context: RequestContext,
    comment?: string,
  ): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.cancel', context, (r, _approvers, _admin, now) =>
      cancelExtension(r, actor, now, comment),
    );
  }

  /**
   * Ends a grant early. The step stores the end and a due Deny together (write-ahead); the
   * answer is 200 only once the Deny is written and on record. Asked again after a 503, it
   * completes the recorded revocation instead of refusing an ended grant.
   */
  async revoke(actor: Actor, id: string, context: RequestContext, comment?: string): Promise<AccessRequest> {
    const current = await this.deps.requests.get(id);
    const ended =
      current?.sessionsDeny === 'due'
        ? await this.completeOwn(actor, current, context)
        : await this.denier.denySessions(
            actor,
            await this.decide(actor, id, 'access-request.revoke', context, (r, approvers, admin, now) =>
              revoke(r, approvers, actor, admin, now, comment),
            ),
            context,
          );
    // Then the next call's share of earlier revocations still due.
    await this.completeDueRevocations(context, DUE_PER_CALL);
    return ended;
  }

  /** A revoke asked again after a 503: the recorded Deny, completed for someone who may revoke. */
  private completeOwn(actor: Actor, request: AccessRequest, context: RequestContext): Promise<AccessRequest> {
    return this.audited(actor, 'access-request.revoke', context, request.id, async () => {
      const requestable = await this.requestable(request.requestableId);
      requireRevoker(request, requestable?.approvers ?? NOBODY, actor, this.isAdmin(actor));
      return this.denier.denySessions(actor, request, context);
    });
  }

  /**
   * Retries revocations recorded as due (a failed IAM or audit write earlier), each in the
   * name of whoever revoked: run after each revoke (the scheduled sweep runs
   * GrantSessionDenier alone). Returns how many landed; failures stay due.
   */
  completeDueRevocations(context: RequestContext, limit = LIST_LIMIT): Promise<number> {
    return this.denier.completeDue(context, limit);
  }

  review(actor: Actor, id: string, context: RequestContext, comment?: string): Promise<AccessRequest> {
    return this.decide(actor, id, 'access-request.review', context, (r, approvers, admin, now) =>
      review(r, approvers, actor, admin, now, comment),
    );
  }

  /** One request, for its requester, its approvers, admins and auditors. */
  async get(actor: Actor, id: string, context: RequestContext): Promise<AccessRequest> {
    return this.audited(actor, 'access-request.read', context, id, async () => {
      const request = await this.load(id);
      const requestable = await this.requestable(request.requestableId);
      const mayRead =
        actor.identity === request.requesterSubject ||
        inAudience(actor, approversAt(requestable, request, this.deps.clock.now())) ||
        this.isPrivileged(actor);
      if (!mayRead) throw new NotFoundError(`no access request ${id}`);
      return request;
    });
  }

  mine(actor: Actor): Promise<AccessRequest[]> {
    return this.deps.requests.byRequester(actor.identity, LIST_LIMIT);
  }

  /** Grants of this caller in force now. */
  async grants(actor: Actor): Promise<AccessRequest[]> {
    const now = this.deps.clock.now();
    return (await this.mine(actor)).filter((r) => stateAt(r, now) === 'active');
  }

  /** Pending requests and extensions this caller may decide: never their own. */
  async toApprove(actor: Actor): Promise<AccessRequest[]> {
    const now = this.deps.clock.now();
    const requestables = await this.requestablesById();
    return (await this.deps.requests.pending(LIST_LIMIT)).filter(
      (r) =>
        (stateAt(r, now) === 'requested' || extensionPending(r, now)) &&
        !isRequester(actor, r) &&
        inAudience(actor, approversAt(requestables.get(r.requestableId), r, now)),
    );
  }

  /** Break-glass grants awaiting review that this caller may review. */
  async needingReview(actor: Actor): Promise<AccessRequest[]> {
    const requestables = await this.requestablesById();
    const admin = this.isAdmin(actor);
    return (await this.deps.requests.needingReview(LIST_LIMIT)).filter(
      (r) => admin || inAudience(actor, requestables.get(r.requestableId)?.approvers ?? NOBODY),
    );
  }

  /** Audits a request refused before it reached the lifecycle (a malformed body). */
  async recordRejection(
    actor: Actor,
    action: AuditAction,
    context: RequestContext,
    error: CredvendError,
    id?: string,
  ): Promise<void> {
    const event = this.event(actor, action, context, this.deps.clock.now(), id);
    await this.appendRefusal(event, error);
  }

  private async decide(
    actor: Actor,
    id: string,
    action: AuditAction,
    context: RequestContext,
    step: Decide,
  ): Promise<AccessRequest> {
    return this.audited(actor, action, context, id, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const now = this.deps.clock.now();
        const request = await this.load(id);
        const requestable = await this.requestable(request.requestableId);
        const done = await step(
          request,
          approversAt(requestable, request, now),
          this.isAdmin(actor),
          now,
          requestable?.version,
          requestable,
        );
        try {
          await this.commit(done, actor, requestable, context, now);
          return done.request;
        } catch (error) {
          if (!(error instanceof StaleRequestError)) throw error;
        }
      }
      throw new ConflictError(`access request ${id} is changing too often; try again`);
    });
  }

  /** Stores the step with its grant change and audit record at once, then notifies. */
  private async commit(
    step: Step,
    actor: Actor,
    requestable: ResolvedRequestable | undefined,
    context: RequestContext,
    now: Date,
  ): Promise<void> {
    const { request, transition } = step;
    const grant = grantChange(step, requestable);
    const event = this.event(actor, auditActionOf(transition), context, now, request.id);
    event.outcome = 'applied';
    event.detail =
      `${transition}; now ${request.state}${extensionDetail(step)}${step.note ? `; ${step.note}` : ''}`.slice(
        0,
        1024,
      );
    event.accountId = request.accountId;
    event.roleArn = request.roleArn;
    event.durationSeconds = request.grantSeconds;
    const why = reasonOf(step);
    if (why !== undefined) event.reason = why.slice(0, 1024);
    if (request.grantEnd) event.expiration = request.grantEnd.toISOString();
    if (grant) event.entitlementId = grantEntitlementId(request.id);
    await this.deps.audit.appendWith(event, (record) => this.deps.requests.save(request, grant, record));
    await this.deps.notifier?.notify({
      transition,
      request,
      actor: actor.principal,
      actorAuthMethod: actor.authMethod,
      urgent: request.breakGlass && transition === 'break-glass',
      at: now,
    });
  }

  /** Runs `work`; a refusal is audited before it reaches the caller. */
  private async audited<T>(
    actor: Actor,
    action: AuditAction,
    context: RequestContext,
    id: string | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CredvendError) await this.recordRejection(actor, action, context, error, id);
      throw error;
    }
  }

  private async appendRefusal(event: AuditEvent, error: CredvendError): Promise<void> {
    const refusal: AuditEvent = {
      ...event,
      outcome: error.exposable ? 'denied' : 'error',
      problemCode: error.code,
    };
    if (error.exposable) refusal.detail = error.message.slice(0, 1024);
    try {
      await this.deps.audit.append(refusal);
    } catch (auditError) {
      this.deps.onAuditFailure?.(auditError, refusal);
    }
  }

  private event(
    actor: Actor,
    action: AuditAction,
    context: RequestContext,
    now: Date,
    accessRequestId: string | undefined,
  ): AuditEvent {
    const event = baseAuditEvent(
      { eventId: this.deps.newEventId(now), now },
      { action, outcome: 'denied' },
      actor,
      context,
    );
    if (accessRequestId !== undefined) event.accessRequestId = accessRequestId;
    return event;
  }

  private async load(id: string): Promise<AccessRequest> {
    const request = await this.deps.requests.get(id);
    if (!request) throw new NotFoundError(`no access request ${id}`);
    return request;
  }

  /** A requestable with its groups resolved to the keys callers carry. */
  private async requestable(id: string): Promise<ResolvedRequestable | undefined> {
    const stored = await this.deps.requestables.get(id);
    return stored && resolveRequestable(stored, this.audienceRules());
  }

  private async requestablesById(): Promise<Map<string, ResolvedRequestable>> {
    const all = await this.deps.requestables.list();
    return new Map(all.map((r) => [r.id, resolveRequestable(r, this.audienceRules())]));
  }

  private audienceRules() {
    const { groupIssuer } = this.deps.assignments;
    return {
      identity: this.deps.identityRules,
      ...(groupIssuer !== undefined ? { groupIssuer } : {}),
    };
  }

  private isAdmin(actor: Actor): boolean {
    return actor.authMethod !== 'slack' && hasRole(this.asCaller(actor), 'admin', this.deps.assignments);
  }

  private isPrivileged(actor: Actor): boolean {
    return this.isAdmin(actor) || hasRole(this.asCaller(actor), 'auditor', this.deps.assignments);
  }

  /** Role checks need only the identity and, for OIDC callers, the groups. */
  private asCaller(actor: Actor): Parameters<typeof hasRole>[0] {
    return { identityKey: actor.identity, authMethod: actor.authMethod, subjectKeys: actor.groups };
  }
}

/** A stand-in nobody may request: an unknown id is refused exactly like a forbidden one. */
function refusedRequestable(id: string): ResolvedRequestable {
  return {
    id,
    requesters: NOBODY,
    approvers: NOBODY,
    quorum: 1,
    accountId: '000000000000',
    roleArn: 'arn:aws:iam::000000000000:role/none',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 900,
    maxGrantSeconds: 900,
    answerWithinSeconds: 0,
    breakGlass: false,
    version: 0,
  };
}

function grantChange(step: Step, requestable: ResolvedRequestable | undefined): GrantChange {
  const { request, transition } = step;
  if (transition === 'approved' || transition === 'auto-approved' || transition === 'break-glass') {
    if (!requestable) throw new ConflictError(`the access ${request.requestableId} no longer exists`);
    return { put: grantEntitlement(request, requestable) };
  }
  if (transition === 'extended' || transition === 'auto-extended') {
    if (!requestable) throw new ConflictError(`the access ${request.requestableId} no longer exists`);
    return { extend: grantEntitlement(request, requestable) };
  }
  if (transition === 'revoked') {
    return { remove: { id: grantEntitlementId(request.id), subject: request.requesterSubject } };
  }
  return undefined;
}

function auditActionOf(transition: Step['transition']): AuditAction {
  switch (transition) {
    case 'requested':
    case 'auto-approved':
    case 'break-glass':
      return 'access-request.create';
    case 'extension-requested':
    case 'auto-extended':
      return 'access-request.extend';
    case 'approval-recorded':
    case 'approved':
    case 'extension-approval-recorded':
    case 'extended':
      return 'access-request.approve';
    case 'denied':
    case 'extension-denied':
      return 'access-request.deny';
    case 'cancelled':
    case 'extension-cancelled':
      return 'access-request.cancel';
    case 'revoked':
      return 'access-request.revoke';
    case 'reviewed':
      return 'access-request.review';
  }
}

/** The audit record's reason: what the requester wrote when they asked, else the latest comment. */
function reasonOf({ request, transition }: Step): string | undefined {
  if (transition === 'requested' || transition === 'break-glass' || transition === 'auto-approved')
    return request.reason;
  if (transition === 'extension-requested' || transition === 'auto-extended')
    return request.extension?.reason;
  return latestComment(request);
}

/** What an extension step adds to its audit record's detail: how much longer, from which end. */
function extensionDetail({ request, transition }: Step): string {
  const extension = request.extension;
  if (!extension || !transition.includes('extend')) return '';
  return `; extension of ${extension.seconds} s from ${extension.fromEnd.toISOString()}, ${extension.state}`;
}

function latestComment(request: AccessRequest): string | undefined {
  const ext = request.extension;
  const decisions = [
    ...request.approvals,
    request.denial,
    request.cancellation,
    request.revocation,
    request.review,
    ...(ext ? [...ext.approvals, ext.denial, ext.cancellation] : []),
  ].filter((d) => d !== undefined);
  return decisions.sort((a, b) => a.at.getTime() - b.at.getTime()).at(-1)?.comment;
}
