import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { expiryOf } from '../../src/aws/audit-items.js';
import { DynamoDbAuditExportSource } from '../../src/aws/dynamodb-audit-export.js';
import { adminEntitlementListWire } from '../../src/wire/entitlements.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  adminApp,
  auditOfPrincipal,
  auditOfRequest,
  auditTable,
  devToken,
  dynamodb,
  oidcPrincipal,
  stack,
  vendApp,
} from './support.js';

describe('entitlement admin API', () => {
  const admin = adminApp();
  const vend = vendApp();
  const id = `carol-readonly-${Date.now()}`;
  const carol = `carol-${Date.now()}@example.com`;
  let adminToken: string;
  let carolToken: string;

  const body = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      subject: { oidc: { issuer: stack().issuer, sub: carol } },
      accountId: '222222222222',
      roleArn: stack().roles.readonly,
      maxDurationSeconds: 1800,
      tags: { team: 'data' },
      externalId: 'carol-external-id',
      description: 'carol reads the demo account',
      ...overrides,
    });

  const put = (payload: string, headers: Record<string, string> = {}, token = adminToken) =>
    admin.request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: payload,
    });

  const vendAsCarol = () =>
    vend.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${carolToken}` },
      body: JSON.stringify({ entitlement: id }),
    });

  beforeAll(async () => {
    adminToken = await devToken('admin@example.com');
    carolToken = await devToken(carol);
  });

  it('refuses a caller without the admin role, and audits the attempt', async () => {
    const response = await put(body(), {}, await devToken('alice@example.com'));
    expect(response.status).toBe(403);
    const problem = await readWire(response, problemWire);
    const [event] = await auditOfRequest(oidcPrincipal('alice@example.com'), problem.requestId);
    expect(event).toMatchObject({ action: 'entitlement.put', outcome: 'denied', problemCode: 'forbidden' });
  });

  it.each([
    ['an invalid body', 'PUT', `/v1/entitlements/x`, '{"subject": 7}'],
    ['malformed JSON', 'PUT', `/v1/entitlements/x`, '{'],
    ['an invalid id', 'DELETE', '/v1/entitlements/mine', undefined],
    ['an invalid revocation id', 'POST', '/v1/audit/events/not-an-id/revoke', undefined],
  ])('refuses a non-admin sending %s with the audited 403, before validating it', async (_, method, path, payload) => {
    const response = await admin.request(path, {
      method,
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      ...(payload === undefined ? {} : { body: payload }),
    });
    expect(response.status).toBe(403);
    const problem = await readWire(response, problemWire);
    const [event] = await auditOfRequest(oidcPrincipal('alice@example.com'), problem.requestId);
    expect(event).toMatchObject({ outcome: 'denied', problemCode: 'forbidden' });
  });

  it('creates an entitlement that takes effect at once, audited with its content', async () => {
    expect((await vendAsCarol()).status).toBe(403);

    const created = await put(body());
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"v1"');
    expect((await vendAsCarol()).status).toBe(200);

    const events = await auditOfPrincipal(oidcPrincipal('admin@example.com'));
    const change = events.find((e) => e.action === 'entitlement.put' && e.entitlementId === id);
    expect(change?.outcome).toBe('applied');
    const recorded = z
      .object({ before: z.unknown(), after: z.object({ version: z.number(), externalId: z.string() }) })
      .parse(JSON.parse(change?.change ?? '{}'));
    expect(recorded.before).toBeNull();
    expect(recorded.after).toMatchObject({ version: 1, externalId: '(set)' });
    expect(change?.change).not.toContain('carol-external-id');
  });

  it('uses optimistic concurrency: a stale or blind write gets 409', async () => {
    const blind = await put(body({ maxDurationSeconds: 900 }));
    expect(blind.status).toBe(409);
    const updated = await put(body({ maxDurationSeconds: 900 }), { 'if-match': '"v1"' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"v2"');
    const stale = await put(body({ maxDurationSeconds: 1200 }), { 'if-match': '"v1"' });
    expect(stale.status).toBe(409);
    const read = await admin.request(`/v1/entitlements/${id}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(await read.json()).toMatchObject({ maxDurationSeconds: 900, version: 2 });
  });

  it('re-saving what is stored makes no new version and no audit record', async () => {
    const before = (await auditOfPrincipal(oidcPrincipal('admin@example.com'))).filter(
      (e) => e.action === 'entitlement.put' && e.entitlementId === id,
    );
    const same = await put(body({ maxDurationSeconds: 900 }), { 'if-match': '"v2"' });
    expect(same.status).toBe(200);
    expect(same.headers.get('etag')).toBe('"v2"');
    const after = (await auditOfPrincipal(oidcPrincipal('admin@example.com'))).filter(
      (e) => e.action === 'entitlement.put' && e.entitlementId === id,
    );
    expect(after).toHaveLength(before.length);
  });

  it('reports every problem of an invalid entitlement at once, and stores nothing', async () => {
    const response = await admin.request('/v1/entitlements/broken-one', {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
      body: body({
        accountId: '333333333333',
        maxDurationSeconds: 50_000,
        transitiveTagKeys: ['missing'],
        managedPolicyArns: Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`),
      }),
    });
    expect(response.status).toBe(400);
    const problem = await readWire(response, problemWire);
    expect((problem.issues ?? []).map((i) => i.path).sort()).toEqual(
      ['accountId', 'managedPolicyArns', 'maxDurationSeconds', 'transitiveTagKeys'].sort(),
    );
    const missing = await admin.request('/v1/entitlements/broken-one', {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(missing.status).toBe(404);
  });

  it('deletes with If-Match, after which the caller is denied', async () => {
    const blind = await admin.request(`/v1/entitlements/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(blind.status).toBe(409);
    const deleted = await admin.request(`/v1/entitlements/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}`, 'if-match': '"v2"' },
    });
    expect(deleted.status).toBe(204);
    expect((await vendAsCarol()).status).toBe(403);
    const events = await auditOfPrincipal(oidcPrincipal('admin@example.com'));
    expect(
      events.some(
        (e) => e.action === 'entitlement.delete' && e.entitlementId === id && e.outcome === 'applied',
      ),
    ).toBe(true);
  });

  // The admin function's own transaction writes these records (entitlement and record in one),
  // not the audit log's PutItem: they get the same TTL, and the export guard finds them in byTime.
  it('gives admin changes the hot window’s TTL, which the export guard holds back like any record', async () => {
    const hotDays = 30;
    const windowed = adminApp({ CREDVEND_AUDIT_HOT_DAYS: String(hotDays) });
    const ttlId = `ttl-${id}`;
    const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const path = `/v1/entitlements/${ttlId}`;
    expect((await windowed.request(path, { method: 'PUT', headers, body: body() })).status).toBe(201);
    const removed = await windowed.request(path, {
      method: 'DELETE',
      headers: { ...headers, 'if-match': '"v1"' },
    });
    expect(removed.status).toBe(204);

    const records = (await auditOfPrincipal(oidcPrincipal('admin@example.com'))).filter(
      (e) => e.entitlementId === ttlId && e.outcome === 'applied',
    );
    expect(records.map((e) => e.action).sort()).toEqual(['entitlement.delete', 'entitlement.put']);
    const expiresAt = async (eventId: string) => {
      const output = await dynamodb().send(
        new GetItemCommand({
          TableName: auditTable(),
          Key: { eventId: { S: eventId } },
          ConsistentRead: true,
        }),
      );
      return Number(output.Item?.expiresAt?.N);
    };
    for (const record of records)
      expect(await expiresAt(record.eventId)).toBe(expiryOf(record.time, { hotDays }));
    // Their range alone (one walk of byTime), with the export far behind: the guard pushes their
    // TTL out as it does an issuance's.
    const times = records.map((e) => e.time).sort();
    const until = new Date(Date.now() + (hotDays + 10) * 86_400_000);
    const held = await new DynamoDbAuditExportSource(dynamodb(), auditTable()).holdExpiry(
      new Date(Date.parse(times[0] ?? '') - 1).toISOString(),
      times.at(-1) ?? '',
      { expiringBefore: new Date(Date.now() + (hotDays + 1) * 86_400_000), until },
    );
    expect(held).toBeGreaterThanOrEqual(records.length);
    for (const record of records)
      expect(await expiresAt(record.eventId)).toBe(Math.floor(until.getTime() / 1000));
  });

  it('lists entitlements for admins', async () => {
    const response = await admin.request('/v1/entitlements?limit=1000', {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const list = await readWire(response, adminEntitlementListWire);
    expect(list.entitlements.map((e) => e.id)).toEqual(
      expect.arrayContaining(['demo-readonly', 'demo-deploy']),
    );
  });
});
