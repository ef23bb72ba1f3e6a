import type { Hono } from 'hono';
import { DynamoDbAuditReader } from '../aws/dynamodb-audit-reader.js';
import { DynamoDbEntitlementAdminStore } from '../aws/dynamodb-entitlement-admin-store.js';
import { DynamoDbEntitlementStore } from '../aws/dynamodb-entitlement-store.js';
import { EntitlementAdmin } from '../domain/admin/entitlement-admin.js';
import { UnusedAccessReport } from '../domain/reviews/unused-report.js';
import { Revoker } from '../domain/revocation/revoke.js';
import { systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { SubjectExplainer } from '../domain/subjects/explainer.js';
import { type AdminAppDependencies, createAdminApp } from '../http/admin-app.js';
import type { AppEnv } from '../http/app-env.js';
import { activityReaderOf } from './activity-reader.js';
import {
  auditLogOf,
  auditTableOf,
  authMethodsOf,
  type Composition,
  dynamodbOf,
  privilegedAccessOf,
} from './composition.js';
import { reviewServiceOf } from './reviews.js';
import { writeAheadRevocationsOf } from './revocations.js';

/** The admin function: entitlements and revocations; every change audited. */
export function createAdminFunction(root: Composition): Hono<AppEnv> {
  const { config } = root;
  const audit = auditLogOf(root);
  const access = privilegedAccessOf(root);
  const dynamodb = dynamodbOf(root);
  const revocations = writeAheadRevocationsOf(root);
  const adminStore = new DynamoDbEntitlementAdminStore(
    dynamodb,
    config.tables.entitlements,
    auditTableOf(root),
  );
  return createAdminApp({
    access,
    revoker: new Revoker({
      reader: new DynamoDbAuditReader(
        dynamodb,
        config.tables.audit,
        undefined,
        config.auditRetention?.hotDays,
      ),
      ...(revocations ? { revocations } : {}),
      audit,
      access,
      clock: systemClock,
      newEventId,
    }),
    admin: new EntitlementAdmin({
      store: adminStore,
      audit,
      access,
      clock: systemClock,
      newEventId,
    }),
    subjects: new SubjectExplainer({
      store: new DynamoDbEntitlementStore(dynamodb, config.tables.entitlements),
      access,
      issuers: config.oidcIssuers,
      now: () => systemClock.now(),
    }),
    unused: new UnusedAccessReport({
      store: adminStore,
      reader: new DynamoDbAuditReader(
        dynamodb,
        config.tables.audit,
        undefined,
        config.auditRetention?.hotDays,
      ),
      access,
      clock: systemClock,
      ...(config.auditRetention ? { hotDays: config.auditRetention.hotDays } : {}),
    }),
    reviews: reviewServiceOf(root),
    authMethods: authMethodsOf(root),
    logger: root.logger,
    sourceIp: root.runtime.sourceIp,
    roleChaining: config.roleChaining,
    ...withSuggestions(root),
  });
}

function withSuggestions(root: Composition): Pick<AdminAppDependencies, 'suggestions'> {
  const activity = activityReaderOf(root);
  if (!activity) return {};
  const audit = new DynamoDbAuditReader(dynamodbOf(root), root.config.tables.audit);
  return { suggestions: { audit, activity, clock: systemClock } };
}
