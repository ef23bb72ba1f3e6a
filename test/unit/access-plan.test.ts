import { describe, expect, it } from 'vitest';
import { owned } from '../../src/domain/access-code/ownership.js';
import { planAccess } from '../../src/domain/access-code/plan.js';
import type { RequestableSeen } from '../../src/domain/access-code/types.js';
import { durationWords } from '../../src/domain/access-code/words.js';
import type { RequestableInput } from '../../src/domain/access-requests/requestable-admin.js';
import type { EntitlementInput } from '../../src/domain/admin/entitlement-admin.js';
import type { Entitlement } from '../../src/domain/shared/types.js';
import { entitlement, ISSUER } from './fixtures.js';

const GH = 'https://token.actions.githubusercontent.com';

function desired(e: Entitlement): EntitlementInput {
  const { version: _, ...input } = e;
  return input;
}

const deployRule = entitlement({
  id: 'team-a.deploy',
  subject: `claims|${GH}`,
  claimConditions: { repository: 'org/app', ref: 'refs/heads/main' },
  roleArn: 'arn:aws:iam::222222222222:role/deploy',
  maxDurationSeconds: 3600,
  version: 4,
});
const platform = entitlement({
  id: 'team-a.platform',
  subject: `group|${ISSUER}|platform`,
  sessionPolicy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }],
  },
  maxDurationSeconds: 7200,
  defaultDurationSeconds: 900,
  version: 2,
});

const requestable: RequestableInput = {
  id: 'team-a.admin',
  requesters: { principals: [], groups: ['oncall'] },
  approvers: { principals: [`${ISSUER}#bob`], groups: [] },
  quorum: 1,
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/admin',
  managedPolicyArns: [],
  tags: {},
  externalId: 'guard',
  maxSessionSeconds: 3600,
  maxGrantSeconds: 7200,
  answerWithinSeconds: 3600,
  breakGlass: false,
};
const requestableSeen = (r: RequestableInput, version: number): RequestableSeen => {
  const { externalId, ...rest } = r;
  return { ...rest, externalIdSet: externalId !== undefined, version };
};

describe('planAccess', () => {
  it('plans nothing when the service holds what the files describe (dates and policies compared by value)', () => {
    // Prepare
    const dated = entitlement({ id: 'x', notAfter: new Date('2027-01-01T00:00:00Z'), version: 3 });

    // Act
    const plan = planAccess(
      {
        entitlements: [
          desired(deployRule),
          desired(platform),
          { ...desired(dated), notAfter: new Date('2027-01-01T00:00:00Z') },
        ],
        requestables: [requestable],
        owns: ['*'],
      },
      { entitlements: [deployRule, platform, dated], requestables: [requestableSeen(requestable, 1)] },
    );

    // Assess
    expect(plan.steps).toEqual([]);
    expect(plan.effects).toEqual([]);
  });

  it('creates with no version and updates at the version read, saying who gains what on which terms', () => {
    // Act
    const plan = planAccess(
      {
        entitlements: [desired(platform), { ...desired(deployRule), maxDurationSeconds: 1800 }],
        requestables: [],
        owns: [],
      },
      { entitlements: [deployRule], requestables: [] },
    );

    // Assess
    expect(plan.steps).toEqual([
      { kind: 'entitlement', op: 'update', id: 'team-a.deploy', expectedVersion: 4 },
      { kind: 'entitlement', op: 'create', id: 'team-a.platform' },
    ]);
    expect(plan.effects).toEqual([
      expect.objectContaining({
        change: 'changes',
        who: `claim rule at ${GH} where ref=refs/heads/main, repository=org/app`,
        roleName: 'deploy',
        accountId: '222222222222',
        duration: 'sessions up to 30m',
        differences: ['maxDurationSeconds: 3600 → 1800'],
      }),
      expect.objectContaining({
        change: 'gains',
        who: `group platform at ${ISSUER}`,
        roleName: 'reader',
        ceiling: 'session policy allowing s3:GetObject, s3:ListBucket',
        duration: 'sessions up to 2h (default 15m)',
      }),
    ]);
  });

  it('a new subject for a row is one subject losing the role and another gaining it', () => {
    // Act
    const plan = planAccess(
      {
        entitlements: [
          { ...desired(deployRule), claimConditions: { repository: 'org/app', ref: 'refs/heads/*' } },
        ],
        requestables: [],
        owns: [],
      },
      { entitlements: [deployRule], requestables: [] },
    );

    // Assess
    expect(plan.effects.map((e) => [e.change, e.who])).toEqual([
      ['loses', `claim rule at ${GH} where ref=refs/heads/main, repository=org/app`],
      ['gains', `claim rule at ${GH} where ref=refs/heads/*, repository=org/app`],
    ]);
  });

  it('deletes only rows the directory owns; other rows are counted and left alone; grants never', () => {
    // Prepare
    const other = entitlement({ id: 'team-b.read', version: 7 });
    const grant = entitlement({ id: 'grant-01J0000000000000000000000', version: 1 });
    const deny = entitlement({ id: 'team-a.no-prod', effect: 'deny', version: 1 });

    // Act
    const plan = planAccess(
      { entitlements: [], requestables: [], owns: ['team-a.*', 'grant-*'] },
      {
        entitlements: [deployRule, other, grant, deny],
        requestables: [requestableSeen(requestable, 3), requestableSeen({ ...requestable, id: 'b' }, 1)],
      },
    );

    // Assess
    expect(plan.steps).toEqual([
      { kind: 'entitlement', op: 'delete', id: 'team-a.deploy', expectedVersion: 4 },
      { kind: 'entitlement', op: 'delete', id: 'team-a.no-prod', expectedVersion: 1 },
      { kind: 'requestable', op: 'delete', id: 'team-a.admin', expectedVersion: 3 },
    ]);
    expect(plan.effects.map((e) => e.change)).toEqual(['loses', 'no-longer-denied', 'may-no-longer-request']);
    expect(plan.leftAlone).toEqual({ entitlements: 1, requestables: 1 });
  });

  it('says an ExternalId changed without showing it, and compares a requestable by what an admin can read', () => {
    // Act
    const plan = planAccess(
      {
        entitlements: [{ ...desired(platform), externalId: 'new-secret-guard' }],
        requestables: [{ ...requestable, quorum: 2, approvers: { principals: [], groups: ['leads'] } }],
        owns: [],
      },
      { entitlements: [platform], requestables: [requestableSeen(requestable, 2)] },
    );

    // Assess
    expect(plan.effects[0]?.differences).toEqual(['externalId: changed']);
    expect(JSON.stringify(plan)).not.toContain('new-secret-guard');
    expect(plan.steps[1]).toEqual({
      kind: 'requestable',
      op: 'update',
      id: 'team-a.admin',
      expectedVersion: 2,
    });
    expect(plan.effects[1]).toMatchObject({
      change: 'changes',
      who: 'requesters groups oncall',
      duration: 'grants up to 2h, sessions up to 1h; 2 approval(s) from groups leads',
      differences: [
        `approvers: {"groups":[],"principals":["${ISSUER}#bob"]} → {"groups":["leads"],"principals":[]}`,
        'quorum: 1 → 2',
      ],
    });
  });

  it('a deny row is planned as a denial, with no ceiling or duration', () => {
    const deny = entitlement({
      id: 'no-prod',
      subject: `aws|arn:aws:iam::333333333333:root`,
      effect: 'deny',
    });
    const plan = planAccess(
      { entitlements: [desired(deny)], requestables: [], owns: [] },
      { entitlements: [], requestables: [] },
    );
    expect(plan.effects).toEqual([
      expect.objectContaining({
        change: 'denied',
        who: 'every principal of AWS account 333333333333',
        ceiling: 'none: denied',
      }),
    ]);
  });
});

describe('ownership and words', () => {
  it('owns exact ids and prefixes, never a grant', () => {
    expect(owned('team-a.x', ['team-a.*'])).toBe(true);
    expect(owned('team-ab', ['team-a.*'])).toBe(false);
    expect(owned('exact', ['exact'])).toBe(true);
    expect(owned('exactly', ['exact'])).toBe(false);
    expect(owned('anything', ['*'])).toBe(true);
    expect(owned('grant-01J0000000000000000000000', ['*'])).toBe(false);
  });

  it('writes durations as a reviewer reads them', () => {
    expect([3600, 5400, 90, 43_200, 0].map(durationWords)).toEqual(['1h', '1h30m', '1m30s', '12h', '0s']);
  });
});
