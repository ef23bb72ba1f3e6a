import { DynamoDbLeaseStore } from '../aws/dynamodb-lease-store.js';
import { DynamoDbRevocationIntentLog } from '../aws/dynamodb-revocation-intents.js';
import { IamRevocationApplier } from '../aws/iam-revocation-applier.js';
import type { RevocationApplier } from '../domain/revocation/ports.js';
import { SerializedRevocationApplier } from '../domain/revocation/serialized-revocations.js';
import { WriteAheadRevocations } from '../domain/revocation/write-ahead.js';
import { systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { createIamClient } from './clients.js';
import {
  auditLogOf,
  auditTableOf,
  type Composition,
  dynamodbOf,
  logAuditFailure,
  stsOf,
} from './composition.js';

/** Writes revocations into target roles, one per role at a time; undefined when credvend only prints them. */
export function revocationApplierOf(root: Composition): RevocationApplier | undefined {
  const { config } = root;
  if (!config.revocation) return undefined;
  return new SerializedRevocationApplier(
    new IamRevocationApplier(stsOf(root), {
      revokerRoleName: config.revocation.revokerRoleName,
      iamClientFor: (credentials) => createIamClient(config, credentials),
    }),
    new DynamoDbLeaseStore(dynamodbOf(root), config.tables.rateLimits),
  );
}

/** Revocations of single issuances with their write-ahead record; undefined when credvend only prints them. */
export function writeAheadRevocationsOf(root: Composition): WriteAheadRevocations | undefined {
  const iam = revocationApplierOf(root);
  if (!iam) return undefined;
  const { tables } = root.config;
  return new WriteAheadRevocations({
    iam,
    intents: new DynamoDbRevocationIntentLog(dynamodbOf(root), {
      rateLimits: tables.rateLimits,
      audit: auditTableOf(root),
    }),
    audit: auditLogOf(root),
    clock: systemClock,
    newEventId,
    onAuditFailure: logAuditFailure(root.logger),
  });
}
