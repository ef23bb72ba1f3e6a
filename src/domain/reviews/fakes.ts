import type { ChainedAuditEvent } from '../audit/audit.js';
import type { InMemoryAuditTable } from '../audit/fakes.js';
import { ConflictError } from '../shared/errors.js';
import { Faults } from '../shared/fakes.js';
import type { ItemDecision, ItemOutcome, Review, ReviewItem } from './campaign.js';
import type { ReviewNotice, ReviewNotifier, ReviewStore } from './ports.js';

/**
 * Reviews as DynamoDbReviewStore keeps them: each audited write lands with its audit record
 * or not at all; a decision only on an undecided item of an open review; a close only of
 * an open review.
 */
export class InMemoryReviewStore implements ReviewStore {
  readonly faults = new Faults<'read' | 'write'>();
  private readonly reviews = new Map<string, Review>();
  private readonly itemsOf = new Map<string, Map<string, ReviewItem>>();

  constructor(private readonly audit: InMemoryAuditTable) {}

  async create(review: Review, items: readonly ReviewItem[], audit: ChainedAuditEvent): Promise<void> {
    this.faults.check('write');
    this.audit.assertNew(audit);
    this.itemsOf.set(review.id, new Map(items.map((i) => [i.entitlementId, structuredClone(i)])));
    this.reviews.set(review.id, structuredClone(review));
    this.audit.commit(audit);
  }

  async get(id: string): Promise<Review | undefined> {
    this.faults.check('read');
    const review = this.reviews.get(id);
    return review && structuredClone(review);
  }

  async list(state: Review['state'], limit: number): Promise<Review[]> {
    this.faults.check('read');
    return [...this.reviews.values()]
      .filter((r) => r.state === state)
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async items(reviewId: string): Promise<ReviewItem[]> {
    this.faults.check('read');
    return [...(this.itemsOf.get(reviewId)?.values() ?? [])]
      .sort((a, b) => (a.entitlementId < b.entitlementId ? -1 : 1))
      .map((i) => structuredClone(i));
  }

  async item(reviewId: string, entitlementId: string): Promise<ReviewItem | undefined> {
    this.faults.check('read');
    const item = this.itemsOf.get(reviewId)?.get(entitlementId);
    return item && structuredClone(item);
  }

  async decide(item: ReviewItem, decision: ItemDecision, audit: ChainedAuditEvent): Promise<void> {
    this.faults.check('write');
    const stored = this.itemsOf.get(item.reviewId)?.get(item.entitlementId);
    if (!stored || stored.decision || this.reviews.get(item.reviewId)?.state !== 'open')
      throw new ConflictError(`item ${item.entitlementId} was decided, or its review closed, meanwhile`);
    this.audit.assertNew(audit);
    stored.decision = structuredClone(decision);
    this.audit.commit(audit);
  }

  async settle(reviewId: string, entitlementId: string, outcome: ItemOutcome): Promise<void> {
    this.faults.check('write');
    const decision = this.itemsOf.get(reviewId)?.get(entitlementId)?.decision;
    if (decision) decision.outcome = outcome;
  }

  async close(review: Review, closedAt: Date, closedBy: string | undefined, audit: ChainedAuditEvent) {
    this.faults.check('write');
    const stored = this.reviews.get(review.id);
    if (stored?.state !== 'open') throw new ConflictError(`review ${review.id} is already closed`);
    this.audit.assertNew(audit);
    stored.state = 'closed';
    stored.closedAt = closedAt;
    if (closedBy !== undefined) stored.closedBy = closedBy;
    this.audit.commit(audit);
  }

  async notified(reviewId: string, notice: keyof Review['notified'], at: Date): Promise<void> {
    this.faults.check('write');
    const stored = this.reviews.get(reviewId);
    if (stored) stored.notified[notice] = at;
  }
}

/** Keeps every notice it is given, in order. */
export class RecordingReviewNotifier implements ReviewNotifier {
  readonly notices: ReviewNotice[] = [];

  async notifyReview(notice: ReviewNotice): Promise<void> {
    this.notices.push(notice);
  }
}
