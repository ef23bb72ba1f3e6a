import { DynamoDbLeaseStore } from '../aws/dynamodb-lease-store.js';
import { IamRevocationApplier } from '../aws/iam-revocation-applier.js';
import type { RevocationApplier } from '../domain/revocation/ports.js';
import { SerializedRevocationApplier } from '../domain/revocation/serialized-revocations.js';
import { createIamClient } from './clients.js';
import { type Composition, dynamodbOf, stsOf } from './composition.js';

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
