import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unusedAccessWire } from '../../src/wire/reviews.js';
import { devToken, oidcPrincipal, stack, userEnvironment } from '../integration/support.js';
import { runCli } from './cli-run.js';

/** `credvend reviews unused` as an admin runs it against the running stack. */
describe('credvend reviews unused', () => {
  const run = Date.now();
  const id = `cli-unused-${run}`;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let adminToken: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'credvend-reviews-'));
    adminToken = await devToken('admin@example.com');
    env = userEnvironment(home, adminToken);
    const put = await fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        subject: { group: { issuer: stack().issuer, name: `nobody-${run}` } },
        accountId: stack().targetAccountId,
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(put.status).toBe(201);
  });
  afterAll(async () => {
    await fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
    });
    await rm(home, { recursive: true, force: true });
  });

  it('lists an entitlement nobody used, as a table and as JSON', async () => {
    const args = ['reviews', 'unused', '--days', '7', '--account-id', stack().targetAccountId];
    const table = await runCli(args, env);
    const json = await runCli(['--json', ...args], env);

    expect(table.code).toBe(0);
    const line = table.stdout.split('\n').find((l) => l.includes(id));
    expect(line).toContain(`nobody-${run}`);
    expect(line).toContain(oidcPrincipal('admin@example.com'));
    expect(json.code).toBe(0);
    const report = unusedAccessWire.parse(JSON.parse(json.stdout));
    expect(report.days).toBe(7);
    expect(report.entitlements.find((e) => e.id === id)).toMatchObject({
      subjectKind: 'group',
      issuancesIn90Days: 0,
    });
  });

  it('refuses a caller without the admin role, and a days value that is not a number', async () => {
    const alice = await runCli(['reviews', 'unused'], {
      ...env,
      CREDVEND_TOKEN: await devToken('alice@example.com'),
    });
    const bad = await runCli(['reviews', 'unused', '--days', 'soon'], env);

    expect(alice.code).toBe(3);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--days');
  });
});
