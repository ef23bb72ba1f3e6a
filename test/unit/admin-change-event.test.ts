import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryRequestableStore } from '../../src/domain/access-requests/fakes.js';
import {
  RequestableAdmin,
  type RequestableInput,
} from '../../src/domain/access-requests/requestable-admin.js';
import { EntitlementAdmin, type EntitlementInput } from '../../src/domain/admin/entitlement-admin.js';
import { InMemoryEntitlementAdminStore } from '../../src/domain/admin/fakes.js';
import { adminChangeEvent } from '../../src/domain/audit/admin-change.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { entitlement, ISSUER } from './fixtures.js';
import { admin, context, world } from './world.js';

const T0 = new Date('2026-04-01T08:00:00.000Z');
const { version: _v, ...entitlementInput }: { version: number } & EntitlementInput = entitlement({
  externalId: 'guard-me',
});
const requestableInput: RequestableInput = {
  id: 'prod-admin',
  requesters: { principals: [], groups: ['engineers'] },
  approvers: { principals: [`${ISSUER}#bob`], groups: [] },
  quorum: 1,
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
  externalId: 'guard-me',
  managedPolicyArns: [],
  tags: {},
  maxSessionSeconds: 3600,
  maxGrantSeconds: 7200,
  answerWithinSeconds: 3600,
  breakGlass: false,
};

function setup() {
  const w = world();
  const deps = { audit: w.audit, access: w.access, clock: systemClock, newEventId };
  const entitlements = new EntitlementAdmin({
    ...deps,
    store: new InMemoryEntitlementAdminStore(w.entitlements, w.table),
  });
  const requestables = new RequestableAdmin({
    ...deps,
    store: new InMemoryRequestableStore(w.table),
    rules: { groupIssuer: ISSUER, identity: NO_FEDERATION },
  });
  return { ...w, entitlements, requestables };
}

/** What both features' records share, as adminChangeEvent builds it. */
function shared(action: string, row: { accountId: string; roleArn: string }) {
  return {
    action,
    outcome: 'applied',
    principal: admin.principal,
    requestId: context.requestId,
    sourceIp: context.sourceIp,
    userAgent: context.userAgent,
    accountId: row.accountId,
    roleArn: row.roleArn,
    time: T0.toISOString(),
  };
}

describe('adminChangeEvent: the admin-change record of entitlements and requestables', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records a create and a delete of either row alike: the row named, both sides redacted', async () => {
    // Prepare
    const { entitlements, requestables, table } = setup();

    // Act
    await entitlements.put(admin, entitlementInput, undefined, context);
    await entitlements.delete(admin, entitlementInput.id, 1, context);
    await requestables.put(admin, requestableInput, undefined, context);
    await requestables.delete(admin, requestableInput.id, 1, context);

    // Assess
    const [entPut, entDelete] = table.records().filter((r) => r.action.startsWith('entitlement.'));
    const [reqPut, reqDelete] = table.records().filter((r) => r.action.startsWith('requestable.'));
    expect(entPut).toMatchObject({ ...shared('entitlement.put', entitlementInput), entitlementId: 'ent-1' });
    expect(entDelete).toMatchObject({
      ...shared('entitlement.delete', entitlementInput),
      entitlementId: 'ent-1',
    });
    expect(reqPut).toMatchObject({
      ...shared('requestable.put', requestableInput),
      detail: 'requestable access prod-admin',
    });
    expect(reqDelete).toMatchObject({
      ...shared('requestable.delete', requestableInput),
      detail: 'requestable access prod-admin',
    });
    for (const record of [entPut, entDelete, reqPut, reqDelete]) {
      expect(record?.change).toContain('"externalId":"(set)"');
      expect(record?.change).not.toContain('guard-me');
    }
    expect(entPut?.change).toMatch(/^\{"after":\{.*\},"before":null\}$/);
    expect(entDelete?.change).toMatch(/^\{"after":null,"before":\{.*\}\}$/);
    expect(reqDelete?.change).toMatch(/^\{"after":null,"before":\{.*\}\}$/);
  });

  it('builds the versioned write beside the record, and refuses a change with neither side', () => {
    // Prepare
    const ids = { eventId: 'e-1', now: T0 };
    const before = { id: 'row', accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/a' };
    const after = { ...before, roleArn: 'arn:aws:iam::111111111111:role/b' };

    // Act
    const replaced = adminChangeEvent(ids, 'entitlement.put', admin, context, { before, after });
    const neither = () =>
      adminChangeEvent(ids, 'entitlement.put', admin, context, { before: undefined, after: undefined });

    // Assess
    expect(replaced.subject).toBe(after);
    expect(replaced.write).toEqual({ id: 'row', expected: before, next: after });
    expect(replaced.event.roleArn).toBe(after.roleArn);
    expect(replaced.event.change).not.toContain('externalId');
    expect(neither).toThrow('entitlement.put needs a before or an after');
  });
});
