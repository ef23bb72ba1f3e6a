import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/domain/issuance/fakes.js';
import { IdempotentIssuer } from '../../src/domain/issuance/idempotent-issuer.js';
import { IdempotencySealer, type Sealed } from '../../src/domain/issuance/sealing.js';
import { AuditRevocationLookup } from '../../src/domain/revocation/fakes.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import {
  ConflictError,
  NotEntitledError,
  SecretUnavailableError,
  StsAccessDeniedError,
} from '../../src/domain/shared/errors.js';
import type { IssuanceRequest } from '../../src/domain/shared/types.js';
import { caller, entitlement } from './fixtures.js';
import { context, world } from './world.js';

const T0 = new Date('2026-05-01T12:00:00.000Z');
const SECRET = Buffer.alloc(32, 7);
const request: IssuanceRequest = { target: { entitlementId: 'ent-1' }, durationSeconds: 3600 };
const requestText = JSON.stringify(request);

function setup() {
  const w = world({ entitlements: [entitlement()] });
  const store = new InMemoryIdempotencyStore();
  const sealer = new IdempotencySealer(SECRET);
  const issuer = new IdempotentIssuer({
    vendor: w.vendor,
    store,
    sealer: async () => sealer,
    clock: systemClock,
    revocations: new AuditRevocationLookup(w.table),
  });
  const keyHash = (key: string, who = caller()) => sealer.digest(`key\n${who.identityKey}\n${key}`);
  return { ...w, store, sealer, issuer, keyHash };
}

describe('Class: IdempotentIssuer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('issues once, stores the answer sealed and marks the key done', async () => {
    // Prepare
    const { issuer, store, sts, table, keyHash } = setup();

    // Act
    const result = await issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    expect(result.replayed).toBe(false);
    expect(sts.calls).toHaveLength(1);
    expect(store.stateOf(keyHash('key-1'))).toBe('done');
    expect(table.withAction('credentials.issue')).toHaveLength(1);
    const stored = JSON.stringify(store.items());
    expect(stored).not.toContain(result.issuance.assumed.credentials.secretAccessKey);
    expect(stored).not.toContain(result.issuance.assumed.credentials.sessionToken);
    expect(stored).not.toContain(result.issuance.assumed.credentials.accessKeyId);
  });

  it('replays the same credentials for the same key and request, without a second AssumeRole', async () => {
    // Prepare
    const { issuer, sts, table } = setup();
    const first = await issuer.issue(caller(), request, context, 'key-1', requestText);
    vi.setSystemTime(new Date(T0.getTime() + 60_000));

    // Act
    const again = await issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    expect(again.replayed).toBe(true);
    expect(again.issuance).toEqual(first.issuance);
    expect(again.issuance.assumed.credentials.expiration).toBeInstanceOf(Date);
    expect(sts.calls).toHaveLength(1);
    expect(table.withAction('credentials.issue')).toHaveLength(1);
    expect(table.withAction('credentials.replay')).toEqual([
      expect.objectContaining({ outcome: 'issued', relatedEventId: first.issuance.eventId }),
    ]);
  });

  it('refuses the same key with a different request, and issues nothing', async () => {
    // Prepare
    const { issuer, sts } = setup();
    await issuer.issue(caller(), request, context, 'key-1', requestText);
    const other = { ...request, durationSeconds: 900 };

    // Act
    const attempt = issuer.issue(caller(), other, context, 'key-1', JSON.stringify(other));

    // Assess
    await expect(attempt).rejects.toThrow(
      new ConflictError('this Idempotency-Key was used with a different request'),
    );
    expect(sts.calls).toHaveLength(1);
  });

  it('answers 409 to a duplicate while the first is in flight, then frees a crashed claim after 60 s', async () => {
    // Prepare: a claim whose holder never completed
    const { issuer, store, sts, sealer, keyHash } = setup();
    await store.claim(
      keyHash('key-1'),
      sealer.digest(`request\n${requestText}`),
      T0,
      new Date(T0.getTime() + 60_000),
    );

    // Act
    const during = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    await expect(during).rejects.toThrow(/in progress; retry shortly/);
    expect(sts.calls).toHaveLength(0);

    // Act: the claim runs out (whole seconds, as the TTL attribute stores it)
    vi.setSystemTime(new Date(T0.getTime() + 60_999));
    await expect(issuer.issue(caller(), request, context, 'key-1', requestText)).rejects.toThrow(
      ConflictError,
    );
    vi.setSystemTime(new Date(T0.getTime() + 61_000));
    const after = await issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    expect(after.replayed).toBe(false);
    expect(sts.calls).toHaveLength(1);
  });

  it('keys are per caller: another caller with the same key gets their own issuance', async () => {
    // Prepare
    const bob = caller({ principal: 'bob', identityKey: 'oidc|x|bob', subjectKeys: ['oidc|x|bob'] });
    const w = setup();
    w.entitlements.put(entitlement({ id: 'ent-bob', subject: 'oidc|x|bob' }));
    const bobs = { ...request, target: { entitlementId: 'ent-bob' } };
    const first = await w.issuer.issue(caller(), request, context, 'shared', requestText);

    // Act
    const second = await w.issuer.issue(bob, bobs, context, 'shared', JSON.stringify(bobs));

    // Assess
    expect(second.replayed).toBe(false);
    expect(second.issuance.eventId).not.toBe(first.issuance.eventId);
    expect(w.sts.calls).toHaveLength(2);
  });

  it('releases the key when issuance fails, so a retry with it can succeed', async () => {
    // Prepare
    const { issuer, sts, store, keyHash } = setup();
    sts.faults.fail('assumeRole', new StsAccessDeniedError('trust policy'));

    // Act
    const failed = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    await expect(failed).rejects.toThrow(StsAccessDeniedError);
    expect(store.stateOf(keyHash('key-1'))).toBeUndefined();
    const retried = await issuer.issue(caller(), request, context, 'key-1', requestText);
    expect(retried.replayed).toBe(false);
    expect(sts.calls).toHaveLength(2);
  });

  it('still rethrows the issuance error when releasing the key fails too', async () => {
    // Prepare
    const { issuer, sts, store, keyHash } = setup();
    sts.faults.fail('assumeRole', new StsAccessDeniedError('trust policy'));
    store.faults.fail('release', new Error('table unavailable'));

    // Act
    const failed = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    await expect(failed).rejects.toThrow(StsAccessDeniedError);
    expect(store.stateOf(keyHash('key-1'))).toBe('pending');
  });

  it('returns the credentials when storing the answer fails; a retry then gets 409, never a second issuance', async () => {
    // Prepare
    const { issuer, sts, store } = setup();
    store.faults.fail('complete', new Error('table unavailable'));

    // Act
    const first = await issuer.issue(caller(), request, context, 'key-1', requestText);
    const retry = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    expect(first.issuance.assumed.credentials.secretAccessKey).not.toBe('');
    await expect(retry).rejects.toThrow(/in progress/);
    expect(sts.calls).toHaveLength(1);
  });

  it('after the credentials expire the key is claimed again and new credentials are issued', async () => {
    // Prepare
    const { issuer, sts } = setup();
    const first = await issuer.issue(caller(), request, context, 'key-1', requestText);

    // Act
    vi.setSystemTime(new Date(first.issuance.assumed.credentials.expiration.getTime() + 1000));
    const later = await issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    expect(later.replayed).toBe(false);
    expect(later.issuance.assumed.credentials.accessKeyId).not.toBe(
      first.issuance.assumed.credentials.accessKeyId,
    );
    expect(sts.calls).toHaveLength(2);
  });

  it('refuses a replay once the entitlement is gone, and audits the refusal', async () => {
    // Prepare
    const { issuer, entitlements, table } = setup();
    await issuer.issue(caller(), request, context, 'key-1', requestText);
    entitlements.remove(entitlement().subject, 'ent-1');

    // Act
    const replay = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    await expect(replay).rejects.toThrow(NotEntitledError);
    expect(table.withAction('credentials.replay')).toEqual([
      expect.objectContaining({ outcome: 'denied', problemCode: 'not-entitled' }),
    ]);
  });

  it('refuses a replay of credentials revoked since they were issued', async () => {
    // Prepare
    const { issuer, audit } = setup();
    const first = await issuer.issue(caller(), request, context, 'key-1', requestText);
    vi.setSystemTime(new Date(T0.getTime() + 10_000));
    await audit.append({
      eventId: 'REVOKE1',
      time: new Date().toISOString(),
      action: 'audit.revoke',
      outcome: 'applied',
      requestId: 'r',
      principal: 'admin',
      authMethod: 'oidc',
      roleArn: first.issuance.plan.roleArn,
      sourceIdentity: first.issuance.plan.sourceIdentity,
    });

    // Act
    const replay = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    await expect(replay).rejects.toThrow(/revoked/);
  });

  it('will not open a sealed answer moved to another key: the table alone hands out nothing', async () => {
    // Prepare: two answers, then one sealed box copied over the other (write access to the table)
    const { issuer, store, sts, keyHash } = setup();
    await issuer.issue(caller(), request, context, 'key-1', requestText);
    await issuer.issue(caller(), request, context, 'key-2', requestText);
    let boxOfKey1: Sealed | undefined;
    store.tamper(keyHash('key-1'), (item) => {
      boxOfKey1 = item.state === 'done' ? item.sealed : undefined;
      return item;
    });
    store.tamper(keyHash('key-2'), (item) =>
      item.state === 'done' && boxOfKey1 ? { ...item, sealed: boxOfKey1 } : item,
    );

    // Act
    const replay = issuer.issue(caller(), request, context, 'key-2', requestText);

    // Assess
    await expect(replay).rejects.toThrow(/authenticate/);
    expect(sts.calls).toHaveLength(2);
  });

  it('issues nothing when the server secret cannot be read: no key claimed, no AssumeRole, no record', async () => {
    // Prepare
    const w = world({ entitlements: [entitlement()] });
    const store = new InMemoryIdempotencyStore();
    const issuer = new IdempotentIssuer({
      vendor: w.vendor,
      store,
      sealer: () => Promise.reject(new SecretUnavailableError('the idempotency secret could not be read')),
      clock: systemClock,
      revocations: new AuditRevocationLookup(w.table),
    });

    // Act
    const attempt = issuer.issue(caller(), request, context, 'key-1', requestText);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SecretUnavailableError);
    expect(w.sts.calls).toHaveLength(0);
    expect(store.items()).toHaveLength(0);
    expect(w.table.withAction('credentials.issue')).toHaveLength(0);
  });
});
