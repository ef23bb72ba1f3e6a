import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PolicyStatement } from '../../src/domain/policy/policy.js';
import {
  InMemoryLeaseStore,
  InMemoryRevocationApplier,
  InMemoryRevocationIntentLog,
} from '../../src/domain/revocation/fakes.js';
import { Revoker } from '../../src/domain/revocation/revoke.js';
import { SerializedRevocationApplier } from '../../src/domain/revocation/serialized-revocations.js';
import { WriteAheadRevocations } from '../../src/domain/revocation/write-ahead.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import {
  AuditUnavailableError,
  ConflictError,
  ForbiddenError,
  LimitExceededError,
  NotFoundError,
  RevocationPendingError,
  StsUnavailableError,
} from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { caller, entitlement } from './fixtures.js';
import { admin, context, world } from './world.js';

const T0 = new Date('2026-03-10T10:00:00.000Z');
const ROLE = entitlement().roleArn;

async function setup(options: { applier?: boolean } = {}) {
  const w = world({ entitlements: [entitlement()] });
  const applier = new InMemoryRevocationApplier();
  const intents = new InMemoryRevocationIntentLog(w.table);
  const writeAhead = new WriteAheadRevocations({
    iam: applier,
    intents,
    audit: w.audit,
    clock: systemClock,
    newEventId,
  });
  const revoker = new Revoker({
    reader: w.table,
    ...(options.applier === false ? {} : { revocations: writeAhead }),
    audit: w.audit,
    access: w.access,
    clock: systemClock,
    newEventId,
  });
  const issued = await w.vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context);
  return { ...w, applier, intents, writeAhead, revoker, issued };
}

describe('Class: Revoker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('revokes an issuance by event id: a Deny for its SourceIdentity up to now, applied and audited', async () => {
    // Prepare
    const { revoker, applier, table, issued } = await setup();
    vi.setSystemTime(new Date(T0.getTime() + 1234));

    // Act
    const result = await revoker.revoke(admin, issued.eventId, context);

    // Assess
    expect(result).toMatchObject({ eventId: issued.eventId, roleArn: ROLE, applied: true });
    expect(result.detail).toBeUndefined();
    const [statement] = applier.statementsOn(ROLE);
    expect(statement?.Condition).toEqual({
      StringEquals: { 'aws:SourceIdentity': issued.plan.sourceIdentity },
      DateLessThanEquals: { 'aws:TokenIssueTime': '2026-03-10T10:00:07Z' },
    });
    expect(table.withAction('audit.revoke')).toEqual([
      expect.objectContaining({
        eventId: result.revocationEventId,
        outcome: 'applied',
        relatedEventId: issued.eventId,
        detail: 'deny applied to the target role',
        entitlementId: 'ent-1',
        accountId: entitlement().accountId,
        roleArn: ROLE,
        sourceIdentity: issued.plan.sourceIdentity,
        accessKeyId: issued.assumed.credentials.accessKeyId,
      }),
    ]);
  });

  it('finds the issuance by its access key id too', async () => {
    // Prepare
    const { revoker, issued } = await setup();

    // Act
    const result = await revoker.revoke(admin, issued.assumed.credentials.accessKeyId, context);

    // Assess
    expect(result.eventId).toBe(issued.eventId);
  });

  it('refuses what is not an issuance: an unknown id, a key never issued, a denial', async () => {
    // Prepare
    const { revoker, table, vendor } = await setup();
    await vendor.issue(caller(), { target: { entitlementId: 'nope' } }, context).catch(() => undefined);
    const denial = table.records().find((r) => r.outcome === 'denied');

    // Act / Assess
    const unknown = newEventId();
    await expect(revoker.revoke(admin, unknown, context)).rejects.toThrow(
      new NotFoundError(`no issuance ${unknown}`),
    );
    await expect(revoker.revoke(admin, 'ASIANEVERISSUED0000', context)).rejects.toThrow(NotFoundError);
    await expect(revoker.revoke(admin, denial?.eventId ?? '', context)).rejects.toThrow(NotFoundError);
    expect(table.withAction('audit.revoke')).toEqual([]);
  });

  it('hands the policy to the admin when revocations are not configured, and records it as not applied', async () => {
    // Prepare
    const { revoker, table, issued } = await setup({ applier: false });

    // Act
    const result = await revoker.revoke(admin, issued.eventId, context);

    // Assess
    expect(result.applied).toBe(false);
    expect(result.detail).toMatch(
      /not configured to write revocations; apply this policy as a managed policy at path \/credvend-revocations\//,
    );
    expect(result.policy).toEqual({
      Version: '2012-10-17',
      Statement: [expect.objectContaining({ Effect: 'Deny' })],
    });
    expect(table.withAction('audit.revoke')[0]).toMatchObject({
      outcome: 'error',
      detail: 'deny policy returned to the admin, not applied',
    });
  });

  it('never answers 200 before the Deny is written: a failed IAM write is 503, due on record, named by its error only', async () => {
    // Prepare
    const { revoker, applier, intents, table, issued } = await setup();
    const error = new Error('User: arn:aws:sts::1:assumed-role/x is not authorized, request id abc');
    error.name = 'AccessDenied';
    applier.faults.fail('apply', error);

    // Act
    const attempt = revoker.revoke(admin, issued.eventId, context);

    // Assess
    await expect(attempt).rejects.toThrow(RevocationPendingError);
    expect(applier.statementsOn(ROLE)).toEqual([]);
    expect(await intents.due(10)).toEqual([
      expect.objectContaining({ id: issued.eventId, roleArn: ROLE, principal: admin.principal }),
    ]);
    const [record] = table.withAction('audit.revoke');
    expect(record).toMatchObject({ outcome: 'error', relatedEventId: issued.eventId });
    expect(record?.detail).toContain('(AccessDenied)');
    expect(record?.detail).not.toContain('not authorized');
  });

  it('a revocation left due is completed by the sweep: the Deny decided when it was asked for, on record once', async () => {
    // Prepare
    const { revoker, writeAhead, applier, intents, table, issued } = await setup();
    applier.faults.fail('apply', new StsUnavailableError('STS is down'));
    await expect(revoker.revoke(admin, issued.eventId, context)).rejects.toThrow(RevocationPendingError);
    vi.setSystemTime(new Date(T0.getTime() + 600_000));

    // Act
    const landed = await writeAhead.completeDue({ requestId: 'sweep-1' });

    // Assess
    expect(landed).toBe(1);
    expect(await intents.due(10)).toEqual([]);
    const [statement] = applier.statementsOn(ROLE);
    expect(statement?.Condition?.DateLessThanEquals).toEqual({
      'aws:TokenIssueTime': '2026-03-10T10:00:05Z',
    });
    expect(table.withAction('audit.revoke').map((r) => [r.outcome, r.principal, r.requestId])).toEqual([
      ['error', admin.principal, context.requestId],
      ['applied', admin.principal, context.requestId],
    ]);
    expect(table.withAction('audit.revoke')[1]?.detail).toContain('(completed in sweep-1)');
    expect(await writeAhead.completeDue({ requestId: 'sweep-2' })).toBe(0);
  });

  it('a failed audit write after the Deny is 503 and stays due; the retry lands one applied record', async () => {
    // Prepare
    const { revoker, applier, intents, table, issued } = await setup();
    table.faults.fail('write', new Error('ProvisionedThroughputExceeded'));

    // Act
    const attempt = revoker.revoke(admin, issued.eventId, context);

    // Assess: written, not on record, so not a 200.
    await expect(attempt).rejects.toThrow(AuditUnavailableError);
    expect(applier.statementsOn(ROLE)).toHaveLength(1);
    expect(await intents.due(10)).toHaveLength(1);

    // Act: the admin asks again.
    const retried = await revoker.revoke(admin, issued.eventId, context);

    // Assess
    expect(retried.applied).toBe(true);
    expect(applier.statementsOn(ROLE)).toHaveLength(1);
    expect(await intents.due(10)).toEqual([]);
    expect(table.withAction('audit.revoke').filter((r) => r.outcome === 'applied')).toHaveLength(1);
  });

  it('changes nothing when the intent cannot be recorded', async () => {
    // Prepare
    const { revoker, applier, intents, issued } = await setup();
    intents.faults.fail('record', new Error('ProvisionedThroughputExceeded'));

    // Act / Assess
    await expect(revoker.revoke(admin, issued.eventId, context)).rejects.toThrow(AuditUnavailableError);
    expect(applier.applied).toEqual([]);
  });

  it('one revocation failing again does not hold back the others due', async () => {
    // Prepare: three issuances, each revocation left due by a failed IAM write.
    const { revoker, writeAhead, applier, intents, vendor, issued } = await setup();
    const others = [
      await vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context),
      await vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context),
    ];
    for (const event of [issued, ...others]) {
      applier.faults.fail('apply', new Error('Throttling'));
      await expect(revoker.revoke(admin, event.eventId, context)).rejects.toThrow(RevocationPendingError);
    }

    // Act: the first one fails again in the sweep.
    applier.faults.fail('apply', new Error('Throttling'));
    const landed = await writeAhead.completeDue({ requestId: 'sweep-1' });

    // Assess
    expect(landed).toBe(2);
    expect((await intents.due(10)).map((i) => i.id)).toEqual([issued.eventId]);
    expect(applier.applied.map((a) => a.roleArn)).toEqual([ROLE, ROLE]);
    expect(await writeAhead.completeDue({ requestId: 'sweep-2' })).toBe(1);
    expect(applier.applied).toHaveLength(3);
    expect(await intents.due(10)).toEqual([]);
  });

  it('records a refusal (the role’s revocation policies full) and passes it to the admin', async () => {
    // Prepare
    const { revoker, applier, table, issued } = await setup();
    applier.faults.fail('apply', new LimitExceededError('revocation-capacity', 'policies are full'));

    // Act
    const attempt = revoker.revoke(admin, issued.eventId, context);

    // Assess
    await expect(attempt).rejects.toThrow(LimitExceededError);
    expect(table.withAction('audit.revoke')).toEqual([
      expect.objectContaining({ outcome: 'denied', detail: 'revocation refused: policies are full' }),
    ]);
  });

  it('is for admins only, and the refusal is audited', async () => {
    // Prepare
    const { revoker, applier, table, issued } = await setup();

    // Act
    const attempt = revoker.revoke(caller(), issued.eventId, context);

    // Assess
    await expect(attempt).rejects.toThrow(ForbiddenError);
    expect(applier.applied).toEqual([]);
    expect(table.withAction('audit.revoke')).toEqual([
      expect.objectContaining({ outcome: 'denied', problemCode: 'forbidden' }),
    ]);
  });
});

function denyFor(identity: string): PolicyStatement {
  return {
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceIdentity': identity },
      DateLessThanEquals: { 'aws:TokenIssueTime': '2026-03-10T10:00:05Z' },
    },
  };
}

describe('Class: SerializedRevocationApplier', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without a lease, two revocations of one role at once lose one (why the lease exists)', async () => {
    // Prepare
    const iam = new InMemoryRevocationApplier();

    // Act
    await Promise.all([iam.apply(ROLE, denyFor('alice'), T0), iam.apply(ROLE, denyFor('bob'), T0)]);

    // Assess
    expect(iam.statementsOn(ROLE)).toHaveLength(1);
  });

  it('with the lease, they take turns, the second after the first write settled, and both stay', async () => {
    // Prepare
    const iam = new InMemoryRevocationApplier();
    const leases = new InMemoryLeaseStore();
    const serialized = new SerializedRevocationApplier(iam, leases);

    // Act
    const both = Promise.all([
      serialized.apply(ROLE, denyFor('alice'), T0),
      serialized.apply(ROLE, denyFor('bob'), T0),
    ]);
    await vi.advanceTimersByTimeAsync(1999);
    const beforeSettle = iam.applied.length;
    await vi.advanceTimersByTimeAsync(10_000);
    await both;

    // Assess
    expect(beforeSettle).toBe(1);
    expect(iam.statementsOn(ROLE).map((s) => s.Condition?.StringEquals?.['aws:SourceIdentity'])).toEqual([
      'alice',
      'bob',
    ]);
  });

  it('different roles do not wait for each other', async () => {
    // Prepare
    const iam = new InMemoryRevocationApplier();
    const serialized = new SerializedRevocationApplier(iam, new InMemoryLeaseStore());

    // Act
    await Promise.all([
      serialized.apply(ROLE, denyFor('alice'), T0),
      serialized.apply('arn:aws:iam::222222222222:role/other', denyFor('alice'), T0),
    ]);

    // Assess
    expect(iam.applied).toHaveLength(2);
  });

  it('waits for a crashed holder at most waitMs, then answers 409; after its lease runs out it goes through', async () => {
    // Prepare: a holder that never released, leased for 60 s
    const iam = new InMemoryRevocationApplier();
    const leases = new InMemoryLeaseStore();
    await leases.acquire(`revocation-lease|${ROLE}`, 'crashed', new Date(T0.getTime() + 60_000), T0);
    const serialized = new SerializedRevocationApplier(iam, leases);

    // Act
    const blocked = serialized.apply(ROLE, denyFor('alice'), T0);
    const settled = blocked.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(25_000);

    // Assess
    expect(await settled).toEqual(
      new ConflictError('another revocation of this role is being applied; retry in a minute'),
    );
    expect(iam.applied).toEqual([]);

    // Act
    vi.setSystemTime(new Date(T0.getTime() + 60_001));
    await serialized.apply(ROLE, denyFor('alice'), T0);

    // Assess
    expect(iam.applied).toHaveLength(1);
  });

  it('releases the lease when the write fails, so the next one need not wait for it to run out', async () => {
    // Prepare
    const iam = new InMemoryRevocationApplier();
    const leases = new InMemoryLeaseStore();
    const serialized = new SerializedRevocationApplier(iam, leases, { settleMs: 0 });
    iam.faults.fail('apply', new Error('throttled'));

    // Act
    await expect(serialized.apply(ROLE, denyFor('alice'), T0)).rejects.toThrow('throttled');
    vi.setSystemTime(new Date(T0.getTime() + 1));
    await serialized.apply(ROLE, denyFor('bob'), T0);

    // Assess
    expect(leases.holderOf(`revocation-lease|${ROLE}`)?.until).toBe(T0.getTime() + 1);
    expect(iam.applied).toHaveLength(1);
  });

  it('a late release does not free a lease another holder took over', async () => {
    // Prepare
    const leases = new InMemoryLeaseStore();
    const name = `revocation-lease|${ROLE}`;
    await leases.acquire(name, 'first', new Date(T0.getTime() + 1000), T0);
    const later = new Date(T0.getTime() + 2000);
    await leases.acquire(name, 'second', new Date(later.getTime() + 60_000), later);

    // Act
    await leases.release(name, 'first', later);

    // Assess
    expect(leases.holderOf(name)).toEqual({ holder: 'second', until: later.getTime() + 60_000 });
    expect(await leases.acquire(name, 'third', new Date(later.getTime() + 1000), later)).toBe(false);
  });
});
