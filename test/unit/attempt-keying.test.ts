import { describe, expect, it } from 'vitest';
import { attemptBuckets } from '../../src/auth/aws-sigv4.js';
import { InMemoryRateLimiter } from '../../src/domain/issuance/fakes.js';
import { RateLimitedError } from '../../src/domain/shared/errors.js';

const VICTIM_KEY = 'AKIAIOSFODNN7EXAMPLE';
const limits = { perKey: { limit: 3, windowSeconds: 60 } };
const now = new Date('2026-06-01T00:00:00Z');

describe('unverified AWS sign-in attempts', () => {
  it("cannot be spent by someone else naming the victim's access key id: the victim still signs in", async () => {
    const limiter = new InMemoryRateLimiter();
    const take = (source: string) => limiter.take(attemptBuckets(limits, VICTIM_KEY, source), now);
    for (let i = 0; i < 3; i++) await take('203.0.113.9');
    await expect(take('203.0.113.9')).rejects.toThrow(RateLimitedError);
    // The victim, from its own source, is untouched by the flood.
    await expect(take('198.51.100.7')).resolves.toBeUndefined();
  });

  it('still stop a flood of one key id from one source, and count per source when configured', () => {
    const both = { ...limits, perSource: { limit: 10, windowSeconds: 60 } };
    expect(attemptBuckets(both, VICTIM_KEY, '203.0.113.9').map((b) => [b.scope, b.id])).toEqual([
      ['aws-auth-key', `${VICTIM_KEY}|203.0.113.9`],
      ['aws-auth-source', '203.0.113.9'],
    ]);
  });
});
