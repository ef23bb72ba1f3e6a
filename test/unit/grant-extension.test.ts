import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IllegalTransitionError, NotApproverError } from '../../src/domain/access-requests/errors.js';
import { extensionAllowance, extensionStateAt } from '../../src/domain/access-requests/extension.js';
import { InMemoryOnCallDirectory } from '../../src/domain/access-requests/fakes.js';
import {
  type Actor,
  grantEntitlementId,
  type Requester,
} from '../../src/domain/access-requests/lifecycle.js';
import type { Requestable } from '../../src/domain/access-requests/types.js';
import { InMemoryRevocationApplier } from '../../src/domain/revocation/fakes.js';
import { ConflictError, InvalidRequestError } from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { ISSUER } from './fixtures.js';
import { accessRequestWorld, context } from './world.js';

const T0 = new Date('2026-06-01T09:00:00.000Z');
/** The error a refused call threw, so refusals are awaited (and audited) in order. */
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );
const later = (seconds: number) => vi.setSystemTime(new Date(Date.now() + seconds * 1000));
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function actor(name: string, email?: string): Actor {
  return {
    principal: `${ISSUER}#${name}`,
    identity: `oidc|${ISSUER}|${name}`,
    authMethod: 'oidc',
    groups: [],
    via: 'api',
    ...(email ? { email } : {}),
  };
}
const alice: Requester = { ...actor('alice', 'alice@example.com'), displayName: 'alice@example.com' };
const bob = actor('bob');
const carol = actor('carol');
const mallory = actor('mallory');

function requestable(overrides: Partial<Requestable> = {}): Requestable {
  return {
    id: 'prod-admin',
    requesters: { principals: [alice.principal, mallory.principal], groups: [] },
    approvers: { principals: [bob.principal, carol.principal], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 4 * 3600,
    answerWithinSeconds: 1800,
    breakGlass: false,
    version: 1,
    ...overrides,
  };
}

function setup(overrides: Partial<Requestable> = {}, directory?: InMemoryOnCallDirectory) {
  return accessRequestWorld([requestable(overrides)], {
    revocations: new InMemoryRevocationApplier(),
    ...(directory ? { onCall: directory } : {}),
  });
}

/** An admin's edit of the requestable (version 2), written with its audit record. */
async function changeRequestable(s: ReturnType<typeof setup>) {
  const stored = await s.requestables.get('prod-admin');
  await s.audit.appendWith(
    {
      eventId: newEventId(),
      time: new Date().toISOString(),
      action: 'requestable.put',
      outcome: 'applied',
      requestId: 'r',
      principal: 'admin',
      authMethod: 'oidc',
    },
    (record) =>
      s.requestables.write(
        { id: 'prod-admin', next: requestable({ version: 2 }), ...(stored ? { expected: stored } : {}) },
        record,
      ),
  );
}

/** An active one-hour grant of alice's, approved by bob at T0. */
async function granted(s: ReturnType<typeof setup>) {
  const opened = await s.service.open(
    alice,
    { requestableId: 'prod-admin', grantSeconds: 3600, reason: 'incident 42' },
    context,
  );
  return s.service.approve(bob, opened.id, context);
}

const grantRow = (s: ReturnType<typeof setup>) =>
  s.entitlements.bySubject(alice.identity).find((e) => e.id === grantEntitlementId('REQ1'));

describe('Grant extension', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('asks, is approved by an approver, and moves the grant and its entitlement to the new end, audited', async () => {
    // Prepare
    const s = setup();
    await granted(s);
    later(1800);

    // Act
    const asked = await s.service.extend(alice, 'REQ1', { seconds: 3600, reason: 'still on it' }, context);
    const rowWhilePending = grantRow(s)?.notAfter;
    const toApprove = await s.service.toApprove(bob);
    later(60);
    const extended = await s.service.approveExtension(bob, 'REQ1', context, 'fine');

    // Assess
    expect(asked.grantEnd).toEqual(at(3600));
    expect(extensionStateAt(asked, new Date())).toBe('requested');
    expect(rowWhilePending).toEqual(at(3600));
    expect(toApprove.map((r) => r.id)).toEqual(['REQ1']);
    expect(extended.grantEnd).toEqual(at(7200));
    expect(extended.grantSeconds).toBe(7200);
    expect(extended.extension).toMatchObject({ state: 'approved', seconds: 3600, fromEnd: at(3600) });
    expect(grantRow(s)?.notAfter).toEqual(at(7200));
    expect(await s.service.toApprove(bob)).toEqual([]);
    const records = s.table.records().slice(-2);
    expect(records.map((r) => [r.action, r.outcome, r.reason, r.expiration])).toEqual([
      ['access-request.extend', 'applied', 'still on it', at(3600).toISOString()],
      ['access-request.approve', 'applied', 'fine', at(7200).toISOString()],
    ]);
    expect(records[1]?.detail).toBe(
      `extended; now active; extension of 3600 s from ${at(3600).toISOString()}, approved`,
    );
    expect(s.notifier.notices.map((n) => n.transition).slice(-2)).toEqual([
      'extension-requested',
      'extended',
    ]);
  });

  it('needs the quorum, one approval per person, never the holder', async () => {
    // Prepare
    const s = setup({ quorum: 2 });
    const opened = await s.service.open(
      alice,
      { requestableId: 'prod-admin', grantSeconds: 3600, reason: 'incident 42' },
      context,
    );
    await s.service.approve(bob, opened.id, context);
    await s.service.approve(carol, opened.id, context);
    await s.service.extend(alice, 'REQ1', { seconds: 1800, reason: 'more' }, context);

    // Act
    const self = await refusal(s.service.approveExtension(alice, 'REQ1', context));
    const stranger = await refusal(s.service.approveExtension(mallory, 'REQ1', context));
    const first = await s.service.approveExtension(bob, 'REQ1', context);
    const twice = await refusal(s.service.approveExtension(bob, 'REQ1', context));
    const second = await s.service.approveExtension(carol, 'REQ1', context);

    // Assess
    expect(self).toBeInstanceOf(NotApproverError);
    expect(stranger).toBeInstanceOf(NotApproverError);
    expect(twice).toBeInstanceOf(IllegalTransitionError);
    expect(first.grantEnd).toEqual(at(3600));
    expect(first.extension?.approvals).toHaveLength(1);
    expect(second.grantEnd).toEqual(at(5400));
    expect(s.table.withAction('access-request.approve').filter((r) => r.outcome === 'denied')).toHaveLength(
      3,
    );
  });

  it('never beyond the maximum measured from the grant start, and only for a valid reason', async () => {
    // Prepare
    const s = setup();
    await granted(s);
    later(3000);

    // Act
    const tooLong = await refusal(
      s.service.extend(alice, 'REQ1', { seconds: 3 * 3600 + 1, reason: 'more' }, context),
    );
    const tooShort = await refusal(s.service.extend(alice, 'REQ1', { seconds: 59, reason: 'more' }, context));
    const noReason = await refusal(s.service.extend(alice, 'REQ1', { seconds: 600, reason: ' x ' }, context));
    const exactly = await s.service.extend(alice, 'REQ1', { seconds: 3 * 3600, reason: 'more' }, context);

    // Assess
    expect(tooLong).toBeInstanceOf(InvalidRequestError);
    expect(tooLong).toMatchObject({ message: expect.stringContaining('prod-admin') });
    expect(tooShort).toBeInstanceOf(InvalidRequestError);
    expect(noReason).toBeInstanceOf(InvalidRequestError);
    expect(exactly.extension?.seconds).toBe(3 * 3600);
    expect(extensionAllowance({ ...exactly, grantEnd: at(4 * 3600) }, 4 * 3600)).toBe(0);
    expect(s.table.withAction('access-request.extend').map((r) => r.outcome)).toEqual([
      'denied',
      'denied',
      'denied',
      'applied',
    ]);
  });

  it('a denied, cancelled or lapsed extension changes nothing of the grant', async () => {
    // Prepare
    const s = setup();
    await granted(s);
    const row = grantRow(s);

    // Act
    await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context);
    const byOther = await refusal(s.service.cancelExtension(bob, 'REQ1', context));
    const denied = await s.service.denyExtension(bob, 'REQ1', context, 'no');
    await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context);
    const cancelled = await s.service.cancelExtension(alice, 'REQ1', context);
    await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context);
    later(1800);
    const lapsed = await refusal(s.service.approveExtension(bob, 'REQ1', context));

    // Assess
    expect(byOther).toBeInstanceOf(NotApproverError);
    expect(denied.extension).toMatchObject({ state: 'denied', denial: { comment: 'no' } });
    expect(cancelled.extension?.state).toBe('cancelled');
    expect(lapsed).toMatchObject({ message: expect.stringContaining('extension expired-unanswered') });
    const after = await s.requests.get('REQ1');
    expect(after?.grantEnd).toEqual(at(3600));
    expect(after && extensionStateAt(after, new Date())).toBe('expired-unanswered');
    expect(grantRow(s)).toEqual(row);
    expect(await s.service.toApprove(bob)).toEqual([]);
  });

  it('is refused to anyone but the holder, twice at once, on break-glass, past the end, after a change', async () => {
    // Prepare
    const s = setup();
    await granted(s);
    const ask = (who: Actor) => s.service.extend(who, 'REQ1', { seconds: 600, reason: 'more' }, context);

    // Act
    const byOther = await refusal(ask(mallory));
    await ask(alice);
    const again = await refusal(ask(alice));
    const nothingPending = await refusal(s.service.denyExtension(bob, 'REQ2', context));
    await changeRequestable(s);
    const changed = await refusal(s.service.approveExtension(bob, 'REQ1', context));
    later(3600);
    const ended = await refusal(ask(alice));

    // Assess
    expect(byOther).toBeInstanceOf(NotApproverError);
    expect(again).toMatchObject({ message: expect.stringContaining('waiting for an extension already') });
    expect(nothingPending).toMatchObject({ message: expect.stringContaining('no access request REQ2') });
    expect(changed).toBeInstanceOf(ConflictError);
    expect(ended).toMatchObject({
      message: expect.stringContaining('a request that is expired cannot be extended'),
    });
  });

  it('refuses break-glass grants and grants whose requestable changed or is no longer requestable', async () => {
    // Prepare
    const glass = setup({ breakGlass: true });
    await glass.service.open(
      alice,
      { requestableId: 'prod-admin', grantSeconds: 3600, reason: 'fire!' },
      context,
    );
    const changed = setup();
    await granted(changed);
    await changeRequestable(changed);

    // Act
    const onGlass = await refusal(
      glass.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context),
    );
    const afterChange = await refusal(
      changed.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context),
    );

    // Assess
    expect(onGlass).toMatchObject({
      message: expect.stringContaining('a request that is break-glass cannot be extended'),
    });
    expect(afterChange).toBeInstanceOf(ConflictError);
    expect(changed.table.withAction('access-request.extend').at(-1)).toMatchObject({
      outcome: 'denied',
      problemCode: 'conflict',
    });
  });

  it('the auto-approval rule extends at once while the whole grant stays within its maximum', async () => {
    // Prepare
    const s = setup({
      autoApproval: { requesters: { principals: [alice.principal], groups: [] }, maxGrantSeconds: 5400 },
    });
    await s.service.open(
      alice,
      { requestableId: 'prod-admin', grantSeconds: 3600, reason: 'routine' },
      context,
    );

    // Act
    const auto = await s.service.extend(alice, 'REQ1', { seconds: 1800, reason: 'more' }, context);
    const beyond = await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context);

    // Assess
    expect(auto.grantEnd).toEqual(at(5400));
    expect(auto.extension?.approvals[0]?.principal).toBe('credvend:auto-approval');
    expect(grantRow(s)?.notAfter).toEqual(at(5400));
    expect(beyond.extension?.state).toBe('requested');
    expect(beyond.grantEnd).toEqual(at(5400));
    expect(s.table.withAction('access-request.extend').map((r) => r.detail?.split(';')[0])).toEqual([
      'auto-extended',
      'extension-requested',
    ]);
  });

  it('the on-call rule extends at once only when the new end is within the shift', async () => {
    // Prepare
    const schedule = { provider: 'pagerduty' as const, scheduleId: 'PSCHED1' };
    const directory = new InMemoryOnCallDirectory().onCall(schedule, 'alice@example.com', at(2 * 3600));
    const s = setup({ onCall: schedule }, directory);
    directory.shifts.clear();
    await granted(s);
    directory.onCall(schedule, 'alice@example.com', at(2 * 3600));

    // Act
    const within = await s.service.extend(alice, 'REQ1', { seconds: 3600, reason: 'paged' }, context);
    const beyond = await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'paged' }, context);
    directory.failure = new Error('paging service down');
    await s.service.cancelExtension(alice, 'REQ1', context);
    const failed = await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'paged' }, context);

    // Assess
    expect(within.grantEnd).toEqual(at(2 * 3600));
    expect(within.extension?.approvals[0]?.principal).toBe('credvend:on-call');
    expect(beyond.extension?.state).toBe('requested');
    expect(failed.extension?.state).toBe('requested');
    const details = s.table.withAction('access-request.extend').map((r) => r.detail ?? '');
    expect(details[0]).toContain(`on call in pagerduty schedule PSCHED1 until ${at(2 * 3600).toISOString()}`);
    expect(details[1]).toContain('only until');
    expect(details[2]).toContain('failed');
  });

  it('a revocation racing an approved extension cannot bring the grant back', async () => {
    // Prepare
    const s = setup();
    await granted(s);
    await s.service.extend(alice, 'REQ1', { seconds: 600, reason: 'more' }, context);
    const before = await s.requests.get('REQ1');
    await s.service.revoke(bob, 'REQ1', context);

    // Act
    const late = await refusal(s.service.approveExtension(bob, 'REQ1', context));

    // Assess
    expect(late).toMatchObject({ message: expect.stringContaining('extension expired-unanswered') });
    expect(before && extensionStateAt(before, new Date())).toBe('requested');
    expect(grantRow(s)).toBeUndefined();
  });
});
