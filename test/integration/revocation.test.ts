import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminFunction } from '../../src/compose/admin.js';
import { compose, dynamodbOf, stsOf } from '../../src/compose/composition.js';
import { createRevocationSweep } from '../../src/compose/revocation-sweep.js';
import { loadConfig } from '../../src/config.js';
import { revocationResultWire } from '../../src/wire/audit.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { readWire } from '../fixtures/read-wire.js';
import { checkedApp } from './openapi-responses.js';
import {
  adminApp,
  auditRecord,
  auditSince,
  clearRevocations,
  devToken,
  listBuckets,
  stack,
  testRuntime,
  vendApp,
} from './support.js';

/** The next `times` sends of `command` fail before they leave, as a lost connection does. */
function failNext(command: string, times = 1) {
  let left = times;
  return {
    middleware:
      <A, R>(next: (args: A) => Promise<R>, context: { commandName?: string }) =>
      async (args: A): Promise<R> => {
        if (context.commandName === command && left > 0) {
          left--;
          throw Object.assign(new Error(`injected: ${command} failed`), { name: 'NetworkingError' });
        }
        return next(args);
      },
    options: { step: 'initialize' as const, name: `fail-${command}` },
  };
}

/** A root of the composition with quiet logs, whose clients a test may fault. */
function faultableRoot(fn: 'admin' | 'revocations' = 'admin') {
  return compose(
    loadConfig({ ...stack().credvendEnv, CREDVEND_LOG_LEVEL: 'silent' }),
    testRuntime('198.51.100.19', fn),
  );
}

async function issueDeploy(reason: string) {
  return readWire(
    await vendApp().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-deploy', reason }),
    }),
    credentialsResponseWire,
  );
}

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

  it('a failed IAM write is a 503, never a 200; the scheduled sweep lands the recorded Deny', async () => {
    // Prepare: the revoker role cannot be assumed once.
    const started = new Date();
    const issued = await issueDeploy('revoked while IAM fails');
    const root = faultableRoot();
    const fault = failNext('AssumeRoleCommand');
    stsOf(root).middlewareStack.add(fault.middleware, fault.options);
    const admin = checkedApp(createAdminFunction(root));

    // Act
    const response = await admin.request(`/v1/audit/events/${issued.eventId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
    });

    // Assess: not revoked yet, and not claimed to be.
    expect(response.status).toBe(503);
    await listBuckets(issued.credentials);

    // Act: the sweep's next run.
    const swept = await createRevocationSweep(faultableRoot('revocations'))();

    // Assess
    expect(swept.issuances).toBeGreaterThanOrEqual(1);
    await expect(listBuckets(issued.credentials)).rejects.toMatchObject({ name: 'AccessDenied' });
    // Every revocation record since the test began (a record about this issuance is no older).
    const records = (await auditSince(started, { action: 'audit.revoke' })).filter(
      (e) => e.relatedEventId === issued.eventId,
    );
    expect(records.map((r) => r.outcome).sort()).toEqual(['applied', 'error']);
    expect(records.find((r) => r.outcome === 'applied')).toMatchObject({
      principal: `${stack().issuer}#admin@example.com`,
      detail: expect.stringMatching(/^deny applied to the target role \(completed in revocation-sweep-/),
    });
  });

  it('a failed audit write after the Deny is a 503; asked again, it lands with one applied record', async () => {
    // Prepare: the transaction that closes the intent with its audit record fails once.
    const started = new Date();
    const issued = await issueDeploy('revoked while the audit fails');
    const root = faultableRoot();
    const fault = failNext('TransactWriteItemsCommand');
    dynamodbOf(root).middlewareStack.add(fault.middleware, fault.options);
    const admin = checkedApp(createAdminFunction(root));
    const ask = async () =>
      admin.request(`/v1/audit/events/${issued.eventId}/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
      });

    // Act
    const first = await ask();

    // Assess: the Deny is in force, but not on record, so no 200.
    expect(first.status).toBe(503);
    await expect(listBuckets(issued.credentials)).rejects.toMatchObject({ name: 'AccessDenied' });

    // Act
    const again = await ask();

    // Assess
    expect(again.status).toBe(200);
    const applied = (await auditSince(started, { action: 'audit.revoke', outcome: 'applied' })).filter(
      (e) => e.relatedEventId === issued.eventId,
    );
    expect(applied).toHaveLength(1);
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
