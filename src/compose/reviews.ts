import { DynamoDbAuditReader } from '../aws/dynamodb-audit-reader.js';
import { DynamoDbEntitlementAdminStore } from '../aws/dynamodb-entitlement-admin-store.js';
import { DynamoDbReviewCampaignStore } from '../aws/dynamodb-review-campaign-store.js';
import { EntitlementAdmin } from '../domain/admin/entitlement-admin.js';
import { ReviewService } from '../domain/reviews/review-service.js';
import { UnusedAccessReport } from '../domain/reviews/unused-report.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { auditLogOf, auditTableOf, type Composition, dynamodbOf, privilegedAccessOf } from './composition.js';

/**
 * The review service over the reviews, entitlements and audit tables, as the admin function
 * serves it (the reviews function runs reviewSettlementOf's part alone). `clock` is for tests.
 */
export function reviewServiceOf(root: Composition, clock: Clock = systemClock): ReviewService {
  const { config } = root;
  const dynamodb = dynamodbOf(root);
  const audit = auditLogOf(root);
  const access = privilegedAccessOf(root);
  const entitlements = new DynamoDbEntitlementAdminStore(
    dynamodb,
    config.tables.entitlements,
    auditTableOf(root),
  );
  return new ReviewService({
    reviews: new DynamoDbReviewCampaignStore(dynamodb, config.tables.reviews, auditTableOf(root)),
    entitlements,
    admin: new EntitlementAdmin({ store: entitlements, audit, access, clock, newEventId }),
    evidence: new UnusedAccessReport({
      store: entitlements,
      reader: new DynamoDbAuditReader(dynamodb, config.tables.audit),
      access,
      clock,
    }),
    audit,
    access,
    assignments: config.roles,
    identity: config.identity,
    clock,
    newEventId,
    newReviewId: newEventId,
  });
}
