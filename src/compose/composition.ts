import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import { apiGatewayIamAuth } from '../auth/apigw-iam.js';
import type { AuthMethod } from '../auth/auth-method.js';
import { createSigV4AuthMethod } from '../auth/aws-sigv4.js';
import { bearerAuth } from '../auth/bearer.js';
import { OidcIssuers } from '../auth/oidc-issuers.js';
import type { AuditTable } from '../aws/audit-items.js';
import { DynamoDbAuditSink } from '../aws/dynamodb-audit-sink.js';
import { DynamoDbQuotaLedger } from '../aws/dynamodb-quota-ledger.js';
import type { Config } from '../config.js';
import type { AuditEvent } from '../domain/audit/audit.js';
import { ChainedAuditLog } from '../domain/audit/chain.js';
import type { TransactionalAuditLog } from '../domain/audit/ports.js';
import { PrivilegedAccess } from '../domain/identity/privileged-access.js';
import { LeasedRateLimiter } from '../domain/issuance/leased-rate-limiter.js';
import type { RateLimiter } from '../domain/issuance/ports.js';
import { systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { createLogger, describeError, type Logger } from '../logging.js';
import { createDynamoDbClient, createStsClient } from './clients.js';
import type { Runtime } from './runtime.js';

/**
 * What the apps of one process share: configuration, runtime, logger, and the SDK clients
 * and audit log, each built on first use. One audit log per process: its hash chains
 * belong to this writer alone. Builders reach the shared parts through the functions
 * below, so a function's bundle holds only the clients its own builder asks for.
 */
export interface Composition {
  config: Config;
  runtime: Runtime;
  logger: Logger;
  built: {
    dynamodb?: DynamoDBClient;
    sts?: STSClient;
    secretsManager?: SecretsManagerClient;
    auditLog?: TransactionalAuditLog;
    auth?: AuthMethod[];
    rateLimiter?: RateLimiter;
  };
}

export function compose(config: Config, runtime: Runtime): Composition {
  return { config, runtime, logger: createLogger(config.logLevel), built: {} };
}

export function dynamodbOf(root: Composition): DynamoDBClient {
  root.built.dynamodb ??= createDynamoDbClient(
    root.config,
    root.runtime.credentials,
    root.runtime.requestHandler,
  );
  return root.built.dynamodb;
}

export function stsOf(root: Composition): STSClient {
  root.built.sts ??= createStsClient(root.config, root.runtime.credentials, root.runtime.requestHandler);
  return root.built.sts;
}

/**
 * The audit table for stores that write a record in their own transaction (admin changes,
 * reviews, grants, revocations): its records get the same TTL as the audit log's.
 */
export function auditTableOf(root: Composition): AuditTable {
  const { config } = root;
  return {
    name: config.tables.audit,
    ...(config.auditRetention ? { retention: config.auditRetention } : {}),
  };
}

export function auditLogOf(root: Composition): TransactionalAuditLog {
  root.built.auditLog ??= new ChainedAuditLog(
    new DynamoDbAuditSink(dynamodbOf(root), root.config.tables.audit, root.config.auditRetention),
    () => newEventId(),
  );
  return root.built.auditLog;
}

/**
 * Quotas and attempt counters of this container: tokens leased in blocks from the shared
 * ledger and spent here, so a request costs no DynamoDB write while its block lasts.
 */
export function rateLimiterOf(root: Composition): RateLimiter {
  root.built.rateLimiter ??= new LeasedRateLimiter(
    new DynamoDbQuotaLedger(dynamodbOf(root), root.config.tables.rateLimits),
  );
  return root.built.rateLimiter;
}

/**
 * The ways a caller may prove who it is. The API Gateway IAM context exists only in the
 * Lambda runtime, where API Gateway itself fills it in.
 */
export function authMethodsOf(root: Composition): AuthMethod[] {
  if (root.built.auth) return root.built.auth;
  const { config } = root;
  const methods: AuthMethod[] = root.runtime.kind === 'lambda' ? [apiGatewayIamAuth(config.identity)] : [];
  if (config.awsAuth) {
    const { attemptLimits, ...awsAuth } = config.awsAuth;
    methods.push(
      createSigV4AuthMethod({
        ...awsAuth,
        identityRules: config.identity,
        attempts: {
          limiter: rateLimiterOf(root),
          ...attemptLimits,
        },
      }),
    );
  }
  if (config.oidcIssuers.length > 0) {
    const oidc = new OidcIssuers(config.oidcIssuers);
    methods.push(bearerAuth((token) => oidc.authenticate(token)));
  }
  root.built.auth = methods;
  return methods;
}

/** Logs a denial whose audit record could not be written (the denial itself stands). */
export function logAuditFailure(logger: Logger): (error: unknown, event: AuditEvent) => void {
  return (error, event) =>
    logger.error('audit write failed for a denial', {
      eventId: event.eventId,
      requestId: event.requestId,
      principal: event.principal,
      problemCode: event.problemCode,
      ...describeError(error),
    });
}

export function privilegedAccessOf(root: Composition): PrivilegedAccess {
  return new PrivilegedAccess({
    audit: auditLogOf(root),
    clock: systemClock,
    newEventId,
    assignments: root.config.roles,
    onAuditFailure: logAuditFailure(root.logger),
  });
}
