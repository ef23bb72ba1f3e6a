import { execFile } from 'node:child_process';
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
    { env: { ...process.env, ...environment, ...PACKAGING_ENV }, timeout: 240_000 },
  );
}
