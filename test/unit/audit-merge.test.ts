import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryPartitions } from '../../src/domain/audit/fakes.js';
import {
  type EntryKey,
  type MergeLimits,
  type MergePosition,
  mergedPage,
  newestFirst,
} from '../../src/domain/audit/merged-pages.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';

interface Entry extends EntryKey {
  matches: boolean;
}

const LIMITS: Omit<MergeLimits, 'limit'> = { extraReads: 4, maxBatch: 64, concurrency: 3 };

/** A time a few milliseconds apart, so ties across and within partitions are common. */
const timeOf = (ms: number) => new Date(Date.UTC(2026, 11, 7) + ms).toISOString();
const idOf = (n: number) => `01K${String(n).padStart(23, '0')}`;

/** Follows cursors to the end (as the CLI and the export do), JSON round-tripping each. */
async function walk(
  source: InMemoryPartitions<Entry>,
  limits: MergeLimits,
  between: (page: number) => void = () => {},
): Promise<{ entries: Entry[]; pages: number; maxReads: number }> {
  const entries: Entry[] = [];
  let position: MergePosition | undefined;
  let pages = 0;
  let maxReads = 0;
  do {
    const page = await mergedPage(source, position, limits);
    entries.push(...page.entries);
    maxReads = Math.max(maxReads, page.reads);
    position = page.next && JSON.parse(JSON.stringify(page.next));
    between(pages++);
    if (pages > 10_000) throw new Error('the walk does not end');
  } while (position);
  return { entries, pages, maxReads };
}

type Generated = { partition: number; ms: number; matches: boolean };

function sourceOf(partitions: number, records: readonly Generated[]): InMemoryPartitions<Entry> {
  const source = new InMemoryPartitions<Entry>(partitions, (e) => e.matches);
  for (const [n, r] of records.entries()) {
    source.add(r.partition % partitions, { time: timeOf(r.ms), eventId: idOf(n), matches: r.matches });
  }
  return source;
}

const record = fc.record({
  partition: fc.nat(),
  ms: fc.nat({ max: 40 }),
  matches: fc.boolean(),
});

describe('merged audit pages', () => {
  it('lists every record once, globally newest first, in pages of any size, with the reads of a page bounded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.array(record, { maxLength: 120 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
        async (partitions, records, limit, extraReads) => {
          const source = sourceOf(partitions, records);
          const limits = { ...LIMITS, limit, extraReads };
          const { entries, maxReads } = await walk(source, limits);
          const expected = source.lists
            .flat()
            .filter((e) => e.matches)
            .sort(newestFirst);
          expect(entries.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
          expect(maxReads).toBeLessThanOrEqual(partitions + extraReads);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('records arriving between pages, newer or late-dated, are never repeated and never push one out', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(record, { maxLength: 80 }),
        fc.array(fc.tuple(fc.nat({ max: 6 }), record), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        async (partitions, records, arrivals, limit) => {
          const source = sourceOf(partitions, records);
          const present = source.lists
            .flat()
            .filter((e) => e.matches)
            .sort(newestFirst);
          const arrived = new Set<string>();
          const { entries } = await walk(source, { ...LIMITS, limit }, (page) => {
            for (const [n, [afterPage, r]] of arrivals.entries()) {
              if (afterPage !== page) continue;
              const eventId = idOf(10_000 + n);
              arrived.add(eventId);
              // Arrivals are dated anywhere: later than everything, or late writes inside the range.
              source.add(r.partition % partitions, { time: timeOf(r.ms * 2), eventId, matches: r.matches });
            }
          });
          const ids = entries.map((e) => e.eventId);
          expect(new Set(ids).size).toBe(ids.length);
          expect([...entries].sort(newestFirst)).toEqual(entries);
          expect(ids.filter((id) => !arrived.has(id))).toEqual(present.map((e) => e.eventId));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a page whose reads are spent returns short, and the walk still ends with every record', async () => {
    // One partition holds the only match, deep under entries the filter skips.
    const source = new InMemoryPartitions<Entry>(4, (e) => e.matches);
    for (let n = 0; n < 400; n++)
      source.add(n % 4, { time: timeOf(400 - n), eventId: idOf(n), matches: n === 399 });
    const first = await mergedPage(source, undefined, { ...LIMITS, limit: 10, extraReads: 2 });
    expect(first.entries).toEqual([]);
    expect(first.reads).toBe(6);
    expect(first.next?.at.length).toBeGreaterThan(0);
    const { entries } = await walk(source, { ...LIMITS, limit: 10, extraReads: 2 });
    expect(entries.map((e) => e.eventId)).toEqual([idOf(399)]);
  });

  it('reads each partition once for a page the first batches fill, and doubles a busy partition’s batch', async () => {
    const source = new InMemoryPartitions<Entry>(8);
    for (let n = 0; n < 200; n++) source.add(0, { time: timeOf(n), eventId: idOf(n), matches: true });
    const page = await mergedPage(source, undefined, { ...LIMITS, limit: 50 });
    // Batches of 8, 16, 32 on the busy partition: three reads of it, one of each other.
    expect(page.entries).toHaveLength(50);
    expect(page.reads).toBe(10);
    expect(page.next).toEqual({
      after: { time: timeOf(150), eventId: idOf(150) },
      done: [1, 2, 3, 4, 5, 6, 7],
      at: [],
    });
  });

  it('orders a millisecond’s entries itself, reading it to its end when a whole batch falls inside it', async () => {
    // Twelve entries of one millisecond in one partition, stored in the opposite order: more than a batch.
    const source = new InMemoryPartitions<Entry>(2, (e) => e.matches);
    for (let n = 0; n < 12; n++) source.add(0, { time: timeOf(5), eventId: idOf(n), matches: n % 3 !== 0 });
    source.add(1, { time: timeOf(4), eventId: idOf(99), matches: true });
    const { entries } = await walk(source, { ...LIMITS, limit: 2 });
    const expected = source.lists
      .flat()
      .filter((e) => e.matches)
      .sort(newestFirst);
    expect(entries.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
  });

  it('refuses a position naming a partition the query does not have, or one twice', async () => {
    const source = new InMemoryPartitions<Entry>(2);
    const key = { time: timeOf(0), eventId: idOf(0) };
    for (const position of [
      { done: [2], at: [] },
      { done: [-1], at: [] },
      { done: [0], at: [{ partition: 0, key }] },
    ]) {
      await expect(mergedPage(source, position, { ...LIMITS, limit: 1 })).rejects.toThrow(
        InvalidRequestError,
      );
    }
  });
});
