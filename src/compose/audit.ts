import type { Hono } from 'hono';
import { DynamoDbAuditReader } from '../aws/dynamodb-audit-reader.js';
import type { DigestAnchoring } from '../domain/audit-verification.js';
import { systemClock } from '../domain/ports.js';
import type { AppEnv } from '../http/app-env.js';
import { createAuditApp } from '../http/audit-app.js';
import { authMethodsOf, type Composition, dynamodbOf, privilegedAccessOf } from './composition.js';
import { digestAnchoringOf } from './digest-anchoring.js';

/** The audit function: read-only queries for auditors. */
export function createAuditFunction(root: Composition): Hono<AppEnv> {
  return createAuditApp({
    reader: new DynamoDbAuditReader(dynamodbOf(root), root.config.tables.audit),
    access: privilegedAccessOf(root),
    authMethods: authMethodsOf(root),
    clock: systemClock,
    logger: root.logger,
    sourceIp: root.runtime.sourceIp,
    ...withAnchoring(root),
  });
}

function withAnchoring(root: Composition): { anchoring?: DigestAnchoring } {
  const anchoring = digestAnchoringOf(root);
  return anchoring ? { anchoring } : {};
}
