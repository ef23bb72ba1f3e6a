import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { compose } from '../../src/compose/composition.js';
import { createFollowUpJob } from '../../src/compose/follow-ups.js';
import { loadConfig } from '../../src/config.js';
import { accessRequestWire } from '../../src/wire/access-requests.js';
import {
  call,
  people,
  principalOf,
  putRequestable,
  type RequestsApp,
  requestsApp,
  TestClock,
} from './access-request-support.js';
import { putSecret, stack, testRuntime } from './support.js';

const MIN = 60;
const notice = z.object({ type: z.string(), request: z.object({ id: z.string() }) });

/** A webhook receiver on 127.0.0.1 keeping each notice's type and request id. */
async function webhookRecorder() {
  const received: Array<z.infer<typeof notice>> = [];
  const app = new Hono();
  app.post('/hook', async (c) => {
    received.push(notice.parse(await c.req.json()));
    return c.body(null, 204);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    typesFor: (id: string) => received.filter((n) => n.request.id === id).map((n) => n.type),
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('follow-ups: the reminders function under its own role, against the local stack', () => {
  const p = people('alice', 'bob', 'erin');
  const clock = new TestClock();
  let hook: Awaited<ReturnType<typeof webhookRecorder>>;
  let app: RequestsApp;
  let job: ReturnType<typeof createFollowUpJob>;

  beforeAll(async () => {
    hook = await webhookRecorder();
    const env = {
      CREDVEND_WEBHOOK_URL: hook.url,
      CREDVEND_WEBHOOK_SECRET_ID: await putSecret('webhook', 'w'.repeat(40)),
    };
    app = requestsApp({ clock, env });
    // The job as the scheduled Lambda runs it: the reminders role, the same sinks.
    const config = loadConfig({ ...stack().credvendEnv, ...env });
    job = createFollowUpJob(compose(config, testRuntime('198.51.100.12', 'reminders')), clock);
  });
  afterAll(() => hook.close());

  it('reminds, escalates (the second approvers may then decide) and warns before the end, each once', async () => {
    // Prepare
    const requestable = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
      answerWithinSeconds: 4 * 3600,
      remindAfterSeconds: 30 * MIN,
      escalation: { afterSeconds: 60 * MIN, approvers: { principals: [principalOf(p.erin)], groups: [] } },
      endingNoticeSeconds: 15 * MIN,
    });
    const created = await call(app, p.alice, 'POST', '/v1/access-requests', {
      requestable,
      durationSeconds: 3600,
      reason: 'rotate the payments database password',
    });
    const request = accessRequestWire.parse(created.body);
    const followUps = () => hook.typesFor(request.id).filter((t) => t !== 'access-request.requested');

    // Act / Assess: before the escalation erin may not decide.
    await job();
    expect(followUps()).toEqual([]);
    clock.advance(31 * MIN);
    await job();
    await job();
    expect(followUps()).toEqual(['access-request.reminder']);
    expect((await call(app, p.erin, 'POST', `/v1/access-requests/${request.id}/approve`, {})).status).toBe(
      403,
    );

    clock.advance(30 * MIN);
    await job();
    expect(followUps()).toEqual(['access-request.reminder', 'access-request.escalated']);
    const approved = await call(app, p.erin, 'POST', `/v1/access-requests/${request.id}/approve`, {});
    expect(approved.body.state).toBe('active');

    clock.advance(46 * MIN);
    await job();
    await job();
    expect(followUps()).toEqual([
      'access-request.reminder',
      'access-request.escalated',
      'access-request.approved',
      'access-request.grant-ending',
    ]);
  });
});
