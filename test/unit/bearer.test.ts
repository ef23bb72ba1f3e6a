import { describe, expect, it } from 'vitest';
import { bearerAuth } from '../../src/auth/bearer.js';
import { caller } from './fixtures.js';

describe('bearerAuth', () => {
  const token = 'aaa.bbb.ccc';
  const seen: string[] = [];
  const auth = bearerAuth(async (t) => {
    seen.push(t);
    return caller();
  });

  it.each([
    'Bearer',
    'bearer',
    'BEARER',
    'bEaReR',
  ])('accepts the %s scheme: schemes are case-insensitive', async (scheme) => {
    expect(await auth.authenticate({ authorization: `${scheme} ${token}` })).toMatchObject({
      authMethod: 'oidc',
    });
    expect(seen.at(-1)).toBe(token);
  });

  it('leaves other schemes to other methods', async () => {
    expect(await auth.authenticate({ authorization: `Basic ${token}` })).toBeUndefined();
  });
});
