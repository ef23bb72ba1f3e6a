import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { revocationResultWire } from '../../src/wire/audit.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { readWire } from '../fixtures/read-wire.js';
import { adminApp, auditRecord, clearRevocations, devToken, listBuckets, stack, vendApp } from './support.js';

describe('per-issuance revocation', () => {
  beforeEach(() => clearRevocations(stack().roles.deploy));
  afterEach(() => clearRevocations(stack().roles.deploy));

  it('writes a deny into the target role through moto, after which the revoked credentials fail', async () => {
    // Prepare: credentials that work. Deploy role, so other test files' readonly sessions are untouched.
    const issued = await readWire(
      await vendApp().request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
        body: JSON.stringify({ entitlement: 'demo-deploy', reason: 'to be revoked' }),
      }),
      credentialsResponseWire,
    );
    await listBuckets(issued.credentials);

    // Act: an admin revokes by access key id, as from a CloudTrail finding.
    const response = await adminApp().request(`/v1/audit/events/${issued.credentials.accessKeyId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
    });

    // Assess
    expect(response.status).toBe(200);
    const result = await readWire(response, revocationResultWire);
    expect(result).toMatchObject({ applied: true, eventId: issued.eventId, roleArn: stack().roles.deploy });
    await expect(listBuckets(issued.credentials)).rejects.toMatchObject({ name: 'AccessDenied' });
    // Revoking again rewrites the same managed policy (a new default version), not a second one.
    const again = await adminApp().request(`/v1/audit/events/${issued.eventId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
    });
    expect(await again.json()).toMatchObject({ applied: true, policy: { Statement: [{ Effect: 'Deny' }] } });
    const record = await auditRecord(result.revocationEventId);
    expect(record).toMatchObject({
      action: 'audit.revoke',
      outcome: 'applied',
      relatedEventId: issued.eventId,
      sourceIdentity: expect.stringMatching(/^alice@example\.com\.[0-9a-f]{32}$/),
    });
  });

  it('returns the policy to apply by hand where credvend may not write', async () => {
    const issued = await readWire(
      await vendApp().request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
        body: JSON.stringify({ entitlement: 'demo-readonly' }),
      }),
      credentialsResponseWire,
    );
    const printOnly = adminApp({ CREDVEND_REVOKER_ROLE_NAME: '' });
    const response = await printOnly.request(`/v1/audit/events/${issued.eventId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      applied: false,
      policy: {
        Statement: [
          { Effect: 'Deny', Condition: { StringEquals: { 'aws:SourceIdentity': issued.sourceIdentity } } },
        ],
      },
    });
    await listBuckets(issued.credentials);
  });

  it('refuses a non-admin (403) and an unknown issuance (404)', async () => {
    const alice = await devToken('alice@example.com');
    const admin = await devToken('admin@example.com');
    const asAlice = await adminApp().request('/v1/audit/events/01ARZ3NDEKTSV4RRFFQ69G5FAV/revoke', {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(asAlice.status).toBe(403);
    const unknown = await adminApp().request('/v1/audit/events/01ARZ3NDEKTSV4RRFFQ69G5FAV/revoke', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(unknown.status).toBe(404);
  });
});
