import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import {
  EXPORT_GUARD_DAYS,
  type ExportChunk,
  type ExportDependencies,
  exportAuditRecords,
  exportBaseKey,
} from '../../src/domain/audit/export.js';
import { parseExportManifest } from '../../src/domain/audit/export-manifest.js';
import { InMemoryExportSource, InMemoryExportStore } from '../../src/domain/audit/fakes.js';
import { newEventId } from '../../src/domain/shared/ids.js';

const DAY = 86_400_000;
const HOT_DAYS = 30;
const START = Date.parse('2026-03-01T00:00:00.000Z');

function record(ms: number, n: number): ChainedAuditEvent {
  const time = new Date(ms);
  return {
    eventId: newEventId(time),
    time: time.toISOString(),
    day: time.toISOString().slice(0, 10),
    action: 'credentials.issue',
    outcome: 'issued',
    requestId: `req-${n}`,
    principal: 'https://idp.example.com#someone',
    authMethod: 'oidc',
    chainId: 'chain-1',
    seq: n,
    prevHash: '0'.repeat(64),
    hash: String(n).padStart(64, '0'),
  };
}

/** The export with in-memory ports, a clock the test moves, and TTLs as the sink writes them. */
function harness(limits?: ExportDependencies['limits']) {
  const source = new InMemoryExportSource();
  const store = new InMemoryExportStore();
  let now = START;
  let n = 0;
  const deps: ExportDependencies = {
    source,
    store,
    clock: { now: () => new Date(now) },
    prefix: 'exports/',
    settleSeconds: 60,
    hotDays: HOT_DAYS,
    encode: (chunk: ExportChunk) => Buffer.from(chunk.records.map((r) => `${r.eventId}\n`).join('')),
    ...(limits ? { limits } : {}),
  };
  return {
    source,
    store,
    deps,
    /** A record written now, with the TTL the sink gives it. */
    write(at = now): ChainedAuditEvent {
      const r = record(at, n++);
      source.add(r, Math.floor(at / 1000) + HOT_DAYS * 86_400);
      return r;
    },
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    run: () => exportAuditRecords(deps),
  };
}

describe('export of audit records past the hot window (domain)', () => {
  it('exports every settled record in a file with its manifest, then only what came after', async () => {
    const h = harness();
    const first = [h.write(), h.write(h.now() + 1)];
    h.advance(120_000);
    const run = await h.run();
    expect(run).toMatchObject({ held: 0, caughtUp: true });
    expect(run.manifests).toHaveLength(1);
    const [manifest] = run.manifests;
    expect(manifest).toMatchObject({ after: null, records: 2, unreadable: 0 });
    expect(manifest?.through).toBe(new Date(h.now() - 60_000).toISOString());
    expect(manifest?.file.key).toBe(`${exportBaseKey('exports/', manifest?.through ?? '')}.ndjson.gz`);
    expect(manifest?.key).toMatch(/^exports\/2026\/03\/01\/credvend-export-.*\.manifest\.json$/);
    expect(parseExportManifest(JSON.stringify(manifest))).toEqual(manifest);
    expect(h.store.exportedIds()).toEqual(first.map((r) => r.eventId));

    // Nothing new: nothing written. Then one more record: a file of its own, after the first.
    h.advance(300_000);
    expect((await h.run()).manifests).toEqual([]);
    const later = h.write();
    h.advance(120_000);
    const next = await h.run();
    expect(next.manifests).toHaveLength(1);
    expect(next.manifests[0]?.after).toBe(manifest?.through);
    expect(h.store.exportedIds()).toEqual([...first, later].map((r) => r.eventId));
  });

  it('leaves a record not yet settled for the next run', async () => {
    const h = harness();
    h.write();
    h.advance(30_000);
    expect((await h.run()).manifests).toEqual([]);
    h.advance(60_000);
    expect((await h.run()).manifests).toHaveLength(1);
  });

  it('works a backlog off in chunks, a few files a run, each chunk whole milliseconds', async () => {
    const h = harness({ recordsPerFile: 3, filesPerRun: 2 });
    const at = h.now();
    const written = [h.write(at), h.write(at + 1), h.write(at + 1), h.write(at + 2), h.write(at + 3)];
    written.push(h.write(at + 4), h.write(at + 5), h.write(at + 6));
    h.advance(DAY);
    const run = await h.run();
    expect(run.caughtUp).toBe(false);
    expect(run.manifests.map((m) => m.records)).toEqual([3, 3]);
    const again = await h.run();
    expect(again.caughtUp).toBe(true);
    // Every record once, in event id order: the two of one millisecond in their ids' random order.
    expect(h.store.exportedIds()).toEqual(written.map((r) => r.eventId).sort());
    // Each chunk starts where the previous ended.
    const manifests = h.store.manifests;
    for (let i = 1; i < manifests.length; i++) expect(manifests[i]?.after).toBe(manifests[i - 1]?.through);
  });

  it('holds nothing back while the export keeps up', async () => {
    const h = harness();
    for (let day = 0; day < 2 * HOT_DAYS; day++) {
      h.write();
      h.advance(DAY);
      expect((await h.run()).held).toBe(0);
      h.source.expire(new Date(h.now()));
    }
    expect(h.source.holds).toBe(0);
  });

  it('holds back the expiry of unexported records when the export cannot write, then exports them', async () => {
    const h = harness();
    const old = h.write();
    h.advance(HOT_DAYS * DAY - 3 * DAY); // three days before it expires, never exported
    h.store.faults.fail('put');
    await expect(h.run()).rejects.toThrow('put failed');
    expect(h.source.expiresAt.get(old.eventId)).toBe(
      Math.floor((h.now() + 2 * EXPORT_GUARD_DAYS * DAY) / 1000),
    );
    h.advance(10 * DAY); // past its first TTL
    expect(h.source.expire(new Date(h.now()))).toEqual([]);
    await h.run();
    expect(h.store.exportedIds()).toEqual([old.eventId]);
  });

  it('holds every record close to expiry when where the export stands cannot be read', async () => {
    const h = harness();
    const r = h.write();
    h.advance((HOT_DAYS - 1) * DAY);
    h.store.faults.fail('latest');
    await expect(h.run()).rejects.toThrow('latest failed');
    expect(h.source.holds).toBe(1);
    expect(h.source.expiresAt.get(r.eventId)).toBeGreaterThan(
      Math.floor(h.now() / 1000) + EXPORT_GUARD_DAYS * 86_400,
    );
  });

  it('leaves records written before TTLs alone: they never expire', async () => {
    const h = harness();
    const legacy = record(h.now(), 99);
    h.source.add(legacy);
    h.advance((HOT_DAYS - 2) * DAY);
    h.store.faults.fail('put');
    await expect(h.run()).rejects.toThrow();
    expect(h.source.holds).toBe(0);
    expect(h.source.expiresAt.has(legacy.eventId)).toBe(false);
  });

  it('exports nothing from an empty table', async () => {
    const h = harness();
    expect(await h.run()).toEqual({ manifests: [], held: 0, caughtUp: true });
  });

  it('property: whatever the failures, no record expires before it is exported', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Each step: records written, hours passed, and whether the bucket refuses writes.
        fc.array(
          fc.record({ writes: fc.nat(3), hours: fc.integer({ min: 1, max: 96 }), down: fc.boolean() }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        fc.integer({ min: 0, max: 40 }),
        async (steps, outageDays) => {
          const h = harness({ recordsPerFile: 4, filesPerRun: 2 });
          const lost: string[] = [];
          const run = async (down: boolean) => {
            if (down) h.store.faults.fail('put');
            await h.run().catch(() => undefined);
            const exported = new Set(h.store.exportedIds());
            lost.push(
              ...h.source
                .expire(new Date(h.now()))
                .flatMap((r) => (exported.has(r.eventId) ? [] : [r.eventId])),
            );
          };
          for (const step of steps) {
            for (let i = 0; i < step.writes; i++) h.write();
            h.advance(step.hours * 3_600_000);
            await run(step.down);
          }
          // A long outage of the bucket, one run a day, then recovery.
          for (let d = 0; d < outageDays; d++) {
            h.write();
            h.advance(DAY);
            await run(true);
          }
          for (let d = 0; d < 10; d++) {
            h.advance(DAY);
            await run(false);
          }
          expect(lost).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
