import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/cli/credential-cache.js';

describe('CredentialCache', () => {
  it('shares one fetch among concurrent callers and refreshes before expiry', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    let fetches = 0;
    const cache = new CredentialCache(
      async () => {
        fetches++;
        await new Promise((r) => setTimeout(r, 5));
        return { id: fetches, expiration: new Date(now + 15 * 60_000) };
      },
      () => now,
      5 * 60_000,
    );

    const first = await Promise.all([...Array(20)].map(() => cache.get()));
    expect(fetches).toBe(1);
    expect(new Set(first.map((c) => c.id))).toEqual(new Set([1]));

    now += 9 * 60_000; // 6 minutes left: still fresh enough
    expect((await cache.get()).id).toBe(1);

    now += 2 * 60_000; // 4 minutes left: inside the refresh window
    const refreshed = await Promise.all([...Array(10)].map(() => cache.get()));
    expect(fetches).toBe(2);
    expect(new Set(refreshed.map((c) => c.id))).toEqual(new Set([2]));
  });

  it('does not cache a failure', async () => {
    let attempt = 0;
    const cache = new CredentialCache(async () => {
      attempt++;
      if (attempt === 1) throw new Error('API down');
      return { expiration: new Date(Date.now() + 3_600_000) };
    });
    await expect(cache.get()).rejects.toThrow('API down');
    await expect(cache.get()).resolves.toBeDefined();
  });
});
