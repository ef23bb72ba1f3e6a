import { scopeCovers } from '../admin/admin-scope.js';
import type { EntitlementAdmin } from '../admin/entitlement-admin.js';
import type { EntitlementAdminStore } from '../admin/ports.js';
import type { AuditAction, AuditEvent } from '../audit/audit.js';
import { type AuditActor, baseAuditEvent } from '../audit/base-event.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { IdentityRules } from '../identity/principal-names.js';
import type { PrivilegedAccess } from '../identity/privileged-access.js';
import { type AdminScope, hasRole, type RoleAssignments } from '../identity/roles.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../shared/errors.js';
import type { Caller, Entitlement, RequestContext } from '../shared/types.js';
import {
  checkOpening,
  type DecisionKind,
  type ItemDecision,
  inScope,
  isSubjectOf,
  MAX_REVIEW_ITEMS,
  type OpenReviewInput,
  type Review,
  type ReviewItem,
  type ReviewScope,
} from './campaign.js';
import type { EntitlementEvidence } from './evidence.js';
import type { ReviewCampaignStore } from './ports.js';
import { ReviewSettlement, reviewReason } from './settlement.js';
import { standingEntitlements, type UnusedAccessReport } from './unused-report.js';

export interface ReviewServiceDependencies {
  reviews: ReviewCampaignStore;
  entitlements: EntitlementAdminStore;
  admin: Pick<EntitlementAdmin, 'applyReviewDecision'>;
  evidence: Pick<UnusedAccessReport, 'evidenceOf'>;
  audit: TransactionalAuditLog;
  access: PrivilegedAccess;
  assignments: RoleAssignments;
  identity: IdentityRules;
  clock: Clock;
  newEventId: (now: Date) => string;
  newReviewId: (now: Date) => string;
}

export interface DecisionInput {
  kind: DecisionKind;
  until?: Date;
  note?: string;
  /** The entitlement version the reviewer read (If-Match); absent, the version the review opened on. */
  version?: number;
}

/** One item as a reviewer reads it: the row now (absent once removed) and its evidence. */
export interface ItemView {
  item: ReviewItem;
  entitlement?: Entitlement;
  evidence?: EntitlementEvidence;
  /** The reader is (one of) its subject: shown, never theirs to decide. */
  callerIsSubject?: boolean;
}

const REVIEWS_LISTED = 100;

/**
 * Access review campaigns. Admins open and close them; only a review's named reviewers
 * decide its items, never one whose subject they are; a removal or time box is applied at
 * once through the entitlement admin's versioned, audited write. Each decision is recorded
 * (with its audit record) before it is applied, so the scheduled run finishes one cut short.
 */
export class ReviewService {
  private readonly settlement: ReviewSettlement;

  constructor(private readonly deps: ReviewServiceDependencies) {
    this.settlement = new ReviewSettlement({ ...deps, writes: deps.admin });
  }

  async open(caller: Caller, input: OpenReviewInput, context: RequestContext): Promise<Review> {
    const slices = await this.deps.access.requireAdminScope(caller, 'write', 'review.open', context);
    const now = this.deps.clock.now();
    const { keys, issues } = checkOpening(input, now, this.deps.identity);
    if (issues.length > 0) throw new InvalidRequestError('the review is not valid', issues);
    if (!reachable(input.scope, slices))
      await this.refuse(
        caller,
        context,
        'this scope is in an account outside your admin slices',
        {},
        'review.open',
      );
    const rows = (await standingEntitlements(this.deps.entitlements)).filter((e) => inScope(input.scope, e));
    // A slice admin reviews its own rows only: every item inside its slices, judged before any
    // write, and the refusal names no row of another team.
    if (rows.some((e) => !scopeCovers(slices, e)))
      await this.refuse(
        caller,
        context,
        'this scope holds entitlements outside your admin slices: narrow it to your own',
        {},
        'review.open',
      );
    if (rows.length === 0) throw new InvalidRequestError('no standing entitlement is in this scope');
    if (rows.length > MAX_REVIEW_ITEMS)
      throw new InvalidRequestError(
        `${rows.length} entitlements are in scope; a review takes at most ${MAX_REVIEW_ITEMS}: narrow the scope`,
      );
    const review: Review = {
      id: this.deps.newReviewId(now),
      scope: input.scope,
      reviewers: [...input.reviewers],
      reviewerKeys: keys,
      deadline: input.deadline,
      deadlineDefault: input.deadlineDefault,
      ...(input.description !== undefined ? { description: input.description } : {}),
      openedBy: actorOf(caller),
      openedAt: now,
      state: 'open',
      items: rows.length,
      notified: {},
    };
    const items: ReviewItem[] = rows.map((e) => ({
      reviewId: review.id,
      entitlementId: e.id,
      subject: e.subject,
      accountId: e.accountId,
      roleArn: e.roleArn,
      entitlementVersion: e.version,
    }));
    const event = this.event(caller, context, 'review.open', 'applied', {
      reason: reviewReason(
        review.id,
        `opened over ${scopeText(review)}, ${rows.length} items, deadline ${review.deadline.toISOString()}, default ${review.deadlineDefault}`,
      ),
      ...(input.scope.kind === 'account' ? { accountId: input.scope.accountId } : {}),
      ...(input.scope.kind === 'role' ? { roleArn: input.scope.roleArn } : {}),
    });
    await this.deps.audit.appendWith(event, (record) => this.deps.reviews.create(review, items, record));
    return review;
  }

  /** Admins see every review (unless `named` asks for theirs only); anyone else the reviews naming them. */
  async list(caller: Caller, state: Review['state'], named = false): Promise<Review[]> {
    const reviews = await this.deps.reviews.list(state, REVIEWS_LISTED);
    return this.isAdmin(caller) && !named
      ? reviews
      : reviews.filter((r) => r.reviewerKeys.includes(caller.identityKey));
  }

  /** A review with each item, its entitlement now and its evidence: for admins and its reviewers. */
  async show(
    caller: Caller,
    id: string,
    context: RequestContext,
  ): Promise<{ review: Review; items: ItemView[]; partialAccounts: string[] }> {
    const review = await this.readable(caller, id, context);
    const items = await this.deps.reviews.items(id);
    const current = await Promise.all(items.map((i) => this.deps.entitlements.get(i.entitlementId)));
    const present = current.filter((e): e is Entitlement => e !== undefined);
    const { evidence, partialAccounts } = await this.deps.evidence.evidenceOf(present);
    const byId = new Map(evidence.map((e) => [e.entitlementId, e]));
    return {
      review,
      partialAccounts,
      items: items.map((item, i) => {
        const entitlement = current[i];
        const seen = byId.get(item.entitlementId);
        return {
          item,
          ...(entitlement ? { entitlement } : {}),
          ...(seen ? { evidence: seen } : {}),
          callerIsSubject: isSubjectOf(caller, item, entitlement),
        };
      }),
    };
  }

  async decide(
    caller: Caller,
    reviewId: string,
    entitlementId: string,
    input: DecisionInput,
    context: RequestContext,
  ): Promise<ReviewItem> {
    const review = await this.found(reviewId);
    if (!review.reviewerKeys.includes(caller.identityKey))
      await this.refuse(caller, context, 'only the review’s named reviewers decide its items', {});
    const now = this.deps.clock.now();
    if (review.state !== 'open' || now.getTime() >= review.deadline.getTime())
      throw new ConflictError(`review ${reviewId} is closed: its decisions are final`);
    checkDecision(input, now);
    const item = await this.deps.reviews.item(reviewId, entitlementId);
    if (!item) throw new NotFoundError(`review ${reviewId} has no item ${entitlementId}`);
    const entitlement = await this.deps.entitlements.get(entitlementId);
    const where = { entitlementId, accountId: item.accountId, roleArn: item.roleArn };
    if (isSubjectOf(caller, item, entitlement))
      await this.refuse(
        caller,
        context,
        'you are this item’s subject: someone else must review your access',
        where,
      );
    if (item.decision)
      throw new ConflictError(`item ${entitlementId} is already decided (${item.decision.kind})`);
    if (!entitlement) throw new ConflictError(`entitlement ${entitlementId} no longer exists`);
    const version = input.version ?? item.entitlementVersion;
    if (entitlement.version !== version)
      throw new ConflictError(
        `entitlement ${entitlementId} is at version ${entitlement.version}, not ${version}: read the review again and decide with If-Match`,
      );
    const decision: ItemDecision = {
      kind: input.kind,
      ...(input.until ? { until: input.until } : {}),
      by: caller.principal,
      byName: caller.displayName,
      at: now,
      ...(input.note !== undefined ? { note: input.note } : {}),
      byDefault: false,
      entitlementVersion: version,
    };
    return this.settlement.record(actorOf(caller), review, item, decision, context);
  }

  /** Ends a review early (admins): undecided items get the deadline default now. */
  async close(caller: Caller, id: string, context: RequestContext): Promise<Review> {
    await this.deps.access.require(caller, 'admin', 'review.close', context);
    const review = await this.found(id);
    if (review.state !== 'open') throw new ConflictError(`review ${id} is already closed`);
    await this.settle(review, context, caller.principal, actorOf(caller));
    return (await this.deps.reviews.get(id)) ?? review;
  }

  /** Gives undecided items the default, applies what is unapplied, closes the review (ReviewSettlement.settle). */
  settle(...args: Parameters<ReviewSettlement['settle']>): Promise<void> {
    return this.settlement.settle(...args);
  }

  private async readable(caller: Caller, id: string, context: RequestContext): Promise<Review> {
    const review = await this.found(id);
    if (!this.isAdmin(caller) && !review.reviewerKeys.includes(caller.identityKey))
      await this.refuse(caller, context, 'only admins and the review’s reviewers read it', {}, 'review.read');
    return review;
  }

  private async found(id: string): Promise<Review> {
    const review = await this.deps.reviews.get(id);
    if (!review) throw new NotFoundError(`no review ${id}`);
    return review;
  }

  private isAdmin(caller: Caller): boolean {
    return hasRole(caller, 'admin', this.deps.assignments);
  }

  /** An audited refusal: who tried to decide what they may not is itself audit-worthy. */
  private async refuse(
    caller: Caller,
    context: RequestContext,
    message: string,
    where: Partial<AuditEvent>,
    action: AuditAction = 'review.decide',
  ): Promise<never> {
    const error = new ForbiddenError(message);
    const event = this.event(caller, context, action, 'denied', {
      ...where,
      problemCode: error.code,
      detail: message,
    });
    await this.deps.audit.append(event);
    throw error;
  }

  private event(
    actor: AuditActor,
    context: RequestContext,
    action: AuditAction,
    outcome: 'applied' | 'denied',
    fields: Partial<AuditEvent>,
  ): AuditEvent {
    const now = this.deps.clock.now();
    return {
      ...baseAuditEvent({ eventId: this.deps.newEventId(now), now }, { action, outcome }, actor, context),
      ...fields,
    };
  }
}

function actorOf(caller: Caller): AuditActor {
  return { principal: caller.principal, authMethod: caller.authMethod };
}

function scopeText(review: Review): string {
  const s = review.scope;
  switch (s.kind) {
    case 'all':
      return 'all standing access';
    case 'account':
      return `account ${s.accountId}`;
    case 'role':
      return `role ${s.roleArn}`;
    case 'subject':
      return `subject ${s.subject}`;
  }
}

/** Whether a scope's account (an account or a role's) is one a slice admin may reach at all: no probing other accounts. */
function reachable(scope: ReviewScope, slices: AdminScope): boolean {
  if (slices.kind === 'all') return true;
  const account =
    scope.kind === 'account'
      ? scope.accountId
      : scope.kind === 'role'
        ? /^arn:[^:]+:iam::(\d{12}):/.exec(scope.roleArn)?.[1]
        : undefined;
  return account === undefined || slices.slices.some((slice) => slice.accounts.includes(account));
}

function checkDecision(input: DecisionInput, now: Date): void {
  if (input.kind === 'keep-until') {
    if (!input.until)
      throw new InvalidRequestError('keep-until needs a date', [{ path: 'until', message: 'required' }]);
    if (input.until.getTime() <= now.getTime())
      throw new InvalidRequestError('until must be in the future', [
        { path: 'until', message: 'in the past' },
      ]);
  } else if (input.until) {
    throw new InvalidRequestError('only keep-until takes a date', [
      { path: 'until', message: 'not allowed' },
    ]);
  }
}
