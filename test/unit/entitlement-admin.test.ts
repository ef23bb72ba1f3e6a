import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EntitlementAdmin, type EntitlementInput } from '../../src/domain/admin/entitlement-admin.js';
import { InMemoryEntitlementAdminStore } from '../../src/domain/admin/fakes.js';
import { PrivilegedAccess } from '../../src/domain/identity/privileged-access.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { claimRuleSubject, MAX_CLAIM_RULES_PER_ISSUER } from '../../src/domain/subjects/subjects.js';
import { caller, entitlement, ISSUER } from './fixtures.js';
import { admin, auditor, context, world } from './world.js';

const T0 = new Date('2026-04-01T08:00:00.000Z');
const { version: _v, ...input }: { version: number } & EntitlementInput = entitlement();

function setup() {
  const w = world();
  const store = new InMemoryEntitlementAdminStore(w.entitlements, w.table);
  const service = new EntitlementAdmin({
    store,
    audit: w.audit,
    access: w.access,
    clock: systemClock,
    newEventId,
  });
  return { ...w, store, service };
}

describe('Class: EntitlementAdmin', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates an entitlement at version 1 that issuance reads at once, with its audit record', async () => {
    // Prepare
    const { service, vendor, table } = setup();

    // Act
    const created = await service.put(admin, input, undefined, { ...context, userAgent: 'a'.repeat(700) });
    const issued = await vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context);

    // Assess
    expect(created.version).toBe(1);
    expect(issued.plan.entitlementId).toBe('ent-1');
    expect(table.withAction('entitlement.put')).toEqual([
      expect.objectContaining({
        outcome: 'applied',
        principal: admin.principal,
        entitlementId: 'ent-1',
        accountId: input.accountId,
        roleArn: input.roleArn,
        time: T0.toISOString(),
        sourceIp: context.sourceIp,
        userAgent: 'a'.repeat(512),
        change: expect.stringContaining('"before":null'),
      }),
    ]);
  });

  it('replaces only at the version read; a stale or blind write is a conflict and changes nothing', async () => {
    // Prepare
    const { service, store, table } = setup();
    await service.put(admin, input, undefined, context);

    // Act
    const replaced = await service.put(admin, { ...input, maxDurationSeconds: 900 }, 1, context);
    const stale = service.put(admin, { ...input, maxDurationSeconds: 1800 }, 1, context);
    const blind = service.put(admin, { ...input, maxDurationSeconds: 1800 }, undefined, context);

    // Assess
    expect(replaced.version).toBe(2);
    await expect(stale).rejects.toThrow(ConflictError);
    await expect(blind).rejects.toThrow(ConflictError);
    expect(await store.get('ent-1')).toMatchObject({ version: 2, maxDurationSeconds: 900 });
    expect(table.withAction('entitlement.put')).toHaveLength(2);
  });

  it('re-saving identical content changes nothing: no new version, no audit record', async () => {
    // Prepare: dates, a policy and claim conditions, which must compare by value
    const { service, store, table } = setup();
    const rich: EntitlementInput = {
      ...input,
      notBefore: new Date('2026-04-01T00:00:00.000Z'),
      notAfter: new Date('2026-05-01T00:00:00.000Z'),
      sessionPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      },
      endWithToken: false,
    };
    await service.put(admin, rich, undefined, context);

    // Act
    const again = await service.put(
      admin,
      { ...rich, notAfter: new Date('2026-05-01T00:00:00.000Z') },
      1,
      context,
    );
    const later = await service.put(
      admin,
      { ...rich, notAfter: new Date('2026-05-02T00:00:00.000Z') },
      1,
      context,
    );

    // Assess
    expect(again.version).toBe(1);
    expect(later.version).toBe(2);
    expect(await store.get('ent-1')).toMatchObject({ version: 2 });
    expect(table.withAction('entitlement.put')).toHaveLength(2);
  });

  it('a write that loses a race between read and write is a conflict, and its audit record is not stored', async () => {
    // Prepare: two admins read version 1 and write at once
    const { service, table } = setup();
    await service.put(admin, input, undefined, context);

    // Act
    const results = await Promise.allSettled([
      service.put(admin, { ...input, maxDurationSeconds: 900 }, 1, context),
      service.put(admin, { ...input, maxDurationSeconds: 1800 }, 1, context),
    ]);

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(ConflictError);
    expect(table.withAction('entitlement.put')).toHaveLength(2);
  });

  it('moves a row to its new subject when the subject changes', async () => {
    // Prepare
    const { service, entitlements } = setup();
    await service.put(admin, input, undefined, context);
    const bob = `oidc|${ISSUER}|bob`;

    // Act
    await service.put(admin, { ...input, subject: bob }, 1, context);

    // Assess
    expect(entitlements.bySubject(input.subject)).toEqual([]);
    expect(entitlements.bySubject(bob).map((e) => e.id)).toEqual(['ent-1']);
  });

  it('refuses an invalid entitlement with every issue, and stores nothing', async () => {
    // Prepare
    const { service, store, table } = setup();

    // Act
    const attempt = service.put(
      admin,
      { ...input, roleArn: 'not-an-arn', maxDurationSeconds: 5 },
      undefined,
      context,
    );

    // Assess
    await expect(attempt).rejects.toThrow(InvalidRequestError);
    const error = await attempt.catch((e: unknown) => e);
    const issues = error instanceof InvalidRequestError ? error.issues : [];
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['roleArn', 'maxDurationSeconds']));
    expect(await store.get('ent-1')).toBeUndefined();
    expect(table.records()).toEqual([]);
  });

  it('caps claim rules per issuer, counting only when a rule joins the issuer', async () => {
    // Prepare
    const { service, entitlements } = setup();
    const subject = claimRuleSubject(ISSUER);
    for (let i = 1; i < MAX_CLAIM_RULES_PER_ISSUER; i++) {
      entitlements.put(entitlement({ id: `rule-${i}`, subject, claimConditions: { team: `t${i}` } }));
    }
    const rule = { ...input, subject, claimConditions: { team: 'platform' } };

    // Act: the 200th fits; the 201st does not; replacing one already there is not counted
    const last = await service.put(admin, { ...rule, id: 'rule-200' }, undefined, context);
    const over = service.put(admin, { ...rule, id: 'rule-201' }, undefined, context);
    const replaced = await service.put(admin, { ...rule, id: 'rule-200', description: 'x' }, 1, context);

    // Assess
    expect(last.version).toBe(1);
    await expect(over).rejects.toThrow(/already has 200 claim rules/);
    expect(replaced.version).toBe(2);
  });

  it('deletes only at the version read; what is not there is 404', async () => {
    // Prepare
    const { service, store, table } = setup();
    await service.put(admin, { ...input, externalId: 'secret-external-id' }, undefined, context);

    // Act
    await expect(service.delete(admin, 'ent-1', 7, context)).rejects.toThrow(ConflictError);
    await expect(service.delete(admin, 'ent-1', undefined, context)).rejects.toThrow(ConflictError);
    await service.delete(admin, 'ent-1', 1, context);
    await expect(service.delete(admin, 'ent-1', 1, context)).rejects.toThrow(NotFoundError);

    // Assess
    expect(await store.get('ent-1')).toBeUndefined();
    const deletes = table.withAction('entitlement.delete');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.change).toContain('"after":null');
    expect(JSON.stringify(table.records())).not.toContain('secret-external-id');
    expect(deletes[0]?.change).toContain('"externalId":"(set)"');
  });

  it('reads and lists for admins only; a refusal is audited before the 403', async () => {
    // Prepare
    const { service, table } = setup();
    await service.put(admin, input, undefined, context);
    await service.put(admin, { ...input, id: 'ent-2' }, undefined, context);

    // Act
    const one = await service.get(admin, 'ent-2', context);
    const firstPage = await service.list(admin, 1, undefined, context);
    const secondPage = await service.list(admin, 1, firstPage.nextCursor, context);
    const refused = service.get(auditor, 'ent-1', context);

    // Assess
    expect(one.id).toBe('ent-2');
    expect([...firstPage.entitlements, ...secondPage.entitlements].map((e) => e.id)).toEqual([
      'ent-1',
      'ent-2',
    ]);
    expect(secondPage.nextCursor).toBeUndefined();
    await expect(service.get(admin, 'nope', context)).rejects.toThrow(NotFoundError);
    await expect(service.list(admin, 1, 'garbage', context)).rejects.toThrow(InvalidRequestError);
    await expect(refused).rejects.toThrow(ForbiddenError);
    expect(table.withAction('entitlement.read')).toEqual([
      expect.objectContaining({ outcome: 'denied', principal: auditor.principal, problemCode: 'forbidden' }),
    ]);
  });

  it('stores nothing when the audit record cannot be written', async () => {
    // Prepare
    const { service, store, table } = setup();
    table.faults.fail('write', new Error('audit table down'));

    // Act
    const attempt = service.put(admin, input, undefined, context);

    // Assess
    await expect(attempt).rejects.toThrow('audit table down');
    expect(await store.get('ent-1')).toBeUndefined();
  });
});

describe('Class: PrivilegedAccess', () => {
  const T = new Date('2026-04-01T08:00:00.000Z');

  it('lets role holders through, by name or by group, and audits nothing', async () => {
    // Prepare
    const w = world({ assignments: { adminGroups: ['ops'], groupIssuer: ISSUER } });
    const member = caller({ subjectKeys: [`oidc|${ISSUER}|alice`, `group|${ISSUER}|ops`] });

    // Act
    await w.access.require(admin, 'admin', 'entitlement.put', context);
    await w.access.require(member, 'admin', 'entitlement.put', context);
    await w.access.require(auditor, 'auditor', 'audit.read', context);

    // Assess
    expect(w.table.records()).toEqual([]);
  });

  it('keeps the roles apart, and group membership counts only for OIDC callers', async () => {
    // Prepare
    const w = world({ assignments: { adminGroups: ['ops'], groupIssuer: ISSUER } });
    const awsWithGroupKey = caller({ authMethod: 'aws-sigv4', subjectKeys: [`group|${ISSUER}|ops`] });

    // Act / Assess
    await expect(w.access.require(admin, 'auditor', 'audit.read', context)).rejects.toThrow(ForbiddenError);
    await expect(w.access.require(auditor, 'admin', 'entitlement.put', context)).rejects.toThrow(
      new ForbiddenError('this needs the admin role'),
    );
    await expect(w.access.require(awsWithGroupKey, 'admin', 'entitlement.put', context)).rejects.toThrow(
      ForbiddenError,
    );
    expect(w.table.records().map((r) => [r.action, r.outcome, r.problemCode, r.detail])).toEqual([
      ['audit.read', 'denied', 'forbidden', 'this needs the auditor role'],
      ['entitlement.put', 'denied', 'forbidden', 'this needs the admin role'],
      ['entitlement.put', 'denied', 'forbidden', 'this needs the admin role'],
    ]);
  });

  it('still refuses when the refusal cannot be audited and nobody listens for audit failures', async () => {
    // Prepare
    const w = world();
    w.table.faults.fail('write', new Error('audit table down'));

    // Act / Assess
    await expect(w.access.require(caller(), 'admin', 'entitlement.put', context)).rejects.toThrow(
      ForbiddenError,
    );
  });

  it('records where a refusal came from, the user agent cut to 512 characters', async () => {
    // Prepare
    const w = world();

    // Act
    await w.access
      .require(caller(), 'auditor', 'audit.read', {
        requestId: 'r',
        sourceIp: '203.0.113.9',
        userAgent: 'u'.repeat(600),
      })
      .catch(() => undefined);

    // Assess
    expect(w.table.records()).toEqual([
      expect.objectContaining({ requestId: 'r', sourceIp: '203.0.113.9', userAgent: 'u'.repeat(512) }),
    ]);
  });

  it('still refuses when the refusal cannot be audited, and reports the audit failure', async () => {
    // Prepare
    const w = world();
    const failures: unknown[] = [];
    const access = new PrivilegedAccess({
      audit: w.audit,
      clock: { now: () => T },
      newEventId,
      assignments: w.assignments,
      onAuditFailure: (error) => failures.push(error),
    });
    w.table.faults.fail('write', new Error('audit table down'));

    // Act
    const attempt = access.require(caller(), 'admin', 'entitlement.put', {
      requestId: 'r',
      userAgent: 'x'.repeat(600),
    });

    // Assess
    await expect(attempt).rejects.toThrow(ForbiddenError);
    expect(failures).toEqual([new Error('audit table down')]);
  });
});

describe('EntitlementAdmin: what each refusal and change records', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('audits a refusal under the action refused, and asks for the admin role every time', async () => {
    // Prepare
    const { service, table } = setup();
    const attempts = [
      () => service.get(auditor, 'ent-1', context),
      () => service.list(auditor, 10, undefined, context),
      () => service.put(auditor, input, undefined, context),
      () => service.delete(auditor, 'ent-1', 1, context),
    ];

    // Act
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(ForbiddenError);

    // Assess
    expect(table.records().map((r) => [r.action, r.detail, r.sourceIp, r.userAgent])).toEqual([
      ['entitlement.read', 'this needs the admin role', context.sourceIp, context.userAgent],
      ['entitlement.read', 'this needs the admin role', context.sourceIp, context.userAgent],
      ['entitlement.put', 'this needs the admin role', context.sourceIp, context.userAgent],
      ['entitlement.delete', 'this needs the admin role', context.sourceIp, context.userAgent],
    ]);
  });

  it('names the entitlement in every conflict and 404, and the validation failure', async () => {
    // Prepare
    const { service } = setup();
    await service.put(admin, input, undefined, context);

    // Act / Assess
    await expect(service.put(admin, input, undefined, context)).rejects.toThrow(
      'entitlement ent-1 exists: send If-Match with its ETag to replace it',
    );
    await expect(service.delete(admin, 'ent-1', undefined, context)).rejects.toThrow(
      'entitlement ent-1 exists: send If-Match with its ETag to delete it',
    );
    await expect(service.get(admin, 'ent-9', context)).rejects.toThrow('no entitlement ent-9');
    await expect(service.put(admin, { ...input, roleArn: 'x' }, 1, context)).rejects.toThrow(
      'the entitlement is not valid',
    );
  });

  it('redacts an ExternalId in the recorded change, and adds none where there is none', async () => {
    // Prepare
    const { service, table } = setup();

    // Act
    await service.put(admin, input, undefined, context);

    // Assess
    expect(table.records()[0]?.change).not.toContain('externalId');
  });

  it('names the rule and the cap when an issuer’s claim rules are full; other subjects are not counted', async () => {
    // Prepare
    const { service, entitlements } = setup();
    const subject = claimRuleSubject(ISSUER);
    for (let i = 0; i < MAX_CLAIM_RULES_PER_ISSUER; i++) {
      entitlements.put(entitlement({ id: `rule-${i}`, subject, claimConditions: { team: `t${i}` } }));
      entitlements.put(entitlement({ id: `row-${i}` }));
    }

    // Act
    const refused = await service
      .put(admin, { ...input, id: 'one-more', subject, claimConditions: { team: 'x' } }, undefined, context)
      .catch((e: unknown) => e);
    const plain = await service.put(admin, { ...input, id: 'plain' }, undefined, context);

    // Assess
    expect(refused instanceof InvalidRequestError ? refused.issues : []).toEqual([
      { path: 'subject', message: `at most ${MAX_CLAIM_RULES_PER_ISSUER} claim rules per issuer` },
    ]);
    expect(plain.version).toBe(1);
  });
});
