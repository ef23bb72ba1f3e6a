import type { EntitlementWrites } from '../admin/entitlement-writes.js';
import type { EntitlementRowStore } from '../admin/ports.js';
import type { AuditAction, AuditEvent } from '../audit/audit.js';
import { type AuditActor, baseAuditEvent } from '../audit/base-event.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError } from '../shared/errors.js';
import type { RequestContext } from '../shared/types.js';
import type { ItemDecision, Review, ReviewItem } from './campaign.js';
import type { ReviewStore } from './ports.js';

/**
 * What recording and applying decisions needs, and no more: the scheduled deadline job runs
 * on exactly this, so its bundle holds no entitlement listing and no review opening.
 */
export interface ReviewSettlementDependencies {
  reviews: ReviewStore;
  entitlements: Pick<EntitlementRowStore, 'get'>;
  writes: Pick<EntitlementWrites, 'applyReviewDecision'>;
  audit: TransactionalAuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
}

/** The audit reason of everything a review does: which review, which decision. */
export function reviewReason(reviewId: string, what: string, note?: string): string {
  return `review ${reviewId}: ${what}${note ? ` (${note})` : ''}`;
}

/**
 * Records decisions (each with its audit record, before it is applied) and applies them to
 * the entitlements; settles a review at its deadline or early close. A decision recorded but
 * not applied (a run cut short) is applied by the next settle.
 */
export class ReviewSettlement {
  constructor(private readonly deps: ReviewSettlementDependencies) {}

  /**
   * Gives every undecided item the review's default (in `actor`'s name), applies every
   * decision not yet applied, then closes the review. Idempotent: a rerun finds nothing left.
   */
  async settle(
    review: Review,
    context: RequestContext,
    closedBy: string | undefined,
    actor: AuditActor = review.openedBy,
  ): Promise<void> {
    const now = this.deps.clock.now();
    for (const item of await this.deps.reviews.items(review.id)) {
      if (item.decision) {
        if (item.decision.outcome === undefined)
          await this.apply(actor, review, item, item.decision, context);
        continue;
      }
      const entitlement = await this.deps.entitlements.get(item.entitlementId);
      const decision: ItemDecision = {
        kind: review.deadlineDefault,
        by: actor.principal,
        byName: 'deadline default',
        at: now,
        byDefault: true,
        entitlementVersion: entitlement?.version ?? item.entitlementVersion,
      };
      await this.record(actor, review, item, decision, context);
    }
    const event = this.event(actor, context, 'review.close', {
      reason: reviewReason(review.id, closedBy ? 'closed early' : 'closed at its deadline'),
    });
    await this.deps.audit.appendWith(event, (record) =>
      this.deps.reviews.close(review, now, closedBy, record),
    );
  }

  /** Records the decision with its audit record, then applies it. */
  async record(
    actor: AuditActor,
    review: Review,
    item: ReviewItem,
    decision: ItemDecision,
    context: RequestContext,
  ): Promise<ReviewItem> {
    const what = `${decision.byDefault ? 'deadline default ' : ''}${decision.kind}${decision.until ? ` until ${decision.until.toISOString()}` : ''}`;
    const event = this.event(actor, context, 'review.decide', {
      entitlementId: item.entitlementId,
      accountId: item.accountId,
      roleArn: item.roleArn,
      reason: reviewReason(review.id, what, decision.note),
    });
    await this.deps.audit.appendWith(event, (record) => this.deps.reviews.decide(item, decision, record));
    const outcome = await this.apply(actor, review, item, decision, context);
    return { ...item, decision: { ...decision, outcome } };
  }

  /** Applies a recorded decision to the entitlement (If-Match its version) and notes how it ended. */
  private async apply(
    actor: AuditActor,
    review: Review,
    item: ReviewItem,
    decision: ItemDecision,
    context: RequestContext,
  ): Promise<ItemDecision['outcome']> {
    const reason = reviewReason(review.id, decision.kind);
    const target = { id: item.entitlementId, version: decision.entitlementVersion };
    let outcome: NonNullable<ItemDecision['outcome']> = 'applied';
    try {
      if (decision.kind === 'remove')
        outcome = await this.deps.writes.applyReviewDecision(
          actor,
          { ...target, remove: true },
          reason,
          context,
        );
      else if (decision.kind === 'keep-until' && decision.until)
        outcome = await this.deps.writes.applyReviewDecision(
          actor,
          { ...target, notAfter: decision.until },
          reason,
          context,
        );
    } catch (error) {
      // Changed since it was decided: the change stands and the decision is shown as not applied.
      if (!(error instanceof ConflictError)) throw error;
      outcome = 'conflict';
    }
    await this.deps.reviews.settle(review.id, item.entitlementId, outcome);
    return outcome;
  }

  private event(
    actor: AuditActor,
    context: RequestContext,
    action: AuditAction,
    fields: Partial<AuditEvent>,
  ): AuditEvent {
    const now = this.deps.clock.now();
    return {
      ...baseAuditEvent(
        { eventId: this.deps.newEventId(now), now },
        { action, outcome: 'applied' },
        actor,
        context,
      ),
      ...fields,
    };
  }
}
