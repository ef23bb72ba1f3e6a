import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { apiGatewayIamAuth } from './auth/apigw-iam.js';
import { createSigV4AuthMethod } from './auth/aws-sigv4.js';
import { OidcAuthenticator } from './auth/oidc.js';
import { consoleSignInUrl } from './aws/console-federation.js';
import { DynamoDbAuditReader } from './aws/dynamodb-audit-reader.js';
import { DynamoDbAuditSink } from './aws/dynamodb-audit-sink.js';
import { DynamoDbEntitlementAdminStore } from './aws/dynamodb-entitlement-admin-store.js';
import { DynamoDbEntitlementStore } from './aws/dynamodb-entitlement-store.js';
import { DynamoDbIdempotencyStore } from './aws/dynamodb-idempotency-store.js';
import { DynamoDbRateLimiter } from './aws/dynamodb-rate-limiter.js';
import { IamRevocationApplier } from './aws/iam-revocation-applier.js';
import { StsRoleAssumer } from './aws/sts-role-assumer.js';
import type { Config } from './config.js';
import type { AuditEvent } from './domain/audit.js';
import { ChainedAuditLog } from './domain/audit-chain.js';
import { EntitlementAdmin } from './domain/entitlement-admin.js';
import { IdempotentIssuer } from './domain/idempotent-issuer.js';
import { newEventId } from './domain/ids.js';
import type { AuditLog, TransactionalAuditLog } from './domain/ports.js';
import { systemClock } from './domain/ports.js';
import { PrivilegedAccess } from './domain/privileged-access.js';
import { Revoker } from './domain/revoke.js';
import { IdempotencySealer } from './domain/sealing.js';
import { CredentialVendor } from './domain/vend.js';
import type { AdminAppDependencies } from './http/admin-app.js';
import type { AuditAppDependencies } from './http/audit-app.js';
import { type AuthMethodHandler, bearerAuth } from './http/authenticate.js';
import type { SourceIpResolver } from './http/request-context.js';
import type { VendAppDependencies } from './http/vend-app.js';
import { createLogger, describeError, type Logger } from './logging.js';

/** Timeouts short enough that a stuck dependency fails a request well inside API Gateway's 30 s. */
const REQUEST_TIMEOUT_MS = 3000;
const CONNECTION_TIMEOUT_MS = 1000;

export interface AwsClients {
  dynamodb: DynamoDBClient;
  sts: STSClient;
}

const requestHandler = { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: CONNECTION_TIMEOUT_MS };

/**
 * SDK clients, built once per process (a warm Lambda reuses them across invocations).
 * `credentials` is for the local stack, whose vending identity is a moto IAM user; in
 * Lambda the default chain supplies the function's role. Each function builds only the
 * clients it uses, so its bundle carries no other.
 */
export function createDynamoDbClient(config: Config, credentials?: AwsCredentialIdentity): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(credentials ? { credentials } : {}),
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    maxAttempts: 3,
    requestHandler,
  });
}

export function createStsClient(config: Config, credentials?: AwsCredentialIdentity): STSClient {
  return new STSClient({
    region: config.region,
    ...(credentials ? { credentials } : {}),
    ...(config.stsEndpoint ? { endpoint: config.stsEndpoint } : {}),
    // Bounded: a throttled STS must not turn into a retry storm (the SDK adds jittered backoff).
    maxAttempts: 2,
    requestHandler,
  });
}

export function createAwsClients(config: Config, credentials?: AwsCredentialIdentity): AwsClients {
  return { dynamodb: createDynamoDbClient(config, credentials), sts: createStsClient(config, credentials) };
}

function logAuditFailure(logger: Logger): (error: unknown, event: AuditEvent) => void {
  return (error, event) =>
    logger.error('audit write failed for a denial', {
      eventId: event.eventId,
      requestId: event.requestId,
      principal: event.principal,
      problemCode: event.problemCode,
      ...describeError(error),
    });
}

/** One chained audit log per process: its chains belong to this writer alone. */
export function createAuditLog(config: Config, dynamodb: DynamoDBClient): TransactionalAuditLog {
  return new ChainedAuditLog(new DynamoDbAuditSink(dynamodb, config.tables.audit), () => newEventId());
}

export function createVendor(
  config: Config,
  clients: AwsClients,
  audit: AuditLog,
  logger: Logger,
): CredentialVendor {
  return new CredentialVendor({
    entitlements: new DynamoDbEntitlementStore(clients.dynamodb, config.tables.entitlements),
    audit,
    roles: new StsRoleAssumer(clients.sts),
    clock: systemClock,
    newEventId,
    roleChaining: config.roleChaining,
    ...(config.rateLimits.caller || config.rateLimits.entitlement
      ? {
          rateLimits: {
            limiter: new DynamoDbRateLimiter(clients.dynamodb, config.tables.rateLimits),
            ...config.rateLimits,
          },
        }
      : {}),
    onAuditFailure: logAuditFailure(logger),
  });
}

export function createPrivilegedAccess(config: Config, audit: AuditLog, logger: Logger): PrivilegedAccess {
  return new PrivilegedAccess({
    audit,
    clock: systemClock,
    newEventId,
    assignments: config.roles,
    onAuditFailure: logAuditFailure(logger),
  });
}

export type Runtime = 'lambda' | 'node';

/**
 * The ways a caller may prove who it is. The API Gateway IAM context exists only in the
 * Lambda runtime, where API Gateway itself fills it in.
 */
export function createAuthMethods(config: Config, runtime: Runtime): AuthMethodHandler[] {
  const methods: AuthMethodHandler[] = runtime === 'lambda' ? [apiGatewayIamAuth] : [];
  if (config.awsAuth) methods.push(createSigV4AuthMethod(config.awsAuth));
  if (config.oidc) {
    const oidc = new OidcAuthenticator(config.oidc);
    methods.push(bearerAuth((token) => oidc.authenticate(token)));
  }
  return methods;
}

export function createVendDependencies(
  config: Config,
  clients: AwsClients,
  runtime: Runtime,
  sourceIp: SourceIpResolver,
  audit: AuditLog = createAuditLog(config, clients.dynamodb),
): VendAppDependencies {
  const logger = createLogger(config.logLevel);
  const vendor = createVendor(config, clients, audit, logger);
  return {
    vendor,
    ...(config.idempotencySecret
      ? {
          idempotent: new IdempotentIssuer({
            vendor,
            store: new DynamoDbIdempotencyStore(clients.dynamodb, config.tables.idempotency),
            sealer: new IdempotencySealer(Buffer.from(config.idempotencySecret)),
            clock: systemClock,
          }),
        }
      : {}),
    authMethods: createAuthMethods(config, runtime),
    clock: systemClock,
    logger,
    sourceIp,
    consoleUrl: (credentials, durationSeconds) =>
      consoleSignInUrl(config.console, credentials, config.roleChaining ? undefined : durationSeconds),
  };
}

export function createAuditDependencies(
  config: Config,
  dynamodb: DynamoDBClient,
  runtime: Runtime,
  sourceIp: SourceIpResolver,
  audit: AuditLog = createAuditLog(config, dynamodb),
): AuditAppDependencies {
  const logger = createLogger(config.logLevel);
  return {
    reader: new DynamoDbAuditReader(dynamodb, config.tables.audit),
    access: createPrivilegedAccess(config, audit, logger),
    authMethods: createAuthMethods(config, runtime),
    clock: systemClock,
    logger,
    sourceIp,
  };
}

export function createAdminDependencies(
  config: Config,
  dynamodb: DynamoDBClient,
  sts: STSClient,
  runtime: Runtime,
  sourceIp: SourceIpResolver,
  audit: TransactionalAuditLog = createAuditLog(config, dynamodb),
): AdminAppDependencies {
  const logger = createLogger(config.logLevel);
  const access = createPrivilegedAccess(config, audit, logger);
  return {
    revoker: new Revoker({
      reader: new DynamoDbAuditReader(dynamodb, config.tables.audit),
      ...(config.revocation
        ? { applier: new IamRevocationApplier(sts, { region: config.region, ...config.revocation }) }
        : {}),
      audit,
      access,
      clock: systemClock,
      newEventId,
    }),
    admin: new EntitlementAdmin({
      store: new DynamoDbEntitlementAdminStore(dynamodb, config.tables.entitlements, config.tables.audit),
      audit,
      access,
      clock: systemClock,
      newEventId,
    }),
    authMethods: createAuthMethods(config, runtime),
    logger,
    sourceIp,
  };
}
