import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/aws/audit-cursor.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';

const key = Buffer.alloc(32, 1);
const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
const start = { done: [], at: [] };

describe('audit cursors', () => {
  it('round-trips a cursor this server made: its range and every partition’s place', () => {
    const merge = {
      after: { time: '2026-01-20T00:00:00.000Z', eventId: 'x' },
      done: [3, 5],
      at: [{ partition: 7, key: { time: '2026-01-19T00:00:00.000Z', eventId: 'y' } }],
    };
    const cursor = encodeCursor(key, 'q', { range, merge });
    expect(decodeCursor(key, 'q', cursor)).toEqual({ range, merge });
  });

  it('fits the wire’s 4096 characters with all 64 partitions stopped at places of their own', () => {
    const at = Array.from({ length: 64 }, (_, partition) => ({
      partition,
      key: {
        time: new Date(Date.UTC(2026, 0, 1) + partition * 977_123).toISOString(),
        eventId: newEventId(),
      },
    }));
    const cursor = encodeCursor(key, JSON.stringify(['principal', 'x'.repeat(300), 1000]), {
      range,
      merge: { after: { time: range.to, eventId: newEventId() }, done: [], at },
    });
    expect(cursor.length).toBeLessThan(4096);
  });

  it('refuses a cursor MACed with another key, or for another query', () => {
    const cursor = encodeCursor(Buffer.alloc(32, 2), 'q', { range, merge: start });
    expect(() => decodeCursor(key, 'q', cursor)).toThrow(InvalidRequestError);
    expect(() => decodeCursor(key, 'other', encodeCursor(key, 'q', { range, merge: start }))).toThrow(
      InvalidRequestError,
    );
  });

  it('applies the range limits again: even a valid MAC over a range past 400 days is refused', () => {
    const wide = { from: '2020-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' };
    expect(() => decodeCursor(key, 'q', encodeCursor(key, 'q', { range: wide, merge: start }))).toThrow(
      InvalidRequestError,
    );
    const backwards = { from: range.to, to: range.from };
    expect(() => decodeCursor(key, 'q', encodeCursor(key, 'q', { range: backwards, merge: start }))).toThrow(
      InvalidRequestError,
    );
  });

  it('refuses a MACed payload that is not a position, rather than guessing one', () => {
    const bad = [
      { done: [-1], at: [] },
      { done: [], at: [{ partition: 1.5, key: { time: 't', eventId: 'e' } }] },
      { done: [], at: [{ partition: 1, key: { time: '', eventId: 'e' } }] },
    ];
    for (const merge of bad) {
      expect(() => decodeCursor(key, 'q', encodeCursor(key, 'q', { range, merge }))).toThrow(
        InvalidRequestError,
      );
    }
  });
});
