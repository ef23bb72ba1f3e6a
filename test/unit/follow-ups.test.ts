import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotApproverError } from '../../src/domain/access-requests/errors.js';
import { InMemoryFollowUpMarkers } from '../../src/domain/access-requests/fakes.js';
import { dueFollowUps, runFollowUps } from '../../src/domain/access-requests/follow-ups.js';
import { type Actor, approversAt, type Requester } from '../../src/domain/access-requests/lifecycle.js';
import { validateRequestable } from '../../src/domain/access-requests/requestable-admin.js';
import type { Requestable } from '../../src/domain/access-requests/types.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { ISSUER } from './fixtures.js';
import { accessRequestWorld, context } from './world.js';

const T0 = new Date('2026-06-01T09:00:00.000Z');
const MIN = 60;
const later = (seconds: number) => vi.setSystemTime(new Date(Date.now() + seconds * 1000));

function actor(name: string): Actor {
  return {
    principal: `${ISSUER}#${name}`,
    identity: `oidc|${ISSUER}|${name}`,
    authMethod: 'oidc',
    groups: [],
    via: 'api',
  };
}
const alice: Requester = { ...actor('alice'), displayName: 'alice@example.com', email: 'alice@example.com' };
const bob = actor('bob');
const erin = actor('erin');

function requestable(overrides: Partial<Requestable> = {}): Requestable {
  return {
    id: 'prod-db',
    requesters: { principals: [alice.principal], groups: [] },
    approvers: { principals: [bob.principal], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-db',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 4 * 3600,
    answerWithinSeconds: 4 * 3600,
    remindAfterSeconds: 30 * MIN,
    escalation: { afterSeconds: 60 * MIN, approvers: { principals: [erin.principal], groups: [] } },
    endingNoticeSeconds: 15 * MIN,
    breakGlass: false,
    version: 1,
    ...overrides,
  };
}

function setup(r: Requestable = requestable()) {
  const w = accessRequestWorld([r]);
  const { requests, requestables, notifier } = w;
  const markers = new InMemoryFollowUpMarkers();
  const failures: string[] = [];
  const run = () =>
    runFollowUps({
      requests,
      requestables,
      markers,
      notifier,
      clock: systemClock,
      onFailure: (id) => failures.push(id),
    });
  const followUps = () =>
    notifier.notices.filter((x) => x.actor === 'credvend:scheduler').map((x) => x.transition);
  return { ...w, markers, run, followUps, failures };
}

const ask = { requestableId: 'prod-db', grantSeconds: 3600, reason: 'migrate the orders table' };

describe('follow-ups: reminders, escalation, grant-ending notices', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('reminds once, then escalates once, however often the scheduler runs', async () => {
    // Prepare
    const { service, run, followUps } = setup();
    await service.open(alice, ask, context);

    // Act: runs before the reminder is due, after it, twice after the escalation.
    await run();
    later(31 * MIN);
    const first = await run();
    await run();
    later(30 * MIN);
    await run();
    await run();

    // Assess
    expect(first).toEqual({ sent: 1, failed: 0 });
    expect(followUps()).toEqual(['reminder', 'escalated']);
  });

  it('lets the escalation approvers decide only once the delay has passed, never the requester', async () => {
    // Prepare
    const { service } = setup(
      requestable({
        escalation: {
          afterSeconds: 60 * MIN,
          approvers: { principals: [erin.principal, alice.principal], groups: [] },
        },
      }),
    );
    const request = await service.open(alice, ask, context);

    // Act / Assess: erin is refused before the delay, may approve after it; alice never.
    await expect(service.approve(erin, request.id, context)).rejects.toThrow(NotApproverError);
    expect(await service.toApprove(erin)).toEqual([]);
    later(61 * MIN);
    expect((await service.toApprove(erin)).map((r) => r.id)).toEqual([request.id]);
    expect((await service.get(erin, request.id, context)).id).toBe(request.id);
    await expect(service.approve(alice, request.id, context)).rejects.toThrow(NotApproverError);
    expect((await service.approve(erin, request.id, context)).state).toBe('active');
  });

  it('tells the holder once before the grant ends, and nothing for requests already answered', async () => {
    // Prepare: a granted request and a denied one.
    const { service, run, followUps } = setup();
    const granted = await service.open(alice, ask, context);
    await service.approve(bob, granted.id, context);
    const denied = await service.open(alice, ask, context);
    await service.deny(bob, denied.id, context);

    // Act: 44 minutes in (not due), 46 (due), 50 (already sent), after the end (over).
    later(44 * MIN);
    await run();
    later(2 * MIN);
    await run();
    later(4 * MIN);
    await run();
    later(30 * MIN);
    await run();

    // Assess
    expect(followUps()).toEqual(['grant-ending']);
  });

  it('sends a follow-up another run claimed first never again, and keeps going past a failure', async () => {
    // Prepare: two pending requests due a reminder; the first claim fails once.
    const { service, run, markers, followUps, failures } = setup();
    const one = await service.open(alice, ask, context);
    await service.open(alice, ask, context);
    later(31 * MIN);
    markers.faults.fail('claim');

    // Act
    const result = await run();
    const again = await run();

    // Assess: one failed and is sent on the next run; the other went out once.
    expect(result).toEqual({ sent: 1, failed: 1 });
    expect(failures).toHaveLength(1);
    expect(again).toEqual({ sent: 1, failed: 0 });
    expect(followUps()).toEqual(['reminder', 'reminder']);
    expect([...markers.claimed.keys()].filter((m) => m.startsWith(one.id))).toEqual([
      `${one.id}|reminder|${T0.toISOString()}`,
    ]);
  });

  it('owes nothing for a requestable without delays, or one deleted since', async () => {
    const { remindAfterSeconds: _r, escalation: _e, endingNoticeSeconds: _n, ...plain } = requestable();
    const { service, run, followUps } = setup(plain);
    await service.open(alice, ask, context);
    later(3 * 3600);
    await run();
    expect(followUps()).toEqual([]);
    const request = await setup().service.open(alice, ask, context);
    expect(dueFollowUps(request, {}, new Date())).toEqual([]);
  });

  it('refuses delays under a minute, accepts the example, and lets nobody decide under a deleted requestable', async () => {
    const short = validateRequestable(
      requestable({
        remindAfterSeconds: 30,
        escalation: { afterSeconds: 5 * 3600, approvers: { principals: [erin.principal], groups: [] } },
        endingNoticeSeconds: 30,
      }),
      { identity: NO_FEDERATION },
    );
    expect(short.map((i) => i.path)).toEqual([
      'remindAfterSeconds',
      'escalation.afterSeconds',
      'endingNoticeSeconds',
    ]);
    expect(validateRequestable(requestable(), { identity: NO_FEDERATION })).toEqual([]);
    const request = await setup().service.open(alice, ask, context);
    expect(approversAt(undefined, request, T0)).toEqual({ identities: [], groups: [] });
  });

  it('refuses delays that come after the deadline or out of order, naming each', () => {
    const issues = validateRequestable(
      requestable({
        remindAfterSeconds: 5 * 3600,
        escalation: { afterSeconds: 30, approvers: { principals: [], groups: [] } },
        endingNoticeSeconds: 5 * 3600,
      }),
      { identity: NO_FEDERATION },
    );
    expect(issues.map((i) => i.path)).toEqual([
      'remindAfterSeconds',
      'escalation.afterSeconds',
      'escalation.afterSeconds',
      'escalation.approvers',
      'endingNoticeSeconds',
    ]);
  });
});
