import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../../src/cli/durations.js';
import { parseFastRequest } from '../../src/cli/fast-path.js';
import { startInstant } from '../../src/cli/start-time.js';

describe('durations as people type them', () => {
  it.each([
    ['3600', 3600],
    ['90m', 5400],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2d', 172_800],
    ['45s', 45],
  ])('%s is %i seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'h', '1.5h', '1 h', '-1h', 'ten', '1w'])('%j is not a duration', (text) => {
    expect(durationSeconds(text)).toBeUndefined();
  });

  it('the fast path reads --duration as the program does, so both use one cache entry', () => {
    expect(
      parseFastRequest(['creds', 'x', '--format', 'credential_process', '--duration', '1h'])?.fields,
    ).toEqual({ target: 'x', duration: 3600 });
  });

  it('the fast path leaves anything it does not know to the program', () => {
    expect(parseFastRequest(['creds', 'x', '--format', 'json'])).toBeUndefined();
    expect(parseFastRequest(['creds', 'x', '--format', 'env', '--no-cache'])).toBeUndefined();
    expect(parseFastRequest(['roles'])).toBeUndefined();
    expect(parseFastRequest(['--profile', 'p', 'creds', 'x', '--format=env'])).toMatchObject({
      profile: 'p',
      format: 'env',
    });
  });
});

describe('start times as people type them', () => {
  // A local instant: these cases hold in any time zone the tests run in.
  const now = new Date(2026, 5, 1, 10, 30, 0);

  it('reads "in <duration>" from now', () => {
    expect(startInstant('in 2h', now)).toEqual(new Date(now.getTime() + 7_200_000));
    expect(startInstant('IN 90m', now)).toEqual(new Date(now.getTime() + 5_400_000));
  });

  it('reads a clock time as the next one in local time', () => {
    expect(startInstant('14:00', now)).toEqual(new Date(2026, 5, 1, 14, 0, 0));
    expect(startInstant('9:05', now)).toEqual(new Date(2026, 5, 2, 9, 5, 0));
    expect(startInstant('10:30', now)).toEqual(new Date(2026, 5, 2, 10, 30, 0));
  });

  it('reads ISO 8601 date-times, local without an offset', () => {
    expect(startInstant('2026-06-03T08:00:00Z', now)).toEqual(new Date(Date.UTC(2026, 5, 3, 8)));
    expect(startInstant('2026-06-03T08:00+02:00', now)).toEqual(new Date(Date.UTC(2026, 5, 3, 6)));
    expect(startInstant('2026-06-03 08:00', now)).toEqual(new Date(2026, 5, 3, 8, 0, 0));
  });

  it.each([
    '',
    'in',
    'in 2 hours',
    'tomorrow',
    '24:00',
    '14:0',
    '2026-06-03',
    '2026-13-03T08:00Z',
    'in -1h',
  ])('%j names no instant', (text) => {
    expect(startInstant(text, now)).toBeUndefined();
  });
});
