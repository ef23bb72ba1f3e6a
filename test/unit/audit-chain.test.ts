import { describe, expect, it } from 'vitest';
import type { AuditEvent, ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import {
  type AuditRecordSink,
  ChainedAuditLog,
  canonicalJson,
  GENESIS_HASH,
  hashRecord,
} from '../../src/domain/audit/chain.js';
import { verifyChain } from '../../src/domain/audit/verify.js';

/** A real, in-memory implementation of the sink port; `failNext` makes the next put throw. */
class MemorySink implements AuditRecordSink {
  readonly records: ChainedAuditEvent[] = [];
  failNext = false;
  async putNew(record: ChainedAuditEvent): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('write failed');
    }
    if (this.records.some((r) => r.eventId === record.eventId)) throw new Error('duplicate');
    this.records.push(record);
  }
}

let counter = 0;
const event = (n: number): AuditEvent => ({
  eventId: `E${n}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  action: 'credentials.issue',
  outcome: 'issued',
  requestId: `r${n}`,
  principal: 'p',
  authMethod: 'oidc',
});
const chainIds = () => `chain-${++counter}`;

function byChain(records: readonly ChainedAuditEvent[]): Map<string, ChainedAuditEvent[]> {
  const chains = new Map<string, ChainedAuditEvent[]>();
  for (const r of records) chains.set(r.chainId, [...(chains.get(r.chainId) ?? []), r]);
  return chains;
}

describe('ChainedAuditLog', () => {
  it('links each record to the previous one from the genesis hash', async () => {
    const sink = new MemorySink();
    const log = new ChainedAuditLog(sink, chainIds, 1);
    for (let i = 0; i < 5; i++) await log.append(event(i));

    expect(sink.records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(sink.records[0]?.prevHash).toBe(GENESIS_HASH);
    sink.records.forEach((r, i) => {
      const { hash, ...content } = r;
      expect(hashRecord(content)).toBe(hash);
      if (i > 0) expect(r.prevHash).toBe(sink.records[i - 1]?.hash);
    });
    expect(sink.records[0]?.day).toBe('2026-01-01');
    expect(verifyChain(sink.records)).toBeUndefined();
  });

  it('spreads concurrent appends over at most maxChains chains, each consistent', async () => {
    const sink = new MemorySink();
    const log = new ChainedAuditLog(sink, chainIds, 4);
    await Promise.all([...Array(50)].map((_, i) => log.append(event(i))));

    const chains = byChain(sink.records);
    expect(sink.records).toHaveLength(50);
    expect(chains.size).toBeGreaterThan(1);
    expect(chains.size).toBeLessThanOrEqual(4);
    for (const records of chains.values()) expect(verifyChain(records)).toBeUndefined();
  });

  it('retires a chain whose write failed and starts the next append on a fresh chain', async () => {
    const sink = new MemorySink();
    const log = new ChainedAuditLog(sink, chainIds, 1);
    await log.append(event(1));
    sink.failNext = true;
    await expect(log.append(event(2))).rejects.toThrow('write failed');
    await log.append(event(3));

    const [first, second] = sink.records;
    expect(second?.chainId).not.toBe(first?.chainId);
    expect(second).toMatchObject({ seq: 0, prevHash: GENESIS_HASH });
    for (const records of byChain(sink.records).values()) expect(verifyChain(records)).toBeUndefined();
  });
});

describe('verifyChain', () => {
  async function chainOf(n: number): Promise<ChainedAuditEvent[]> {
    const sink = new MemorySink();
    const log = new ChainedAuditLog(sink, chainIds, 1);
    for (let i = 0; i < n; i++) await log.append(event(i));
    return sink.records;
  }

  it('finds an edited record', async () => {
    const records = await chainOf(4);
    records[2] = { ...(records[2] as ChainedAuditEvent), principal: 'mallory' };
    expect(verifyChain(records)).toMatchObject({ kind: 'edited', seq: 2 });
  });

  it('finds a deleted record', async () => {
    const records = await chainOf(4);
    records.splice(1, 1);
    expect(verifyChain(records)).toMatchObject({ kind: 'missing', seq: 2 });
  });

  it('finds a deleted first record', async () => {
    const records = await chainOf(3);
    expect(verifyChain(records.slice(1))).toMatchObject({ kind: 'bad-start' });
  });

  it('finds a re-hashed record that no longer links to its predecessor', async () => {
    const records = await chainOf(3);
    const { hash: _old, ...content } = { ...(records[1] as ChainedAuditEvent), prevHash: 'f'.repeat(64) };
    records[1] = { ...content, hash: hashRecord(content) };
    expect(verifyChain(records)).toMatchObject({ kind: 'reordered', seq: 1 });
  });

  it('finds an inserted record with a valid hash of its own', async () => {
    const records = await chainOf(3);
    const { hash: _old, ...content } = {
      ...(records[1] as ChainedAuditEvent),
      eventId: 'forged',
      principal: 'mallory',
    };
    records.push({ ...content, hash: hashRecord(content) });
    expect(verifyChain(records)).toMatchObject({ kind: 'inserted', seq: 1 });
  });
});

describe('canonicalJson', () => {
  it('does not depend on key order and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
  });
});
