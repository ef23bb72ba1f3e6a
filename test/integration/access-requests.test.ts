import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessRequestWire, accessRequestWire } from '../../src/wire/access-requests.js';
import { auditPageWire } from '../../src/wire/audit.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  call,
  people,
  principalOf,
  putRequestable,
  requestsApp,
  TestClock,
} from './access-request-support.js';
import {
  auditApp,
  auditOfAccessRequest,
  auditOfPrincipal,
  clearRevocations,
  devToken,
  dynamodb,
  listBuckets,
  stack,
  vendApp,
} from './support.js';

const app = requestsApp();

async function open(requester: string, requestable: string, extra: Record<string, unknown> = {}) {
  const created = await call(app, requester, 'POST', '/v1/access-requests', {
    requestable,
    durationSeconds: 3600,
    reason: 'investigate the billing incident',
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return accessRequestWire.parse(created.body);
}

async function stored(id: string): Promise<AccessRequestWire> {
  const result = await call(app, 'admin@example.com', 'GET', `/v1/access-requests/${id}`);
  return accessRequestWire.parse(result.body);
}

async function grantRowExists(requester: string, requestId: string): Promise<boolean> {
  const output = await dynamodb().send(
    new GetItemCommand({
      TableName: stack().credvendEnv.CREDVEND_ENTITLEMENTS_TABLE,
      Key: {
        subject: { S: `oidc|${stack().issuer}|${requester}` },
        entitlementId: { S: `grant-${requestId}` },
      },
      ConsistentRead: true,
    }),
  );
  return output.Item !== undefined;
}

describe('access request concurrency against DynamoDB Local', () => {
  it('quorum 1: two approvers at once, exactly one approval lands and one grant is written', async () => {
    const p = people('alice', 'bob', 'carol');
    const id = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob), principalOf(p.carol)], groups: [] },
    });
    const request = await open(p.alice, id);
    const results = await Promise.all(
      [p.bob, p.carol].map((who) => call(app, who, 'POST', `/v1/access-requests/${request.id}/approve`, {})),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)?.body.type).toBe('urn:credvend:problem:illegal-transition');
    const final = await stored(request.id);
    expect(final.state).toBe('active');
    expect(final.approvals).toHaveLength(1);
    expect(await grantRowExists(p.alice, request.id)).toBe(true);
    const approvals = (await auditOfAccessRequest(request.id)).filter(
      (e) => e.action === 'access-request.approve',
    );
    expect(approvals.map((e) => e.outcome).sort()).toEqual(['applied', 'denied']);
  });

  it('quorum 2: two approvers at once both land, and the second makes the grant', async () => {
    const p = people('alice', 'bob', 'carol');
    const id = await putRequestable(app, {
      quorum: 2,
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob), principalOf(p.carol)], groups: [] },
    });
    const request = await open(p.alice, id);
    const results = await Promise.all(
      [p.bob, p.carol].map((who) => call(app, who, 'POST', `/v1/access-requests/${request.id}/approve`, {})),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const final = await stored(request.id);
    expect(final.state).toBe('active');
    expect(final.approvals.map((a) => a.principal).sort()).toEqual(
      [principalOf(p.bob), principalOf(p.carol)].sort(),
    );
    expect(await grantRowExists(p.alice, request.id)).toBe(true);
  });

  it('quorum 2: one approver twice at once counts once', async () => {
    const p = people('alice', 'bob', 'carol');
    const id = await putRequestable(app, {
      quorum: 2,
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob), principalOf(p.carol)], groups: [] },
    });
    const request = await open(p.alice, id);
    const results = await Promise.all(
      [1, 2].map(() => call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {})),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const final = await stored(request.id);
    expect(final.state).toBe('requested');
    expect(final.approvals).toHaveLength(1);
    expect(await grantRowExists(p.alice, request.id)).toBe(false);
  });

  it('approve racing cancel: one wins, and the stored state agrees with the winner', async () => {
    const p = people('alice', 'bob');
    const id = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    for (let round = 0; round < 4; round++) {
      const request = await open(p.alice, id);
      const [approved, cancelled] = await Promise.all([
        call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {}),
        call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/cancel`, {}),
      ]);
      expect([approved.status, cancelled.status].sort()).toEqual([200, 409]);
      const final = await stored(request.id);
      expect(final.state).toBe(approved.status === 200 ? 'active' : 'cancelled');
      expect(await grantRowExists(p.alice, request.id)).toBe(approved.status === 200);
    }
  });
});

describe('bad input and refusals', () => {
  it('checks the role before the id or the body of a requestable write: a non-admin gets 403 for any input', async () => {
    const p = people('mallory');
    for (const [method, path, body] of [
      ['PUT', '/v1/requestables/not%20an%20id', '{not json'],
      ['PUT', '/v1/requestables/fine-id', { accountId: 'x' }],
      ['DELETE', '/v1/requestables/not%20an%20id', undefined],
    ] as const) {
      const answer = await call(app, p.mallory, method, path, body, { 'if-match': '"v1"' });
      expect([method, path, answer.status], JSON.stringify(answer.body)).toEqual([method, path, 403]);
    }
  });

  it('answers 4xx problem+json, audits the refusal, and grants nothing', async () => {
    const p = people('alice', 'bob', 'mallory');
    const id = await putRequestable(app, {
      ticketPattern: 'INC-[0-9]{1,6}',
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob), principalOf(p.alice)], groups: [] },
    });
    const cases: Array<[string, string, unknown, number, string]> = [
      [
        p.alice,
        'POST',
        { requestable: id, durationSeconds: 7201, reason: 'long enough', ticket: 'INC-1' },
        400,
        'invalid-request',
      ],
      [
        p.alice,
        'POST',
        { requestable: id, durationSeconds: 3600, reason: '', ticket: 'INC-1' },
        400,
        'invalid-request',
      ],
      [
        p.alice,
        'POST',
        { requestable: id, durationSeconds: 3600, reason: 'ok reason', ticket: 'JIRA-1' },
        400,
        'invalid-request',
      ],
      [p.alice, 'POST', { requestable: id, durationSeconds: 3600 }, 400, 'invalid-request'],
      [p.alice, 'POST', '{not json', 400, 'invalid-request'],
      [
        p.mallory,
        'POST',
        { requestable: id, durationSeconds: 3600, reason: 'let me in', ticket: 'INC-1' },
        403,
        'not-requestable',
      ],
      [
        p.alice,
        'POST',
        { requestable: 'no-such-thing', durationSeconds: 3600, reason: 'let me in' },
        403,
        'not-requestable',
      ],
    ];
    for (const [who, method, body, status, code] of cases) {
      const result = await call(app, who, method, '/v1/access-requests', body);
      expect(result.status, JSON.stringify(body)).toBe(status);
      expect(result.contentType).toBe('application/problem+json');
      expect(result.body.type).toBe(`urn:credvend:problem:${code}`);
    }
    const request = await open(p.alice, id, { ticket: 'INC-42' });
    const self = await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/approve`, {});
    expect([self.status, self.body.type]).toEqual([403, 'urn:credvend:problem:not-approver']);
    const stranger = await call(app, p.mallory, 'POST', `/v1/access-requests/${request.id}/approve`, {});
    expect([stranger.status, stranger.body.type]).toEqual([403, 'urn:credvend:problem:not-approver']);
    const badComment = await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {
      comment: 7,
    });
    expect(badComment.status).toBe(400);

    expect((await stored(request.id)).state).toBe('requested');
    expect(await grantRowExists(p.alice, request.id)).toBe(false);
    const events = await Promise.all(
      [p.alice, p.mallory, p.bob].map((who) => auditOfPrincipal(principalOf(who))),
    );
    const refusals = events.flat().filter((e) => e.outcome === 'denied');
    expect(refusals.filter((e) => e.action === 'access-request.create')).toHaveLength(cases.length);
    expect(
      refusals
        .filter((e) => e.action === 'access-request.approve' && e.accessRequestId === request.id)
        .map((e) => e.problemCode)
        .sort(),
    ).toEqual(['invalid-request', 'not-approver', 'not-approver']);
  });
});

describe('audit by request', () => {
  // Ending the grant writes its Deny on the role, which moto applies without its condition.
  afterEach(() => clearRevocations(stack().roles.deploy));

  it('lists every transition of one request through GET /v1/audit/events?accessRequest=', async () => {
    const p = people('alice', 'bob');
    const id = await putRequestable(app, {
      roleArn: stack().roles.deploy,
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    const request = await open(p.alice, id);
    await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, { comment: 'ok for today' });
    await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/revoke`, { comment: 'done early' });
    const response = await auditApp().request(`/v1/audit/events?accessRequest=${request.id}`, {
      headers: { authorization: `Bearer ${await devToken('auditor@example.com')}` },
    });
    expect(response.status).toBe(200);
    const { events } = await readWire(response, auditPageWire);
    expect(events.map((e) => [e.action, e.principal, e.reason]).reverse()).toEqual([
      ['access-request.create', principalOf(p.alice), 'investigate the billing incident'],
      ['access-request.approve', principalOf(p.bob), 'ok for today'],
      ['access-request.revoke', principalOf(p.alice), 'done early'],
      ['audit.revoke', principalOf(p.alice), undefined],
    ]);
    expect(await grantRowExists(p.alice, request.id)).toBe(false);
  });
});

describe('revoking a grant early', () => {
  beforeEach(() => clearRevocations(stack().roles.deploy));
  afterEach(() => clearRevocations(stack().roles.deploy));

  it('removes the grant and revokes the sessions issued under it, on record', async () => {
    const p = people('alice', 'bob');
    const id = await putRequestable(app, {
      roleArn: stack().roles.deploy,
      // credvend-deploy's trust policy requires it: without it AWS (and the IAM gate) refuse the AssumeRole.
      externalId: stack().externalId,
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    const request = await open(p.alice, id);
    await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {});
    const vend = await vendApp().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(p.alice)}` },
      body: JSON.stringify({ accountId: stack().targetAccountId, roleName: 'credvend-deploy' }),
    });
    expect(vend.status).toBe(200);
    const issued = await readWire(vend, credentialsResponseWire);
    await listBuckets(issued.credentials);

    const revoked = await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/revoke`, {
      comment: 'done',
    });
    expect(revoked.body.state).toBe('ended');
    await expect(listBuckets(issued.credentials)).rejects.toMatchObject({ name: 'AccessDenied' });
    const again = await vendApp().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(p.alice)}` },
      body: JSON.stringify({ accountId: stack().targetAccountId, roleName: 'credvend-deploy' }),
    });
    expect(again.status).toBe(403);
    const events = await auditOfAccessRequest(request.id);
    expect(events.find((e) => e.action === 'credentials.issue' && e.outcome === 'issued')).toMatchObject({
      accessKeyId: issued.credentials.accessKeyId,
    });
    expect(events.find((e) => e.action === 'audit.revoke')).toMatchObject({ outcome: 'applied' });
  });
});

describe('a scheduled start', () => {
  const vendAs = async (sub: string) =>
    vendApp().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(sub)}` },
      body: JSON.stringify({ accountId: stack().targetAccountId, roleName: 'credvend-readonly' }),
    });

  it('is stored and honoured: approved before it, nothing issues until it, and the grant runs from it', async () => {
    const p = people('alice', 'bob');
    // The requests function's clock runs 10 minutes behind the vend function's: a start 5
    // minutes after the first is already past for the second, with no waiting.
    const behind = new TestClock();
    behind.advance(-600);
    const early = requestsApp({ clock: behind });
    const id = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    const ask = (start: Date) =>
      call(early, p.alice, 'POST', '/v1/access-requests', {
        requestable: id,
        durationSeconds: 3600,
        reason: 'the planned migration window',
        start: start.toISOString(),
      });
    const later = new Date(Date.now() + 2 * 3600_000);
    const soon = new Date(behind.now().getTime() + 300_000);
    const [futureAsked, soonAsked] = [await ask(later), await ask(soon)];
    expect([futureAsked.status, soonAsked.status]).toEqual([201, 201]);
    const future = accessRequestWire.parse(futureAsked.body);
    const started = accessRequestWire.parse(soonAsked.body);
    expect([future.state, future.start]).toEqual(['requested', later.toISOString()]);

    // Approved long before its start: a grant from the start, for the hour asked, that issues nothing yet.
    const approved = await call(early, p.bob, 'POST', `/v1/access-requests/${future.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect((await stored(future.id)).grant).toEqual({
      entitlement: `grant-${future.id}`,
      start: later.toISOString(),
      end: new Date(later.getTime() + 3600_000).toISOString(),
    });
    expect(await grantRowExists(p.alice, future.id)).toBe(true);
    const refused = await vendAs(p.alice);
    expect(refused.status).toBe(403);

    // Approved before its start by the requests clock, past it by the vend clock: it issues.
    await call(early, p.bob, 'POST', `/v1/access-requests/${started.id}/approve`, {});
    expect((await stored(started.id)).grant?.start).toBe(soon.toISOString());
    const issued = await vendAs(p.alice);
    expect(issued.status).toBe(200);
    const { credentials } = await readWire(issued, credentialsResponseWire);
    // The session is cut at the grant's end, an hour from its start (not from the approval,
    // 5 minutes earlier); STS counts from its own receipt of the call, a moment later.
    expect(Math.abs(Date.parse(credentials.expiration) - (soon.getTime() + 3600_000))).toBeLessThan(10_000);
    const events = await auditOfAccessRequest(started.id);
    expect(events.find((e) => e.action === 'credentials.issue')).toMatchObject({ outcome: 'issued' });
  });

  it('refuses a start in the past, too far ahead, not an instant, or on break-glass: 400, nothing stored', async () => {
    const p = people('alice', 'bob');
    const audience = {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    };
    const id = await putRequestable(app, audience);
    const glass = await putRequestable(app, { ...audience, breakGlass: true });
    const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();
    for (const [requestable, start] of [
      [id, minutes(-5)],
      [id, minutes(31 * 24 * 60)],
      [id, 'tomorrow at nine'],
      [id, '2026-06-01T09:00:00'],
      [glass, minutes(60)],
    ]) {
      const answer = await call(app, p.alice, 'POST', '/v1/access-requests', {
        requestable,
        durationSeconds: 3600,
        reason: 'a start that does not fit',
        start,
      });
      expect([start, answer.status, answer.body.type]).toEqual([
        start,
        400,
        'urn:credvend:problem:invalid-request',
      ]);
    }
    const mine = await call(app, p.alice, 'GET', '/v1/access-requests?view=mine');
    expect(mine.body.accessRequests).toEqual([]);
  });
});

const SLACK_MS = 10_000;

describe('extending a grant', () => {
  /** Vends under alice's grant, asking for an hour: the grant's end caps what she gets. */
  async function vendUnderGrant(requester: string, grantId: string) {
    const response = await vendApp().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(requester)}` },
      body: JSON.stringify({ entitlement: `grant-${grantId}`, durationSeconds: 3600 }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    return readWire(response, credentialsResponseWire);
  }

  it('is approved like a request, never beyond the maximum; sessions issued after may run to the new end', async () => {
    const p = people('alice', 'bob', 'carol');
    const id = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
      maxGrantSeconds: 5400,
    });
    const request = await open(p.alice, id, { durationSeconds: 1800 });
    await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {});
    const oldEnd = Date.parse((await stored(request.id)).grant?.end ?? '');
    const before = await vendUnderGrant(p.alice, request.id);
    // The duration is planned in whole seconds to the grant's end; STS counts it from its own
    // call, a moment later on a busy machine: SLACK_MS of leeway, far below the extension.
    expect(Date.parse(before.expiration)).toBeLessThanOrEqual(oldEnd + SLACK_MS);

    // Beyond the maximum from the grant's start, by someone else, with no body: 4xx, nothing changes.
    const tooLong = await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/extend`, {
      durationSeconds: 3601,
      reason: 'the migration runs late',
    });
    expect([tooLong.status, tooLong.contentType, tooLong.body.type]).toEqual([
      400,
      'application/problem+json',
      expect.stringContaining('invalid-request'),
    ]);
    const byOther = await call(app, p.carol, 'POST', `/v1/access-requests/${request.id}/extend`, {
      durationSeconds: 600,
      reason: 'the migration runs late',
    });
    expect(byOther.status).toBe(403);
    const malformed = await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/extend`, '{"x":1}');
    expect(malformed.status).toBe(400);
    expect((await stored(request.id)).extension).toBeUndefined();

    const asked = await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/extend`, {
      durationSeconds: 1800,
      reason: 'the migration runs late',
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const pending = accessRequestWire.parse(asked.body);
    expect([pending.state, pending.extension?.state, Date.parse(pending.grant?.end ?? '')]).toEqual([
      'active',
      'requested',
      oldEnd,
    ]);
    const toApprove = await call(app, p.bob, 'GET', '/v1/access-requests?view=to-approve');
    expect(accessRequestListIds(toApprove.body)).toContain(request.id);
    const self = await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/extension/approve`, {});
    expect(self.status).toBe(403);

    const approved = await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/extension/approve`, {
      comment: 'one more half hour',
    });
    expect(approved.status).toBe(200);
    const extended = accessRequestWire.parse(approved.body);
    const newEnd = Date.parse(extended.grant?.end ?? '');
    expect(newEnd - oldEnd).toBe(1_800_000);
    expect(extended.extension?.state).toBe('approved');
    expect(await grantRowEnd(p.alice, request.id)).toBe(new Date(newEnd).toISOString());
    const after = await vendUnderGrant(p.alice, request.id);
    expect(Date.parse(after.expiration)).toBeGreaterThan(oldEnd + 1_000_000);
    expect(Date.parse(after.expiration)).toBeLessThanOrEqual(newEnd + SLACK_MS);

    // Refused: 1801 s more would pass the 90 minutes from the grant's start; the grant stays as it is.
    const beyond = await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/extend`, {
      durationSeconds: 1801,
      reason: 'and more',
    });
    expect(beyond.status).toBe(400);
    const events = await auditOfAccessRequest(request.id);
    const extensionSteps = events
      .filter((e) => e.action === 'access-request.extend' || e.detail?.startsWith('extended'))
      .sort((a, b) => a.time.localeCompare(b.time))
      .map((e) => [e.action, e.outcome, e.principal, e.expiration]);
    expect(extensionSteps).toEqual([
      ['access-request.extend', 'denied', principalOf(p.alice), undefined],
      ['access-request.extend', 'denied', principalOf(p.carol), undefined],
      ['access-request.extend', 'denied', principalOf(p.alice), undefined],
      ['access-request.extend', 'applied', principalOf(p.alice), new Date(oldEnd).toISOString()],
      ['access-request.approve', 'applied', principalOf(p.bob), new Date(newEnd).toISOString()],
      ['access-request.extend', 'denied', principalOf(p.alice), undefined],
    ]);
  });

  it('a denied extension changes nothing of the grant or its entitlement row', async () => {
    const p = people('alice', 'bob');
    const id = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    const request = await open(p.alice, id);
    await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {});
    const grant = (await stored(request.id)).grant;
    await call(app, p.alice, 'POST', `/v1/access-requests/${request.id}/extend`, {
      durationSeconds: 600,
      reason: 'a little longer',
    });
    const denied = await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/extension/deny`, {
      comment: 'not today',
    });
    expect(denied.status).toBe(200);
    const after = await stored(request.id);
    expect([after.grant, after.extension?.state, after.extension?.denial?.comment]).toEqual([
      grant,
      'denied',
      'not today',
    ]);
    expect(await grantRowEnd(p.alice, request.id)).toBe(grant?.end);
  });
});

function accessRequestListIds(body: Record<string, unknown>): unknown[] {
  const list = body.accessRequests;
  return Array.isArray(list) ? list.map((r: { id?: unknown }) => r.id) : [];
}

/** The grant entitlement row's notAfter as stored. */
async function grantRowEnd(requester: string, requestId: string): Promise<string | undefined> {
  const output = await dynamodb().send(
    new GetItemCommand({
      TableName: stack().credvendEnv.CREDVEND_ENTITLEMENTS_TABLE,
      Key: {
        subject: { S: `oidc|${stack().issuer}|${requester}` },
        entitlementId: { S: `grant-${requestId}` },
      },
      ConsistentRead: true,
    }),
  );
  return output.Item?.notAfter?.S;
}
