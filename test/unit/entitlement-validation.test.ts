import { describe, expect, it } from 'vitest';
import { entitlementWarnings, validateEntitlement } from '../../src/domain/admin/entitlement-validation.js';
import type { PolicyDocument } from '../../src/domain/policy/policy.js';
import { checkPolicyShape } from '../../src/domain/policy/shape.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import type { Entitlement } from '../../src/domain/shared/types.js';
import { claimRuleSubject } from '../../src/domain/subjects/subjects.js';
import { entitlement, ISSUER } from './fixtures.js';

const issuesOf = (overrides: Partial<Entitlement>) =>
  validateEntitlement(entitlement(overrides)).map((i) => `${i.path}: ${i.message}`);

describe('Function: validateEntitlement', () => {
  it('accepts a plain entitlement', () => {
    expect(issuesOf({})).toEqual([]);
  });

  it.each<[string, Partial<Entitlement>, string[]]>([
    [
      'a role ARN that is not one',
      { roleArn: 'arn:aws:s3:::bucket' },
      ['roleArn: must be an IAM role ARN, arn:aws:iam::<account>:role/<name>'],
    ],
    [
      'a role in another account',
      { accountId: '333333333333' },
      ["accountId: must be the role's account (222222222222)"],
    ],
    [
      'an account id that is not 12 digits',
      { accountId: '12', roleArn: 'arn:aws:iam::12:role/x' },
      [
        'roleArn: must be an IAM role ARN, arn:aws:iam::<account>:role/<name>',
        'accountId: must be a 12-digit AWS account id',
      ],
    ],
    [
      'a default longer than the maximum',
      { maxDurationSeconds: 900, defaultDurationSeconds: 1800 },
      ['defaultDurationSeconds: must not exceed maxDurationSeconds'],
    ],
    [
      'a policy ARN that is not one',
      { managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'nope'] },
      ['managedPolicyArns.1: must be an IAM policy ARN'],
    ],
    [
      'the reserved caller tag',
      { tags: { 'Credvend-Caller': 'x' } },
      ["tags.Credvend-Caller: reserved: credvend sets it to the caller's name"],
    ],
    [
      'a transitive key that is no tag',
      { tags: { team: 'a' }, transitiveTagKeys: ['team', 'cost'] },
      ['transitiveTagKeys: "cost" is not one of this entitlement\'s tags'],
    ],
    [
      'a window that ends before it starts',
      { notBefore: new Date('2026-02-01'), notAfter: new Date('2026-01-01') },
      ['notAfter: must be after notBefore'],
    ],
    [
      'claim conditions on a principal subject',
      { claimConditions: { team: 'a' } },
      ['subject: claim conditions belong only to a claims subject'],
    ],
  ])('refuses %s', (_, overrides, expected) => {
    expect(issuesOf(overrides)).toEqual(expected);
  });

  it('refuses durations, counts and sizes STS would refuse, each by its own path', () => {
    const issues = validateEntitlement(
      entitlement({
        maxDurationSeconds: 60,
        defaultDurationSeconds: 60,
        managedPolicyArns: Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`),
        tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])),
        externalId: 'x',
      }),
    ).map((i) => i.path);
    expect(issues).toEqual(
      expect.arrayContaining([
        'maxDurationSeconds',
        'defaultDurationSeconds',
        'managedPolicyArns',
        'tags',
        'externalId',
      ]),
    );
  });

  it('refuses a session policy condition operator IAM would not take as written', () => {
    const sessionPolicy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { stringLike: { 's3:prefix': 'x/*' }, Bogus: { k: 'v' } },
        },
      ],
    };
    expect(issuesOf({ sessionPolicy })).toEqual([
      'sessionPolicy.Statement[1].Condition: "stringLike" is not an IAM condition operator (IAM spells it StringLike)',
      'sessionPolicy.Statement[1].Condition: "Bogus" is not an IAM condition operator',
    ]);
  });

  it('refuses a tag key twice (static and claim tags share one namespace, case-insensitively)', () => {
    expect(
      issuesOf({ tags: { Team: 'a' }, claimTags: { team: 'email' } }).some((i) => i.startsWith('tags.team')),
    ).toBe(true);
  });

  it('checks a claim rule’s conditions and a session policy’s claim placeholders', () => {
    const rule = { subject: claimRuleSubject(ISSUER) };
    expect(issuesOf(rule).length).toBeGreaterThan(0);
    expect(issuesOf({ ...rule, claimConditions: { sub: 'repo:acme/api:*' } })).toEqual([]);
    expect(
      issuesOf({
        sessionPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:{{claims.team}}',
              Resource: 'arn:aws:s3:::b/{{claims.sub}}',
            },
          ],
        },
      }),
    ).toEqual([
      'sessionPolicy.Statement.0: claim placeholders are allowed only in Resource and Condition values',
    ]);
  });
});

describe('Function: entitlementWarnings', () => {
  it('warns when sessions would outlive what a chained vending role can issue, only then', () => {
    expect(entitlementWarnings(entitlement({ maxDurationSeconds: 7200 }), { roleChaining: true })).toEqual([
      expect.stringContaining('maxDurationSeconds 7200 exceeds'),
    ]);
    expect(entitlementWarnings(entitlement({ maxDurationSeconds: 3600 }), { roleChaining: true })).toEqual(
      [],
    );
    expect(entitlementWarnings(entitlement({ maxDurationSeconds: 7200 }), { roleChaining: false })).toEqual(
      [],
    );
  });
});

describe('Function: checkPolicyShape', () => {
  const statement = (Condition: unknown) => ({
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Condition },
  });

  it.each<[string, unknown]>([
    ['no document', undefined],
    ['a scalar', 'x'],
    ['no Statement', { Version: '2012-10-17' }],
    ['a statement that is not an object', { Statement: ['x', null] }],
    ['a statement without a Condition', { Statement: [{ Effect: 'Allow' }] }],
    ['a null Condition', statement(null)],
    ['operator blocks that are not objects', statement({ StringEquals: 'x', Bool: ['a'], Null: null })],
    [
      'scalars and lists of scalars',
      statement({ StringEquals: { a: 'x', b: 1, c: true, d: ['x', 2, false] } }),
    ],
    [
      'eight levels exactly',
      {
        Statement: [{ Condition: { StringEquals: { k: ['x'] } } }],
        a: { b: { c: { d: { e: { f: { g: 1 } } } } } },
      },
    ],
  ])('accepts %s', (_, document) => {
    expect(() => checkPolicyShape(document, 'sessionPolicy')).not.toThrow();
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a document nested nine levels',
      { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
      /nests deeper than 8 levels/,
    ],
    [
      'an object as a condition value',
      statement({ StringEquals: { key: { nested: 'x' } } }),
      /statement 0: the value of StringEquals key must be/,
    ],
    [
      'a list holding an object',
      statement({ StringLike: { key: ['x', { y: 1 }] } }),
      /StringLike key must be a string, number, boolean or a list of them/,
    ],
  ])('refuses %s with a 400', (_, document, message) => {
    expect(() => checkPolicyShape(document, 'sessionPolicy')).toThrow(InvalidRequestError);
    expect(() => checkPolicyShape(document, 'sessionPolicy')).toThrow(message);
  });
});
