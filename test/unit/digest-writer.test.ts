import { verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import {
  DIGEST_CLOCK_SKEW_SECONDS,
  digestSigningString,
  signedDigestHash,
} from '../../src/domain/audit/digest.js';
import { writeNextDigest } from '../../src/domain/audit/digest-writer.js';
import {
  InMemoryAuditTable,
  InMemoryDigestStore,
  inMemoryAuditLog,
  LocalDigestSigner,
} from '../../src/domain/audit/fakes.js';
import { verifyAuditRange } from '../../src/domain/audit/verification.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { newEventId } from '../../src/domain/shared/ids.js';

const T0 = new Date('2026-03-01T00:00:00.000Z');
const tick = (ms: number) => vi.setSystemTime(new Date(Date.now() + ms));
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

function setup(settleSeconds = 0) {
  const table = new InMemoryAuditTable();
  const log = inMemoryAuditLog(table, 2);
  const store = new InMemoryDigestStore('digests/');
  const signer = new LocalDigestSigner('test-key');
  const deps = { heads: table, signer, store, clock: systemClock, prefix: 'digests/', settleSeconds };
  const append = (action: AuditEvent['action'] = 'credentials.issue') => {
    tick(1000);
    const now = new Date();
    return log.append({
      eventId: newEventId(now),
      time: now.toISOString(),
      action,
      outcome: 'issued',
      requestId: 'r',
      principal: 'p',
      authMethod: 'oidc',
    });
  };
  const verifyAll = () =>
    verifyAuditRange(table, '2026-01-01T00:00:00.000Z', new Date(Date.now() + 1).toISOString(), {
      digests: store,
      publicKey: async () => signer.publicKey,
    });
  return { table, store, signer, deps, append, verifyAll };
}

describe('Function: writeNextDigest', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs a first digest over every record so far and stores it under its key and as latest', async () => {
    // Prepare
    const { deps, append, store, signer } = setup();
    await append();
    await append();
    tick(1000);

    // Act
    const signed = await writeNextDigest(deps);

    // Assess
    expect(signed?.digest).toMatchObject({
      startTime: new Date(0).toISOString(),
      endTime: '2026-03-01T00:00:03.000Z',
      key: 'digests/2026/03/01/credvend-digest-2026-03-01T00-00-03.000Z.json',
      previousDigest: null,
      recordCount: 2,
      knownChainCount: 1,
    });
    expect(signed?.digest.advanced).toEqual([
      expect.objectContaining({ chainId: 'chain-1', seq: 1, fromSeq: 0, records: 2 }),
    ]);
    expect(signed).toMatchObject({ keyId: 'test-key', signingAlgorithm: 'ECDSA_SHA_256' });
    const { digest, signature } = must(signed);
    const message = Buffer.from(digestSigningString(digest));
    expect(verify('sha256', message, signer.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(store.keys()).toEqual([signed?.digest.key, 'digests/latest.json']);
    expect(await store.latest()).toEqual(signed);
  });

  it('links each digest to the previous one and anchors only what came after it', async () => {
    // Prepare
    const { deps, append } = setup();
    await append();
    const first = await writeNextDigest(deps);
    await append();
    await append();

    // Act
    const second = await writeNextDigest(deps);

    // Assess
    expect(second?.digest.startTime).toBe(first?.digest.endTime);
    expect(second?.digest.previousDigest).toEqual({
      key: first?.digest.key,
      hash: signedDigestHash(must(first)),
    });
    expect(second?.digest.recordCount).toBe(2);
    expect(second?.digest.advanced).toEqual([
      expect.objectContaining({ chainId: 'chain-1', fromSeq: 1, seq: 2 }),
    ]);
  });

  it('writes nothing when no time has passed since the last window', async () => {
    // Prepare
    const { deps, append, store } = setup();
    await append();
    await writeNextDigest(deps);
    const keys = store.keys();

    // Act
    const again = await writeNextDigest(deps);

    // Assess
    expect(again).toBeUndefined();
    expect(store.keys()).toEqual(keys);
  });

  it('leaves records younger than the settle time to the next digest', async () => {
    // Prepare
    const { deps, append } = setup(30);
    await append();
    tick(40_000);
    await append();

    // Act
    const first = await writeNextDigest(deps);
    tick(31_000);
    const second = await writeNextDigest(deps);

    // Assess
    expect(first?.digest.endTime).toBe(new Date(Date.now() - 31_000 - 30_000).toISOString());
    expect(first?.digest.recordCount).toBe(1);
    expect(second?.digest.recordCount).toBe(1);
  });

  it('stores nothing when signing fails', async () => {
    // Prepare
    const { deps, append, store, signer } = setup();
    await append();
    signer.faults.fail('sign', new Error('KMS unavailable'));

    // Act / Assess
    await expect(writeNextDigest(deps)).rejects.toThrow('KMS unavailable');
    expect(store.keys()).toEqual([]);
  });

  it('digests written by it verify, and an edited record is found', async () => {
    // Prepare
    const { deps, append, table, verifyAll } = setup();
    await append();
    await append('entitlement.put');
    await writeNextDigest(deps);
    await append();
    await writeNextDigest(deps);

    // Act
    const clean = await verifyAll();
    const [record] = table.records();
    table.tamper(record?.eventId ?? '', (r) => ({ ...r, principal: 'someone-else' }));
    const edited = await verifyAll();

    // Assess
    expect(clean).toMatchObject({ ok: true, anchoring: 'digests', recordsChecked: 3, digestsChecked: 2 });
    expect(edited.ok).toBe(false);
    expect(edited.findings.map((f) => f.kind)).toContain('edited');
  });

  it('refuses to anchor a record dated after its run beyond the clock skew, then and when its time comes', async () => {
    // Prepare: a forger with write access to the table adds a chain dated an hour ahead
    const { deps, append, table, verifyAll } = setup();
    await append();
    const forger = new ChainedAuditLog(table, () => 'forged-chain');
    const ahead = new Date(Date.now() + 3_600_000);
    await forger.append({
      eventId: newEventId(ahead),
      time: ahead.toISOString(),
      action: 'credentials.issue',
      outcome: 'issued',
      requestId: 'forged',
      principal: 'p',
      authMethod: 'oidc',
    });
    const [, forged] = table.records();
    tick(1000);

    // Act: a digest now, then digests once the forged time has passed
    const first = await writeNextDigest(deps);
    tick(2 * 3_600_000);
    await append();
    const later = await writeNextDigest(deps);
    tick(1000);
    const after = await writeNextDigest(deps);
    const report = await verifyAll();

    // Assess
    expect(first?.digest.forwardDated).toEqual([
      expect.objectContaining({ eventId: forged?.eventId, chainId: 'forged-chain', seq: 0 }),
    ]);
    expect(later?.digest.forwardDated?.map((r) => r.eventId)).toEqual([forged?.eventId]);
    expect(later?.digest.advanced.map((c) => c.chainId)).not.toContain('forged-chain');
    expect(after?.digest.forwardDated).toBeUndefined();
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'forward-dated', severity: 'error', eventId: forged?.eventId }),
    );
  });

  it('anchors a record dated ahead within the stated clock skew as any other', async () => {
    // Prepare
    const { deps, table, verifyAll } = setup();
    const log = new ChainedAuditLog(table, () => 'skewed-writer');
    const ahead = new Date(Date.now() + (DIGEST_CLOCK_SKEW_SECONDS - 10) * 1000);
    await log.append({
      eventId: newEventId(ahead),
      time: ahead.toISOString(),
      action: 'credentials.issue',
      outcome: 'issued',
      requestId: 'skewed',
      principal: 'p',
      authMethod: 'oidc',
    });

    // Act
    const first = await writeNextDigest(deps);
    tick(DIGEST_CLOCK_SKEW_SECONDS * 1000);
    const second = await writeNextDigest(deps);

    // Assess
    expect(first?.digest.forwardDated).toBeUndefined();
    expect(second?.digest.advanced.map((c) => c.chainId)).toEqual(['skewed-writer']);
    expect(await verifyAll()).toMatchObject({ ok: true, anchoredRecords: 1 });
  });

  it('warns when the digests given end before the newest record', async () => {
    // Prepare
    const { deps, append, verifyAll } = setup();
    await append();
    await writeNextDigest(deps);
    await append();

    // Act
    const report = await verifyAll();

    // Assess: still ok (nothing is broken), but said before the notes
    expect(report.ok).toBe(true);
    expect(report.findings[0]).toMatchObject({ kind: 'digests-end-early', severity: 'warning' });
    expect(report.findings[0]?.detail).toMatch(/1 records after them are not anchored/);
  });
});
