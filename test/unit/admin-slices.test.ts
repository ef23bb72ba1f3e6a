import { describe, expect, it } from 'vitest';
import { parseAdminSlices } from '../../src/admin-slices-config.js';
import { loadConfig } from '../../src/config.js';
import { InMemoryRequestableStore } from '../../src/domain/access-requests/fakes.js';
import {
  RequestableAdmin,
  type RequestableInput,
} from '../../src/domain/access-requests/requestable-admin.js';
import { describeScope } from '../../src/domain/admin/admin-scope.js';
import { EntitlementAdmin, type EntitlementInput } from '../../src/domain/admin/entitlement-admin.js';
import { InMemoryEntitlementAdminStore } from '../../src/domain/admin/fakes.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { type AdminSlice, adminScopeOf, slicesHeldBy } from '../../src/domain/identity/roles.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { ForbiddenError, NotFoundError } from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import type { Caller } from '../../src/domain/shared/types.js';
import { claimRuleSubject } from '../../src/domain/subjects/subjects.js';
import { caller, entitlement, ISSUER } from './fixtures.js';
import { admin, context, world } from './world.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const GITLAB = 'https://gitlab.example.com';

const payments: AdminSlice = {
  name: 'payments',
  issuer: GITHUB,
  apply: { repository_id: '740001', ref: 'refs/heads/main', environment: 'access' },
  plan: { repository_id: '740001' },
  accounts: ['222222222222'],
  ids: ['payments.*'],
};

/** A workflow's token as authentication makes it a caller: its issuer's rule key and its claims. */
function workflow(claims: Record<string, unknown>, issuer = GITHUB): Caller {
  const sub = `repo:octo-org/payments:${String(claims.environment ?? 'pull_request')}`;
  return caller({
    principal: `${issuer}#${sub}`,
    identityKey: `oidc|${issuer}|${sub}`,
    subjectKeys: [`oidc|${issuer}|${sub}`, claimRuleSubject(issuer)],
    displayName: sub,
    claims: { sub, ...claims },
  });
}

const applyJob = workflow({ repository_id: '740001', ref: 'refs/heads/main', environment: 'access' });
const pullRequest = workflow({ repository_id: '740001', ref: 'refs/pull/7/merge' });

const row = (id: string, accountId = '222222222222'): EntitlementInput => {
  const { version: _v, ...rest } = entitlement({
    id,
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/reader`,
  });
  return rest;
};

function setup(slices: AdminSlice[] = [payments]) {
  const w = world({ assignments: { adminSlices: slices } });
  const store = new InMemoryEntitlementAdminStore(w.entitlements, w.table);
  const deps = { audit: w.audit, access: w.access, clock: systemClock, newEventId };
  const service = new EntitlementAdmin({ ...deps, store });
  const requestableStore = new InMemoryRequestableStore(w.table);
  const requestables = new RequestableAdmin({
    ...deps,
    store: requestableStore,
    rules: { groupIssuer: ISSUER, identity: NO_FEDERATION },
  });
  const denials = () =>
    w.table
      .records()
      .filter((r) => r.outcome === 'denied')
      .map((r) => `${r.action}: ${r.detail}`);
  return { ...w, store, service, requestableStore, requestables, denials };
}

describe('Function: adminScopeOf', () => {
  const assignments = {
    adminKeys: [admin.identityKey],
    auditorKeys: [],
    adminGroups: [],
    auditorGroups: [],
    adminSlices: [payments, { ...payments, name: 'gitlab', issuer: GITLAB, plan: undefined }],
  };

  it('gives an admin everything, and the apply job its slice to read and to write', () => {
    expect(adminScopeOf(admin, assignments, 'write')).toEqual({ kind: 'all' });
    expect(adminScopeOf(applyJob, assignments, 'write')).toEqual({ kind: 'slices', slices: [payments] });
    expect(adminScopeOf(applyJob, assignments, 'read')).toEqual({ kind: 'slices', slices: [payments] });
  });

  it("lets a pull request's token read its slice and never write it", () => {
    expect(adminScopeOf(pullRequest, assignments, 'read')).toEqual({ kind: 'slices', slices: [payments] });
    expect(adminScopeOf(pullRequest, assignments, 'write')).toBeUndefined();
  });

  it('gives nothing to the same claims from another issuer, another branch, or an AWS caller', () => {
    const otherIssuer = workflow(applyJob.claims, 'https://token.example.net');
    const otherBranch = workflow({ ...applyJob.claims, ref: 'refs/heads/feature' });
    const aws = { ...applyJob, authMethod: 'aws-sigv4' as const };

    expect(adminScopeOf(otherIssuer, assignments, 'read')).toBeUndefined();
    expect(adminScopeOf(otherBranch, assignments, 'write')).toBeUndefined();
    expect(adminScopeOf(aws, assignments, 'read')).toBeUndefined();
    expect(adminScopeOf(caller(), { ...assignments, adminSlices: undefined }, 'read')).toBeUndefined();
  });

  it('shows each holder the slices it holds and whether it may write them (GET /v1/me); an admin none', () => {
    expect(slicesHeldBy(applyJob, assignments)).toEqual([{ name: 'payments', write: true }]);
    expect(slicesHeldBy(pullRequest, assignments)).toEqual([{ name: 'payments', write: false }]);
    expect(slicesHeldBy(admin, assignments)).toEqual([]);
    expect(slicesHeldBy(caller(), assignments)).toEqual([]);
  });
});

describe('EntitlementAdmin within an admin slice', () => {
  it('lets the apply job create, change and delete the rows of its slice, each audited as its own', async () => {
    // Prepare
    const { service, table } = setup();

    // Act
    const created = await service.put(applyJob, row('payments.deploy'), undefined, context);
    const changed = await service.put(
      applyJob,
      { ...row('payments.deploy'), maxDurationSeconds: 900 },
      1,
      context,
    );
    await service.delete(applyJob, 'payments.deploy', 2, context);

    // Assess
    expect([created.version, changed.version]).toEqual([1, 2]);
    expect(table.records().map((r) => `${r.action} ${r.outcome} ${r.principal}`)).toEqual([
      `entitlement.put applied ${applyJob.principal}`,
      `entitlement.put applied ${applyJob.principal}`,
      `entitlement.delete applied ${applyJob.principal}`,
    ]);
  });

  it('refuses, audits and writes nothing for every write outside the slice', async () => {
    // Prepare: rows an admin wrote, one with a slice-like id in another account.
    const { service, entitlements, denials } = setup();
    await service.put(admin, row('billing.read'), undefined, context);
    await service.put(admin, row('payments.elsewhere', '333333333333'), undefined, context);
    await service.put(admin, row('payments.deploy'), undefined, context);
    const before = entitlements.all();

    // Act: another team's id; its own id in another account; moving its row out; taking over
    // an admin's row in another account; deleting another team's row.
    const attempts = [
      () => service.put(applyJob, row('billing.read'), 1, context),
      () => service.put(applyJob, row('payments.new', '333333333333'), undefined, context),
      () => service.put(applyJob, row('payments.deploy', '333333333333'), 1, context),
      () => service.put(applyJob, row('payments.elsewhere'), 1, context),
      () => service.delete(applyJob, 'payments.elsewhere', 1, context),
      () => service.delete(applyJob, 'billing.read', 1, context),
    ];

    // Assess
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(ForbiddenError);
    expect(entitlements.all()).toEqual(before);
    const outside = 'is outside slice payments (ids payments.* in accounts 222222222222)';
    expect(denials()).toEqual([
      `entitlement.put: billing.read in account 222222222222 ${outside}`,
      `entitlement.put: payments.new in account 333333333333 ${outside}`,
      `entitlement.put: payments.deploy in account 333333333333 ${outside}`,
      `entitlement.put: payments.elsewhere in account 333333333333 ${outside}`,
      `entitlement.delete: payments.elsewhere in account 333333333333 ${outside}`,
      `entitlement.delete: billing.read ${outside}`,
    ]);
  });

  it("refuses a pull request's token any write, even inside the slice", async () => {
    const { service, entitlements, denials } = setup();

    await expect(service.put(pullRequest, row('payments.deploy'), undefined, context)).rejects.toThrow(
      new ForbiddenError("this needs the admin role or an admin slice's apply rule"),
    );
    await expect(service.delete(pullRequest, 'payments.deploy', 1, context)).rejects.toThrow(ForbiddenError);

    expect(entitlements.all()).toEqual([]);
    expect(denials()).toHaveLength(2);
  });

  it('never covers a just-in-time grant, even for a slice of every id', async () => {
    const { service, entitlements } = setup([{ ...payments, ids: ['*'] }]);
    await service.put(admin, row('grant-01J0000000000000000000000'), undefined, context);

    await expect(service.delete(applyJob, 'grant-01J0000000000000000000000', 1, context)).rejects.toThrow(
      ForbiddenError,
    );
    expect(entitlements.all()).toHaveLength(1);
  });

  it('reads only its slice: other ids are refused before any read, lists hold its rows alone', async () => {
    // Prepare
    const { service, store } = setup();
    await service.put(admin, row('billing.read'), undefined, context);
    await service.put(admin, row('payments.elsewhere', '333333333333'), undefined, context);
    await service.put(admin, row('payments.deploy'), undefined, context);

    // Act / Assess
    const page = await service.list(pullRequest, 10, undefined, context);
    expect(page.entitlements.map((e) => e.id)).toEqual(['payments.deploy']);
    expect((await service.get(pullRequest, 'payments.deploy', context)).id).toBe('payments.deploy');
    await expect(service.get(pullRequest, 'payments.elsewhere', context)).rejects.toThrow(ForbiddenError);
    await expect(service.get(pullRequest, 'payments.none', context)).rejects.toThrow(NotFoundError);
    store.faults.fail('read', new Error('no read may happen'));
    await expect(service.get(pullRequest, 'billing.read', context)).rejects.toThrow(ForbiddenError);
    await expect(service.list(caller(), 10, undefined, context)).rejects.toThrow(
      new ForbiddenError('this needs the admin role or an admin slice'),
    );
  });
});

describe('RequestableAdmin within an admin slice', () => {
  const requestable = (id: string, accountId = '222222222222'): RequestableInput => ({
    id,
    requesters: { principals: [], groups: ['payments'] },
    approvers: { principals: [`${ISSUER}#bob`], groups: [] },
    quorum: 1,
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/payments-admin`,
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 7200,
    answerWithinSeconds: 3600,
    breakGlass: false,
  });

  it('writes and lists only the requestable access of its slice', async () => {
    // Prepare
    const { requestables, requestableStore, denials } = setup();
    await requestables.put(admin, requestable('billing.admin'), undefined, context);
    const scope = adminScopeOf(pullRequest, { ...world().assignments, adminSlices: [payments] }, 'read');

    // Act
    await requestables.requireAdmin(applyJob, 'requestable.put', context);
    await requestables.put(applyJob, requestable('payments.admin'), undefined, context);
    const refused = [
      () => requestables.put(applyJob, requestable('payments.other', '333333333333'), undefined, context),
      () => requestables.put(applyJob, requestable('billing.admin'), 1, context),
      () => requestables.delete(applyJob, 'billing.admin', 1, context),
      () => requestables.requireAdmin(pullRequest, 'requestable.delete', context),
    ];
    for (const attempt of refused) await expect(attempt()).rejects.toThrow(ForbiddenError);
    await requestables.delete(applyJob, 'payments.admin', 1, context);
    await requestables.put(applyJob, requestable('payments.admin'), undefined, context);

    // Assess
    expect((await requestables.list(pullRequest, scope)).map((r) => r.id)).toEqual(['payments.admin']);
    expect((await requestableStore.list()).map((r) => [r.id, r.version])).toEqual([
      ['billing.admin', 1],
      ['payments.admin', 1],
    ]);
    expect(denials()).toHaveLength(4);
  });
});

describe('Function: parseAdminSlices', () => {
  const valid = { ...payments };

  it('reads slices that name a configured issuer and rules that identify a pipeline', () => {
    const { plan: _p, ...withoutPlan } = valid;
    expect(parseAdminSlices(JSON.stringify([valid, { ...withoutPlan, name: 'b' }]), [GITHUB])).toEqual([
      valid,
      { ...withoutPlan, name: 'b' },
    ]);
    expect(parseAdminSlices(undefined, [GITHUB])).toEqual([]);
  });

  it('refuses to start with a slice it could misread, naming every problem', () => {
    const parse =
      (value: unknown, issuers = [GITHUB]) =>
      () =>
        parseAdminSlices(JSON.stringify(value), issuers);

    expect(() => parseAdminSlices('[{', [GITHUB])).toThrow('CREDVEND_ADMIN_SLICES is not JSON');
    expect(parse([{ ...valid, accounts: [] }])).toThrow('accounts');
    expect(parse([{ ...valid, ids: ['a*b'] }])).toThrow('an id, or a prefix ending in *');
    expect(parse([{ ...valid, extra: 1 }])).toThrow('CREDVEND_ADMIN_SLICES');
    expect(parse([valid], [GITLAB])).toThrow(`0.issuer: ${GITHUB} is not a configured OIDC issuer`);
    expect(parse([{ ...valid, apply: { aud: 'credvend' }, plan: { repository_id: '*' } }])).toThrow(
      /0\.apply: the conditions must name at least one claim that identifies the caller; 0\.plan\.repository_id: "\*" matches every value/,
    );
    expect(parse([valid, valid])).toThrow('slice name payments is used twice');
  });

  it('reaches the role assignments from the environment, judged against the configured issuers', () => {
    const env = {
      CREDVEND_OIDC_ISSUERS: JSON.stringify([{ issuer: GITHUB }]),
      CREDVEND_ADMIN_SLICES: JSON.stringify([valid]),
    };
    expect(loadConfig(env).roles.adminSlices).toEqual([valid]);
    expect(loadConfig({}).roles.adminSlices).toBeUndefined();
    expect(() => loadConfig({ CREDVEND_ADMIN_SLICES: env.CREDVEND_ADMIN_SLICES })).toThrow(
      'is not a configured OIDC issuer',
    );
  });

  it('says what a scope covers', () => {
    expect(describeScope({ kind: 'all' })).toBe('everything');
  });
});
