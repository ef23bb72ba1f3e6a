import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { STS_RULES } from '../../src/domain/issuance/sts-rules.js';

describe('a session tag key that a JavaScript object cannot hold', () => {
  it('is lost by a parsed record, so it is refused before anything is issued', () => {
    // Why: zod (as any object built by assignment) turns `__proto__` into the prototype.
    const parsed = z.record(z.string(), z.string()).parse(JSON.parse('{"__proto__":"x"}'));
    expect(Object.keys(parsed)).toEqual([]);
    expect(STS_RULES.tagKey('__proto__')?.limit).toBe('tag-key');
    expect(STS_RULES.tagKey('proto')).toBeUndefined();
  });
});
