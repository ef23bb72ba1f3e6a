import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devToken, stack, userEnvironment } from '../integration/support.js';
import { runCli, runProgram } from './cli-run.js';

const USER_CONTENT_BEFORE =
  '# my settings\n[default]\nregion = eu-west-1\n\n[profile mine]\nregion = eu-central-1\n';
const USER_CONTENT_AFTER = '[profile after]\noutput = json\n';

/** `credvend aws-config --write`: a managed block that a real AWS CLI then uses. */
describe('credvend aws-config', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let admin: string;
  const dave = `dave-${randomUUID()}@example.com`;
  const ids = [`cfg-a-${randomUUID().slice(0, 8)}`, `cfg-b-${randomUUID().slice(0, 8)}`];
  const config = () => readFile(join(dir, 'aws-config'), 'utf8');

  const putEntitlement = (id: string) =>
    fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: dave } },
        accountId: '222222222222',
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 3600,
      }),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-awsconfig-'));
    admin = await devToken('admin@example.com');
    for (const id of ids) expect((await putEntitlement(id)).status).toBe(201);
    env = { ...userEnvironment(dir, await devToken(dave)), CREDVEND_CONFIG: join(dir, 'credvend.json') };
    await writeFile(join(dir, 'aws-config'), USER_CONTENT_BEFORE);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes one profile per entitlement between markers, keeps the user’s content and a backup', async () => {
    const run = await runCli(['aws-config', '--write'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /wrote 2 profiles \(credvend-cfg-a-\S+, credvend-cfg-b-\S+\); previous file kept as/,
    );
    const text = await config();
    expect(text.startsWith(USER_CONTENT_BEFORE)).toBe(true);
    expect(text).toMatch(
      /^\[profile credvend-cfg-a-\w+\]\nregion = us-east-1\ncredential_process = \S+ \S+bin\/credvend\.js --api-url \S+ creds cfg-a-\w+ --format credential_process$/m,
    );
    expect(await readFile(join(dir, 'aws-config.credvend-backup'), 'utf8')).toBe(USER_CONTENT_BEFORE);
    expect(((await stat(join(dir, 'aws-config'))).mode & 0o777).toString(8)).toBe('600');

    const aws = await runProgram(
      'aws',
      [
        'sts',
        'get-caller-identity',
        '--profile',
        `credvend-${ids[0]}`,
        '--endpoint-url',
        stack().stsEndpoint,
      ],
      env,
    );
    expect(aws.code, aws.stderr).toBe(0);
    expect(aws.stdout).toContain('assumed-role/credvend-readonly/');
  });

  it('re-running changes nothing', async () => {
    const before = await config();
    const run = await runCli(['aws-config', '--write'], env);
    expect(run.stdout).toMatch(/: no change \(2 profiles\)\n$/);
    expect(await config()).toBe(before);
  });

  it('prunes the profile of an entitlement that is gone, and leaves content after the block alone', async () => {
    await writeFile(join(dir, 'aws-config'), `${await config()}\n${USER_CONTENT_AFTER}`);
    const response = await fetch(`${stack().apiUrl}/v1/entitlements/${ids[1]}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}`, 'if-match': '"v1"' },
    });
    expect(response.status).toBe(204);
    const dry = await runCli(['aws-config', '--write', '--dry-run'], env);
    expect(dry.stdout).toMatch(/would become:/);
    expect(await config()).toContain(`credvend-${ids[1]}`);
    const run = await runCli(['aws-config', '--write'], env);
    expect(run.code, run.stderr).toBe(0);
    const text = await config();
    expect(text).not.toContain(`credvend-${ids[1]}`);
    expect(text).toContain(`[profile credvend-${ids[0]}]`);
    expect(text.startsWith(USER_CONTENT_BEFORE)).toBe(true);
    expect(text.endsWith(USER_CONTENT_AFTER)).toBe(true);
  });

  it('uses the name scheme, and refuses to shadow a profile of the user’s', async () => {
    const printed = await runCli(['aws-config', '--name', '{account}-{role}'], env);
    expect(printed.stdout).toContain('[profile 222222222222-credvend-readonly]');
    const clash = await runCli(['aws-config', '--write', '--name', 'mine'], env);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/profile mine already exists outside credvend's block/);
  });

  it('gives entitlements on one role one profile under a role-based name, which the AWS CLI reads', async () => {
    const again = `cfg-c-${randomUUID().slice(0, 8)}`;
    expect((await putEntitlement(again)).status).toBe(201);
    const run = await runCli(['aws-config', '--write', '--name', '{account}-{role}'], env);
    expect(run.code, run.stderr).toBe(0);
    const text = await config();
    expect(text.match(/^\[profile 222222222222-credvend-readonly\]$/gm)).toHaveLength(1);
    expect(text).toMatch(/ creds 222222222222\/credvend-readonly --format credential_process$/m);
    const region = await runProgram(
      'aws',
      ['configure', 'get', 'region', '--profile', '222222222222-credvend-readonly'],
      env,
    );
    expect(region.code, region.stderr).toBe(0);
    expect(region.stdout).toBe('us-east-1\n');
    const aws = await runProgram(
      'aws',
      [
        'sts',
        'get-caller-identity',
        '--profile',
        '222222222222-credvend-readonly',
        '--endpoint-url',
        stack().stsEndpoint,
      ],
      env,
    );
    expect(aws.code, aws.stderr).toBe(0);
  });

  it('refuses, before writing, a result the AWS CLI could not read, and --check says why', async () => {
    const broken = `${USER_CONTENT_BEFORE}\n[profile mine]\noutput = json\n`;
    await writeFile(join(dir, 'aws-config'), broken);
    // The independent judge: the AWS CLI itself cannot read the file.
    const aws = await runProgram('aws', ['configure', 'get', 'region', '--profile', 'mine'], env);
    expect(aws.code).not.toBe(0);
    expect(aws.stderr).toMatch(/Unable to parse config file/);
    const check = await runCli(['aws-config', '--check'], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/aws-config:8: section \[profile mine\] again \(first on line 5\)/);
    expect(check.stdout).toMatch(/the AWS CLI cannot read this file/);
    const run = await runCli(['aws-config', '--write'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not written, the AWS CLI could not read the result/);
    expect(await config()).toBe(broken);
  });

  it('--check passes once the block is written and fails when it is stale', async () => {
    await writeFile(join(dir, 'aws-config'), USER_CONTENT_BEFORE);
    expect((await runCli(['aws-config', '--check'], env)).stdout).toMatch(/profiles are missing/);
    expect((await runCli(['aws-config', '--write'], env)).code).toBe(0);
    const fresh = await runCli(['aws-config', '--check'], env);
    expect(fresh.code, fresh.stdout).toBe(0);
    expect(fresh.stdout).toMatch(/can read it\n.*profiles are up to date\n$/);
    const stale = await runCli(['aws-config', '--check', '--region', 'eu-west-3'], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/profiles are stale \(run `credvend aws-config --write`\)/);
  });
});
