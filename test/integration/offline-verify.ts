import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type VerificationReportWire, verificationReportWire } from '../../src/wire/audit.js';

const run = promisify(execFile);

/** The auditor's side: no credvend URL, no token, no AWS credentials; only files. */
export async function verifyOffline(
  args: string[],
  command = 'verify-offline',
): Promise<{ code: number; report: VerificationReportWire }> {
  const {
    CREDVEND_API_URL: _u,
    CREDVEND_TOKEN: _t,
    AWS_ACCESS_KEY_ID: _a,
    AWS_SECRET_ACCESS_KEY: _s,
    ...env
  } = process.env;
  const argv = [resolve('bin/credvend.js'), '--json', 'audit', command, ...args];
  try {
    const { stdout } = await run(process.execPath, argv, {
      env: { ...env, HOME: tmpdir() },
      timeout: 60_000,
    });
    return { code: 0, report: verificationReportWire.parse(JSON.parse(stdout)) };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (!e.stdout) throw new Error(`${command} failed: ${e.stderr}`);
    return { code: e.code ?? -1, report: verificationReportWire.parse(JSON.parse(e.stdout)) };
  }
}
