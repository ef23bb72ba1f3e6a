import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/cli/context.js';

describe('toCsv', () => {
  it.each([
    '=HYPERLINK("http://evil")',
    '+1+1',
    '-2+3',
    '@SUM(A1)',
    '\tcmd',
    '\rcmd',
  ])('neutralises %j, which a spreadsheet would run as a formula', (reason) => {
    const [, line] = toCsv([{ reason }], ['reason']).split('\r\n');
    const cell = line?.startsWith('"') ? line.slice(1) : line;
    expect(cell?.startsWith("'")).toBe(true);
  });

  it('leaves ordinary cells and quoting as RFC 4180 has them', () => {
    expect(toCsv([{ a: 'plain', b: 'x,"y"' }], ['a', 'b'])).toBe('a,b\r\nplain,"x,""y"""\r\n');
  });
});
