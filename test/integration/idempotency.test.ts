import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuditReader } from '../../src/aws/dynamodb-audit-reader.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
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

describe('Idempotency-Key on POST /v1/credentials', () => {
  const app = vendApp();
  let alice: string;
  const post = (key: string, body: unknown, token = alice) =>
    app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
      body: JSON.stringify(body),
    });
  const issuedRecords = async (accessKeyId: string) =>
    (await new DynamoDbAuditReader(dynamodb(), auditTable()).byAccessKey(accessKeyId)).filter(
      (e) => e.action === 'credentials.issue' && e.outcome === 'issued',
    );

  beforeAll(async () => {
    alice = await devToken('alice@example.com');
  });

  it('returns the same credentials for a retry, without a second issuance or audit record', async () => {
    const key = `retry-${Date.now()}`;
    const body = { entitlement: 'demo-readonly', reason: 'idempotent' };
    const first = await post(key, body);
    const second = await post(key, body);

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const a = await readWire(first, credentialsResponseWire);
    const b = await readWire(second, credentialsResponseWire);
    expect(b).toEqual(a);
    expect(await issuedRecords(a.credentials.accessKeyId)).toHaveLength(1);
  });

  it('refuses the same key with a different request (409)', async () => {
    const key = `reuse-${Date.now()}`;
    expect((await post(key, { entitlement: 'demo-readonly' })).status).toBe(200);
    const other = await post(key, { entitlement: 'demo-readonly', durationSeconds: 1200 });
    expect(other.status).toBe(409);
  });

  it('lets exactly one of concurrent duplicates issue; the others get the same answer or 409', async () => {
    const key = `race-${Date.now()}`;
    const responses = await Promise.all([...Array(6)].map(() => post(key, { entitlement: 'demo-readonly' })));
    const ok = await Promise.all(
      responses.filter((r) => r.status === 200).map(async (r) => await readWire(r, credentialsResponseWire)),
    );
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((o) => o.credentials.accessKeyId)).size).toBe(1);
    expect(await issuedRecords(ok[0]?.credentials.accessKeyId ?? '')).toHaveLength(1);
  });

  it('keeps keys per caller: the same key from another caller is another request', async () => {
    const key = `shared-${Date.now()}`;
    const fromAlice = await readWire(
      await post(key, { entitlement: 'demo-readonly' }),
      credentialsResponseWire,
    );
    const bob = await devToken('bob@example.com');
    const fromBob = await post(key, { entitlement: 'demo-readonly' }, bob);
    expect(fromBob.status).toBe(403);
    expect(JSON.stringify(await fromBob.json())).not.toContain(fromAlice.credentials.accessKeyId);
  });

  it('stores no secret or token in plain text', async () => {
    const key = `sealed-${Date.now()}`;
    const issued = await readWire(await post(key, { entitlement: 'demo-readonly' }), credentialsResponseWire);
    const scan = await dynamodb().send(
      new ScanCommand({ TableName: stack().credvendEnv.CREDVEND_IDEMPOTENCY_TABLE }),
    );
    const stored = JSON.stringify(scan.Items);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).not.toContain(issued.credentials.secretAccessKey);
    expect(stored).not.toContain(issued.credentials.sessionToken);
    expect(stored).not.toContain(key);
  });

  it('stores keyed hashes (HMAC), which a reader of the table cannot confirm by guessing', async () => {
    const key = `keyed-${Date.now()}`;
    const body = JSON.stringify({ entitlement: 'demo-readonly' });
    await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'idempotency-key': key },
      body,
    });
    const scan = await dynamodb().send(
      new ScanCommand({ TableName: stack().credvendEnv.CREDVEND_IDEMPOTENCY_TABLE }),
    );
    const stored = JSON.stringify(scan.Items);
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    for (const principal of [
      `${stack().issuer}#alice@example.com`,
      `oidc|${stack().issuer}|alice@example.com`,
    ]) {
      expect(stored).not.toContain(sha256(`${principal}\n${key}`));
    }
    expect(stored).not.toContain(sha256(body));
  });

  it('refuses a malformed key with 400', async () => {
    expect((await post('has spaces in it', { entitlement: 'demo-readonly' })).status).toBe(400);
  });

  it('audits each replay, linked to the issuance it repeats', async () => {
    const key = `audited-${Date.now()}`;
    const first = await readWire(await post(key, { entitlement: 'demo-readonly' }), credentialsResponseWire);
    const again = await post(key, { entitlement: 'demo-readonly' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const replays = (await auditOfPrincipal(oidcPrincipal('alice@example.com'))).filter(
      (e) => e.action === 'credentials.replay' && e.relatedEventId === first.eventId,
    );
    expect(replays).toEqual([
      expect.objectContaining({ outcome: 'issued', accessKeyId: first.credentials.accessKeyId }),
    ]);
  });

  it('re-checks the entitlement before a replay: one deleted since gives 403, audited', async () => {
    const admin = adminApp();
    const adminToken = `Bearer ${await devToken('admin@example.com')}`;
    const id = `replay-${Date.now()}`;
    const created = await admin.request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: adminToken },
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: 'alice@example.com' } },
        accountId: '222222222222',
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(created.status).toBe(201);
    const key = `gone-${Date.now()}`;
    expect((await post(key, { entitlement: id })).status).toBe(200);
    const deleted = await admin.request(`/v1/entitlements/${id}`, {
      method: 'DELETE',
      headers: { authorization: adminToken, 'if-match': '"v1"' },
    });
    expect(deleted.status).toBe(204);
    const replay = await post(key, { entitlement: id });
    expect(replay.status).toBe(403);
    const { requestId } = await readWire(replay, problemWire);
    expect((await auditOfRequest(oidcPrincipal('alice@example.com'), requestId))[0]).toMatchObject({
      action: 'credentials.replay',
      outcome: 'denied',
    });
  });

  // Last in the file: the revocation stays on record for alice's earlier sessions on this role.
  it('re-checks revocations before a replay: revoked credentials are never handed out again', async () => {
    const key = `revoked-${Date.now()}`;
    const first = await readWire(await post(key, { entitlement: 'demo-readonly' }), credentialsResponseWire);
    // Print-only revocation: recorded (and returned to apply by hand) without touching moto's role.
    const revoked = await adminApp({ CREDVEND_REVOKER_ROLE_NAME: '' }).request(
      `/v1/audit/events/${first.eventId}/revoke`,
      { method: 'POST', headers: { authorization: `Bearer ${await devToken('admin@example.com')}` } },
    );
    expect(revoked.status).toBe(200);
    const replay = await post(key, { entitlement: 'demo-readonly' });
    expect(replay.status).toBe(403);
    expect(await replay.text()).not.toContain(first.credentials.accessKeyId);
  });
});
