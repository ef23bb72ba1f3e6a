import { describe, expect, it } from 'vitest';
import { DynamoDbQuotaLedger } from '../../src/aws/dynamodb-quota-ledger.js';
import { LeasedRateLimiter } from '../../src/domain/issuance/leased-rate-limiter.js';
import type { RateLimitBucket } from '../../src/domain/issuance/ports.js';
import { RateLimitedError } from '../../src/domain/shared/errors.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import { auditOfRequest, devToken, dynamodb, oidcPrincipal, stack, vendApp } from './support.js';

describe('rate limits', () => {
  it('gives a caller over its quota 429 with Retry-After, audited', async () => {
    // Prepare: three issuances per caller per hour (a window that will not roll over mid-test).
    const app = vendApp({
      CREDVEND_CALLER_RATE_LIMIT: '3/3600',
      CREDVEND_ENTITLEMENT_RATE_LIMIT: '1000/3600',
    });
    const vend = (token: string) =>
      app.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ entitlement: 'demo-deploy', reason: 'quota test' }),
      });
    const alice = await devToken('alice@example.com');

    // Act: the same caller, concurrently; each window is one exact count across writers.
    const statuses = await Promise.all([...Array(5)].map(async () => (await vend(alice)).status));
    const limited = await vend(alice);

    // Assess
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const problem = await readWire(limited, problemWire);
    expect(problem.type).toBe('urn:credvend:problem:rate-limited');
    const [event] = await auditOfRequest(oidcPrincipal('alice@example.com'), problem.requestId);
    expect(event).toMatchObject({
      outcome: 'denied',
      problemCode: 'rate-limited',
      principal: oidcPrincipal('alice@example.com'),
    });
  });

  it('counts per entitlement across callers', async () => {
    const app = vendApp({ CREDVEND_CALLER_RATE_LIMIT: 'off', CREDVEND_ENTITLEMENT_RATE_LIMIT: '2/3600' });
    const token = await devToken('alice@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await app.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ accountId: '222222222222', roleName: 'credvend-readonly' }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('does not spend quota on requests that are refused before issuing', async () => {
    const app = vendApp({ CREDVEND_CALLER_RATE_LIMIT: '1/60', CREDVEND_ENTITLEMENT_RATE_LIMIT: 'off' });
    const token = await devToken(`quota-${Date.now()}@example.com`);
    for (let i = 0; i < 3; i++) {
      const response = await app.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ entitlement: 'demo-readonly' }),
      });
      // Not entitled, every time: never 429, because nothing was about to be issued.
      expect(response.status).toBe(403);
    }
  });

  it('spends no quota on a request another quota refuses: the tokens leased for it stay with the container', async () => {
    const limiter = new LeasedRateLimiter(ledger());
    const id = `atomic-${Date.now()}`;
    const caller = (limit: number): RateLimitBucket => ({ scope: 'caller', id, limit, windowSeconds: 3600 });
    const entitlement: RateLimitBucket = { scope: 'entitlement', id, limit: 1, windowSeconds: 3600 };
    const now = new Date();
    await limiter.take([caller(5), entitlement], now);
    const refused = await limiter.take([caller(5), entitlement], now).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ scope: 'entitlement' });
    // The caller's bucket still counts one request, not two: a limit of 2 lets one more through.
    await limiter.take([caller(2)], now);
    await expect(limiter.take([caller(2)], now)).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('leases in blocks from one DynamoDB counter: containers together never pass the limit, the last lease gets what is left', async () => {
    // Prepare: a limit of 25, leases of 10, four containers asking at once.
    const window = { key: `ledger-${Date.now()}`, limit: 25, endsAt: Date.now() + 3_600_000 };
    const containers = Array.from({ length: 4 }, () => ledger());

    // Act
    const grants = await Promise.all(containers.map((c) => c.lease(window, 10)));
    const after = await ledger().lease(window, 10);

    // Assess: 10 + 10 + 5 + 0 in some order; nothing left after.
    expect([...grants].sort((a, b) => a - b)).toEqual([0, 5, 10, 10]);
    expect(after).toBe(0);
  });
});

function ledger(): DynamoDbQuotaLedger {
  return new DynamoDbQuotaLedger(
    dynamodb(),
    stack().credvendEnv.CREDVEND_RATE_LIMITS_TABLE ?? 'credvend-ratelimits',
  );
}
