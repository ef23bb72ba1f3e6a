import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { type VerificationReportWire, verificationReportWire } from '../../src/wire/audit.js';
import { stack } from './support.js';

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

/**
 * The stack's digest-signing public key written to `file` as an auditor gets it
 * (`aws kms get-public-key --output text --query PublicKey`: base64 DER).
 */
export async function writeDigestPublicKey(file: string): Promise<void> {
  const kms = new KMSClient({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: stack().operator,
  });
  const key = await kms.send(new GetPublicKeyCommand({ KeyId: stack().digestKeyId }));
  await writeFile(file, Buffer.from(key.PublicKey ?? new Uint8Array()).toString('base64'));
  kms.destroy();
}
