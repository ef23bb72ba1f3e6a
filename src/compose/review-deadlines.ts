import { DynamoDbEntitlementRows } from '../aws/dynamodb-entitlement-rows.js';
import { DynamoDbReviewStore } from '../aws/dynamodb-review-store.js';
import { EntitlementWrites } from '../domain/admin/entitlement-writes.js';
import { type DeadlineRunResult, ReviewDeadlines } from '../domain/reviews/deadline-run.js';
import { ReviewSettlement } from '../domain/reviews/settlement.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { NotificationDispatcher } from '../notify/dispatcher.js';
import { auditLogOf, auditTableOf, type Composition, dynamodbOf } from './composition.js';
import { recordDeliveryFailure, sinksOf } from './notices.js';

/**
 * The scheduled review job (the reviews Lambda and `npm start`'s timer run exactly this):
 * notices to reviewers through the configured sinks, and each passed deadline's default.
 */
export function createReviewDeadlineJob(
  root: Composition,
  clock: Clock = systemClock,
): () => Promise<DeadlineRunResult> {
  const { config } = root;
  const settings = config.accessRequests;
  const audit = auditLogOf(root);
  const dynamodb = dynamodbOf(root);
  const reviews = new DynamoDbReviewStore(dynamodb, config.tables.reviews, auditTableOf(root));
  // Only what settling needs: no entitlement listing, no review opening, no audit reading.
  const rows = new DynamoDbEntitlementRows(dynamodb, config.tables.entitlements, auditTableOf(root));
  const deadlines = new ReviewDeadlines({
    reviews,
    service: new ReviewSettlement({
      reviews,
      entitlements: rows,
      writes: new EntitlementWrites({ store: rows, audit, clock, newEventId }),
      audit,
      clock,
      newEventId,
    }),
    notifier: new NotificationDispatcher(sinksOf(root, settings), {
      ...settings.delivery,
      onFailure: recordDeliveryFailure(audit, root.logger, clock),
    }),
    clock,
  });
  // Each run's records share one request id, so the audit groups what one run did.
  return () => deadlines.run(`reviews-${newEventId(clock.now())}`);
}
