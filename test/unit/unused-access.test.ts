import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EntitlementAdmin, type EntitlementInput } from '../../src/domain/admin/entitlement-admin.js';
import { InMemoryEntitlementAdminStore } from '../../src/domain/admin/fakes.js';
import { UnusedAccessReport } from '../../src/domain/reviews/unused-report.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { ForbiddenError, InvalidRequestError } from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { caller, entitlement } from './fixtures.js';
import { admin, context, world } from './world.js';

const T0 = new Date('2026-04-01T08:00:00.000Z');
const DAY = 86_400_000;
const row = (id: string, overrides: Partial<EntitlementInput> = {}): EntitlementInput => {
  const { version: _, ...input } = entitlement({ id, ...overrides });
  return input;
};

function setup() {
  const w = world();
  const store = new InMemoryEntitlementAdminStore(w.entitlements, w.table);
  const admins = new EntitlementAdmin({
    store,
    audit: w.audit,
    access: w.access,
    clock: systemClock,
    newEventId,
  });
  const report = new UnusedAccessReport({ store, reader: w.table, access: w.access, clock: systemClock });
  return { ...w, admins, report };
}

describe('Class: UnusedAccessReport', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists standing allows with no issuance in N days, with their evidence; used ones, denies and grants are not listed', async () => {
    // Prepare: four rows made at T0; "used" issued twice (day 10, day 50), "old-use" once on day 5
    const { admins, report, vendor } = setup();
    await admins.put(admin, row('used'), undefined, context);
    await admins.put(
      admin,
      row('old-use', { roleArn: 'arn:aws:iam::222222222222:role/old' }),
      undefined,
      context,
    );
    await admins.put(
      admin,
      row('never', { roleArn: 'arn:aws:iam::222222222222:role/never' }),
      undefined,
      context,
    );
    await admins.put(
      admin,
      row('no-prod', { effect: 'deny', roleArn: 'arn:aws:iam::222222222222:role/x' }),
      undefined,
      context,
    );
    await admins.put(
      admin,
      row('grant-01J0000000000000000000000', { roleArn: 'arn:aws:iam::222222222222:role/g' }),
      undefined,
      context,
    );
    vi.setSystemTime(new Date(T0.getTime() + 5 * DAY));
    await vendor.issue(caller(), { target: { entitlementId: 'old-use' } }, context);
    vi.setSystemTime(new Date(T0.getTime() + 10 * DAY));
    await vendor.issue(caller(), { target: { entitlementId: 'used' } }, context);
    vi.setSystemTime(new Date(T0.getTime() + 50 * DAY));
    await vendor.issue(caller(), { target: { entitlementId: 'used' } }, context);
    await admins.put(
      admin,
      { ...row('never', { roleArn: 'arn:aws:iam::222222222222:role/never' }), maxDurationSeconds: 3600 },
      1,
      context,
    );
    vi.setSystemTime(new Date(T0.getTime() + 60 * DAY));

    // Act
    const result = await report.report(admin, { days: 30 }, context);

    // Assess
    expect(result.partialAccounts).toEqual([]);
    expect(result.from).toBe(new Date(T0.getTime() - 30 * DAY).toISOString());
    expect(result.unused.map((u) => u.evidence)).toEqual([
      {
        entitlementId: 'never',
        issuancesInDays: 0,
        issuancesIn90Days: 0,
        added: { by: admin.principal, at: T0.toISOString() },
        lastChanged: { by: admin.principal, at: new Date(T0.getTime() + 50 * DAY).toISOString() },
        callers: [],
      },
      {
        entitlementId: 'old-use',
        lastIssuance: new Date(T0.getTime() + 5 * DAY).toISOString(),
        issuancesInDays: 0,
        issuancesIn90Days: 1,
        added: { by: admin.principal, at: T0.toISOString() },
        lastChanged: { by: admin.principal, at: T0.toISOString() },
        callers: [
          {
            principal: caller().principal,
            name: caller().displayName,
            issuances: 1,
            last: new Date(T0.getTime() + 5 * DAY).toISOString(),
          },
        ],
      },
    ]);
    const all = await report.report(admin, { days: 30, all: true }, context);
    expect(
      all.unused.map((u) => [u.entitlement.id, u.evidence.issuancesInDays, u.evidence.callers.length]),
    ).toEqual([
      ['never', 0, 0],
      ['old-use', 0, 1],
      ['used', 1, 1],
    ]);
    expect(all.unused[2]?.evidence.callers[0]?.issuances).toBe(2);
  });

  it('narrows to one account, and refuses anyone without the admin role', async () => {
    // Prepare
    const { admins, report } = setup();
    await admins.put(admin, row('a'), undefined, context);
    await admins.put(
      admin,
      row('b', { accountId: '333333333333', roleArn: 'arn:aws:iam::333333333333:role/reader' }),
      undefined,
      context,
    );

    // Act
    const result = await report.report(admin, { days: 7, accountId: '333333333333' }, context);
    const refused = report.report(caller(), { days: 7 }, context);

    // Assess
    expect(result.unused.map((u) => u.entitlement.id)).toEqual(['b']);
    await expect(refused).rejects.toThrow(ForbiddenError);
  });

  it('refuses a report longer than the audit table’s hot window, which would call access used before it unused', async () => {
    // Prepare
    const w = world();
    const store = new InMemoryEntitlementAdminStore(w.entitlements, w.table);
    const report = new UnusedAccessReport({
      store,
      reader: w.table,
      access: w.access,
      clock: systemClock,
      hotDays: 90,
    });

    // Act
    const refused = report.report(admin, { days: 120 }, context);

    // Assess
    await expect(refused).rejects.toThrow(InvalidRequestError);
    await expect(refused).rejects.toThrow(/at most 90 days/);
    expect((await report.report(admin, { days: 90 }, context)).unused).toEqual([]);
  });
});
