import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { devToken, stack, userEnvironment } from '../integration/support.js';

const run = promisify(execFile);

/**
 * The real AWS CLI, configured the way a user would: a profile whose credential_process
 * asks the running API (over HTTP) for credentials in the credential_process format.
 */
describe('AWS CLI with a credential_process profile', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-e2e-'));
    const body = JSON.stringify({
      entitlement: 'demo-readonly',
      format: 'credential_process',
      reason: 'e2e',
    });
    const script = join(dir, 'credvend-creds.sh');
    await writeFile(
      script,
      `#!/bin/sh\nexec curl -sf -X POST "$CREDVEND_API_URL/v1/credentials" -H "authorization: Bearer $CREDVEND_TOKEN" -H 'content-type: application/json' -d '${body}'\n`,
      { mode: 0o700 },
    );
    await writeFile(
      join(dir, 'aws-config'),
      `[profile credvend]\nregion = us-east-1\ncredential_process = ${script}\n`,
    );
    env = userEnvironment(dir, await devToken('alice@example.com'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const aws = (...args: string[]) =>
    run('aws', [...args, '--profile', 'credvend', '--endpoint-url', stack().stsEndpoint], {
      env,
      timeout: 60_000,
    });

  it('shows the assumed role in the target account', async () => {
    const { stdout } = await aws('sts', 'get-caller-identity', '--output', 'json');
    const identity = z.object({ Account: z.string(), Arn: z.string() }).parse(JSON.parse(stdout));
    expect(identity.Account).toBe('222222222222');
    expect(identity.Arn).toBe('arn:aws:sts::222222222222:assumed-role/credvend-readonly/alice@example.com');
  });

  it('lists the demo bucket and is refused a write the role does not allow', async () => {
    const { stdout } = await aws('s3', 'ls');
    expect(stdout).toContain(stack().bucket);
    const file = join(dir, 'upload.txt');
    await writeFile(file, 'denied');
    await expect(aws('s3', 'cp', file, `s3://${stack().bucket}/upload.txt`)).rejects.toMatchObject({
      stderr: expect.stringContaining('AccessDenied'),
    });
  });
});
