import { describe, expect, it } from 'vitest';
import { hasRole, rolesOf } from '../../src/domain/identity/roles.js';
import { resolveEntitlement } from '../../src/domain/issuance/entitlements.js';
import { substituteClaims, validateClaimPlaceholders } from '../../src/domain/policy/claim-policy.js';
import type { PolicyDocument } from '../../src/domain/policy/policy.js';
import { AuthenticationError, LimitExceededError, NotEntitledError } from '../../src/domain/shared/errors.js';
import {
  claimConditionWarnings,
  claimText,
  evaluateConditions,
  matchesPattern,
  validateClaimConditions,
} from '../../src/domain/subjects/claim-rules.js';
import { claimRuleSubject, groupSubject, oidcSubject } from '../../src/domain/subjects/subjects.js';
import { checkedGroups } from '../../src/domain/subjects/token-claims.js';
import { caller, entitlement, ISSUER } from './fixtures.js';

const now = new Date('2026-06-01T00:00:00Z');
const GH = 'https://token.actions.githubusercontent.com';
const ghClaims = {
  sub: 'repo:acme/app:environment:production',
  repository: 'acme/app',
  repository_id: '123456',
  repository_owner_id: '42',
  ref: 'refs/heads/main',
  environment: 'production',
  event_name: 'push',
};
const ghCaller = (claims: Record<string, unknown> = {}) =>
  caller({
    principal: `${GH}#${ghClaims.sub}`,
    subjectKeys: [oidcSubject(GH, ghClaims.sub), claimRuleSubject(GH)],
    claims: { ...ghClaims, ...claims },
  });
const rule = (id: string, claimConditions: Record<string, string>, extra = {}) =>
  entitlement({ id, subject: claimRuleSubject(GH), claimConditions, ...extra });

describe('claim patterns', () => {
  it.each([
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/mainx', false],
    ['refs/heads/*', 'refs/heads/feature/x', true],
    ['refs/tags/v?.0', 'refs/tags/v1.0', true],
    ['refs/tags/v?.0', 'refs/tags/v10.0', false],
    ['acme/.*', 'acme/app', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    // A literal `*` in the value facing the pattern's wildcard: still a wildcard, with backtracking.
    ['a*b', 'a*xb', true],
    ['org/*/main', 'org/*x/main', true],
    ['*b', '*ab', true],
    ['a*', 'a*', true],
    ['a*c', 'a*b', false],
  ])('%s against %s → %s', (pattern, value, expected) => {
    expect(matchesPattern(pattern, value)).toBe(expected);
  });

  it('compares no number JSON parsing may have rounded: 20-digit ids, fractions, exponents', () => {
    // What JSON.parse makes of {"repository_id": 12345678901234567890}: 12345678901234567000.
    const rounded: unknown = JSON.parse('{"repository_id": 12345678901234567890}').repository_id;
    for (const pattern of ['12345678901234567890', '12345678901234567000', '1234567890123456*']) {
      expect(evaluateConditions({ repository_id: pattern }, { repository_id: rounded })).toEqual([
        { claim: 'repository_id', pattern, failure: 'wrong-type' },
      ]);
    }
    for (const value of [1.5, 1e21, 2 ** 53]) expect(claimText(value)).toBeUndefined();
    expect(claimText(2 ** 53 - 1)).toBe('9007199254740991');
    expect(claimText(123456)).toBe('123456');
  });

  it('stays fast on a pattern built to backtrack', () => {
    expect(matchesPattern(`${'*a'.repeat(60)}b`, 'a'.repeat(8000))).toBe(false);
  });

  it('reports each failed condition by kind, strings and numbers compared as text', () => {
    const results = evaluateConditions(
      {
        repository_id: '123456',
        ref: 'refs/heads/main',
        environment: 'production',
        run_number: '7',
        job: 'x',
      },
      { repository_id: 123456, ref: 'refs/heads/dev', environment: ['production'], run_number: 7 },
    );
    expect(results.map((r) => [r.claim, r.failure])).toEqual([
      ['environment', 'wrong-type'],
      ['job', 'missing'],
      ['ref', 'mismatch'],
      ['repository_id', undefined],
      ['run_number', undefined],
    ]);
  });
});

describe('claim rule validation', () => {
  it.each([
    [{}, /at least one condition/],
    [{ repository: '*' }, /matches every value/],
    [{ repository_id: '123', ref: '**' }, /matches every value/],
    [{ ref: '?*' }, /matches every value/],
    [{ aud: 'credvend' }, /identifies the caller/],
    [{ 'bad name': 'x' }, /claim names/],
    [{ ref: '' }, /1-256/],
  ])('refuses %o', (conditions, message) => {
    expect(
      validateClaimConditions(conditions)
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(message);
  });

  it('accepts a pinned rule and warns about names without their immutable ids', () => {
    const pinned = { repository_id: '123456', ref: 'refs/heads/main' };
    expect(validateClaimConditions(pinned)).toEqual([]);
    expect(claimConditionWarnings(pinned)).toEqual([]);
    expect(claimConditionWarnings({ repository: 'acme/app' })[0]).toMatch(/repository_id/);
    expect(claimConditionWarnings({ project_path: 'acme/app' })[0]).toMatch(/project_id/);
  });
});

describe('subject precedence and denials', () => {
  const target = { accountId: '222222222222', roleName: 'reader' };

  it('prefers exact principal, then group, then claim rule, then account root', () => {
    const person = caller({
      subjectKeys: [`oidc|${ISSUER}|alice`, groupSubject(ISSUER, 'platform'), claimRuleSubject(ISSUER)],
      claims: { sub: 'alice', team: 'platform' },
    });
    const exact = entitlement({ id: 'z-exact' });
    const group = entitlement({ id: 'a-group', subject: groupSubject(ISSUER, 'platform') });
    const byRule = entitlement({
      id: 'a-rule',
      subject: claimRuleSubject(ISSUER),
      claimConditions: { team: 'platform' },
    });
    expect(resolveEntitlement(person, [byRule, group, exact], target, now).match.kind).toBe('principal');
    expect(resolveEntitlement(person, [byRule, group], target, now).match).toMatchObject({
      kind: 'group',
      why: 'member of group platform',
    });
    expect(resolveEntitlement(person, [byRule], target, now).match).toMatchObject({
      kind: 'claim-rule',
      why: 'team matches platform',
    });
  });

  it('lets a deny for any matching subject win over an exact allow', () => {
    const person = caller({ subjectKeys: [`oidc|${ISSUER}|alice`, groupSubject(ISSUER, 'contractors')] });
    const deny = entitlement({ id: 'no', subject: groupSubject(ISSUER, 'contractors'), effect: 'deny' });
    expect(() => resolveEntitlement(person, [entitlement(), deny], target, now)).toThrow(
      /explicit deny applies \(group\)/,
    );
  });

  it('never matches a rule row whose conditions are empty or fail', () => {
    expect(() => resolveEntitlement(ghCaller(), [rule('empty', {})], target, now)).toThrow(NotEntitledError);
    expect(() =>
      resolveEntitlement(
        ghCaller({ ref: 'refs/heads/dev' }),
        [rule('main', { repository_id: '123456', ref: 'refs/heads/main' })],
        target,
        now,
      ),
    ).toThrow(NotEntitledError);
  });

  it('names the closest rule for this target and the claim that failed, not its pattern', () => {
    const rows = [
      rule('deploy-main', { repository_id: '123456', ref: 'refs/heads/main', environment: 'production' }),
      rule(
        'other-role',
        { repository_id: '123456', ref: 'refs/heads/dev' },
        { roleArn: 'arn:aws:iam::222222222222:role/writer' },
      ),
      rule('unrelated', { repository_id: '999', ref: 'refs/heads/x' }),
    ];
    const error = (() => {
      try {
        resolveEntitlement(ghCaller({ ref: 'refs/heads/dev' }), rows, target, now);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NotEntitledError);
    const closest = (error as NotEntitledError).closest;
    expect(closest).toEqual({
      entitlementId: 'deploy-main',
      conditionsHeld: 2,
      conditions: 3,
      failedClaim: 'ref',
      detail: 'claim ref ("refs/heads/dev") does not match the rule',
    });
    expect((error as Error).message).not.toContain('refs/heads/main');
  });

  it('names no rule when none holds a single condition', () => {
    const rows = [rule('unrelated', { repository_id: '999' })];
    try {
      resolveEntitlement(ghCaller(), rows, target, now);
    } catch (e) {
      expect((e as NotEntitledError).closest).toBeUndefined();
    }
  });
});

describe('claims in session policies', () => {
  const ceiling: PolicyDocument = {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::artifacts/{{claims.repository}}/*',
      Condition: { StringEquals: { 'aws:RequestTag/env': '{{claims.environment}}' } },
    },
  };

  it('substitutes verified claim values into Resource and Condition', () => {
    expect(substituteClaims(ceiling, ghClaims)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::artifacts/acme/app/*',
          Condition: { StringEquals: { 'aws:RequestTag/env': 'production' } },
        },
      ],
    });
  });

  it.each([
    [{ repository: '*' }],
    [{ repository: 'acme/$' + '{aws:username}' }],
    [{ repository: undefined }],
    [{ repository: ['acme/app'] }],
  ])('refuses a value that could widen the ceiling: %o', (claims) => {
    const error = (() => {
      try {
        substituteClaims(ceiling, { ...ghClaims, ...claims });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as LimitExceededError).limit).toBe('claim-value');
  });

  it('allows placeholders only in Resource and Condition', () => {
    const bad: PolicyDocument = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: '{{claims.x}}', Resource: '*' },
    };
    expect(validateClaimPlaceholders(bad)).toHaveLength(1);
    expect(validateClaimPlaceholders(ceiling)).toEqual([]);
  });
});

describe('groups claim and claim set checks', () => {
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(AuthenticationError);
      expect((e as AuthenticationError).claimedPrincipal).toBe('p');
      return (e as Error).message;
    }
    return 'accepted';
  };

  it.each([
    [{ groups: 'admins' }, /array of strings/],
    [{ groups: ['a', 1] }, /array of strings/],
    [{ groups: Array.from({ length: 101 }, (_, i) => `g${i}`) }, /101 groups; at most 100/],
    [{ groups: [] as string[], blob: 'x'.repeat(8200) }, /bytes; at most 8192/],
    [{ groups: [''] }, /empty/],
  ])('refuses %#, audited under the verified principal', (claims, message) => {
    expect(reason(() => checkedGroups('p', claims, 'groups'))).toMatch(message);
  });

  it('reads groups only from the configured claim', () => {
    expect(checkedGroups('p', { groups: ['a', 'a', 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(checkedGroups('p', { groups: ['a'] }, undefined)).toEqual([]);
  });

  it('grants a role to a bare group only of the primary issuer', () => {
    const assignments = {
      auditorKeys: [],
      adminKeys: [],
      groupIssuer: ISSUER,
      auditorGroups: ['audit', `${GH}#ci-auditors`],
      adminGroups: [],
    };
    expect(hasRole(caller({ subjectKeys: [groupSubject(ISSUER, 'audit')] }), 'auditor', assignments)).toBe(
      true,
    );
    expect(hasRole(caller({ subjectKeys: [groupSubject(GH, 'audit')] }), 'auditor', assignments)).toBe(false);
    expect(hasRole(caller({ subjectKeys: [groupSubject(GH, 'ci-auditors')] }), 'auditor', assignments)).toBe(
      true,
    );
  });

  it('lists the roles a caller holds, each by the same rule as the routes check it', () => {
    const assignments = {
      auditorKeys: [],
      adminKeys: ['oidc|admin'],
      groupIssuer: ISSUER,
      auditorGroups: ['audit'],
      adminGroups: [],
    };
    const auditor = caller({ subjectKeys: [groupSubject(ISSUER, 'audit')] });
    expect(rolesOf(auditor, assignments)).toEqual(['auditor']);
    expect(rolesOf({ ...auditor, identityKey: 'oidc|admin' }, assignments)).toEqual(['auditor', 'admin']);
    expect(rolesOf(caller({ subjectKeys: [groupSubject(GH, 'audit')] }), assignments)).toEqual([]);
  });
});
