import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildPortal } from '../../src/portal/build.js';

describe('portal assets', () => {
  it('keeps the page’s JavaScript within its 60 KB gzip budget, with no eval or inline HTML parsing', async () => {
    const built = await buildPortal();
    const { PORTAL_ASSETS } = await import('../../src/portal/generated/assets.js');
    expect(PORTAL_ASSETS.script.name).toBe(built.scriptName);
    expect(gzipSync(PORTAL_ASSETS.script.body).byteLength).toBeLessThanOrEqual(60 * 1024);
    // What the CSP forbids must not be needed: no eval, no Function(), no HTML injection sinks.
    expect(PORTAL_ASSETS.script.body).not.toMatch(
      /\beval\(|new Function\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
    );
  });
});
