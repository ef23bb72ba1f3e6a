import { beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../../src/compose/composition.js';
import { createReviewDeadlineJob } from '../../src/compose/review-deadlines.js';
import { loadConfig } from '../../src/config.js';
import { problemWire } from '../../src/wire/problem.js';
import {
  reviewDetailWire,
  reviewItemWire,
  reviewListWire,
  reviewWire,
  unusedAccessWire,
} from '../../src/wire/reviews.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  adminApp,
  auditOfPrincipal,
  devToken,
  oidcPrincipal,
  stack,
  testRuntime,
  vendApp,
} from './support.js';

/** GET /v1/reviews/unused against the local stack: the admin function's own role reads the audit's account index. */
describe('unused-access report', () => {
  const admin = adminApp();
  const vend = vendApp();
  const run = Date.now();
  const id = `unused-${run}`;
  const dave = `dave-${run}@example.com`;
  let adminToken: string;

  const report = async () => {
    const response = await admin.request(`/v1/reviews/unused?days=30&accountId=${stack().targetAccountId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    return readWire(response, unusedAccessWire);
  };

  beforeAll(async () => {
    adminToken = await devToken('admin@example.com');
    const put = await admin.request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: dave } },
        accountId: stack().targetAccountId,
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(put.status).toBe(201);
  });

  it('lists a standing entitlement nobody used, with who added it and when; once used it is gone', async () => {
    const before = await report();
    const row = before.entitlements.find((e) => e.id === id);
    expect(row).toMatchObject({
      subject: { oidc: { issuer: stack().issuer, sub: dave } },
      subjectKind: 'principal',
      issuancesInDays: 0,
      issuancesIn90Days: 0,
      added: { by: oidcPrincipal('admin@example.com') },
    });
    expect(row?.lastIssuance).toBeUndefined();
    expect(before.partialAccounts).toEqual([]);

    const issued = await vend.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(dave)}` },
      body: JSON.stringify({ entitlement: id }),
    });
    expect(issued.status).toBe(200);

    const after = await report();
    expect(after.entitlements.map((e) => e.id)).not.toContain(id);
    // The evidence of every standing row names who used it.
    const evidence = await admin.request(`/v1/reviews/evidence?accountId=${stack().targetAccountId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(evidence.status).toBe(200);
    const used = (await readWire(evidence, unusedAccessWire)).entitlements.find((e) => e.id === id);
    expect(used).toMatchObject({
      issuancesInDays: 1,
      issuancesIn90Days: 1,
      callers: [{ principal: oidcPrincipal(dave), name: dave, issuances: 1 }],
    });
  });
});

/**
 * Review campaigns against the local stack, on the admin function's own role (open, decide,
 * close) and the reviews function's own role (the deadline default), both through the IAM gate.
 */
describe('access review campaigns', () => {
  const admin = adminApp();
  const run = Date.now();
  const role = () => `arn:aws:iam::${stack().targetAccountId}:role/review-${run}`;
  const rita = `rita-${run}@example.com`;
  const ralph = `ralph-${run}@example.com`;
  const tokens = new Map<string, string>();
  const token = async (sub: string) => {
    const held = tokens.get(sub) ?? (await devToken(sub));
    tokens.set(sub, held);
    return held;
  };
  const call = async (sub: string, path: string, init: RequestInit = {}) =>
    admin.request(path, {
      ...init,
      headers: { authorization: `Bearer ${await token(sub)}`, ...init.headers },
    });
  const putRow = async (id: string, sub: string) => {
    const put = await call('admin@example.com', `/v1/entitlements/${id}`, {
      method: 'PUT',
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub } },
        accountId: stack().targetAccountId,
        roleArn: role(),
        maxDurationSeconds: 900,
      }),
    });
    expect(put.status).toBe(201);
  };
  const open = (sub: string, body: unknown) =>
    call(sub, '/v1/reviews', { method: 'POST', body: JSON.stringify(body) });
  const decide = (sub: string, reviewId: string, item: string, body: unknown, ifMatch?: string) =>
    call(sub, `/v1/reviews/${reviewId}/items/${item}`, {
      method: 'POST',
      body: JSON.stringify(body),
      ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
    });

  beforeAll(async () => {
    await putRow(`rev-rita-${run}`, rita);
    await putRow(`rev-dave-${run}`, `dave-${run}@example.com`);
  });

  it('admins open; named reviewers decide, never their own access; a removal and a time box apply at once, audited', async () => {
    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    const body = {
      scope: { kind: 'role', roleArn: role() },
      reviewers: [oidcPrincipal(rita), oidcPrincipal(ralph)],
      deadline,
      deadlineDefault: 'remove',
    };
    // Not an admin: 403 before the body is read; a bad body: 400 naming each problem.
    expect((await open(rita, body)).status).toBe(403);
    const bad = await open('admin@example.com', { ...body, reviewers: ['nobody'], deadline: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await readWire(bad, problemWire)).type).toBe('urn:credvend:problem:invalid-request');
    const opened = await open('admin@example.com', body);
    expect(opened.status).toBe(201);
    const review = await readWire(opened, reviewWire);
    expect(review).toMatchObject({ state: 'open', items: 2, openedBy: oidcPrincipal('admin@example.com') });

    // Reviewers list and read it; anyone else is refused.
    const listed = await readWire(await call(rita, '/v1/reviews'), reviewListWire);
    expect(listed.reviews.map((r) => r.id)).toContain(review.id);
    expect((await call(`mallory-${run}@example.com`, `/v1/reviews/${review.id}`)).status).toBe(403);
    const shown = await readWire(await call(ralph, `/v1/reviews/${review.id}`), reviewDetailWire);
    expect(shown.items.map((i) => i.entitlementId).sort()).toEqual([`rev-dave-${run}`, `rev-rita-${run}`]);
    expect(shown.items[0]?.evidence).toMatchObject({ added: { by: oidcPrincipal('admin@example.com') } });

    // Rita may not certify her own access; bad decisions change nothing.
    const own = await decide(rita, review.id, `rev-rita-${run}`, { decision: 'keep' });
    expect(own.status).toBe(403);
    expect((await decide(ralph, review.id, `rev-rita-${run}`, { decision: 'keep-until' })).status).toBe(400);
    expect((await decide(ralph, review.id, `rev-rita-${run}`, { decision: 'nope' })).status).toBe(400);
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const boxed = await decide(
      ralph,
      review.id,
      `rev-rita-${run}`,
      { decision: 'keep-until', until },
      '"v1"',
    );
    expect(boxed.status).toBe(200);
    expect((await readWire(boxed, reviewItemWire)).decision).toMatchObject({
      outcome: 'applied',
      by: oidcPrincipal(ralph),
    });
    const kept = await call('admin@example.com', `/v1/entitlements/rev-rita-${run}`);
    expect(kept.headers.get('etag')).toBe('"v2"');
    expect(await kept.json()).toMatchObject({ notAfter: until });

    const removed = await decide(rita, review.id, `rev-dave-${run}`, { decision: 'remove', note: 'left' });
    expect(removed.status).toBe(200);
    expect((await call('admin@example.com', `/v1/entitlements/rev-dave-${run}`)).status).toBe(404);
    const trail = await auditOfPrincipal(oidcPrincipal(rita));
    expect(
      trail.filter((e) => e.entitlementId === `rev-dave-${run}`).map((e) => [e.action, e.outcome, e.reason]),
    ).toEqual(
      expect.arrayContaining([
        ['review.decide', 'applied', `review ${review.id}: remove (left)`],
        ['entitlement.delete', 'applied', `review ${review.id}: remove`],
      ]),
    );
    expect(trail.filter((e) => e.action === 'review.decide' && e.outcome === 'denied')).toHaveLength(1);
  });

  it('at the deadline the reviews function applies the default to undecided items, once, and closes the review', async () => {
    const id = `rev-carol-${run}`;
    await putRow(id, `carol-${run}@example.com`);
    const deadline = new Date(Date.now() + 3_600_000);
    const review = await readWire(
      await open('admin@example.com', {
        scope: { kind: 'subject', subject: `oidc|${stack().issuer}|carol-${run}@example.com` },
        reviewers: [oidcPrincipal(ralph)],
        deadline: deadline.toISOString(),
        deadlineDefault: 'remove',
      }),
      reviewWire,
    );
    const later = { now: () => new Date(deadline.getTime() + 1000) };
    const root = compose(
      loadConfig({ ...stack().credvendEnv, CREDVEND_LOG_LEVEL: 'silent' }),
      testRuntime('198.51.100.21', 'reviews'),
    );
    const job = createReviewDeadlineJob(root, later);
    expect((await job()).closed).toContain(review.id);
    expect((await job()).closed).not.toContain(review.id);
    expect((await call('admin@example.com', `/v1/entitlements/${id}`)).status).toBe(404);
    const closed = await readWire(
      await call('admin@example.com', `/v1/reviews/${review.id}`),
      reviewDetailWire,
    );
    expect(closed.review.state).toBe('closed');
    expect(closed.items[0]?.decision).toMatchObject({
      decision: 'remove',
      byDefault: true,
      outcome: 'applied',
    });
    // After the deadline nobody decides.
    expect((await decide(ralph, review.id, id, { decision: 'keep' })).status).toBe(409);
  });
});
