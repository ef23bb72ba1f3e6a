import type { ChainedAuditEvent } from '../audit/audit.js';
import type { ItemDecision, ItemOutcome, Review, ReviewItem } from './campaign.js';

/**
 * Reviews and their items. Writes that change a review's course carry their audit record
 * and land with it in one transaction; a decision is claimed only while the item is
 * undecided and the review open (a ConflictError otherwise).
 */
export interface ReviewStore {
  get(id: string): Promise<Review | undefined>;
  /** Newest first, at most `limit`. */
  list(state: Review['state'], limit: number): Promise<Review[]>;
  items(reviewId: string): Promise<ReviewItem[]>;
  item(reviewId: string, entitlementId: string): Promise<ReviewItem | undefined>;
  /** Records a decision on an undecided item of an open review, with its audit record. */
  decide(item: ReviewItem, decision: ItemDecision, audit: ChainedAuditEvent): Promise<void>;
  /** Records how applying a decision ended (idempotent). */
  settle(reviewId: string, entitlementId: string, outcome: ItemOutcome): Promise<void>;
  /** Closes an open review, with its audit record. */
  close(
    review: Review,
    closedAt: Date,
    closedBy: string | undefined,
    audit: ChainedAuditEvent,
  ): Promise<void>;
  /** Notes a notice as sent. */
  notified(reviewId: string, notice: keyof Review['notified'], at: Date): Promise<void>;
}

/** The reviews store with opening: the admin function's (the deadline job never opens one). */
export interface ReviewCampaignStore extends ReviewStore {
  /** Writes the items, then the review with its audit record. */
  create(review: Review, items: readonly ReviewItem[], audit: ChainedAuditEvent): Promise<void>;
}

/** A notice to a review's reviewers. */
export interface ReviewNotice {
  kind: 'review-opened' | 'review-reminder';
  review: Review;
  /** Items still undecided when the notice was made. */
  undecided: number;
  at: Date;
}

/** Delivers a review notice to every configured sink. Never throws: failures are retried and recorded. */
export interface ReviewNotifier {
  notifyReview(notice: ReviewNotice): Promise<void>;
}
