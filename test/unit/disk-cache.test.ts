import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskCredentialCache } from '../../src/cli/disk-cache.js';

const key = { apiUrl: 'http://api', profile: 'p', principal: 'iss#alice', request: { entitlement: 'e' } };
const MINUTE = 60_000;

describe('DiskCredentialCache reuse and revocation', () => {
  let dir: string;
  let now = 0;
  let cache: DiskCredentialCache;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-disk-cache-'));
    now = Date.parse('2026-01-01T00:00:00Z');
    cache = new DiskCredentialCache(
      dir,
      () => undefined,
      () => now,
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('serves an entry until 20 minutes before expiry by default', async () => {
    await cache.put(key, 'v', { expiresAt: now + 60 * MINUTE });
    now += 39 * MINUTE;
    expect(await cache.get(key)).toBe('v');
    now += 1 * MINUTE;
    expect(await cache.get(key)).toBeUndefined();
  });

  it('serves an entry cut short by its grant until its own reuse time', async () => {
    await cache.put(key, 'v', { expiresAt: now + 30 * MINUTE, reuseUntil: now + 20 * MINUTE });
    now += 19 * MINUTE;
    expect(await cache.get(key)).toBe('v');
    now += 1 * MINUTE;
    expect(await cache.get(key)).toBeUndefined();
  });

  it('forgets the entries of one entitlement only', async () => {
    const other = { ...key, request: { entitlement: 'f' } };
    await cache.put(key, 'grant', { expiresAt: now + 60 * MINUTE, entitlementId: 'grant-1' });
    await cache.put(other, 'standing', { expiresAt: now + 60 * MINUTE, entitlementId: 'f' });
    expect(await cache.forgetEntitlement('p', 'grant-1')).toBe(1);
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.get(other)).toBe('standing');
  });

  it('lists the live entries with their keys; an expired, edited or renamed entry is not listed', async () => {
    const other = { ...key, request: { entitlement: 'f' } };
    await cache.put(key, 'v', { expiresAt: now + 60 * MINUTE });
    await cache.put(other, 'w', { expiresAt: now + 30 * MINUTE });
    expect(await cache.live('p')).toEqual([
      { key: other, expiresAt: now + 30 * MINUTE, value: 'w' },
      { key, expiresAt: now + 60 * MINUTE, value: 'v' },
    ]);
    now += 30 * MINUTE;
    expect((await cache.live('p')).map((e) => e.value)).toEqual(['v']);

    // An entry whose recorded key was changed (to claim another request) fails to open.
    const dirOfProfile = join(dir, 'p');
    const forged = JSON.stringify(['http://api', 'p', 'iss#mallory', { entitlement: 'e' }]);
    for (const name of (await readdir(dirOfProfile)).filter((n) => n.endsWith('.json'))) {
      const path = join(dirOfProfile, name);
      const sealed = JSON.parse(await readFile(path, 'utf8'));
      await writeFile(path, JSON.stringify({ ...sealed, key: forged }), { mode: 0o600 });
    }
    expect(await cache.live('p')).toEqual([]);
    expect(await cache.live('nobody')).toEqual([]);
  });
});
