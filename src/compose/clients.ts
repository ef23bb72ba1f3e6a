import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../config.js';
import type { Credentials, RequestHandler } from './runtime.js';

/** Timeouts short enough that a stuck dependency fails a request well inside API Gateway's 30 s. */
const REQUEST_HANDLER_OPTIONS = { requestTimeout: 3000, connectionTimeout: 1000 };

/**
 * `cacheMiddleware`: each command's middleware chain is built once, not on every call (about
 * a tenth of the SDK's CPU per issuance, npm run bench: own CPU). Middleware must therefore
 * be added to a client before its first call of a command, as the local stack and tests do.
 */
const CACHE_MIDDLEWARE = true;

/**
 * SDK clients, built once per process (a warm Lambda reuses them across invocations).
 * `credentials` is for the local stack, where each function's role session comes from the
 * IAM gate; in Lambda the default chain supplies the function's role. Each function builds only the
 * clients it uses, so its bundle carries no other.
 */
export function createDynamoDbClient(
  config: Config,
  credentials?: Credentials,
  requestHandler?: RequestHandler,
): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(credentials ? { credentials } : {}),
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    maxAttempts: 3,
    requestHandler: requestHandler ?? REQUEST_HANDLER_OPTIONS,
    cacheMiddleware: CACHE_MIDDLEWARE,
  });
}

export function createStsClient(
  config: Config,
  credentials?: Credentials,
  requestHandler?: RequestHandler,
): STSClient {
  return new STSClient({
    region: config.region,
    ...(credentials ? { credentials } : {}),
    ...(config.stsEndpoint ? { endpoint: config.stsEndpoint } : {}),
    // Bounded: a throttled STS must not turn into a retry storm (the SDK adds jittered backoff).
    maxAttempts: 2,
    requestHandler: requestHandler ?? REQUEST_HANDLER_OPTIONS,
    cacheMiddleware: CACHE_MIDDLEWARE,
  });
}

/** KMS, S3, EventBridge and IAM: only the functions that call them build these. */
function serviceOptions(config: Config, credentials: Credentials | undefined, endpoint?: string) {
  return {
    region: config.region,
    ...(credentials ? { credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 3,
    requestHandler: REQUEST_HANDLER_OPTIONS,
    cacheMiddleware: CACHE_MIDDLEWARE,
  };
}

export function createKmsClient(config: Config, credentials?: Credentials): KMSClient {
  return new KMSClient(serviceOptions(config, credentials, config.kmsEndpoint));
}

export function createS3Client(
  config: Config,
  credentials?: Credentials,
  endpoint = config.digests?.s3Endpoint,
): S3Client {
  return new S3Client({
    ...serviceOptions(config, credentials, endpoint),
    // Path-style addressing works against AWS and against an emulator on one host:port.
    forcePathStyle: true,
  });
}

export function createEventBridgeClient(config: Config, credentials?: Credentials): EventBridgeClient {
  return new EventBridgeClient(serviceOptions(config, credentials, config.events.endpoint));
}

/** Only functions that read a secret (configured ones, the vending key) or rotate one build it. */
export function createSecretsManagerClient(config: Config, credentials?: Credentials): SecretsManagerClient {
  return new SecretsManagerClient(serviceOptions(config, credentials, config.secrets.endpoint));
}

/**
 * IAM with the same timeouts and retries: the revoker's, per target account session, and the
 * rotation function's (its own role's credentials, from the default chain in Lambda).
 */
export function createIamClient(config: Config, credentials?: Credentials): IAMClient {
  const endpoint = config.revocation?.iamEndpoint ?? config.vendingUser?.iamEndpoint;
  return new IAMClient(serviceOptions(config, credentials, endpoint));
}

/** Notification sinks: only the requests function builds these, and only when configured. */
export function createSnsClient(config: Config, endpoint?: string, credentials?: Credentials): SNSClient {
  return new SNSClient(serviceOptions(config, credentials, endpoint));
}

export function createSesClient(config: Config, endpoint?: string, credentials?: Credentials): SESv2Client {
  return new SESv2Client(serviceOptions(config, credentials, endpoint));
}
