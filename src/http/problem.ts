import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  CredvendError,
  InvalidRequestError,
  LimitExceededError,
  NotEntitledError,
  type ProblemCode,
  RateLimitedError,
  StsRejectedRequestError,
  StsThrottledError,
} from '../domain/shared/errors.js';
import type { ProblemWire } from '../wire/problem.js';

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Exhaustive over ProblemCode: a new code does not compile until it has a status and a title. */
const STATUS_AND_TITLE: Record<ProblemCode, [ContentfulStatusCode, string]> = {
  'invalid-request': [400, 'Invalid request'],
  'limit-exceeded': [400, 'STS limit exceeded'],
  'policy-not-narrowing': [400, 'Session policy is not a narrowing of the entitlement'],
  'reason-required': [400, 'Reason required'],
  'sts-rejected-request': [400, 'STS rejected the request'],
  unauthenticated: [401, 'Authentication required'],
  'not-entitled': [403, 'Not entitled'],
  forbidden: [403, 'Forbidden'],
  'sts-access-denied': [403, 'Target role refused credvend'],
  'not-approver': [403, 'Not an approver of this request'],
  'not-requestable': [403, 'Not requestable by you'],
  'not-found': [404, 'Not found'],
  'illegal-transition': [409, "Not possible in the request's current state"],
  conflict: [409, 'Conflict'],
  'payload-too-large': [413, 'Payload too large'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'sts-throttled': [429, 'Too many requests'],
  'rate-limited': [429, 'Too many requests'],
  internal: [500, 'Internal error'],
  'sts-unavailable': [502, 'STS unavailable'],
  'console-federation-unavailable': [
    502,
    'Console sign-in endpoint unavailable: the session was issued, the console sign-in token was not',
  ],
  'entitlement-store-unavailable': [503, 'Entitlements unavailable'],
  'audit-unavailable': [503, 'Audit unavailable; nothing was issued'],
  'dependency-unavailable': [503, 'Service temporarily unavailable'],
  'quota-unavailable': [503, 'Quotas unavailable; nothing was issued'],
  'secret-unavailable': [503, 'A configured secret is unavailable; nothing was done'],
};

export interface Problem {
  status: ContentfulStatusCode;
  headers: Record<string, string>;
  body: ProblemWire;
}

function problemType(code: ProblemCode): string {
  return `urn:credvend:problem:${code}`;
}

/** A problem for a condition the HTTP layer detects itself (size limits, routing). */
export function httpProblem(code: ProblemCode, detail: string, requestId: string): Problem {
  const [status, title] = STATUS_AND_TITLE[code];
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: { type: problemType(code), title, status, detail, requestId },
  };
}

/**
 * The one place errors become HTTP. A caller sees the detail of errors that are about
 * their request; for anything else (5xx) only the title and the request id, so internal
 * messages, hosts and stack traces never leave the service.
 */
/**
 * An AWS SDK failure (a service exception carries `$metadata`) or a network timeout that no
 * adapter turned into a domain error: the store behind the route is unavailable, which is a
 * 503 to retry, not a bug (500).
 */
function isDependencyFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return '$metadata' in error || ['TimeoutError', 'NetworkingError', 'AbortError'].includes(error.name);
}

export function toProblem(error: unknown, requestId: string): Problem {
  const known = error instanceof CredvendError ? error : undefined;
  const code = known?.code ?? (isDependencyFailure(error) ? 'dependency-unavailable' : 'internal');
  const [status, title] = STATUS_AND_TITLE[code];
  const body: ProblemWire = { type: problemType(code), title, status, requestId };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (known?.exposable && status < 500) body.detail = known.message;
  if (known instanceof InvalidRequestError && known.issues.length > 0) body.issues = [...known.issues];
  if (known instanceof LimitExceededError) body.limit = known.limit;
  if (known instanceof StsRejectedRequestError) body.stsError = known.stsErrorName;
  if (known instanceof NotEntitledError && known.closest) body.closest = known.closest;
  if (known instanceof StsThrottledError || known instanceof RateLimitedError) {
    headers['retry-after'] = String(known.retryAfterSeconds);
  }
  if (code === 'unauthenticated') headers['www-authenticate'] = 'Bearer realm="credvend"';
  return { status, headers, body };
}
