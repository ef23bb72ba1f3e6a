import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryQuotaLedger } from '../../src/domain/issuance/fakes.js';
import { LeasedRateLimiter, leaseBlock } from '../../src/domain/issuance/leased-rate-limiter.js';
import type { QuotaLedger, RateLimitBucket } from '../../src/domain/issuance/ports.js';
import { RateLimitedError } from '../../src/domain/shared/errors.js';

const NOW = new Date('2026-12-07T10:00:10Z');
const bucket = (
  limit: number,
  scope: RateLimitBucket['scope'] = 'caller',
  id = 'alice',
): RateLimitBucket => ({
  scope,
  id,
  limit,
  windowSeconds: 60,
});

/** How many of `count` takes went through. */
async function granted(limiter: LeasedRateLimiter, buckets: RateLimitBucket[], count: number, now = NOW) {
  let ok = 0;
  for (let i = 0; i < count; i++) {
    try {
      await limiter.take(buckets, now);
      ok += 1;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
    }
  }
  return ok;
}

describe('leased quotas', () => {
  it('leases a block at a time and spends it locally: one ledger write per block, not per request', async () => {
    // Prepare
    const ledger = new InMemoryQuotaLedger();
    const limiter = new LeasedRateLimiter(ledger);

    // Act
    const ok = await granted(limiter, [bucket(60)], 60);

    // Assess
    expect(ok).toBe(60);
    expect(leaseBlock(60)).toBe(6);
    expect(ledger.leases).toHaveLength(10);
    expect(ledger.leases.every((l) => l.want === 6 && l.granted === 6)).toBe(true);
  });

  it('never issues more than the limit across containers, and refuses early by at most (containers - 1) x (block - 1)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 400 }),
        async (limit, order) => {
          // Prepare: five containers sharing one ledger; requests land on them in `order`.
          const ledger = new InMemoryQuotaLedger();
          const containers = Array.from({ length: 5 }, () => new LeasedRateLimiter(ledger));
          let ok = 0;
          let firstRefusalAfter: number | undefined;

          // Act
          for (const c of order) {
            try {
              await containers[c]?.take([bucket(limit)], NOW);
              ok += 1;
            } catch (error) {
              if (!(error instanceof RateLimitedError)) throw error;
              firstRefusalAfter ??= ok;
            }
          }

          // Assess
          expect(ok).toBeLessThanOrEqual(limit);
          if (firstRefusalAfter !== undefined) {
            expect(firstRefusalAfter).toBeGreaterThanOrEqual(limit - 4 * (leaseBlock(limit) - 1));
          }
        },
      ),
    );
  });

  it('spends nothing of one bucket when another refuses, and keeps what it leased for the next request', async () => {
    const ledger = new InMemoryQuotaLedger();
    const limiter = new LeasedRateLimiter(ledger);
    const caller = bucket(5);
    const entitlement = bucket(1, 'entitlement', 'deploy');
    await limiter.take([caller, entitlement], NOW);

    const refused = await limiter.take([caller, entitlement], NOW).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ scope: 'entitlement' });
    // The caller's bucket counts one request: four more go through, the fifth does not.
    expect(await granted(limiter, [caller], 5)).toBe(4);
  });

  it('asks the ledger nothing more once a window is spent, and leases again in the next window', async () => {
    const ledger = new InMemoryQuotaLedger();
    const limiter = new LeasedRateLimiter(ledger);
    expect(await granted(limiter, [bucket(2)], 2)).toBe(2);
    const before = ledger.leases.length;

    const refused = await limiter.take([bucket(2)], NOW).catch((e: unknown) => e);
    await limiter.take([bucket(2)], NOW).catch(() => undefined);
    await limiter.take([bucket(2)], NOW).catch(() => undefined);

    // One lease found the window spent; the refusals after it cost nothing.
    expect(ledger.leases.length).toBe(before + 1);
    expect(refused).toMatchObject({ retryAfterSeconds: 50 });
    const nextWindow = new Date(NOW.getTime() + 60_000);
    expect(await granted(limiter, [bucket(2)], 3, nextWindow)).toBe(2);
  });

  it('gives concurrent requests in one container no more than the ledger leased', async () => {
    const ledger = new InMemoryQuotaLedger();
    const limiter = new LeasedRateLimiter(ledger);

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => limiter.take([bucket(3)], NOW)),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(ledger.counts.get([...ledger.counts.keys()][0] ?? '')).toBe(3);
  });

  it('refuses no take whose token was leased, when the ledger answers refusals first', async () => {
    // Prepare: grants come back after refusals, as DynamoDB's answers may.
    const inner = new InMemoryQuotaLedger();
    const ledger: QuotaLedger = {
      lease: async (window, want) => {
        const granted = await inner.lease(window, want);
        if (granted > 0) await new Promise((resolve) => setTimeout(resolve, 5));
        return granted;
      },
    };
    const limiter = new LeasedRateLimiter(ledger);

    // Act
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => limiter.take([bucket(3)], NOW)));

    // Assess: a single container is refused early by nothing.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('fails with the ledger when it cannot lease, and spends nothing', async () => {
    let failing = true;
    const inner = new InMemoryQuotaLedger();
    const ledger: QuotaLedger = {
      lease: (window, want) =>
        failing ? Promise.reject(new Error('ledger down')) : inner.lease(window, want),
    };
    const limiter = new LeasedRateLimiter(ledger, () => 1);

    await expect(limiter.take([bucket(1)], NOW)).rejects.toThrow('ledger down');
    failing = false;

    expect(await granted(limiter, [bucket(1)], 2)).toBe(1);
  });
});
