import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The IAM gate (src/local/iam-gate) runs @cloud-copilot/iam-simulate, which is AGPL-3.0:
 * dev and test only. No Lambda function and no part of the CLI may reach it, directly or
 * through anything they import.
 */

const ROOT = join(import.meta.dirname, '../..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module `entry` reaches through relative imports, and every package it names. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (files.has(file)) continue;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? '';
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '');
      const found = [`${target}.ts`, `${target}.tsx`, join(target, 'index.ts')].find((f) => existsSync(f));
      if (found) pending.push(found);
    }
  }
  return { files, packages };
}

const ENTRIES = [
  ...readdirSync(join(ROOT, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `functions/${f}`),
  'src/cli/main.ts',
];

describe('the IAM gate stays out of everything that ships', () => {
  it.each(ENTRIES)('%s reaches neither the gate nor iam-simulate', (entry) => {
    const { files, packages } = reach(entry);
    expect(files.size).toBeGreaterThan(1);
    const gateFiles = [...files]
      .map((f) => relative(ROOT, f))
      .filter((f) => f.startsWith('src/local/iam-gate/'));
    expect(gateFiles).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@cloud-copilot/'))).toEqual([]);
  });

  it('the walk does find the gate from the local stack (the check can fail)', () => {
    const { files, packages } = reach('src/local/stack.ts');
    expect([...files].some((f) => f.includes('src/local/iam-gate/'))).toBe(true);
    expect(packages.has('@cloud-copilot/iam-simulate')).toBe(true);
  });

  it('the built CLI bundle carries neither', () => {
    const bundle = join(ROOT, 'bin/credvend.js');
    const chunks = join(ROOT, 'bin/chunks');
    const texts = [bundle, ...(existsSync(chunks) ? readdirSync(chunks).map((c) => join(chunks, c)) : [])]
      .filter((f) => existsSync(f) && /\.m?js$/.test(f))
      .map((f) => readFileSync(f, 'utf8'));
    expect(texts.length).toBeGreaterThan(0);
    // iam-simulate's verdict names and the gate's own refusal text (the package name itself
    // appears, in the package.json the CLI embeds for its version).
    for (const marker of ['ImplicitlyDenied', 'the local IAM gate', 'runUnsafeSimulation'])
      expect(texts.filter((t) => t.includes(marker)).length, marker).toBe(0);
  });
});
