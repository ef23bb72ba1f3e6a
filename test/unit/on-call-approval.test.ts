import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryOnCallDirectory } from '../../src/domain/access-requests/fakes.js';
import type { Requester } from '../../src/domain/access-requests/lifecycle.js';
import {
  checkOnCall,
  type OnCallSchedule,
  OnCallUnavailableError,
} from '../../src/domain/access-requests/on-call.js';
import { validateRequestable } from '../../src/domain/access-requests/requestable-admin.js';
import type { Requestable } from '../../src/domain/access-requests/types.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { ISSUER } from './fixtures.js';
import { accessRequestWorld, context } from './world.js';

const T0 = new Date('2026-06-01T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const PRIMARY: OnCallSchedule = { provider: 'pagerduty', scheduleId: 'PPRIMARY' };

function person(name: string, email?: string): Requester {
  return {
    principal: `${ISSUER}#${name}`,
    identity: `oidc|${ISSUER}|${name}`,
    authMethod: 'oidc',
    groups: [],
    via: 'api',
    displayName: `${name}@example.com`,
    ...(email ? { email } : {}),
  };
}
const alice = person('alice', 'alice@example.com');
const mallory = person('mallory', 'mallory@example.com');

function requestable(overrides: Partial<Requestable> = {}): Requestable {
  return {
    id: 'prod-ops',
    requesters: { principals: [alice.principal], groups: [] },
    approvers: { principals: [`${ISSUER}#bob`], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-ops',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 4 * 3600,
    answerWithinSeconds: 3600,
    onCall: PRIMARY,
    breakGlass: false,
    version: 1,
    ...overrides,
  };
}

function setup(options: { requestable?: Requestable; directory?: boolean } = {}) {
  const directory = new InMemoryOnCallDirectory();
  const w = accessRequestWorld(
    [options.requestable ?? requestable()],
    options.directory === false ? {} : { onCall: directory },
  );
  return { ...w, directory };
}

const ask = (grantSeconds: number) => ({ requestableId: 'prod-ops', grantSeconds, reason: 'page 4711' });

describe('on-call approval', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('grants a requester on call now at once, until the shift ends at most, and audits schedule and end', async () => {
    // Prepare: alice's shift ends in 90 minutes; she asks for two hours.
    const { service, directory, table, entitlements, notifier } = setup();
    directory.onCall(PRIMARY, 'alice@example.com', at(5400));

    // Act
    const request = await service.open(alice, ask(7200), context);

    // Assess
    expect(request).toMatchObject({
      state: 'active',
      grantSeconds: 5400,
      grantStart: T0,
      grantEnd: at(5400),
    });
    expect(request.approvals).toEqual([
      expect.objectContaining({
        principal: 'credvend:on-call',
        via: 'auto',
        comment: `on call in pagerduty schedule PPRIMARY until ${at(5400).toISOString()}`,
      }),
    ]);
    expect(entitlements.all()).toEqual([expect.objectContaining({ notAfter: at(5400) })]);
    expect(table.records()).toEqual([
      expect.objectContaining({
        action: 'access-request.create',
        outcome: 'applied',
        detail: `auto-approved; now active; on call in pagerduty schedule PPRIMARY until ${at(5400).toISOString()}`,
        expiration: at(5400).toISOString(),
        durationSeconds: 5400,
      }),
    ]);
    expect(notifier.notices.map((n) => n.transition)).toEqual(['auto-approved']);
  });

  it('keeps the shorter request when the shift outlasts it', async () => {
    const { service, directory } = setup();
    directory.onCall(PRIMARY, 'alice@example.com', at(4 * 3600));
    const request = await service.open(alice, ask(1800), context);
    expect(request).toMatchObject({ state: 'active', grantSeconds: 1800, grantEnd: at(1800) });
  });

  it.each([
    [
      'not on call',
      (d: InMemoryOnCallDirectory) => d.onCall(PRIMARY, 'carol@example.com', at(3600)),
      'not on call in pagerduty schedule PPRIMARY; approval by people',
    ],
    [
      'on call in another schedule',
      (d: InMemoryOnCallDirectory) =>
        d.onCall({ provider: 'opsgenie', scheduleId: 'PPRIMARY' }, 'alice@example.com', at(3600)),
      'not on call in pagerduty schedule PPRIMARY; approval by people',
    ],
    [
      'a shift ending within 15 minutes',
      (d: InMemoryOnCallDirectory) => d.onCall(PRIMARY, 'alice@example.com', at(600)),
      `on call in pagerduty schedule PPRIMARY until ${at(600).toISOString()}, too short a shift to grant; approval by people`,
    ],
    [
      'the lookup failing',
      (d: InMemoryOnCallDirectory) => {
        d.failure = new OnCallUnavailableError('PagerDuty answered 503');
      },
      'on-call lookup in pagerduty schedule PPRIMARY failed (PagerDuty answered 503); approval by people',
    ],
    [
      'the lookup throwing anything else',
      (d: InMemoryOnCallDirectory) => {
        d.failure = new TypeError('token=secret-value');
      },
      'on-call lookup in pagerduty schedule PPRIMARY failed (TypeError reading the schedule); approval by people',
    ],
  ])('leaves the request to the approvers on %s, and audits why', async (_case, arrange, note) => {
    // Prepare
    const { service, directory, table, entitlements } = setup();
    arrange(directory);

    // Act
    const request = await service.open(alice, ask(3600), context);

    // Assess: pending, no grant, the finding in the audit record and never an error's text.
    expect(request).toMatchObject({ state: 'requested', approvals: [], grantSeconds: 3600 });
    expect(entitlements.all()).toEqual([]);
    expect(table.records()).toEqual([
      expect.objectContaining({ outcome: 'applied', detail: `requested; now requested; ${note}` }),
    ]);
    expect(JSON.stringify(table.records())).not.toContain('secret-value');
  });

  it('never approves without a verified email, and never asks about someone who may not request', async () => {
    // Prepare
    const { service, directory, table } = setup();
    directory.onCall(PRIMARY, 'alice@example.com', at(3600)).onCall(PRIMARY, 'mallory@example.com', at(3600));

    // Act
    const noEmail = await service.open(person('alice'), ask(3600), context);
    const outsider = service.open(mallory, ask(3600), context);

    // Assess
    expect(noEmail.state).toBe('requested');
    expect(table.records()[0]?.detail).toBe(
      'requested; now requested; no verified email to look up in pagerduty schedule PPRIMARY; approval by people',
    );
    await expect(outsider).rejects.toThrow('you may not request prod-ops');
    expect(directory.lookups).toEqual([]);
  });

  it('leaves a scheduled request to the approvers without asking the paging service about now', async () => {
    const { service, directory, table } = setup();
    directory.onCall(PRIMARY, 'alice@example.com', at(4 * 3600));
    const request = await service.open(alice, { ...ask(3600), start: at(7200) }, context);
    expect(request).toMatchObject({ state: 'requested', requestedStart: at(7200) });
    expect(directory.lookups).toEqual([]);
    expect(table.records()[0]?.detail).toBe('requested; now requested');
  });

  it('falls back to the approvers when no paging service is configured', async () => {
    const { service } = setup({ directory: false });
    const request = await service.open(alice, ask(3600), context);
    expect(request.state).toBe('requested');
  });

  it('lets a requestable without the rule never look anyone up', async () => {
    const { onCall: _, ...plain } = requestable();
    const { service, directory } = setup({ requestable: plain });
    directory.onCall(PRIMARY, 'alice@example.com', at(3600));
    expect((await service.open(alice, ask(3600), context)).state).toBe('requested');
    expect(directory.lookups).toEqual([]);
    expect(await checkOnCall(undefined, PRIMARY, 'a@example.com', T0)).toEqual({
      kind: 'unavailable',
      schedule: PRIMARY,
      problem: 'no on-call service is configured',
    });
  });

  it('refuses an on-call rule on break-glass access at write time', () => {
    const issues = validateRequestable(requestable({ breakGlass: true }), { identity: NO_FEDERATION });
    expect(issues).toContainEqual({ path: 'onCall', message: 'break-glass needs no approval rule' });
  });
});
