import type { Caller } from '../domain/shared/types.js';

/**
 * The parts of an API Gateway HTTP API (payload 2.0) request context credvend reads. Only
 * the Lambda adapter (hono/aws-lambda's `handle`) passes it, built by API Gateway, so
 * nothing in it can come from a request header.
 */
export interface LambdaRequestContext {
  requestId?: string;
  http?: { sourceIp?: string };
  authorizer?: { iam?: { userArn?: string } };
}

/**
 * Hono environment shared by every credvend app. `Bindings` is what the runtime adapter
 * passes as `c.env`: the Lambda adapter's request context, or nothing credvend reads
 * (the Node server passes its socket objects, which the Node runtime reads through
 * @hono/node-server's getConnInfo).
 */
export interface AppEnv {
  Bindings: { requestContext?: LambdaRequestContext };
  Variables: {
    requestId: string;
    caller: Caller;
  };
}
