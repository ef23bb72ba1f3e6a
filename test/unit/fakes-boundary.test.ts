import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

const FAKES_IMPORT = /from\s+['"][^'"]*\/fakes\.js['"]/;

describe('in-memory fakes stay out of shipped code', () => {
  it('lives only in src/domain/<feature>/fakes.ts, one per feature', () => {
    const fakes = sources('src').filter((file) => /(^|\/)fakes\.ts$/.test(file));
    expect(fakes.length).toBeGreaterThanOrEqual(6);
    for (const file of fakes) expect(file).toMatch(/^src\/domain\/[a-z-]+\/fakes\.ts$/);
  });

  it('is imported by no function, adapter or composition code, only by other fakes and tests', () => {
    const importers = [...sources('src'), ...sources('functions')].filter((file) =>
      FAKES_IMPORT.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !/^src\/domain\/[a-z-]+\/fakes\.ts$/.test(file))).toEqual([]);
  });
});
