import { describe, expect, it } from 'vitest';
import { fuzzyMatch } from '../../src/cli/picker.js';

describe('the picker’s fuzzy match', () => {
  it('matches the typed characters in order, case and spaces ignored', () => {
    expect(fuzzyMatch('dro', 'demo-readonly  222222222222/credvend-readonly')).toBe(true);
    expect(fuzzyMatch('RO nly', 'demo-readonly')).toBe(true);
    expect(fuzzyMatch('', 'anything')).toBe(true);
    expect(fuzzyMatch('yd', 'demo-readonly')).toBe(false);
    expect(fuzzyMatch('deployx', 'demo-deploy')).toBe(false);
  });
});
