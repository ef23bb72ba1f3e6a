/**
 * `npx tsx bench/bundle-diff.ts <base-rev> [function] [head-rev]`: what grew in a function's bundle
 * between two commits. Each side is checked out (git worktree, sharing this clone's node_modules)
 * and built by lambda-build.ts from that side's own serverless.yml, as `serverless package` builds
 * it, beside the bench's reference handler; the esbuild metafiles are compared input by input
 * (bytes in the output per own file and per package). Bytes are exact: no load to worry about.
 * Without head-rev the working tree is the head side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { lambdaBuildOptions } from './lambda-build.js';

const REFERENCE = 'bench/reference/handler.ts';

interface Side {
  label: string;
  bytes: number;
  referenceBytes: number;
  /** bytesInOutput per input: own files by path, packages by node_modules/<name>. */
  inputs: Map<string, number>;
}

function inputName(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match ? `pkg ${match[1]}` : input.replace(/^.*?(src\/|functions\/)/, '$1');
}

async function bundle(root: string, entry: string): Promise<{ bytes: number; inputs: Map<string, number> }> {
  const lambda = await lambdaBuildOptions(join(root, 'serverless.yml'));
  const result = await build({
    ...lambda.options,
    absWorkingDir: root,
    entryPoints: [join(root, entry)],
    write: false,
    outdir: join(root, '.bundle-diff'),
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values<Metafile['outputs'][string]>(result.metafile.outputs);
  if (!output) throw new Error(`esbuild wrote nothing for ${entry}`);
  const inputs = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = inputName(input);
    inputs.set(name, (inputs.get(name) ?? 0) + bytesInOutput);
  }
  return { bytes: output.bytes, inputs };
}

async function measure(label: string, root: string, fn: string): Promise<Side> {
  const built = await bundle(root, `functions/${fn}.ts`);
  const reference = await bundle(root, REFERENCE);
  return { label, bytes: built.bytes, referenceBytes: reference.bytes, inputs: built.inputs };
}

async function checkout(rev: string, dir: string): Promise<string> {
  const root = join(dir, rev.replace(/[^\w.-]/g, '_'));
  execFileSync('git', ['worktree', 'add', '--detach', root, rev], { stdio: 'ignore' });
  await symlink(resolve('node_modules'), join(root, 'node_modules'));
  return root;
}

function printDiff(base: Side, head: Side): void {
  const ratio = (side: Side) => (side.bytes / side.referenceBytes).toFixed(3);
  console.log(`${base.label}: ${base.bytes} bytes, reference ${base.referenceBytes}, ${ratio(base)}x`);
  console.log(`${head.label}: ${head.bytes} bytes, reference ${head.referenceBytes}, ${ratio(head)}x`);
  const names = new Set([...base.inputs.keys(), ...head.inputs.keys()]);
  const rows = [...names]
    .map((name) => ({ name, before: base.inputs.get(name) ?? 0, after: head.inputs.get(name) ?? 0 }))
    .filter((row) => row.before !== row.after)
    .sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before));
  console.log(`\n${'delta'.padStart(8)} ${'before'.padStart(8)} ${'after'.padStart(8)}  input`);
  for (const row of rows) {
    const delta = row.after - row.before;
    const sign = delta > 0 ? '+' : '';
    console.log(
      `${`${sign}${delta}`.padStart(8)} ${String(row.before).padStart(8)} ${String(row.after).padStart(8)}  ${row.name}`,
    );
  }
  console.log(
    `${`${head.bytes - base.bytes}`.padStart(8)} in all (own code and packages, before minified glue)`,
  );
}

const [baseRev, fn = 'vend', headRev] = process.argv.slice(2);
if (!baseRev) {
  console.error('usage: tsx bench/bundle-diff.ts <base-rev> [function] [head-rev]');
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'credvend-bundle-diff-'));
const worktrees: string[] = [];
try {
  const baseRoot = await checkout(baseRev, dir);
  worktrees.push(baseRoot);
  const headRoot = headRev ? await checkout(headRev, dir) : process.cwd();
  if (headRev) worktrees.push(headRoot);
  const base = await measure(baseRev, baseRoot, fn);
  const head = await measure(headRev ?? 'working tree', headRoot, fn);
  printDiff(base, head);
} finally {
  for (const root of worktrees) {
    execFileSync('git', ['worktree', 'remove', '--force', relative(process.cwd(), root) || root]);
  }
  await rm(dir, { recursive: true, force: true });
}
