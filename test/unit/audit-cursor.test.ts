import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/aws/audit-cursor.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';

const key = Buffer.alloc(32, 1);
const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

describe('audit cursors', () => {
  it('round-trips a cursor this server made', () => {
    const cursor = encodeCursor(key, 'q', { range, key: { eventId: { S: 'x' } } });
    expect(decodeCursor(key, 'q', cursor)).toEqual({ range, key: { eventId: { S: 'x' } } });
  });

  it('refuses a cursor MACed with another key, or for another query', () => {
    const cursor = encodeCursor(Buffer.alloc(32, 2), 'q', { range });
    expect(() => decodeCursor(key, 'q', cursor)).toThrow(InvalidRequestError);
    expect(() => decodeCursor(key, 'other', encodeCursor(key, 'q', { range }))).toThrow(InvalidRequestError);
  });

  it('applies the range limits again: even a valid MAC over a range past 400 days is refused', () => {
    const wide = { from: '2020-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' };
    expect(() => decodeCursor(key, 'q', encodeCursor(key, 'q', { range: wide }))).toThrow(
      InvalidRequestError,
    );
    const backwards = { from: range.to, to: range.from };
    expect(() => decodeCursor(key, 'q', encodeCursor(key, 'q', { range: backwards }))).toThrow(
      InvalidRequestError,
    );
  });
});
