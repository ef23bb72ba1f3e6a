import type { Clock } from '../shared/clock.js';
import { REMIND_BEFORE_MS, type Review, undecided } from './campaign.js';
import type { ReviewNotice, ReviewNotifier, ReviewStore } from './ports.js';
import type { ReviewSettlement } from './settlement.js';

export interface DeadlineRunResult {
  /** Reviews closed by their deadline in this run. */
  closed: string[];
  /** Notices sent (opened, reminder). */
  notices: number;
}

/** Open reviews one run reads; more wait for the next run. */
const OPEN_PER_RUN = 100;

/**
 * The scheduled review job (the Lambda and `npm start`'s timer run exactly this): tells the
 * reviewers of a new review, reminds them once a day before its deadline, and at the
 * deadline gives undecided items the review's default and closes it. Each step is noted
 * when done, so a rerun (or a run overlapping a retry) sends nothing twice and changes
 * nothing twice.
 */
export class ReviewDeadlines {
  constructor(
    private readonly deps: {
      reviews: ReviewStore;
      service: Pick<ReviewSettlement, 'settle'>;
      notifier: ReviewNotifier;
      clock: Clock;
    },
  ) {}

  async run(requestId: string): Promise<DeadlineRunResult> {
    const result: DeadlineRunResult = { closed: [], notices: 0 };
    for (const review of await this.deps.reviews.list('open', OPEN_PER_RUN)) {
      const now = this.deps.clock.now();
      if (now.getTime() >= review.deadline.getTime()) {
        await this.deps.service.settle(review, { requestId }, undefined);
        result.closed.push(review.id);
        continue;
      }
      if (!review.notified.opened) {
        await this.notice(review, 'review-opened', now);
        result.notices += 1;
      }
      if (!review.notified.reminder && now.getTime() >= review.deadline.getTime() - REMIND_BEFORE_MS) {
        await this.notice(review, 'review-reminder', now);
        result.notices += 1;
      }
    }
    return result;
  }

  private async notice(review: Review, kind: ReviewNotice['kind'], now: Date): Promise<void> {
    const items = await this.deps.reviews.items(review.id);
    await this.deps.notifier.notifyReview({
      kind,
      review,
      undecided: items.filter(undecided).length,
      at: now,
    });
    await this.deps.reviews.notified(review.id, kind === 'review-opened' ? 'opened' : 'reminder', now);
  }
}
