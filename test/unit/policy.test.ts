import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  globCovers,
  narrowPolicy,
  type PolicyDocument,
  parsePolicyDocument,
} from '../../src/domain/policy/policy.js';
import { InvalidRequestError, PolicyNotNarrowingError } from '../../src/domain/shared/errors.js';

/** Reference matcher for concrete strings: IAM globs as regular expressions. */
function matches(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

describe('globCovers', () => {
  it.each([
    ['*', 's3:GetObject', true],
    ['*', '*', true],
    ['s3:*', 's3:Get*', true],
    ['s3:*', '*', false],
    ['s3:*', 's3*', false],
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:Get?bject', true],
    ['s3:GetObject', 's3:Get?bject', false],
    ['s3:GetObject', 's3:GetObject*', false],
    ['s3:?etObject', 's3:*etObject', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(globCovers(outer, inner, false)).toBe(expected);
  });

  it('ignores case only when asked (actions, not resources)', () => {
    expect(globCovers('S3:GetObject', 's3:getobject', true)).toBe(true);
    expect(globCovers('arn:aws:s3:::Data/*', 'arn:aws:s3:::data/x', false)).toBe(false);
  });

  it('is sound: whatever it says is covered, every concrete instance matches', () => {
    const alphabet = fc.constantFrom('a', 'b', ':', '*', '?');
    const pattern = fc.array(alphabet, { maxLength: 8 }).map((cs) => cs.join(''));
    const filler = fc.array(fc.constantFrom('a', 'b', ':', 'c'), { maxLength: 3 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        pattern,
        pattern,
        fc.array(filler, { minLength: 8, maxLength: 8 }),
        (outer, inner, fills) => {
          fc.pre(globCovers(outer, inner, false));
          let i = 0;
          const concrete = inner.replace(/[*?]/g, (w) =>
            w === '?' ? (fills[i++] || 'a').slice(0, 1) || 'a' : (fills[i++] ?? ''),
          );
          return matches(outer, concrete, false);
        },
      ),
      { numRuns: 2000 },
    );
    // 2000 runs take about a second alone; on 2 shared cores under coverage, several.
  }, 30_000);
});

describe('parsePolicyDocument', () => {
  it.each([
    [
      'a principal',
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: '*', Action: 'x:y', Resource: '*' } },
    ],
    ['no version', { Statement: { Effect: 'Allow', Action: 'x:y', Resource: '*' } }],
    [
      'an old version',
      { Version: '2008-10-17', Statement: { Effect: 'Allow', Action: 'x:y', Resource: '*' } },
    ],
    [
      'Action and NotAction',
      {
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: 'a:b', NotAction: 'c:d', Resource: '*' },
      },
    ],
    ['no resource', { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'a:b' } }],
    ['a bad effect', { Version: '2012-10-17', Statement: { Effect: 'Maybe', Action: 'a:b', Resource: '*' } }],
    ['not an object', 'Allow everything'],
  ])('refuses %s with the issues listed', (_name, value) => {
    try {
      parsePolicyDocument(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).issues.length).toBeGreaterThan(0);
    }
  });
});

describe('narrowPolicy', () => {
  const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument =>
    ({ Version: '2012-10-17', Statement: Statement.flat() }) as PolicyDocument;
  const ceilingPolicy = doc({
    Effect: 'Allow',
    Action: 's3:Get*',
    Resource: 'arn:aws:s3:::data/*',
    Condition: { Bool: { 'aws:SecureTransport': 'true' } },
  });
  const ceiling = { inline: ceilingPolicy, managedPolicyArns: [] };

  it('accepts any valid document when there is no ceiling', () => {
    const any = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    expect(narrowPolicy({ inline: undefined, managedPolicyArns: [] }, any).policy).toBe(any);
  });

  it('requires every ceiling condition on a narrowing statement', () => {
    const without = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/a' });
    expect(() => narrowPolicy(ceiling, without)).toThrow(PolicyNotNarrowingError);
    const withIt = doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::data/a',
      Condition: { Bool: { 'aws:SecureTransport': 'true' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    expect(narrowPolicy(ceiling, withIt).policy).toEqual(withIt);
  });

  it('always accepts Deny statements and refuses NotAction in an Allow', () => {
    expect(() => narrowPolicy(ceiling, doc({ Effect: 'Deny', Action: '*', Resource: '*' }))).not.toThrow();
    expect(() =>
      narrowPolicy(
        ceiling,
        doc({ Effect: 'Allow', NotAction: 's3:PutObject', Resource: 'arn:aws:s3:::data/a' }),
      ),
    ).toThrow(PolicyNotNarrowingError);
  });

  it('refuses a resource outside the ceiling', () => {
    expect(() =>
      narrowPolicy(
        ceiling,
        doc({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::other/a',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        }),
      ),
    ).toThrow(PolicyNotNarrowingError);
  });
});
