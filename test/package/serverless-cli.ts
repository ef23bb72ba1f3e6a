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

/** `serverless package --stage test` into `dir` with deploy parameters; rejects with the CLI's output. */
export async function serverlessPackage(dir: string, params: Record<string, string> = {}): Promise<void> {
  await run(
    'npx',
    [
      'serverless',
      'package',
      '--stage',
      'test',
      '--package',
      dir,
      ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
    ],
    { env: { ...process.env, ...PACKAGING_ENV }, timeout: 240_000 },
  );
}
