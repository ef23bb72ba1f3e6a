import { describe, expect, it } from 'vitest';
import { planIssuance } from '../../src/domain/issuance/plan.js';
import type { PolicyDocument } from '../../src/domain/policy/policy.js';
import {
  InvalidRequestError,
  LimitExceededError,
  PolicyNotNarrowingError,
  ReasonRequiredError,
} from '../../src/domain/shared/errors.js';
import type { IssuanceRequest } from '../../src/domain/shared/types.js';
import { caller, entitlement } from './fixtures.js';

const request = (overrides: Partial<IssuanceRequest> = {}): IssuanceRequest => ({
  target: { entitlementId: 'ent-1' },
  ...overrides,
});
const NOW = new Date();
const plain = { roleChaining: false, now: NOW };

function limitOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof LimitExceededError) return error.limit;
    throw error;
  }
  return undefined;
}

describe('duration', () => {
  const inSeconds = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

  it('ends sessions by the entitlement’s notAfter', () => {
    const plan = planIssuance(
      entitlement({ notAfter: inSeconds(1500.7) }),
      request({ durationSeconds: 3600 }),
      caller(),
      plain,
    );
    expect(plan).toMatchObject({ durationSeconds: 1500, durationBoundBy: 'entitlement-not-after' });
  });

  it('refuses, naming the window, when less than 900 s of the entitlement are left', () => {
    const refuse = () =>
      planIssuance(
        entitlement({ notAfter: inSeconds(899) }),
        request({ durationSeconds: 900 }),
        caller(),
        plain,
      );
    expect(limitOf(refuse)).toBe('duration');
    expect(refuse).toThrow(/entitlement ends at .*899 s from now/);
  });

  it('ends sessions with the caller’s token when the entitlement asks for it', () => {
    const exp = Math.floor(NOW.getTime() / 1000) + 1000;
    const withToken = caller({ claims: { sub: 'alice', exp } });
    const ending = entitlement({ endWithToken: true });
    expect(planIssuance(ending, request(), withToken, plain)).toMatchObject({
      durationBoundBy: 'token-expiry',
    });
    expect(planIssuance(ending, request(), withToken, plain).durationSeconds).toBeLessThanOrEqual(1000);
    expect(planIssuance(entitlement(), request(), withToken, plain).durationSeconds).toBe(3600);
    const soon = caller({ claims: { sub: 'alice', exp: exp - 200 } });
    expect(() => planIssuance(ending, request(), soon, plain)).toThrow(/token expires at/);
    // No token at all (an AWS caller): nothing bounds the session, so it is refused.
    expect(limitOf(() => planIssuance(ending, request(), caller({ claims: {} }), plain))).toBe('duration');
  });

  it('uses the request when it is the smallest bound', () => {
    const plan = planIssuance(entitlement(), request({ durationSeconds: 1200 }), caller(), plain);
    expect(plan).toMatchObject({ durationSeconds: 1200, durationBoundBy: 'request' });
  });

  it('defaults to the entitlement default, else one hour', () => {
    expect(
      planIssuance(entitlement({ defaultDurationSeconds: 900 }), request(), caller(), plain),
    ).toMatchObject({
      durationSeconds: 900,
      durationBoundBy: 'entitlement-default',
    });
    expect(planIssuance(entitlement(), request(), caller(), plain).durationSeconds).toBe(3600);
  });

  it('clamps to the entitlement maximum and to one hour when role chaining', () => {
    expect(
      planIssuance(
        entitlement({ maxDurationSeconds: 1800 }),
        request({ durationSeconds: 7200 }),
        caller(),
        plain,
      ),
    ).toMatchObject({
      durationSeconds: 1800,
      durationBoundBy: 'entitlement-max',
    });
    expect(
      planIssuance(entitlement(), request({ durationSeconds: 7200 }), caller(), {
        roleChaining: true,
        now: NOW,
      }),
    ).toMatchObject({
      durationSeconds: 3600,
      durationBoundBy: 'role-chaining',
    });
  });

  it.each([
    [900, undefined],
    [43_200, undefined],
    [899, 'duration'],
    [43_201, 'duration'],
    [1000.5, 'duration'],
  ])('%s seconds → %s', (seconds, limit) => {
    expect(
      limitOf(() => planIssuance(entitlement(), request({ durationSeconds: seconds }), caller(), plain)),
    ).toBe(limit);
  });
});

describe('session name and SourceIdentity', () => {
  it('derives SourceIdentity from the identity key, the session name from the display name', () => {
    const plan = planIssuance(entitlement(), request(), caller(), plain);
    expect(plan.sourceIdentity).toMatch(/^alice\.[0-9a-f]{32}$/);
    expect(plan.sessionName).toBe('alice@example.com');
    const renamed = planIssuance(entitlement(), request(), caller({ displayName: 'bob@example.com' }), plain);
    expect(renamed.sourceIdentity).toBe(plan.sourceIdentity);
  });
});

describe('session policy', () => {
  const ceiling: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: 'arn:aws:s3:::data/*' },
      { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/secret/*' },
    ],
  };

  it('refuses a condition operator IAM does not spell that way, in the request or a stored ceiling, before any call', () => {
    const withOperator = (operator: string): PolicyDocument => ({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::data/reports/*',
        Condition: { [operator]: { 'aws:SourceIdentity': 'x' } },
      },
    });
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof InvalidRequestError
          ? error.issues.map((i) => `${i.path}: ${i.message}`)
          : error;
      }
      return 'planned';
    };
    expect(
      refusal(() =>
        planIssuance(
          entitlement({ sessionPolicy: ceiling }),
          request({ sessionPolicy: withOperator('stringequals') }),
          caller(),
          plain,
        ),
      ),
    ).toEqual([
      'sessionPolicy.Statement[0].Condition: "stringequals" is not an IAM condition operator (IAM spells it StringEquals)',
    ]);
    expect(
      refusal(() =>
        planIssuance(
          entitlement({ sessionPolicy: withOperator('ForAnyValue:StringLikeIFEXISTS') }),
          request(),
          caller(),
          plain,
        ),
      ),
    ).toEqual([
      'entitlement.sessionPolicy.Statement[0].Condition: "ForAnyValue:StringLikeIFEXISTS" is not an IAM condition operator (IAM spells it ForAnyValue:StringLikeIfExists)',
    ]);
    expect(
      refusal(() =>
        planIssuance(
          entitlement({ sessionPolicy: withOperator('NullIfExists') }),
          request(),
          caller(),
          plain,
        ),
      ),
    ).toEqual([
      'entitlement.sessionPolicy.Statement[0].Condition: "NullIfExists" is not an IAM condition operator',
    ]);
    for (const operator of [
      'StringEquals',
      'ForAllValues:StringNotEqualsIgnoreCase',
      'ArnLikeIfExists',
      'Null',
    ]) {
      expect(
        refusal(() =>
          planIssuance(entitlement({ sessionPolicy: withOperator(operator) }), request(), caller(), plain),
        ),
      ).toBe('planned');
    }
  });

  it('sends the ceiling when the caller does not narrow', () => {
    const plan = planIssuance(entitlement({ sessionPolicy: ceiling }), request(), caller(), plain);
    expect(JSON.parse(plan.sessionPolicy ?? '')).toEqual(ceiling);
    expect(plan.sessionPolicyChars).toBe(JSON.stringify(ceiling).length);
  });

  it("sends the caller's narrowing plus the ceiling's denies", () => {
    const narrowing: PolicyDocument = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/reports/*' },
    };
    const plan = planIssuance(
      entitlement({ sessionPolicy: ceiling }),
      request({ sessionPolicy: narrowing }),
      caller(),
      plain,
    );
    expect(JSON.parse(plan.sessionPolicy ?? '')).toEqual({
      Version: '2012-10-17',
      Statement: [narrowing.Statement, (ceiling.Statement as unknown[])[1]],
    });
  });

  it('refuses a narrowing that is wider than the ceiling', () => {
    const wider: PolicyDocument = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::data/*' },
    };
    expect(() =>
      planIssuance(
        entitlement({ sessionPolicy: ceiling }),
        request({ sessionPolicy: wider }),
        caller(),
        plain,
      ),
    ).toThrow(PolicyNotNarrowingError);
  });

  it('counts policy text and managed policy ARNs against 2048 characters, at and past the boundary', () => {
    const arn = (n: number) => `arn:aws:iam::aws:policy/${'p'.repeat(n - 24)}`;
    expect(arn(200)).toHaveLength(200);
    const fits = entitlement({ managedPolicyArns: [...Array(9)].map(() => arn(200)).concat(arn(248)) });
    expect(planIssuance(fits, request(), caller(), plain).sessionPolicyChars).toBe(2048);
    const over = entitlement({ managedPolicyArns: [...Array(9)].map(() => arn(200)).concat(arn(249)) });
    expect(limitOf(() => planIssuance(over, request(), caller(), plain))).toBe('session-policy-size');
  });

  it('allows 10 managed policy ARNs and refuses 11', () => {
    const arns = (n: number) => [...Array(n)].map((_, i) => `arn:aws:iam::aws:policy/P${i}`);
    expect(
      limitOf(() => planIssuance(entitlement({ managedPolicyArns: arns(10) }), request(), caller(), plain)),
    ).toBeUndefined();
    expect(
      limitOf(() => planIssuance(entitlement({ managedPolicyArns: arns(11) }), request(), caller(), plain)),
    ).toBe('policy-arns');
  });
});

describe('session tags', () => {
  const tags = (n: number) => Object.fromEntries([...Array(n)].map((_, i) => [`k${i}`, 'v']));

  it("allows 49 of the entitlement's own tags and refuses 50: credvend-caller takes the last slot", () => {
    const plan = planIssuance(entitlement({ tags: tags(49) }), request(), caller(), plain);
    expect(plan.tags).toHaveLength(50);
    expect(plan.tags.at(-1)?.key).toBe('credvend-caller');
    expect(limitOf(() => planIssuance(entitlement({ tags: tags(50) }), request(), caller(), plain))).toBe(
      'session-tags',
    );
  });

  it('refuses an entitlement tag that would claim to be the caller (any case)', () => {
    for (const key of ['credvend-caller', 'Credvend-Caller']) {
      expect(
        limitOf(() => planIssuance(entitlement({ tags: { [key]: 'mallory' } }), request(), caller(), plain)),
      ).toBe('tag-key');
    }
  });

  it('always sends credvend-caller, falling back to the principal when the name has no printable part', () => {
    const plan = planIssuance(entitlement(), request(), caller({ displayName: '' }), plain);
    expect(plan.tags.find((t) => t.key === 'credvend-caller')?.value).not.toBe('');
  });

  it.each([
    [{ ['k'.repeat(128)]: 'v' }, undefined],
    [{ ['k'.repeat(129)]: 'v' }, 'tag-key'],
    [{ k: 'v'.repeat(256) }, undefined],
    [{ k: 'v'.repeat(257) }, 'tag-value'],
    [{ Team: 'a', team: 'b' }, 'tag-key'],
    [{ 'aws:team': 'a' }, 'tag-key'],
    [{ 'bad#key': 'a' }, 'tag-key'],
  ])('%o → %s', (tagMap, limit) => {
    expect(limitOf(() => planIssuance(entitlement({ tags: tagMap }), request(), caller(), plain))).toBe(
      limit,
    );
  });

  it('takes claim tags from verified claims, leaving out absent claims', () => {
    const plan = planIssuance(
      entitlement({
        tags: { env: 'prod' },
        claimTags: { email: 'email', repo: 'repository', missing: 'nope', n: 'num' },
      }),
      request(),
      caller({ claims: { email: 'alice@example.com', repository: 'org/repo', num: 42 } }),
      plain,
    );
    expect(plan.tags).toEqual([
      { key: 'env', value: 'prod' },
      { key: 'email', value: 'alice@example.com' },
      { key: 'repo', value: 'org/repo' },
      { key: 'n', value: '42' },
      { key: 'credvend-caller', value: 'alice@example.com' },
    ]);
  });

  it.each([
    ['org/repo#1', 'tag-value'],
    ['x'.repeat(257), 'tag-value'],
    ['x'.repeat(256), undefined],
  ])('refuses, never rewrites, a claim value STS would not take as a tag: %s → %s', (repository, limit) => {
    const e = entitlement({ claimTags: { repo: 'repository' } });
    expect(limitOf(() => planIssuance(e, request(), caller({ claims: { repository } }), plain))).toBe(limit);
  });

  it('requires transitive tag keys to be tags of the session', () => {
    expect(
      planIssuance(
        entitlement({ tags: { team: 'a' }, transitiveTagKeys: ['team'] }),
        request(),
        caller(),
        plain,
      ).transitiveTagKeys,
    ).toEqual(['team']);
    expect(
      limitOf(() => planIssuance(entitlement({ transitiveTagKeys: ['team'] }), request(), caller(), plain)),
    ).toBe('transitive-tag-keys');
  });
});

describe('external id and reason', () => {
  it.each([
    ['ab', undefined],
    ['a', 'external-id'],
    ['x'.repeat(1224), undefined],
    ['x'.repeat(1225), 'external-id'],
    ['has space', 'external-id'],
  ])('ExternalId %s → %s', (externalId, limit) => {
    expect(limitOf(() => planIssuance(entitlement({ externalId }), request(), caller(), plain))).toBe(limit);
  });

  it('requires a non-blank reason when the entitlement says so', () => {
    const e = entitlement({ reasonRequired: true });
    expect(() => planIssuance(e, request(), caller(), plain)).toThrow(ReasonRequiredError);
    expect(() => planIssuance(e, request({ reason: '   ' }), caller(), plain)).toThrow(ReasonRequiredError);
    expect(planIssuance(e, request({ reason: ' CHG-1 ' }), caller(), plain).reason).toBe('CHG-1');
  });
});

describe('the grant session tag', () => {
  it("names the grant on a grant's sessions only, and is reserved: no entitlement may set it", () => {
    const grant = planIssuance(entitlement({ accessRequestId: '01GRANT' }), request(), caller(), plain);
    expect(grant.tags).toContainEqual({ key: 'credvend-grant', value: '01GRANT' });
    const standing = planIssuance(entitlement(), request(), caller(), plain);
    expect(standing.tags.map((t) => t.key)).not.toContain('credvend-grant');
    for (const key of ['credvend-grant', 'Credvend-Grant']) {
      expect(
        limitOf(() => planIssuance(entitlement({ tags: { [key]: 'x' } }), request(), caller(), plain)),
      ).toBe('tag-key');
    }
  });
});
