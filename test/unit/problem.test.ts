import { describe, expect, it } from 'vitest';
import * as errors from '../../src/domain/shared/errors.js';
import { toProblem } from '../../src/http/problem.js';

const cases: Array<[errors.CredvendError, number]> = [
  [new errors.InvalidRequestError('bad', [{ path: 'x', message: 'y' }]), 400],
  [new errors.LimitExceededError('duration', 'too long'), 400],
  [new errors.PolicyNotNarrowingError('wider'), 400],
  [new errors.ReasonRequiredError('why?'), 400],
  [new errors.StsRejectedRequestError('PackedPolicyTooLarge', 'PackedPolicyTooLarge: 112%'), 400],
  [new errors.AuthenticationError('no token'), 401],
  [new errors.NotEntitledError('no'), 403],
  [new errors.ForbiddenError('auditor only'), 403],
  [new errors.StsAccessDeniedError('trust'), 403],
  [new errors.NotFoundError('none'), 404],
  [new errors.ConflictError('stale'), 409],
  [new errors.StsThrottledError(2), 429],
  [new errors.StsUnavailableError('STS AssumeRole failed: InternalFailure at 10.1.2.3'), 502],
  [new errors.EntitlementStoreUnavailableError('dynamodb table credvend-prod-entitlements missing'), 503],
  [new errors.AuditUnavailableError('audit table credvend-prod-audit throttled'), 503],
];

describe('toProblem', () => {
  it.each(cases)('%s → %i with a stable type', (error, status) => {
    const problem = toProblem(error, 'req-9');
    expect(problem.status).toBe(status);
    expect(problem.headers['content-type']).toBe('application/problem+json');
    expect(problem.body).toMatchObject({
      type: `urn:credvend:problem:${error.code}`,
      status,
      requestId: 'req-9',
    });
    const text = JSON.stringify(problem.body);
    if (status >= 500) expect(text).not.toContain(error.message);
    else expect(problem.body.detail).toBe(error.message);
  });

  it('names the limit, the issues, the STS error and Retry-After', () => {
    expect(toProblem(new errors.LimitExceededError('session-tags', 'x'), 'r').body.limit).toBe(
      'session-tags',
    );
    expect(
      toProblem(new errors.InvalidRequestError('x', [{ path: 'a', message: 'b' }]), 'r').body.issues,
    ).toEqual([{ path: 'a', message: 'b' }]);
    expect(
      toProblem(new errors.StsRejectedRequestError('MalformedPolicyDocument', 'x'), 'r').body.stsError,
    ).toBe('MalformedPolicyDocument');
    expect(toProblem(new errors.StsThrottledError(3), 'r').headers['retry-after']).toBe('3');
    expect(toProblem(new errors.AuthenticationError('x'), 'r').headers['www-authenticate']).toContain(
      'Bearer',
    );
  });

  it('reports an AWS SDK failure no adapter mapped as a 503 to retry, without its message', () => {
    const sdk = Object.assign(new Error('Requested resource not found: credvend-prod-audit'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    const problem = toProblem(sdk, 'req-2');
    expect(problem.status).toBe(503);
    expect(problem.body.type).toBe('urn:credvend:problem:dependency-unavailable');
    expect(JSON.stringify(problem.body)).not.toContain('credvend-prod-audit');
  });

  it('hides an unknown error behind a 500', () => {
    const problem = toProblem(new Error('connect ECONNREFUSED 10.0.0.5:443'), 'req-1');
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem.body)).not.toContain('ECONNREFUSED');
    expect(problem.body.type).toBe('urn:credvend:problem:internal');
  });
});
