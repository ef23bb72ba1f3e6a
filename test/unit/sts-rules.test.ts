import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEntitlement } from '../../src/domain/admin/entitlement-validation.js';
import { planIssuance } from '../../src/domain/issuance/plan.js';
import { LimitExceededError } from '../../src/domain/shared/errors.js';
import type { Entitlement } from '../../src/domain/shared/types.js';
import { caller, entitlement } from './fixtures.js';

/** The STS limit planning refuses `e` for, or undefined when it plans it. */
function planRefusal(e: Entitlement): string | undefined {
  try {
    planIssuance(e, { target: { entitlementId: e.id } }, caller(), { roleChaining: false, now: new Date() });
    return undefined;
  } catch (error) {
    if (error instanceof LimitExceededError) return error.limit;
    throw error;
  }
}

// Near the edges of what STS accepts: empty, overlong, reserved and odd characters, case twins.
const tagKey = fc.oneof(
  fc.constantFrom(
    '',
    'team',
    'Team',
    'aws:team',
    'AWS:x',
    'a#b',
    'k'.repeat(128),
    'k'.repeat(129),
    'cost center',
  ),
  fc.string({ minLength: 0, maxLength: 6 }),
);
const tagValue = fc.oneof(
  fc.constantFrom('', 'v', 'a/b=c', 'v'.repeat(256), 'v'.repeat(257), 'bad#value', 'zoë'),
  fc.string({ maxLength: 6 }),
);
const externalId = fc.oneof(
  fc.constantFrom('x', 'ab', 'a'.repeat(1224), 'a'.repeat(1225), 'ok-id', 'bad id'),
  fc.string(),
);

describe('one table of STS rules', () => {
  it('an entitlement validation accepts is one planning accepts, and one it refuses is refused by planning too', () => {
    fc.assert(
      fc.property(fc.dictionary(tagKey, tagValue, { maxKeys: 4 }), fc.option(externalId), (tags, id) => {
        const e = entitlement({ tags, ...(id === null ? {} : { externalId: id }) });
        const stsIssues = validateEntitlement(e).filter((i) => /^(tags|externalId)/.test(i.path));
        expect(planRefusal(e) !== undefined).toBe(stsIssues.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on durations and policy ARN counts', () => {
    for (const maxDurationSeconds of [899, 900, 43_200, 43_201, 1.5]) {
      const refusedByValidation = validateEntitlement(entitlement({ maxDurationSeconds })).some(
        (i) => i.path === 'maxDurationSeconds',
      );
      expect(refusedByValidation).toBe(
        maxDurationSeconds < 900 || maxDurationSeconds > 43_200 || maxDurationSeconds % 1 !== 0,
      );
    }
    const arns = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    for (const n of [10, 11]) {
      const e = entitlement({ managedPolicyArns: arns(n) });
      expect(planRefusal(e) === 'policy-arns').toBe(
        validateEntitlement(e).some((i) => i.path === 'managedPolicyArns'),
      );
    }
  });
});
