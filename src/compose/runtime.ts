import type { S3Client } from '@aws-sdk/client-s3';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  RequestHandler as SmithyRequestHandler,
} from '@smithy/types';
import type { SourceIpResolver } from '../http/request-context.js';

/** Fixed credentials, or a provider (the local stack's role sessions, renewed before they expire). */
/** What carries a client's requests: the bench's in-memory stand-ins, else Node's HTTP with the clients' timeouts. */
export type RequestHandler = SmithyRequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>;

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** Where the apps run, and what only that runtime can tell. */
export interface Runtime {
  /**
   * `lambda` trusts API Gateway's IAM authorizer context, which only the Lambda adapter
   * passes; `node` (the local server, tests, benches) never does.
   */
  kind: 'lambda' | 'node';
  sourceIp: SourceIpResolver;
  /** Credentials for the SDK clients; absent, the SDK's default chain supplies them. */
  credentials?: Credentials;
  /**
   * Bench only: carries the DynamoDB and STS clients' requests to in-memory stand-ins
   * (bench/aws-stand-ins.ts), so the SDK still serialises, signs and parses every call.
   */
  requestHandler?: RequestHandler;
  /** Local stack only: adapts the S3 client to the emulator (src/local/moto-s3.ts). */
  adjustS3?: (client: S3Client) => void;
}

/** AWS Lambda behind an HTTP API: the caller's address is the one API Gateway saw. */
export const lambdaRuntime: Runtime = {
  kind: 'lambda',
  sourceIp: (c) => c.env?.requestContext?.http?.sourceIp,
};
