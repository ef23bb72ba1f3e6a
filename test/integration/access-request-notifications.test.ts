import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRequestListWire, accessRequestWire } from '../../src/wire/access-requests.js';
import { call, people, principalOf, putRequestable, requestsApp } from './access-request-support.js';
import { auditOfAccessRequest, putSecret } from './support.js';

const WEBHOOK_SECRET = 'w'.repeat(40);
const SIGNING_SECRET = 's'.repeat(32);
const SLACK_TOKEN = 'xoxb-test-token';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A local HTTP server that records what it receives and answers with `status`. */
async function recorder(answer: (path: string) => { status: number; json: unknown }) {
  const received: Received[] = [];
  const app = new Hono();
  app.post('*', async (c) => {
    received.push({
      path: c.req.path,
      headers: Object.fromEntries(c.req.raw.headers),
      body: await c.req.text(),
    });
    const { status, json } = answer(c.req.path);
    return c.json(json as Record<string, unknown>, status as 200);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A webhook receiver written from the just-in-time guide's scheme alone: HMAC-SHA256 under the shared
 * secret over `<timestamp>.<body>`, sent as `v1=<hex>`, refused outside a 5-minute window.
 */
function verifiedByReceiver(message: Received, nowSeconds = Date.now() / 1000): boolean {
  const timestamp = message.headers['x-credvend-timestamp'] ?? '';
  const signature = message.headers['x-credvend-signature'] ?? '';
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = `v1=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${message.body}`).digest('hex')}`;
  return (
    expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
  );
}

/** Slack's blocks as chat.postMessage received them (form-encoded by the Slack client, or JSON). */
function slackMessage(message: Received): {
  channel: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
} {
  if ((message.headers['content-type'] ?? '').includes('json')) return JSON.parse(message.body);
  const form = new URLSearchParams(message.body);
  return {
    channel: form.get('channel') ?? '',
    text: form.get('text') ?? '',
    blocks: JSON.parse(form.get('blocks') ?? '[]'),
  };
}

function slackSigned(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

const TEAM = 'T0WORKSPACE';
const APP = 'A0CREDVEND';

function interaction(
  slackUser: string,
  action: 'credvend.approve' | 'credvend.deny',
  requestId: string,
  from: { team: string; app: string } = { team: TEAM, app: APP },
): string {
  const payload = {
    type: 'block_actions',
    team: { id: from.team, domain: 'example' },
    api_app_id: from.app,
    user: { id: slackUser },
    actions: [{ action_id: action, value: requestId, type: 'button' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('notifications, Slack and break-glass', () => {
  const p = people('alice', 'bob');
  let slack: Awaited<ReturnType<typeof recorder>>;
  let webhook: Awaited<ReturnType<typeof recorder>>;
  let failing: Awaited<ReturnType<typeof recorder>>;
  let app: ReturnType<typeof requestsApp>;
  let requestable: string;
  let webhookSecretId: string;

  beforeAll(async () => {
    slack = await recorder(() => ({ status: 200, json: { ok: true, channel: 'C1', ts: '1.2' } }));
    webhook = await recorder(() => ({ status: 204, json: {} }));
    failing = await recorder(() => ({ status: 500, json: {} }));
    webhookSecretId = await putSecret('webhook', WEBHOOK_SECRET);
    app = requestsApp({
      env: {
        CREDVEND_SLACK_TOKEN_SECRET_ID: await putSecret('slack-token', SLACK_TOKEN),
        CREDVEND_SLACK_CHANNEL: 'C0APPROVALS',
        CREDVEND_SLACK_API_URL: `${slack.url}/api/`,
        CREDVEND_SLACK_SIGNING_SECRET_ID: await putSecret('slack-signing', SIGNING_SECRET),
        CREDVEND_SLACK_TEAM_ID: TEAM,
        CREDVEND_SLACK_APP_ID: APP,
        CREDVEND_SLACK_USERS: `U0BOB=${principalOf(p.bob)},U0ALICE=${principalOf(p.alice)}`,
        CREDVEND_WEBHOOK_URL: `${webhook.url}/hook`,
        CREDVEND_WEBHOOK_SECRET_ID: webhookSecretId,
      },
    });
    requestable = await putRequestable(app, {
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
  });

  afterAll(async () => {
    await Promise.all([slack.close(), webhook.close(), failing.close()]);
  });

  const open = async (id = requestable) => {
    const created = await call(app, p.alice, 'POST', '/v1/access-requests', {
      requestable: id,
      durationSeconds: 3600,
      reason: 'restart the stuck workers',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return accessRequestWire.parse(created.body);
  };

  it('posts to Slack with Approve/Deny buttons and signs the webhook as documented', async () => {
    const request = await open();
    const posted = slack.received.filter((m) => m.path === '/api/chat.postMessage').map(slackMessage);
    const mine = posted.find((m) => m.text.includes(request.id));
    expect(mine?.channel).toBe('C0APPROVALS');
    const actions = mine?.blocks.find((b) => b.type === 'actions') as {
      elements: Array<Record<string, unknown>>;
    };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      ['credvend.approve', request.id],
      ['credvend.deny', request.id],
    ]);
    expect(slack.received.at(-1)?.headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    const hook = webhook.received.find((m) => m.body.includes(request.id));
    expect(hook && verifiedByReceiver(hook)).toBe(true);
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ type: 'access-request.requested', urgent: false });
    // A tampered body, or the same delivery replayed later, fails the receiver's check.
    expect(verifiedByReceiver({ ...(hook as Received), body: `${hook?.body} ` })).toBe(false);
    expect(verifiedByReceiver(hook as Received, Date.now() / 1000 + 301)).toBe(false);
  });

  it('approves from a correctly signed Slack interaction, recording the Slack user mapping', async () => {
    const request = await open();
    const body = interaction('U0BOB', 'credvend.approve', request.id);
    const response = await app.request('/v1/slack/interactions', {
      method: 'POST',
      headers: slackSigned(body),
      body,
    });
    expect(response.status).toBe(200);
    const state = await call(app, 'admin@example.com', 'GET', `/v1/access-requests/${request.id}`);
    expect(state.body.state).toBe('active');
    const record = (await auditOfAccessRequest(request.id)).find(
      (e) => e.action === 'access-request.approve',
    );
    expect(record).toMatchObject({
      outcome: 'applied',
      principal: principalOf(p.bob),
      authMethod: 'slack',
      slackUserId: 'U0BOB',
    });
  });

  it('refuses forged, stale and unmapped Slack interactions, and the requester mapped from Slack', async () => {
    const request = await open();
    const body = interaction('U0BOB', 'credvend.approve', request.id);
    const post = (headers: Record<string, string>, text = body) =>
      app.request('/v1/slack/interactions', { method: 'POST', headers, body: text });
    expect((await post(slackSigned(body, 'x'.repeat(32)))).status).toBe(401);
    expect((await post(slackSigned(body, SIGNING_SECRET, Math.floor(Date.now() / 1000) - 301))).status).toBe(
      401,
    );
    expect((await post({ ...slackSigned(body), 'x-slack-signature': 'v0=00' })).status).toBe(401);
    const unknown = interaction('U0EVE', 'credvend.approve', request.id);
    const refused = await post(slackSigned(unknown), unknown);
    expect([refused.status, refused.headers.get('content-type')]).toEqual([401, 'application/problem+json']);
    const self = interaction('U0ALICE', 'credvend.approve', request.id);
    expect((await post(slackSigned(self), self)).status).toBe(403);
    // Bob's user id, correctly signed, but from another workspace or another app of the secret.
    for (const from of [
      { team: 'T0ELSEWHERE', app: APP },
      { team: TEAM, app: 'A0OTHERAPP' },
    ]) {
      const foreign = interaction('U0BOB', 'credvend.approve', request.id, from);
      expect((await post(slackSigned(foreign), foreign)).status, JSON.stringify(from)).toBe(401);
    }

    const state = await call(app, 'admin@example.com', 'GET', `/v1/access-requests/${request.id}`);
    expect(state.body.state).toBe('requested');
    const refusals = (await auditOfAccessRequest(request.id)).filter(
      (e) => e.action === 'access-request.approve',
    );
    expect(refusals.map((e) => [e.slackUserId, e.outcome, e.problemCode]).sort()).toEqual([
      ['U0ALICE', 'denied', 'not-approver'],
      ['U0BOB', 'denied', 'unauthenticated'],
      ['U0BOB', 'denied', 'unauthenticated'],
      ['U0EVE', 'denied', 'unauthenticated'],
    ]);
  });

  it('never lets a failing sink block or undo a transition: retried, bounded, recorded', async () => {
    const flaky = requestsApp({
      env: {
        CREDVEND_WEBHOOK_URL: `${failing.url}/hook`,
        CREDVEND_WEBHOOK_SECRET_ID: webhookSecretId,
        CREDVEND_NOTIFY_ATTEMPTS: '3',
        CREDVEND_NOTIFY_BACKOFF_MS: '10',
      },
    });
    const created = await call(flaky, p.alice, 'POST', '/v1/access-requests', {
      requestable,
      durationSeconds: 3600,
      reason: 'while the webhook is down',
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(failing.received.filter((m) => m.body.includes(id))).toHaveLength(3);
    const recorded = (await auditOfAccessRequest(id)).filter((e) => e.action === 'access-request.notify');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ outcome: 'error' });
    expect(recorded[0]?.detail).toContain('webhook');
  });

  it('break-glass: granted at once with a mandatory reason, announced loudly, then reviewed', async () => {
    const glass = await putRequestable(app, {
      breakGlass: true,
      maxGrantSeconds: 3600,
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    const noReason = await call(app, p.alice, 'POST', '/v1/access-requests', {
      requestable: glass,
      durationSeconds: 1800,
      reason: '',
    });
    expect(noReason.status).toBe(400);
    const tooLong = await call(app, p.alice, 'POST', '/v1/access-requests', {
      requestable: glass,
      durationSeconds: 3601,
      reason: 'prod is down',
    });
    expect(tooLong.status).toBe(400);

    const created = await call(app, p.alice, 'POST', '/v1/access-requests', {
      requestable: glass,
      durationSeconds: 1800,
      reason: 'prod is down, paging did not reach anyone',
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(created.body).toMatchObject({ state: 'active', breakGlass: true, reviewRequired: true });
    const loud = slack.received.map(slackMessage).find((m) => m.text.includes(id));
    expect(JSON.stringify(loud?.blocks)).toContain('<!channel>');
    const hook = webhook.received.find((m) => m.body.includes(id));
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
      type: 'access-request.break-glass',
      urgent: true,
    });

    const listed = await call(app, p.bob, 'GET', '/v1/access-requests?view=needs-review');
    expect(accessRequestListWire.parse(listed.body).accessRequests.map((r) => r.id)).toContain(id);
    const selfReview = await call(app, p.alice, 'POST', `/v1/access-requests/${id}/review`, {
      comment: 'fine',
    });
    expect(selfReview.status).toBe(403);
    const reviewed = await call(app, p.bob, 'POST', `/v1/access-requests/${id}/review`, {
      comment: 'justified: incident 311',
    });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.review).toMatchObject({
      principal: principalOf(p.bob),
      comment: 'justified: incident 311',
    });
    const after = await call(app, p.bob, 'GET', '/v1/access-requests?view=needs-review');
    expect(accessRequestListWire.parse(after.body).accessRequests.map((r) => r.id)).not.toContain(id);
  });
});
