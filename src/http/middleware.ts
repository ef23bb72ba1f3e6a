import { randomUUID } from 'node:crypto';
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../logging.js';
import { describeError } from '../logging.js';
import type { AppEnv } from './app-env.js';
import { httpProblem, type Problem, toProblem } from './problem.js';

/** Request bodies above this are refused before they are read into memory. */
const MAX_BODY_BYTES = 64 * 1024;

function sendProblem(c: Context<AppEnv>, problem: Problem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  c.header('cache-control', 'no-store');
  return c.body(JSON.stringify(problem.body), problem.status);
}

export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  // Never taken from a request header: the id ties audit records to logs and must not be forgeable.
  // Lambda's request id when there is one, so logs, audit and API Gateway agree.
  const id = c.env?.requestContext?.requestId ?? randomUUID();
  c.set('requestId', id);
  c.header('x-request-id', id);
  await next();
};

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.header('x-content-type-options', 'nosniff');
  if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
};

export const limitBody: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) =>
    sendProblem(
      c as Context<AppEnv>,
      httpProblem(
        'payload-too-large',
        `request bodies are limited to ${MAX_BODY_BYTES} bytes`,
        (c as Context<AppEnv>).get('requestId'),
      ),
    ),
});

export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    const id = c.get('requestId') ?? 'unknown';
    const problem = toProblem(error, id);
    // 429s are warnings: the quota and STS-throttling alarms count them, at any level up to warn.
    const log = problem.status >= 500 ? logger.error : problem.status === 429 ? logger.warn : logger.info;
    log('request failed', {
      requestId: id,
      status: problem.status,
      type: problem.body.type,
      ...describeError(error),
    });
    return sendProblem(c, problem);
  };
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  sendProblem(
    c,
    httpProblem('not-found', `no route for ${c.req.method} ${c.req.path}`, c.get('requestId') ?? 'unknown'),
  );
