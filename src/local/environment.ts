import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { compose } from '../compose/composition.js';
import { createDigestJob } from '../compose/digest.js';
import { createFollowUpJob } from '../compose/follow-ups.js';
import { createReviewDeadlineJob } from '../compose/review-deadlines.js';
import { createRevocationSweep } from '../compose/revocation-sweep.js';
import type { Runtime } from '../compose/runtime.js';
import { createStreamJob } from '../compose/stream.js';
import { type Config, loadConfig } from '../config.js';
import { createLogger, describeError, type LogLevel } from '../logging.js';
import { createLocalApp, DEV_ISSUER_PATH, startApiServer } from './api-server.js';
import {
  DEMO_ADMIN,
  DEMO_AUDITOR,
  demoAdminSlices,
  demoEntitlements,
  seedEntitlements,
} from './demo-entitlements.js';
import { demoRequestable, seedRequestable } from './demo-requestable.js';
import { type LambdaServiceKey, type LocalFunction, lambdaIdentities } from './function-identities.js';
import { requestDevToken } from './idp/dev-token-client.js';
import {
  CREDVEND_RESOURCE,
  createLocalIdentityProvider,
  type LocalIdentityProvider,
} from './idp/identity-provider.js';
import { startJobTimer } from './job-timer.js';
import { dropListPrefix } from './moto-s3.js';
import { assertPortFree } from './preflight.js';
import { LOCAL_STAGE, REVOKER_ROLE } from './seed-aws.js';
import { type LocalStack, startLocalStack } from './stack.js';
import { startStreamPoller } from './stream-poller.js';

export const DEV_AUDIENCE = 'credvend';
/** The value AWS callers sign into X-Credvend-Server-ID for the local stack. */
const LOCAL_SERVER_ID = 'credvend-local-dev';

export interface LocalEnvironmentOptions {
  host: string;
  apiPort: number;
  dynamodbPort: number;
  motoPort: number;
  persistDir?: string;
  /** Seed the audit guide's example EventBridge rule and queue (default on; the tests make their own). */
  demoEventRule?: boolean;
  logLevel: LogLevel;
  /** Tests point console sign-in at a local stand-in; `npm start` uses AWS's endpoint. */
  federationEndpoint?: string;
  /** An IdP of your own instead of the local one (`CREDVEND_OIDC_ISSUER` etc. for `npm start`). */
  externalIssuer?: ExternalIssuer;
}

export interface ExternalIssuer {
  issuer: string;
  audience: string;
  jwksUri?: string;
  /** The `sub` the demo entitlements are granted to at that issuer. */
  demoSubject: string;
  /** Role holders (`iss#sub`), as CREDVEND_AUDITORS / CREDVEND_ADMINS. */
  auditors?: string;
  admins?: string;
}

export interface LocalEnvironment {
  apiUrl: string;
  issuer: string;
  /** False when an external issuer is configured: no local IdP, no dev tokens. */
  localIdentityProvider: boolean;
  stack: LocalStack;
  /** A token for `sub` from the local IdP's dev-token grant, as `credvend dev-token` gets one. */
  mintToken(sub: string, extra?: { ttlSeconds?: number; email?: string }): Promise<string>;
  /** A function's own credentials: its template role's session, as Lambda gets it. */
  functionCredentials(fn: LocalFunction): AwsCredentialIdentityProvider;
  /** Environment variables that configure credvend (the API process) for this stack. */
  credvendEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Each function's role session, from the IAM gate as Lambda gets it: one per function and process. */
export function functionIdentities(stack: {
  stsEndpoint: string;
  lambdaService: LambdaServiceKey;
  functionRoles: Partial<Record<LocalFunction, string>>;
}): (fn: LocalFunction) => AwsCredentialIdentityProvider {
  const identities = lambdaIdentities({
    endpoint: stack.stsEndpoint,
    region: 'us-east-1',
    lambdaService: stack.lambdaService,
    roleArns: stack.functionRoles,
    stage: LOCAL_STAGE,
  });
  return (fn) => {
    const identity = identities[fn];
    if (!identity) throw new Error(`the local template deploys no role for the ${fn} function`);
    return identity;
  };
}

/** How often the local revocation sweep runs (serverless.yml: revocationSweepSchedule). */
const REVOCATION_SWEEP_SECONDS = 60;
/** How often the local review job runs (serverless.yml: reviewSchedule). */
const REVIEW_JOB_SECONDS = 60;
/** The local stand-in for followUpSchedule: follow-ups go out at most a minute late. */
const FOLLOW_UP_SECONDS = 60;

/**
 * The digest timer, the revocation sweep, the review job, the follow-ups and the stream publisher, in this process, each under
 * its own function's role; the same job code the three Lambdas run.
 */
function startAuditJobs(
  config: Config,
  stack: LocalStack,
  identityOf: (fn: LocalFunction) => AwsCredentialIdentityProvider,
): { stop(): Promise<void> } {
  const logger = createLogger(config.logLevel);
  const onError = (error: unknown) => logger.error('local audit job failed', describeError(error));
  const runtime = (credentials: AwsCredentialIdentityProvider): Runtime => ({
    kind: 'node',
    sourceIp: () => undefined,
    credentials,
    adjustS3: dropListPrefix,
  });
  const timer = startJobTimer({
    intervalSeconds: config.digests?.intervalSeconds ?? 300,
    job: createDigestJob(compose(config, runtime(identityOf('digest')))),
    onError,
  });
  const sweep = startJobTimer({
    intervalSeconds: REVOCATION_SWEEP_SECONDS,
    job: createRevocationSweep(compose(config, runtime(identityOf('revocations')))),
    onError,
  });
  const reviews = startJobTimer({
    intervalSeconds: REVIEW_JOB_SECONDS,
    job: createReviewDeadlineJob(compose(config, runtime(identityOf('reviews')))),
    onError,
  });
  const followUps = startJobTimer({
    intervalSeconds: FOLLOW_UP_SECONDS,
    job: createFollowUpJob(compose(config, runtime(identityOf('reminders')))),
    onError,
  });
  const poller = startStreamPoller({
    endpoint: stack.dynamodbEndpoint,
    region: config.region,
    credentials: identityOf('stream'),
    streamArn: stack.auditStreamArn,
    handler: createStreamJob(compose(config, runtime(identityOf('stream')))),
    checkpoints: new Map(),
    onError,
  });
  return {
    stop: async () => {
      await Promise.all([timer.stop(), sweep.stop(), reviews.stop(), followUps.stop(), poller.stop()]);
    },
  };
}

/**
 * The local stack plus the API in this process: used by `npm start` and by the
 * integration tests, so both exercise exactly the same wiring.
 */
export async function startLocalEnvironment(options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
  await assertPortFree(options.host, options.apiPort, 'CREDVEND_API_PORT');
  const stack = await startLocalStack({
    host: options.host,
    dynamodbPort: options.dynamodbPort,
    motoPort: options.motoPort,
    ...(options.persistDir ? { persistDir: options.persistDir } : {}),
    ...(options.demoEventRule === false ? { demoEventRule: false } : {}),
  });
  try {
    const apiUrl = `http://${options.host}:${options.apiPort}`;
    const external = options.externalIssuer;
    const issuer = external?.issuer ?? `${apiUrl}${DEV_ISSUER_PATH}`;
    const audience = external?.audience ?? DEV_AUDIENCE;
    const credvendEnv: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      CREDVEND_ENTITLEMENTS_TABLE: stack.tableNames.entitlements,
      CREDVEND_AUDIT_TABLE: stack.tableNames.audit,
      CREDVEND_RATE_LIMITS_TABLE: stack.tableNames.rateLimits,
      CREDVEND_IDEMPOTENCY_TABLE: stack.tableNames.idempotency,
      CREDVEND_ACCESS_REQUESTS_TABLE: stack.tableNames.accessRequests,
      CREDVEND_REQUESTABLES_TABLE: stack.tableNames.requestables,
      CREDVEND_ACTIVITY_TABLE: stack.tableNames.activity,
      CREDVEND_REVIEWS_TABLE: stack.tableNames.reviews,
      CREDVEND_REVOKER_ROLE_NAME: REVOKER_ROLE,
      CREDVEND_IAM_ENDPOINT: stack.stsEndpoint,
      // Read from moto's Secrets Manager through the IAM gate, as a function reads them in AWS.
      CREDVEND_IDEMPOTENCY_SECRET_ID: stack.secrets.idempotency,
      CREDVEND_CURSOR_SECRET_ID: stack.secrets.cursor,
      CREDVEND_SECRETS_MANAGER_ENDPOINT: stack.stsEndpoint,
      // Quotas are on in production; locally they would throttle the load bench and the
      // fault-injection run. Tests that check quotas turn them on.
      CREDVEND_CALLER_RATE_LIMIT: 'off',
      CREDVEND_ENTITLEMENT_RATE_LIMIT: 'off',
      CREDVEND_DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
      CREDVEND_STS_ENDPOINT: stack.stsEndpoint,
      CREDVEND_OIDC_ISSUER: issuer,
      CREDVEND_OIDC_AUDIENCE: audience,
      // The portal asks the local IdP for an access token for credvend by resource indicator.
      ...(external ? {} : { CREDVEND_PORTAL_RESOURCE: CREDVEND_RESOURCE }),
      ...(external?.jwksUri ? { CREDVEND_OIDC_JWKS_URI: external.jwksUri } : {}),
      // One machine, one clock: no skew to tolerate, and expiry is testable in seconds.
      CREDVEND_OIDC_CLOCK_TOLERANCE_SECONDS: '1',
      // vendingIdentity=user, as the template is packaged: the vend function's role reads the
      // vending user's key from its secret, and that key signs AssumeRole (no role chaining).
      CREDVEND_VENDING_IDENTITY: 'user',
      CREDVEND_VENDING_KEY_SECRET: stack.seed.vendingKeySecretArn,
      CREDVEND_ROLE_CHAINING: 'false',
      CREDVEND_SERVER_ID: LOCAL_SERVER_ID,
      CREDVEND_AUDITORS: external?.auditors ?? `${issuer}#${DEMO_AUDITOR}`,
      CREDVEND_ADMINS: external?.admins ?? `${issuer}#${DEMO_ADMIN}`,
      ...(external ? {} : { CREDVEND_ADMIN_SLICES: demoAdminSlices(issuer) }),
      CREDVEND_LOG_LEVEL: options.logLevel,
      CREDVEND_DIGEST_BUCKET: stack.anchoring.digestBucket,
      CREDVEND_DIGEST_KEY_ID: stack.anchoring.digestKeyId,
      CREDVEND_KMS_ENDPOINT: stack.stsEndpoint,
      CREDVEND_S3_ENDPOINT: stack.stsEndpoint,
      CREDVEND_EVENTS_ENDPOINT: stack.stsEndpoint,
      ...(options.federationEndpoint ? { CREDVEND_FEDERATION_ENDPOINT: options.federationEndpoint } : {}),
    };
    const config = loadConfig(credvendEnv);
    // The demo rows are written as an operator would write them, not by any function.
    const dynamodb = new DynamoDBClient({
      region: config.region,
      endpoint: stack.dynamodbEndpoint,
      credentials: stack.operator,
    });
    await seedEntitlements(
      dynamodb,
      config.tables.entitlements,
      demoEntitlements({
        issuer,
        ...(external ? { subject: external.demoSubject } : {}),
        readonlyRoleArn: stack.seed.roles.readonly,
        deployRoleArn: stack.seed.roles.deploy,
        externalId: stack.seed.externalId,
        bucket: stack.seed.bucket,
      }),
    );
    // The demo users' groups exist only at the local IdP: another issuer gets no demo requestable.
    if (!external)
      await seedRequestable(
        dynamodb,
        stack.tableNames.requestables,
        demoRequestable(issuer, stack.seed.roles.readonly),
      );
    dynamodb.destroy();
    const identityProvider: LocalIdentityProvider | undefined = external
      ? undefined
      : await createLocalIdentityProvider(issuer, audience);
    const identityOf = functionIdentities({ ...stack, functionRoles: stack.seed.functionRoles });
    const server = await startApiServer(
      createLocalApp(config, identityOf),
      options.host,
      options.apiPort,
      identityProvider,
    );
    const jobs = startAuditJobs(config, stack, identityOf);
    return {
      apiUrl,
      issuer,
      stack,
      credvendEnv,
      localIdentityProvider: identityProvider !== undefined,
      mintToken: (sub, extra) => requestDevToken({ issuer, sub, ...extra }),
      functionCredentials: identityOf,
      stop: async () => {
        await jobs.stop();
        await server.stop();
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
