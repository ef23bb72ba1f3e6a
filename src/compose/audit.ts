import { hkdfSync } from 'node:crypto';
import type { Hono } from 'hono';
import { DynamoDbAuditReader } from '../aws/dynamodb-audit-reader.js';
import type { DigestAnchoring } from '../domain/audit/verification.js';
import { systemClock } from '../domain/shared/clock.js';
import type { AppEnv } from '../http/app-env.js';
import { type AuditAppDependencies, createAuditApp } from '../http/audit-app.js';
import { activityReaderOf } from './activity-reader.js';
import { authMethodsOf, type Composition, dynamodbOf, privilegedAccessOf } from './composition.js';
import { digestAnchoringOf } from './digest-anchoring.js';
import { derivedFrom, secretValueOf } from './secrets.js';

/**
 * The cursor MAC key, derived from the configured secret (read at run time; unreadable, a page
 * is a 503) so it is never the raw secret; unconfigured, each process draws its own.
 */
function cursorKeyOf(root: Composition): (() => Promise<Buffer>) | undefined {
  const { cursorSecretId } = root.config;
  if (!cursorSecretId) return undefined;
  return derivedFrom(secretValueOf(root, 'cursor', cursorSecretId), (secret) =>
    Buffer.from(hkdfSync('sha256', secret, '', 'credvend-audit-cursor', 32)),
  );
}

/** The audit function: read-only queries for auditors. */
export function createAuditFunction(root: Composition): Hono<AppEnv> {
  return createAuditApp({
    reader: new DynamoDbAuditReader(
      dynamodbOf(root),
      root.config.tables.audit,
      cursorKeyOf(root),
      root.config.auditRetention?.hotDays,
    ),
    access: privilegedAccessOf(root),
    authMethods: authMethodsOf(root),
    clock: systemClock,
    logger: root.logger,
    sourceIp: root.runtime.sourceIp,
    ...withAnchoring(root),
    ...withActivity(root),
    ...withHotWindow(root),
  });
}

function withHotWindow(root: Composition): Pick<AuditAppDependencies, 'hotWindow'> {
  const { auditRetention, digests } = root.config;
  return auditRetention && digests
    ? {
        hotWindow: {
          days: auditRetention.hotDays,
          exports: `s3://${digests.bucket}/${auditRetention.exportPrefix}`,
        },
      }
    : {};
}

function withActivity(root: Composition): Pick<AuditAppDependencies, 'activity'> {
  const store = activityReaderOf(root);
  return store
    ? { activity: { store, grants: new DynamoDbAuditReader(dynamodbOf(root), root.config.tables.audit) } }
    : {};
}

function withAnchoring(root: Composition): { anchoring?: DigestAnchoring } {
  const anchoring = digestAnchoringOf(root);
  return anchoring ? { anchoring } : {};
}
