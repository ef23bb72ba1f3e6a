import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRequestWire } from '../../src/wire/access-requests.js';
import {
  type OnCallStandIn,
  OPSGENIE_KEY,
  PAGERDUTY_KEY,
  startOnCallStandIn,
} from '../fixtures/on-call-stand-in.js';
import {
  call,
  people,
  principalOf,
  putRequestable,
  type RequestsApp,
  requestsApp,
} from './access-request-support.js';
import { auditOfAccessRequest, putSecret } from './support.js';

const HOUR = 3_600_000;

describe('on-call approval against a PagerDuty and Opsgenie stand-in', () => {
  const p = people('alice', 'bob', 'carol');
  let stand: OnCallStandIn;
  let app: RequestsApp;

  beforeAll(async () => {
    stand = await startOnCallStandIn();
    app = requestsApp({
      env: {
        // The keys live in Secrets Manager (moto), read by the requests role at run time.
        CREDVEND_PAGERDUTY_TOKEN_SECRET_ID: await putSecret('pagerduty', PAGERDUTY_KEY),
        CREDVEND_PAGERDUTY_API_URL: `${stand.url}/pd/`,
        CREDVEND_OPSGENIE_KEY_SECRET_ID: await putSecret('opsgenie', OPSGENIE_KEY),
        CREDVEND_OPSGENIE_API_URL: `${stand.url}/og`,
        CREDVEND_ONCALL_TIMEOUT_MS: '300',
      },
    });
  });
  afterAll(() => stand.close());

  /** A requestable for alice and carol, approved by bob, whose on-call rule names this schedule. */
  const onCallAccess = (provider: 'pagerduty' | 'opsgenie', scheduleId: string) =>
    putRequestable(app, {
      requesters: { principals: [principalOf(p.alice), principalOf(p.carol)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
      maxGrantSeconds: 4 * 3600,
      onCall: { provider, scheduleId },
    });

  const open = async (who: string, requestable: string, durationSeconds: number) => {
    const created = await call(app, who, 'POST', '/v1/access-requests', {
      requestable,
      durationSeconds,
      reason: 'paged: checkout latency',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return accessRequestWire.parse(created.body);
  };

  const createdRecord = async (id: string) =>
    (await auditOfAccessRequest(id)).find(
      (e) => e.action === 'access-request.create' && e.outcome === 'applied',
    );

  it('PagerDuty: grants whoever is on call now, until the shift ends, audited with schedule and end', async () => {
    // Prepare: alice's shift started an hour ago and ends in 90 minutes; carol is on later.
    const now = Date.now();
    const end = new Date(now + 1.5 * HOUR);
    stand.shifts.set('PLATFORM1', [
      { email: p.alice, start: new Date(now - HOUR), end },
      { email: p.carol, start: end, end: new Date(now + 9 * HOUR) },
    ]);
    const requestable = await onCallAccess('pagerduty', 'PLATFORM1');

    // Act: alice asks for two hours, carol for one.
    const alice = await open(p.alice, requestable, 7200);
    const carol = await open(p.carol, requestable, 3600);

    // Assess: alice is granted to her shift's end (never past it), carol waits for bob.
    expect(alice.state).toBe('active');
    const grantEnd = new Date(alice.grant?.end ?? 0).getTime();
    expect(grantEnd).toBeLessThanOrEqual(end.getTime());
    expect(end.getTime() - grantEnd).toBeLessThan(1000);
    expect(alice.approvals).toEqual([
      expect.objectContaining({ principal: 'credvend:on-call', via: 'auto' }),
    ]);
    expect(carol.state).toBe('requested');
    const record = await createdRecord(alice.id);
    expect(record?.detail).toBe(
      `auto-approved; now active; on call in pagerduty schedule PLATFORM1 until ${end.toISOString()}`,
    );
    expect(record?.expiration).toBe(alice.grant?.end);
    expect((await createdRecord(carol.id))?.detail).toBe(
      'requested; now requested; not on call in pagerduty schedule PLATFORM1; approval by people',
    );
    // The documented request: the key in PagerDuty's header, the schedule and window in the query.
    const asked = stand.seen.filter((s) => s.path.includes('PLATFORM1'));
    expect(asked.map((s) => s.authorization)).toEqual([
      `Token token=${PAGERDUTY_KEY}`,
      `Token token=${PAGERDUTY_KEY}`,
    ]);
    expect(asked[0]?.path).toMatch(/^\/pd\/oncalls\?schedule_ids%5B%5D=PLATFORM1&include%5B%5D=users&since=/);
  });

  it('Opsgenie: grants a user on call in a nested escalation for what they asked, shorter than the shift', async () => {
    const now = Date.now();
    const scheduleId = 'd5e6f7a8-1b2c-4d3e-8f9a-0b1c2d3e4f5a';
    stand.shifts.set(scheduleId, [
      { email: p.alice, start: new Date(now - HOUR), end: new Date(now + 3 * HOUR) },
    ]);
    const requestable = await onCallAccess('opsgenie', scheduleId);

    const alice = await open(p.alice, requestable, 3600);

    expect(alice.state).toBe('active');
    expect(alice.durationSeconds).toBe(3600);
    const asked = stand.seen.filter((s) => s.path.includes(scheduleId));
    expect(asked.map((s) => s.path.split('?')[0])).toEqual([
      `/og/v2/schedules/${scheduleId}/on-calls`,
      `/og/v2/schedules/${scheduleId}/timeline`,
    ]);
    expect(asked.every((s) => s.authorization === `GenieKey ${OPSGENIE_KEY}`)).toBe(true);
    expect(asked[0]?.path).toContain('flat=false&date=');
  });

  it.each([
    ['pagerduty', 'slow-PLATFORM', 'PagerDuty did not answer (TimeoutError)'],
    ['opsgenie', 'down-7b0e', 'Opsgenie answered 503'],
    ['pagerduty', 'odd-PLATFORM', 'PagerDuty answered an unexpected shape'],
  ] as const)('%s %s: a lookup that fails never approves; the request goes to the approvers, audited', async (provider, scheduleId, problem) => {
    // Prepare: the stand-in fails for this schedule, whoever is on call.
    const requestable = await onCallAccess(provider, scheduleId);

    // Act
    const request = await open(p.alice, requestable, 3600);
    const approved = await call(app, p.bob, 'POST', `/v1/access-requests/${request.id}/approve`, {});

    // Assess: pending until bob approved it; the finding audited, no key anywhere in the record.
    expect(request.state).toBe('requested');
    expect(approved.body.state).toBe('active');
    const records = await auditOfAccessRequest(request.id);
    expect(records.find((e) => e.action === 'access-request.create')?.detail).toBe(
      `requested; now requested; on-call lookup in ${provider} schedule ${scheduleId} failed (${problem}); approval by people`,
    );
    const text = JSON.stringify(records);
    expect(text).not.toContain(PAGERDUTY_KEY);
    expect(text).not.toContain(OPSGENIE_KEY);
  });
});
