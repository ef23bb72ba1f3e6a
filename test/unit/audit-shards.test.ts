import { describe, expect, it } from 'vitest';
import { AUDIT_SHARDS, outcomeSegments, outcomeShardOf } from '../../src/aws/audit-shards.js';
import { newEventId } from '../../src/domain/shared/ids.js';

describe('outcome shards of the audit time index', () => {
  it('spreads one outcome over every shard evenly: no partition key takes every record', () => {
    const counts = new Map<string, number>();
    const records = 16_000;
    for (let i = 0; i < records; i++) {
      const key = outcomeShardOf('issued', newEventId());
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(outcomeSegments(['issued']).sort());
    for (const count of counts.values()) {
      // Each shard within ±15 % of an even share (binomial spread at this size is about ±3 %).
      expect(Math.abs(count - records / AUDIT_SHARDS)).toBeLessThan((0.15 * records) / AUDIT_SHARDS);
    }
  });

  it('keeps a record on one shard, and walks every outcome shard once', () => {
    const id = newEventId();
    expect(outcomeShardOf('denied', id)).toBe(outcomeShardOf('denied', id));
    expect(outcomeShardOf('denied', id)).toMatch(/^denied#[0-7]$/);
    const all = outcomeSegments();
    expect(new Set(all).size).toBe(4 * AUDIT_SHARDS);
    expect(all.slice(0, AUDIT_SHARDS)).toEqual(outcomeSegments(['issued']));
  });
});
