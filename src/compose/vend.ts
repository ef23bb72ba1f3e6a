import type { Hono } from 'hono';
import { consoleSignInUrl } from '../aws/console-federation.js';
import { DynamoDbEntitlementStore } from '../aws/dynamodb-entitlement-store.js';
import { DynamoDbIdempotencyStore } from '../aws/dynamodb-idempotency-store.js';
import { DynamoDbRevocationLookup } from '../aws/dynamodb-revocation-lookup.js';
import { IamManagedPolicies } from '../aws/iam-managed-policies.js';
import { SecretsManagerVendingKeys } from '../aws/secrets-manager-vending-keys.js';
import { StsRoleAssumer } from '../aws/sts-role-assumer.js';
import { UserKeyRoleAssumer } from '../aws/user-key-role-assumer.js';
import { IdempotentIssuer } from '../domain/issuance/idempotent-issuer.js';
import type { RoleAssumer } from '../domain/issuance/ports.js';
import { IdempotencySealer } from '../domain/issuance/sealing.js';
import { CredentialVendor } from '../domain/issuance/vend.js';
import { ManagedPolicyCache } from '../domain/policy/managed-policies.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import type { AppEnv } from '../http/app-env.js';
import { createVendApp } from '../http/vend-app.js';
import { createIamClient, createSecretsManagerClient, createStsClient } from './clients.js';
import {
  auditLogOf,
  authMethodsOf,
  type Composition,
  dynamodbOf,
  logAuditFailure,
  rateLimiterOf,
  stsOf,
} from './composition.js';
import { derivedFrom, secretValueOf } from './secrets.js';

function vendorOf(root: Composition, clock: Clock): CredentialVendor {
  const { config } = root;
  const { caller, entitlement } = config.rateLimits;
  return new CredentialVendor({
    entitlements: new DynamoDbEntitlementStore(dynamodbOf(root), config.tables.entitlements),
    audit: auditLogOf(root),
    roles: roleAssumerOf(root),
    clock,
    newEventId,
    roleChaining: config.roleChaining,
    ...(caller || entitlement
      ? {
          rateLimits: {
            limiter: rateLimiterOf(root),
            ...config.rateLimits,
          },
        }
      : {}),
    onAuditFailure: logAuditFailure(root.logger),
    // AWS managed policies only: the vend role may read nothing else (managed-policies.ts).
    managedPolicies: new ManagedPolicyCache(
      new IamManagedPolicies(createIamClient(config, root.runtime.credentials)),
      clock,
    ),
  });
}

/**
 * Who calls AssumeRole: the function's own role, or the vending IAM user whose key the
 * function reads from Secrets Manager with its role (docs/operations/deploy.md: Sessions longer than an hour).
 */
function roleAssumerOf(root: Composition): RoleAssumer {
  const { config } = root;
  if (!config.vendingUser) return new StsRoleAssumer(stsOf(root));
  const { secretId, keyTtlSeconds } = config.vendingUser;
  const secrets = createSecretsManagerClient(config, root.runtime.credentials);
  return new UserKeyRoleAssumer(new SecretsManagerVendingKeys(secrets, secretId, keyTtlSeconds), (key) =>
    createStsClient(config, key),
  );
}

/**
 * The vend function: issue credentials, plan, list one's own entitlements, health. `clock`
 * is for tests that let time pass (a just-in-time grant reaching its end).
 */
export function createVendFunction(root: Composition, clock: Clock = systemClock): Hono<AppEnv> {
  const { config } = root;
  const vendor = vendorOf(root, clock);
  return createVendApp({
    vendor,
    roles: config.roles,
    ...(config.idempotencySecretId
      ? {
          idempotent: new IdempotentIssuer({
            vendor,
            store: new DynamoDbIdempotencyStore(dynamodbOf(root), config.tables.idempotency),
            // Read at run time; unreadable, a request with an Idempotency-Key gets 503, not an unsealed issuance.
            sealer: derivedFrom(
              secretValueOf(root, 'idempotency', config.idempotencySecretId),
              (secret) => new IdempotencySealer(Buffer.from(secret)),
            ),
            clock,
            revocations: new DynamoDbRevocationLookup(dynamodbOf(root), config.tables.audit),
          }),
        }
      : {}),
    authMethods: authMethodsOf(root),
    clock,
    logger: root.logger,
    sourceIp: root.runtime.sourceIp,
    consoleUrl: (credentials, durationSeconds) =>
      consoleSignInUrl(config.console, credentials, config.roleChaining ? undefined : durationSeconds),
  });
}
