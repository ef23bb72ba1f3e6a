import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// Every static, re-export, type-only and dynamic import of a relative module: a type-only
// cycle is still a cycle a reader has to untangle.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative imports of one file, resolved to source files (`./x.js` is `./x.ts`). */
function importsOf(file: string, files: ReadonlySet<string>): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].flatMap(([, specifier = '']) => {
    const target = resolve(dirname(file), specifier).replace(/\.js$/, '');
    return [`${target}.ts`, `${target}.tsx`, join(target, 'index.ts')].filter((path) => files.has(path));
  });
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || graph.get(node)?.includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('import graph of src/', () => {
  it('has no cycles, type-only imports included', () => {
    const files = new Set(sourceFiles(SRC));
    const graph = new Map([...files].map((file) => [file, importsOf(file, files)]));
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
    const cycles = importCycles(graph).map((cycle) => cycle.map((file) => relative(SRC, file)));
    expect(cycles).toEqual([]);
  });

  it('finds a cycle, a self-import and a longer loop, and nothing in a chain', () => {
    const cyclesOf = (edges: Record<string, string[]>) => importCycles(new Map(Object.entries(edges)));
    expect(cyclesOf({ a: ['b'], b: ['a'] })).toEqual([['a', 'b']]);
    expect(cyclesOf({ a: ['a'] })).toEqual([['a']]);
    expect(cyclesOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] })).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf({ a: ['b'], b: ['c'], c: [] })).toEqual([]);
  });
});
