import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packaging never calls AWS; the provider still wants credentials to exist. */
const PACKAGING_ENV = {
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  AWS_ACCESS_KEY_ID: 'packaging',
  AWS_SECRET_ACCESS_KEY: 'packaging',
};

/**
 * `serverless package --stage <stage>` into `dir` with deploy parameters (and variables added to
 * the packaging process's environment); rejects with the CLI's output. esbuild works in the
 * service's .esbuild folder: never run two at once.
 */
export async function serverlessPackage(
  dir: string,
  params: Record<string, string> = {},
  stage = 'test',
  environment: Record<string, string> = {},
): Promise<void> {
  // serverless-esbuild leaves a folder per function in the temporary directory: give it one
  // of its own and take it away afterwards.
  const scratch = await mkdtemp(join(tmpdir(), 'credvend-packaging-'));
  try {
    await run(
      'npx',
      [
        'serverless',
        'package',
        '--stage',
        stage,
        '--package',
        dir,
        ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ],
      { env: { ...process.env, ...environment, ...PACKAGING_ENV, TMPDIR: scratch }, timeout: 240_000 },
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
