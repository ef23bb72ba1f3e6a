import { describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidRequestError } from '../../src/domain/shared/errors.js';
import { SubjectExplainer } from '../../src/domain/subjects/explainer.js';
import { claimRuleSubject, groupSubject, oidcSubject } from '../../src/domain/subjects/subjects.js';
import { caller, entitlement } from './fixtures.js';
import { admin, context, world } from './world.js';

const CI = 'https://token.actions.example.com';
const NOW = new Date('2026-02-01T00:00:00.000Z');
const claims = {
  sub: 'repo:acme/api:ref:refs/heads/main',
  repository: 'acme/api',
  ref: 'refs/heads/main',
  groups: ['deployers'],
};
const deployRole = 'arn:aws:iam::333333333333:role/deploy';

function setup() {
  const w = world({
    entitlements: [
      entitlement({
        id: 'main-deploys',
        subject: claimRuleSubject(CI),
        claimConditions: { repository: 'acme/*', ref: 'refs/heads/main' },
        accountId: '333333333333',
        roleArn: deployRole,
      }),
      entitlement({
        id: 'tags-deploy',
        subject: claimRuleSubject(CI),
        claimConditions: { repository: 'acme/api', ref: 'refs/tags/*' },
        accountId: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/release',
      }),
      entitlement({
        id: 'deployers-read',
        subject: groupSubject(CI, 'deployers'),
        accountId: '444444444444',
        roleArn: 'arn:aws:iam::444444444444:role/Reader',
      }),
      entitlement({
        id: 'deployers-denied',
        subject: groupSubject(CI, 'deployers'),
        accountId: '444444444444',
        roleArn: 'arn:aws:iam::444444444444:role/reader',
        effect: 'deny',
      }),
      entitlement({
        id: 'expired',
        subject: oidcSubject(CI, claims.sub),
        notAfter: new Date(NOW.getTime() - 1),
        accountId: '555555555555',
        roleArn: 'arn:aws:iam::555555555555:role/old',
      }),
    ],
  });
  const explainer = new SubjectExplainer({
    store: w.entitlements,
    access: w.access,
    issuers: [{ issuer: CI, groupsClaim: 'groups' }, { issuer: 'https://nogroups.example.com' }],
    now: () => NOW,
  });
  return { ...w, explainer };
}

describe('Class: SubjectExplainer', () => {
  it('reads the rows issuance would read and says which matched, why, and what would be granted', async () => {
    // Prepare
    const { explainer } = setup();

    // Act
    const explanation = await explainer.explain(admin, CI, claims, context);

    // Assess
    expect(explanation.subjectKeys).toEqual([
      oidcSubject(CI, claims.sub),
      groupSubject(CI, 'deployers'),
      claimRuleSubject(CI),
    ]);
    const rows = new Map(explanation.rows.map((r) => [r.entitlementId, r]));
    expect(rows.get('main-deploys')).toMatchObject({
      subjectKind: 'claim-rule',
      matched: true,
      active: true,
      roleName: 'deploy',
    });
    expect(rows.get('main-deploys')?.why).toEqual(expect.any(String));
    expect(rows.get('main-deploys')?.conditions).toEqual([
      { claim: 'ref', pattern: 'refs/heads/main', actual: 'refs/heads/main' },
      { claim: 'repository', pattern: 'acme/*', actual: 'acme/api' },
    ]);
    expect(rows.get('tags-deploy')).toMatchObject({ matched: false });
    expect(rows.get('tags-deploy')?.conditions?.find((c) => c.claim === 'ref')?.failure).toBeDefined();
    expect(rows.get('tags-deploy')?.why).toBeUndefined();
    expect(rows.get('expired')).toMatchObject({ active: false, subjectKind: 'principal' });
    expect(rows.get('deployers-read')?.conditions).toBeUndefined();
    expect(explanation.grants).toEqual(
      expect.arrayContaining([
        {
          accountId: '333333333333',
          roleName: 'deploy',
          entitlementId: 'main-deploys',
          subjectKind: 'claim-rule',
        },
        {
          accountId: '444444444444',
          roleName: expect.stringMatching(/^reader$/i),
          deniedBy: 'you are not entitled to role reader in account 444444444444',
        },
      ]),
    );
    expect(explanation.grants).toHaveLength(2);
  });

  it('issues nothing and audits nothing for an admin', async () => {
    // Prepare
    const { explainer, sts, table } = setup();

    // Act
    await explainer.explain(admin, CI, claims, context);

    // Assess
    expect(sts.calls).toEqual([]);
    expect(table.records()).toEqual([]);
  });

  it('refuses anyone but an admin, on record', async () => {
    // Prepare
    const { explainer, table } = setup();

    // Act
    const attempt = explainer.explain(caller(), CI, claims, context);

    // Assess
    await expect(attempt).rejects.toThrow(ForbiddenError);
    expect(table.records()).toEqual([
      expect.objectContaining({ action: 'entitlement.read', outcome: 'denied' }),
    ]);
  });

  it('refuses an issuer not accepted, claims without a string sub, and a malformed groups claim', async () => {
    // Prepare
    const { explainer } = setup();

    // Act / Assess
    await expect(explainer.explain(admin, 'https://evil.example.com', claims, context)).rejects.toThrow(
      new InvalidRequestError('issuer https://evil.example.com is not accepted by this deployment'),
    );
    await expect(explainer.explain(admin, CI, { ...claims, sub: 42 }, context)).rejects.toThrow(
      new InvalidRequestError('claims need a string sub'),
    );
    await expect(explainer.explain(admin, CI, { ...claims, sub: '' }, context)).rejects.toThrow(
      InvalidRequestError,
    );
    await expect(explainer.explain(admin, CI, { ...claims, groups: 'deployers' }, context)).rejects.toThrow(
      /must be an array of strings/,
    );
  });

  it('ignores the groups claim for an issuer without one configured', async () => {
    // Prepare
    const { explainer } = setup();

    // Act
    const explanation = await explainer.explain(admin, 'https://nogroups.example.com', claims, context);

    // Assess
    expect(explanation.subjectKeys).toEqual([
      oidcSubject('https://nogroups.example.com', claims.sub),
      claimRuleSubject('https://nogroups.example.com'),
    ]);
    expect(explanation.rows).toEqual([]);
    expect(explanation.grants).toEqual([]);
  });

  it('passes a store failure through: nothing is explained from a partial read', async () => {
    // Prepare
    const { explainer, entitlements } = setup();
    entitlements.faults.fail('read', new Error('table unavailable'));

    // Act / Assess
    await expect(explainer.explain(admin, CI, claims, context)).rejects.toThrow('table unavailable');
  });
});
