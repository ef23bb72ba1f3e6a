/**
 * Cold start: every packaged function built as `serverless package` builds it, beside the
 * minimal reference handler (bench/reference/handler.ts) built the same way. Bytes, gzip
 * bytes (what Lambda downloads) and import time in a fresh `node` process: module parse,
 * evaluation and everything the handler builds at module scope, which is what a cold start
 * pays before the first request. Runs are interleaved so drift hits every bundle alike.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuiltHandler, buildHandler, lambdaBuildOptions } from './lambda-build.js';
import { percentile } from './stats.js';

const run = promisify(execFile);

const FUNCTIONS = ['vend', 'audit', 'admin', 'requests', 'portal', 'digest', 'stream', 'rotation'] as const;
const REFERENCE = 'bench/reference/handler.ts';

/** What Lambda's environment holds for these functions (serverless.yml), with inert values. */
const LAMBDA_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench-key-id-never-used',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-never-used',
  AWS_SESSION_TOKEN: 'bench-token-never-used',
  CREDVEND_OIDC_ISSUER: 'https://token.actions.githubusercontent.com',
  CREDVEND_SERVER_ID: 'credvend-bench',
  CREDVEND_DIGEST_BUCKET: 'credvend-bench-digests',
  CREDVEND_DIGEST_KEY_ID: 'arn:aws:kms:us-east-1:111111111111:key/bench',
  CREDVEND_LOG_LEVEL: 'info',
  ENTITLEMENTS_TABLE: 'credvend-entitlements',
  AUDIT_TABLE: 'credvend-audit',
};

/** serverless.yml's per-function environment, where a function has its own. */
const FUNCTION_ENV: Record<string, NodeJS.ProcessEnv> = {
  rotation: {
    CREDVEND_VENDING_IDENTITY: 'user',
    CREDVEND_VENDING_KEY_SECRET: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:credvend-vending-key',
    CREDVEND_VENDING_USER_NAME: 'credvend-vending',
  },
};

/** Milliseconds from the start of `import()` to its end, in a fresh process. */
async function importTime(name: string, file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { ...LAMBDA_ENV, ...FUNCTION_ENV[name] },
  });
  return Number(stdout);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The largest parts of a bundle, for the reader who wants to shrink it next. */
function topPackages(built: BuiltHandler, count: number): string {
  return [...built.byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(', ');
}

export interface ColdStartFigures {
  /** vend bytes / reference bytes, vend import / reference import (medians). */
  vendBytesRatio: number;
  vendImportRatio: number;
  vendImportMs: number;
  referenceImportMs: number;
}

export async function benchColdStart(runs: number): Promise<ColdStartFigures> {
  const lambda = await lambdaBuildOptions();
  const dir = await mkdtemp(join(tmpdir(), 'credvend-bench-cold-'));
  try {
    const entries: Array<[string, string]> = [
      ['reference', REFERENCE],
      ...FUNCTIONS.map((name): [string, string] => [name, `functions/${name}.ts`]),
    ];
    const built = new Map<string, BuiltHandler>();
    for (const [name, entry] of entries) built.set(name, await buildHandler(entry, join(dir, name), lambda));
    const samples = new Map<string, number[]>(entries.map(([name]) => [name, []]));
    // One warm-up round fills the OS file cache for node and every bundle.
    for (const [name] of entries) await importTime(name, built.get(name)?.file ?? '');
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < entries.length; k++) {
        const [name] = entries[(i + k) % entries.length] ?? ['reference'];
        samples.get(name)?.push(await importTime(name, built.get(name)?.file ?? ''));
      }
    }
    const median = (name: string) => percentile(samples.get(name) ?? [], 50);
    const reference = built.get('reference');
    if (!reference) throw new Error('reference handler not built');
    const refImport = median('reference');
    console.log(
      `\ncold start: bundles as serverless package builds them, import in a fresh node (median of ${runs})`,
    );
    console.log(`  function    bytes (x ref)       gzip (x ref)       import (x ref)`);
    for (const [name] of entries) {
      const b = built.get(name);
      if (!b) continue;
      const cells = [
        `${kb(b.bytes).padStart(7)} (${(b.bytes / reference.bytes).toFixed(2)}x)`,
        `${kb(b.gzipBytes).padStart(7)} (${(b.gzipBytes / reference.gzipBytes).toFixed(2)}x)`,
        `${median(name).toFixed(1).padStart(6)} ms (${(median(name) / refImport).toFixed(2)}x)`,
      ];
      console.log(`  ${name.padEnd(10)}  ${cells.join('   ')}`);
    }
    const vend = built.get('vend');
    if (!vend) throw new Error('vend not built');
    console.log(`  vend's largest parts: ${topPackages(vend, 8)}`);
    console.log(`  reference's largest parts: ${topPackages(reference, 5)}`);
    console.log('  (targets: vend import <= 1.0x, vend bytes <= 1.0x the reference)');
    return {
      vendBytesRatio: vend.bytes / reference.bytes,
      vendImportRatio: median('vend') / refImport,
      vendImportMs: median('vend'),
      referenceImportMs: refImport,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
