import { describe, expect, it } from 'vitest';
import { memoizeSuccess } from '../../src/domain/shared/memoize.js';

describe('memoizeSuccess', () => {
  it('keeps a success, shares one attempt, and never keeps a failure', async () => {
    // Prepare: the first load fails (KMS throttled), the next ones succeed.
    let calls = 0;
    const load = memoizeSuccess(async () => {
      calls++;
      if (calls === 1) throw new Error('ThrottlingException');
      return `key-${calls}`;
    });

    // Act / Assess
    const [a, b] = await Promise.allSettled([load(), load()]);
    expect([a?.status, b?.status]).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await load()).toBe('key-2');
    expect(await load()).toBe('key-2');
    expect(calls).toBe(2);
  });
});
