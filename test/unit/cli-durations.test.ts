import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../../src/cli/durations.js';
import { parseFastRequest } from '../../src/cli/fast-path.js';

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
