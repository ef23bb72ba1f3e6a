import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withPackagingLock } from './packaging-lock.js';

const run = promisify(execFile);

/** osls's CLI, run with this Node directly: `npx` would spend about a second finding it. */
const SERVERLESS_CLI = createRequire(import.meta.url).resolve('osls/bin/serverless.js');

/** Packaging never calls AWS; the provider still wants credentials to exist. */
const PACKAGING_ENV = {
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  AWS_ACCESS_KEY_ID: 'packaging',
  AWS_SECRET_ACCESS_KEY: 'packaging',
};

/**
 * Where a test run keeps the function zips of its first packaging. Bundling every function is
 * most of a packaging's time (esbuild: about 11 s of its 18 s on an idle machine, several times
 * that while the machine is shared), and the zips depend on the sources only: serverless.yml's
 * esbuild options are fixed, and neither the stage nor a deploy parameter reaches a bundle (the
 * same sources give byte-identical zips). So later packagings of the run (the package tests'
 * second variant, the local stack's template) render their template around those zips, which
 * serverless-esbuild's skipBuild takes from the --package folder. `npm test` (test/run.ts) names
 * one folder for both of its lanes in CREDVEND_SHARED_BUNDLES; otherwise a process keeps its own,
 * named on globalThis, not in this module: vitest loads each project's global setup in a module
 * graph of its own. The sources do not change while one test run lasts.
 */
const BUNDLES = Symbol.for('credvend.packaged-bundles');
type BundleStore = { [BUNDLES]?: string };
/** Written last: a folder without it holds no complete set of zips. */
const COMPLETE = '.complete';

function bundleFolder(): string | undefined {
  return process.env.CREDVEND_SHARED_BUNDLES ?? (globalThis as BundleStore)[BUNDLES];
}

async function keepBundles(dir: string): Promise<void> {
  let kept = bundleFolder();
  if (kept === undefined) {
    const own = await mkdtemp(join(tmpdir(), 'credvend-bundles-'));
    process.once('exit', () => rmSync(own, { recursive: true, force: true }));
    (globalThis as BundleStore)[BUNDLES] = own;
    kept = own;
  }
  const zips = (await readdir(dir)).filter((name) => name.endsWith('.zip'));
  await Promise.all(zips.map((name) => copyFile(join(dir, name), join(kept, name))));
  await writeFile(join(kept, COMPLETE), '');
}

/** Copies the kept zips into `dir`; false when this run has built none yet. */
async function reuseBundles(dir: string): Promise<boolean> {
  const kept = bundleFolder();
  if (kept === undefined || !existsSync(join(kept, COMPLETE))) return false;
  await mkdir(dir, { recursive: true });
  const zips = (await readdir(kept)).filter((name) => name.endsWith('.zip'));
  await Promise.all(zips.map((name) => copyFile(join(kept, name), join(dir, name))));
  return true;
}

/**
 * `serverless package --stage <stage>` into `dir` with deploy parameters (and variables added to
 * the packaging process's environment); rejects with the CLI's output. esbuild works in the
 * service's .esbuild folder, so packagings take turns (packaging-lock.ts). With `shareBundles`, the
 * first such packaging of the run bundles the functions and later ones reuse its zips (above);
 * without it (a packaging expected to fail, whose --package folder must stay empty) esbuild runs
 * as usual.
 */
export async function serverlessPackage(
  dir: string,
  params: Record<string, string> = {},
  stage = 'test',
  environment: Record<string, string> = {},
  { shareBundles = false }: { shareBundles?: boolean } = {},
): Promise<void> {
  await withPackagingLock(() => packageNow(dir, params, stage, environment, shareBundles));
}

async function packageNow(
  dir: string,
  params: Record<string, string>,
  stage: string,
  environment: Record<string, string>,
  shareBundles: boolean,
): Promise<void> {
  const prebuilt = shareBundles && (await reuseBundles(dir));
  // serverless-esbuild leaves a folder per function in the temporary directory: give it one
  // of its own and take it away afterwards.
  const scratch = await mkdtemp(join(tmpdir(), 'credvend-packaging-'));
  try {
    await run(
      process.execPath,
      [
        SERVERLESS_CLI,
        'package',
        '--stage',
        stage,
        '--package',
        dir,
        ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ],
      {
        env: {
          ...process.env,
          ...environment,
          ...PACKAGING_ENV,
          ...(prebuilt ? { CREDVEND_PREBUILT_BUNDLES: 'true' } : {}),
          TMPDIR: scratch,
        },
        timeout: 240_000,
      },
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (shareBundles && !prebuilt) await keepBundles(dir);
}
