import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  IllegalTransitionError,
  NotApproverError,
  NotRequestableError,
  StaleRequestError,
} from '../../src/domain/access-requests/errors.js';
import {
  type Actor,
  grantEntitlementId,
  plannedGrantEnd,
  type Requester,
} from '../../src/domain/access-requests/lifecycle.js';
import type { AccessRequestInput, Requestable } from '../../src/domain/access-requests/types.js';
import { InMemoryRevocationApplier } from '../../src/domain/revocation/fakes.js';
import { GRANT_TAG, grantRevocationStatement } from '../../src/domain/revocation/revocation.js';
import {
  ConflictError,
  InvalidRequestError,
  NotEntitledError,
  NotFoundError,
  RateLimitedError,
  RevocationPendingError,
} from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { caller, ISSUER } from './fixtures.js';
import { accessRequestWorld, admin, auditor, context } from './world.js';

const T0 = new Date('2026-06-01T09:00:00.000Z');
const later = (seconds: number) => vi.setSystemTime(new Date(Date.now() + seconds * 1000));

function actor(name: string, overrides: Partial<Actor> = {}): Actor {
  return {
    principal: `${ISSUER}#${name}`,
    identity: `oidc|${ISSUER}|${name}`,
    authMethod: 'oidc',
    groups: [],
    via: 'api',
    ...overrides,
  };
}
const alice: Requester = { ...actor('alice'), displayName: 'alice@example.com' };
const bob = actor('bob');
const carol = actor('carol');
const mallory = actor('mallory');
const root: Actor = {
  principal: admin.principal,
  identity: admin.identityKey,
  authMethod: 'oidc',
  groups: [],
  via: 'api',
};
const audrey: Actor = {
  principal: auditor.principal,
  identity: auditor.identityKey,
  authMethod: 'oidc',
  groups: [],
  via: 'api',
};

function requestable(overrides: Partial<Requestable> = {}): Requestable {
  return {
    id: 'prod-admin',
    requesters: { principals: [alice.principal], groups: [] },
    approvers: { principals: [bob.principal, carol.principal], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
    managedPolicyArns: [],
    tags: { jit: 'yes' },
    maxSessionSeconds: 3600,
    maxGrantSeconds: 7200,
    answerWithinSeconds: 3600,
    breakGlass: false,
    version: 1,
    ...overrides,
  };
}
const input: AccessRequestInput = {
  requestableId: 'prod-admin',
  grantSeconds: 3600,
  reason: 'incident 42 follow-up',
};

function setup(options: { requestables?: Requestable[]; revocations?: boolean } = {}) {
  const applier = new InMemoryRevocationApplier();
  const auditFailures: unknown[] = [];
  const w = accessRequestWorld(options.requestables ?? [requestable()], {
    ...(options.revocations === false ? {} : { revocations: applier }),
    onAuditFailure: (error) => auditFailures.push(error),
  });
  return { ...w, applier, auditFailures };
}

describe('Class: AccessRequestService', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('open', () => {
    it('stores a pending request with its audit record and notifies, granting nothing yet', async () => {
      // Prepare
      const { service, requests, table, notifier, entitlements } = setup();

      // Act
      const request = await service.open(alice, input, { ...context, userAgent: 'u'.repeat(600) });

      // Assess
      expect(request).toMatchObject({
        id: 'REQ1',
        state: 'requested',
        version: 1,
        requesterSubject: alice.identity,
      });
      expect(await requests.get('REQ1')).toEqual(request);
      expect(table.records()).toEqual([
        expect.objectContaining({
          action: 'access-request.create',
          outcome: 'applied',
          accessRequestId: 'REQ1',
          detail: 'requested; now requested',
          reason: input.reason,
          roleArn: request.roleArn,
          durationSeconds: 3600,
          principal: alice.principal,
          sourceIp: context.sourceIp,
          userAgent: 'u'.repeat(512),
        }),
      ]);
      expect(table.records()[0]?.entitlementId).toBeUndefined();
      expect(notifier.notices).toEqual([
        expect.objectContaining({ transition: 'requested', urgent: false, actor: alice.principal, at: T0 }),
      ]);
      expect(entitlements.all()).toEqual([]);
    });

    it('answers an unknown id exactly like a forbidden one, audits both and stores nothing', async () => {
      // Prepare
      const { service, requests, table } = setup();

      // Act
      const unknown = service.open(alice, { ...input, requestableId: 'nope' }, context);
      const forbidden = service.open({ ...mallory, displayName: 'm' }, input, context);

      // Assess
      await expect(unknown).rejects.toThrow(new NotRequestableError('you may not request nope'));
      await expect(forbidden).rejects.toThrow(new NotRequestableError('you may not request prod-admin'));
      expect(await requests.byRequester(alice.identity, 10)).toEqual([]);
      expect(table.records().map((r) => [r.action, r.outcome, r.problemCode])).toEqual([
        ['access-request.create', 'denied', 'not-requestable'],
        ['access-request.create', 'denied', 'not-requestable'],
      ]);
    });

    it('refuses input outside the rules with every problem named', async () => {
      // Prepare
      const { service } = setup();

      // Act
      const attempt = service.open(alice, { ...input, grantSeconds: 10 * 86_400, reason: 'x' }, context);

      // Assess
      await expect(attempt).rejects.toThrow(InvalidRequestError);
      const error = await attempt.catch((e: unknown) => e);
      const paths = error instanceof InvalidRequestError ? error.issues.map((i) => i.path) : [];
      expect(paths).toEqual(['reason', 'duration']);
    });

    it('rations break-glass per person: the fourth in a day is a 429, audited, with no grant', async () => {
      // Prepare: three break-glass grants by alice, a few hours apart.
      const carolAsker: Requester = { ...carol, displayName: 'carol@example.com' };
      const { service, entitlements, table } = setup({
        requestables: [
          requestable({
            breakGlass: true,
            maxGrantSeconds: 3600,
            requesters: { principals: [alice.principal, carol.principal], groups: [] },
          }),
        ],
      });
      for (const hours of [0, 2, 4]) {
        vi.setSystemTime(new Date(T0.getTime() + hours * 3600_000));
        await service.open(alice, input, context);
      }

      // Act
      vi.setSystemTime(new Date(T0.getTime() + 6 * 3600_000));
      const fourth = service.open(alice, input, context);

      // Assess
      await expect(fourth).rejects.toThrow(RateLimitedError);
      expect(await fourth.catch((e: unknown) => e)).toMatchObject({
        scope: 'break-glass',
        retryAfterSeconds: 18 * 3600,
      });
      expect(entitlements.bySubject(alice.identity)).toHaveLength(3);
      expect(table.withAction('access-request.create').at(-1)).toMatchObject({
        outcome: 'denied',
        problemCode: 'rate-limited',
      });
      // Another person is not held back by alice's grants; a day later alice may again.
      await expect(service.open(carolAsker, input, context)).resolves.toMatchObject({ state: 'active' });
      vi.setSystemTime(new Date(T0.getTime() + 24 * 3600_000 + 1000));
      await expect(service.open(alice, input, context)).resolves.toMatchObject({ state: 'active' });
    });

    it('opens break-glass access as an active grant at once, urgent, and due for review', async () => {
      // Prepare
      const { service, notifier, entitlements, table } = setup({
        requestables: [requestable({ breakGlass: true, maxGrantSeconds: 3600 })],
      });

      // Act
      const request = await service.open(alice, input, context);

      // Assess
      expect(request.state).toBe('active');
      expect(notifier.notices[0]).toMatchObject({ transition: 'break-glass', urgent: true });
      expect(entitlements.bySubject(alice.identity).map((e) => e.id)).toEqual([grantEntitlementId('REQ1')]);
      expect(table.records()[0]).toMatchObject({
        entitlementId: grantEntitlementId('REQ1'),
        expiration: new Date(T0.getTime() + 3600_000).toISOString(),
        reason: input.reason,
      });
      expect((await service.needingReview(bob)).map((r) => r.id)).toEqual(['REQ1']);
      expect((await service.needingReview(root)).map((r) => r.id)).toEqual(['REQ1']);
      expect(await service.needingReview(mallory)).toEqual([]);
    });

    it('auto-approves within the rule, and only within it', async () => {
      // Prepare
      const { service } = setup({
        requestables: [
          requestable({
            autoApproval: {
              requesters: { principals: [alice.principal], groups: [] },
              maxGrantSeconds: 1800,
            },
          }),
        ],
      });

      // Act
      const short = await service.open(alice, { ...input, grantSeconds: 1800 }, context);
      const long = await service.open(alice, { ...input, grantSeconds: 1801 }, context);

      // Assess
      expect(short.state).toBe('active');
      expect(short.approvals.map((a) => a.via)).toEqual(['auto']);
      expect(long.state).toBe('requested');
    });
  });

  describe('decisions', () => {
    it('approval grants: the grant row is what issuance reads, and it ends with the grant', async () => {
      // Prepare
      const { service, vendor, table } = setup();
      await service.open(alice, input, context);
      later(60);

      // Act
      const approved = await service.approve(bob, 'REQ1', context, 'ok, go');
      const issued = await vendor.issue(
        caller(),
        { target: { entitlementId: grantEntitlementId('REQ1') } },
        context,
      );

      // Assess
      expect(approved).toMatchObject({ state: 'active', version: 2 });
      expect(issued.eventId).toBeDefined();
      expect(table.withAction('access-request.approve')).toEqual([
        expect.objectContaining({
          outcome: 'applied',
          detail: 'approved; now active',
          reason: 'ok, go',
          entitlementId: grantEntitlementId('REQ1'),
          expiration: new Date(T0.getTime() + 60_000 + 3600_000).toISOString(),
        }),
      ]);
      expect(table.withAction('credentials.issue')[0]).toMatchObject({
        accessRequestId: 'REQ1',
        outcome: 'issued',
      });
      expect((await service.grants(actor('alice'))).map((r) => r.id)).toEqual(['REQ1']);

      // Act: the grant runs out
      later(3600);

      // Assess
      expect(await service.grants(actor('alice'))).toEqual([]);
      await expect(
        vendor.issue(caller(), { target: { entitlementId: grantEntitlementId('REQ1') } }, context),
      ).rejects.toThrow(NotEntitledError);
    });

    it('with a quorum of two, the first approval is recorded and grants nothing', async () => {
      // Prepare
      const { service, entitlements, notifier } = setup({ requestables: [requestable({ quorum: 2 })] });
      await service.open(alice, input, context);

      // Act
      const first = await service.approve(bob, 'REQ1', context);

      // Assess
      expect(first.state).toBe('requested');
      expect(entitlements.all()).toEqual([]);
      await expect(service.approve(bob, 'REQ1', context)).rejects.toThrow(IllegalTransitionError);

      // Act
      const second = await service.approve(carol, 'REQ1', context);

      // Assess
      expect(second.state).toBe('active');
      expect(notifier.notices.map((n) => n.transition)).toEqual([
        'requested',
        'approval-recorded',
        'approved',
      ]);
      expect(entitlements.all()).toHaveLength(1);
    });

    it('two approvers at once: one write goes stale, is read again, and both approvals land', async () => {
      // Prepare
      const { service } = setup({ requestables: [requestable({ quorum: 2 })] });
      await service.open(alice, input, context);

      // Act
      const [a, b] = await Promise.all([
        service.approve(bob, 'REQ1', context),
        service.approve(carol, 'REQ1', context),
      ]);

      // Assess
      expect([a.version, b.version].sort()).toEqual([2, 3]);
      expect([a.state, b.state].sort()).toEqual(['active', 'requested']);
    });

    it('retries a stale write up to eight times, then answers 409 and grants nothing', async () => {
      // Prepare
      const ok = setup();
      await ok.service.open(alice, input, context);
      ok.requests.faults.fail('save', new StaleRequestError('raced'), 7);
      const busy = setup();
      await busy.service.open(alice, input, context);
      busy.requests.faults.fail('save', new StaleRequestError('raced'), 8);

      // Act
      const approved = await ok.service.approve(bob, 'REQ1', context);
      const refused = busy.service.approve(bob, 'REQ1', context);

      // Assess
      expect(approved.state).toBe('active');
      await expect(refused).rejects.toThrow(
        new ConflictError('access request REQ1 is changing too often; try again'),
      );
      expect(busy.entitlements.all()).toEqual([]);
      expect(busy.table.withAction('access-request.approve')).toEqual([
        expect.objectContaining({ outcome: 'denied', problemCode: 'conflict' }),
      ]);
    });

    it('never lets requesters decide their own request, nor strangers any', async () => {
      // Prepare
      const { service, table } = setup({
        requestables: [
          requestable({ approvers: { principals: [alice.principal, bob.principal], groups: [] } }),
        ],
      });
      await service.open(alice, input, context);

      // Act / Assess
      await expect(service.approve(actor('alice'), 'REQ1', context)).rejects.toThrow(NotApproverError);
      await expect(service.deny(mallory, 'REQ1', context)).rejects.toThrow(NotApproverError);
      expect(
        table
          .records()
          .slice(1)
          .map((r) => [r.action, r.outcome, r.problemCode, r.accessRequestId]),
      ).toEqual([
        ['access-request.approve', 'denied', 'not-approver', 'REQ1'],
        ['access-request.deny', 'denied', 'not-approver', 'REQ1'],
      ]);
    });

    it('a denial ends the request with the comment as the audited reason', async () => {
      // Prepare
      const { service, table, entitlements } = setup();
      await service.open(alice, input, context);

      // Act
      const denied = await service.deny(bob, 'REQ1', context, 'not during the freeze');

      // Assess
      expect(denied.state).toBe('denied');
      expect(table.withAction('access-request.deny')[0]).toMatchObject({
        outcome: 'applied',
        reason: 'not during the freeze',
      });
      expect(entitlements.all()).toEqual([]);
      await expect(service.approve(carol, 'REQ1', context)).rejects.toThrow(IllegalTransitionError);
    });

    it('only the requester cancels', async () => {
      // Prepare
      const { service } = setup();
      await service.open(alice, input, context);

      // Act / Assess
      await expect(service.cancel(bob, 'REQ1', context)).rejects.toThrow(NotApproverError);
      expect((await service.cancel(actor('alice'), 'REQ1', context, 'not needed')).state).toBe('cancelled');
    });

    it('a request nobody answers in time expires and can no longer be approved', async () => {
      // Prepare
      const { service } = setup();
      await service.open(alice, input, context);
      expect((await service.toApprove(bob)).map((r) => r.id)).toEqual(['REQ1']);

      // Act
      later(3600);

      // Assess
      expect(await service.toApprove(bob)).toEqual([]);
      await expect(service.approve(bob, 'REQ1', context)).rejects.toThrow(
        new IllegalTransitionError('expired-unanswered', 'approved'),
      );
    });

    it('refuses approval when the requestable was deleted meanwhile', async () => {
      // Prepare
      const { service, requestables, audit, entitlements } = setup();
      await service.open(alice, input, context);
      const stored = await requestables.get('prod-admin');
      await audit.appendWith(
        {
          eventId: newEventId(),
          time: T0.toISOString(),
          action: 'requestable.delete',
          outcome: 'applied',
          requestId: 'r',
          principal: root.principal,
          authMethod: 'oidc',
        },
        (record) => requestables.write({ id: 'prod-admin', ...(stored ? { expected: stored } : {}) }, record),
      );

      // Act
      const attempt = service.approve(bob, 'REQ1', context);

      // Assess: with its approvers gone nobody may approve; never a grant from a deleted requestable
      await expect(attempt).rejects.toThrow(NotApproverError);
      expect(entitlements.all()).toEqual([]);
    });

    it('refuses approval when the requestable changed since the request, granting nothing', async () => {
      // Prepare: requested against version 1, then an admin widens the role to version 2
      const { service, requestables, audit, entitlements, table } = setup();
      const opened = await service.open(alice, input, context);
      expect(opened.requestableVersion).toBe(1);
      const stored = await requestables.get('prod-admin');
      const wider = requestable({ roleArn: 'arn:aws:iam::222222222222:role/credvend-root', version: 2 });
      await audit.appendWith(
        {
          eventId: newEventId(),
          time: T0.toISOString(),
          action: 'requestable.put',
          outcome: 'applied',
          requestId: 'r',
          principal: root.principal,
          authMethod: 'oidc',
        },
        (record) =>
          requestables.write(
            { id: 'prod-admin', next: wider, ...(stored ? { expected: stored } : {}) },
            record,
          ),
      );

      // Act
      const attempt = service.approve(bob, 'REQ1', context);

      // Assess: a 409 naming both versions, audited; no grant under either version
      await expect(attempt).rejects.toThrow(ConflictError);
      await expect(attempt).rejects.toThrow(/version 1, now 2/);
      expect(entitlements.all()).toEqual([]);
      expect(table.records().at(-1)).toMatchObject({
        action: 'access-request.approve',
        outcome: 'denied',
        problemCode: 'conflict',
      });
    });

    it('an unknown request is 404 and audited', async () => {
      // Prepare
      const { service, table } = setup();

      // Act
      const attempt = service.approve(bob, 'REQ9', context);

      // Assess
      await expect(attempt).rejects.toThrow(NotFoundError);
      expect(table.records()).toEqual([
        expect.objectContaining({
          action: 'access-request.approve',
          outcome: 'denied',
          accessRequestId: 'REQ9',
        }),
      ]);
    });
  });

  describe('revoke', () => {
    async function issuedUnderGrant(s: ReturnType<typeof setup>) {
      await s.service.open(alice, input, context);
      await s.service.approve(bob, 'REQ1', context);
      const target = { target: { entitlementId: grantEntitlementId('REQ1') } };
      const first = await s.vendor.issue(caller(), target, context);
      await s.vendor.issue(caller(), target, context);
      return first;
    }

    it('removes the grant and writes one Deny on its session tag, no lookup of what was issued', async () => {
      // Prepare
      const s = setup();
      const issued = await issuedUnderGrant(s);
      later(10);

      // Act
      const ended = await s.service.revoke(bob, 'REQ1', context, 'done early');

      // Assess
      expect(issued.plan.tags).toContainEqual({ key: GRANT_TAG, value: 'REQ1' });
      expect(ended).toMatchObject({ state: 'ended', sessionsDeny: 'written' });
      expect((await s.requests.get('REQ1'))?.sessionsDeny).toBe('written');
      expect(s.entitlements.all()).toEqual([]);
      expect(s.applier.applied).toEqual([
        { roleArn: issued.plan.roleArn, statement: grantRevocationStatement('REQ1', plannedGrantEnd(ended)) },
      ]);
      expect(JSON.stringify(s.applier.statementsOn(issued.plan.roleArn))).not.toContain(
        issued.plan.sourceIdentity,
      );
      expect(s.table.withAction('audit.revoke')).toEqual([
        expect.objectContaining({
          outcome: 'applied',
          accessRequestId: 'REQ1',
          roleArn: issued.plan.roleArn,
        }),
      ]);
      await expect(
        s.vendor.issue(caller(), { target: { entitlementId: grantEntitlementId('REQ1') } }, context),
      ).rejects.toThrow(NotEntitledError);
    });

    it('never answers before the Deny is written: a failed IAM write is 503, due on record, and retried until it lands', async () => {
      // Prepare
      const s = setup();
      await issuedUnderGrant(s);
      s.applier.faults.fail('apply', new Error('AccessDenied'), 2);

      // Act
      const first = s.service.revoke(bob, 'REQ1', context);

      // Assess: the grant has ended (no new sessions) and the intended Deny is recorded.
      await expect(first).rejects.toThrow(RevocationPendingError);
      expect(await s.requests.get('REQ1')).toMatchObject({ state: 'ended', sessionsDeny: 'due' });
      expect(s.entitlements.all()).toEqual([]);
      expect(await s.requests.revocationsDue(10)).toHaveLength(1);
      // The sweep tries again; IAM still refuses, so it stays due.
      expect(await s.service.completeDueRevocations(context)).toBe(0);
      // The next call (the same revoke, retried by the client) completes it.
      const retried = await s.service.revoke(bob, 'REQ1', context);
      expect(retried.sessionsDeny).toBe('written');
      expect(await s.requests.revocationsDue(10)).toEqual([]);
      expect(s.applier.applied).toHaveLength(1);
      expect(s.table.withAction('audit.revoke').map((r) => r.outcome)).toEqual(['error', 'error', 'applied']);
    });

    it('a failed audit write after the Deny leaves it due, and the sweep finishes it', async () => {
      // Prepare: a revocation left due by a failed IAM write.
      const s = setup();
      await issuedUnderGrant(s);
      s.applier.faults.fail('apply', new Error('Throttling'));
      await expect(s.service.revoke(bob, 'REQ1', context)).rejects.toThrow(RevocationPendingError);

      // Act: the sweep writes the Deny, but its audit record fails; the next sweep lands both.
      s.table.faults.fail('write', new Error('ProvisionedThroughputExceeded'));
      const firstSweep = await s.service.completeDueRevocations(context);
      const secondSweep = await s.service.completeDueRevocations(context);

      // Assess
      expect([firstSweep, secondSweep]).toEqual([0, 1]);
      expect((await s.requests.get('REQ1'))?.sessionsDeny).toBe('written');
      expect(s.applier.applied).toHaveLength(2);
      expect(s.applier.statementsOn(s.applier.applied[0]?.roleArn ?? '')).toHaveLength(1);
      // Completed in the name of the person who revoked, with how they were verified.
      expect(s.table.withAction('audit.revoke').at(-1)).toMatchObject({
        outcome: 'applied',
        principal: bob.principal,
        authMethod: bob.authMethod,
      });
    });

    it('without revocations configured, ends the grant and answers 503 with the Deny due', async () => {
      const s = setup({ revocations: false });
      await issuedUnderGrant(s);
      await expect(s.service.revoke(root, 'REQ1', context)).rejects.toThrow(RevocationPendingError);
      expect(await s.requests.get('REQ1')).toMatchObject({ state: 'ended', sessionsDeny: 'due' });
      expect(s.table.withAction('audit.revoke')).toEqual([expect.objectContaining({ outcome: 'error' })]);
    });

    it('only the requester, an approver or an admin revokes', async () => {
      // Prepare
      const s = setup();
      await issuedUnderGrant(s);

      // Act / Assess
      await expect(s.service.revoke(mallory, 'REQ1', context)).rejects.toThrow(NotApproverError);
      await expect(s.service.revoke({ ...root, authMethod: 'slack' }, 'REQ1', context)).rejects.toThrow(
        NotApproverError,
      );
      expect((await s.service.revoke(root, 'REQ1', context)).state).toBe('ended');
    });
  });

  describe('reading', () => {
    it('shows a request to its requester, approvers, admins and auditors, and 404 to anyone else', async () => {
      // Prepare
      const { service, table } = setup();
      await service.open(alice, input, context);

      // Act / Assess
      for (const reader of [actor('alice'), bob, root, audrey]) {
        expect((await service.get(reader, 'REQ1', context)).id).toBe('REQ1');
      }
      await expect(service.get(mallory, 'REQ1', context)).rejects.toThrow(
        new NotFoundError('no access request REQ1'),
      );
      expect(table.withAction('access-request.read')).toEqual([
        expect.objectContaining({
          outcome: 'denied',
          principal: mallory.principal,
          problemCode: 'not-found',
        }),
      ]);
    });

    it('lists my requests newest first, and to approve only others’ requests I may decide', async () => {
      // Prepare
      const { service } = setup({
        requestables: [
          requestable(),
          requestable({
            id: 'other',
            requesters: { principals: [bob.principal], groups: [] },
            approvers: { principals: [alice.principal], groups: [] },
          }),
        ],
      });
      await service.open(alice, input, context);
      later(1);
      await service.open(alice, input, context);
      await service.open({ ...bob, displayName: 'bob' }, { ...input, requestableId: 'other' }, context);

      // Act
      const mine = await service.mine(actor('alice'));
      const forAlice = await service.toApprove(actor('alice'));
      const forBob = await service.toApprove(bob);

      // Assess
      expect(mine.map((r) => r.id)).toEqual(['REQ2', 'REQ1']);
      expect(forAlice.map((r) => r.id)).toEqual(['REQ3']);
      expect(forBob.map((r) => r.id).sort()).toEqual(['REQ1', 'REQ2']);
    });

    it('a break-glass review is by someone other than its user, once', async () => {
      // Prepare
      const { service } = setup({ requestables: [requestable({ breakGlass: true, maxGrantSeconds: 3600 })] });
      await service.open(alice, input, context);

      // Act / Assess
      await expect(service.review(actor('alice'), 'REQ1', context)).rejects.toThrow(NotApproverError);
      const reviewed = await service.review(carol, 'REQ1', context, 'justified');
      expect(reviewed.review).toMatchObject({ principal: carol.principal, comment: 'justified' });
      expect(await service.needingReview(root)).toEqual([]);
      await expect(service.review(bob, 'REQ1', context)).rejects.toThrow(IllegalTransitionError);
    });
  });

  describe('audit of refusals', () => {
    it('records a rejection with the caller-safe detail and a Slack user', async () => {
      // Prepare
      const { service, table } = setup();

      // Act
      await service.recordRejection(
        { ...bob, authMethod: 'slack', slackUserId: 'U123' },
        'access-request.approve',
        context,
        new InvalidRequestError('body is not JSON'),
        'REQ7',
      );

      // Assess
      expect(table.records()).toEqual([
        expect.objectContaining({
          outcome: 'denied',
          problemCode: 'invalid-request',
          detail: 'body is not JSON',
          slackUserId: 'U123',
          accessRequestId: 'REQ7',
        }),
      ]);
    });

    it('still refuses, and reports, when the refusal cannot be audited', async () => {
      // Prepare
      const { service, table, auditFailures } = setup();
      table.faults.fail('write', new Error('audit table down'));

      // Act
      const attempt = service.approve(bob, 'REQ404', context);

      // Assess
      await expect(attempt).rejects.toThrow(NotFoundError);
      expect(auditFailures).toEqual([new Error('audit table down')]);
      expect(table.records()).toEqual([]);
    });

    it('stores nothing when the audit record of a step cannot be written', async () => {
      // Prepare
      const { service, table, requests } = setup();
      table.faults.fail('write', new Error('audit table down'));

      // Act
      const attempt = service.open(alice, input, context);

      // Assess
      await expect(attempt).rejects.toThrow('audit table down');
      expect(await requests.get('REQ1')).toBeUndefined();
    });
  });
});
