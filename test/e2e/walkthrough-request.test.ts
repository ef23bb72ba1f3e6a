import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REQUESTABLE_ID } from '../../src/local/demo-requestable.js';
import { devToken, stack, userEnvironment } from '../integration/support.js';
import { runCli, runProgram } from './cli-run.js';

/**
 * The walkthrough's request lines as printed: the stack seeds a requestable, bob (no
 * entitlements) asks for it, an admin approves, and `credvend grants` says what to type.
 */
describe('the seeded demo requestable', () => {
  let dir: string;
  const as = async (sub: string) => userEnvironment(dir, await devToken(sub));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-walk-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('bob requests it, the admin approves, grants prints the target and creds works with it', async () => {
    const bob = { ...(await as('bob@example.com')), CREDVEND_CONFIG: join(dir, 'bob.json') };
    const listed = await runCli(['requestables'], bob);
    expect(listed.stdout).toContain(DEMO_REQUESTABLE_ID);
    const reason = `walkthrough ${randomUUID()}`;
    const asked = await runCli(['request', DEMO_REQUESTABLE_ID, '--duration', '1h', '--reason', reason], bob);
    expect(asked.code, asked.stderr).toBe(0);
    const [id, state] = asked.stdout.trim().split(' ');
    expect(state).toBe('requested');
    const admin = { ...(await as('admin@example.com')), CREDVEND_CONFIG: join(dir, 'admin.json') };
    const approved = await runCli(['approve', id ?? ''], admin);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toBe(`${id} active\n`);

    const grants = await runCli(['grants'], bob);
    expect(grants.stdout).toMatch(/^ID\s+REQUESTABLE\s+STATE\s+FROM\s+UNTIL\s+USE\n/);
    const use = new RegExp(
      `^${id}\\s+${DEMO_REQUESTABLE_ID}\\s+active\\s+\\S+\\s+\\S+\\s+(credvend creds (\\S+))$`,
      'm',
    ).exec(grants.stdout);
    expect(use?.[2], grants.stdout).toBe(`grant-${id}`);
    const creds = await runCli(['creds', use?.[2] ?? '', '--format', 'env'], bob);
    expect(creds.code, creds.stderr).toBe(0);
    const keys = Object.fromEntries(
      [...creds.stdout.matchAll(/^export (\w+)='?([^'\n]*)'?$/gm)].map((m) => [m[1], m[2]]),
    );
    const aws = await runProgram(
      'aws',
      ['sts', 'get-caller-identity', '--endpoint-url', stack().stsEndpoint],
      { ...bob, ...keys },
    );
    expect(aws.code, aws.stderr).toBe(0);
    expect(aws.stdout).toContain('assumed-role/credvend-readonly/');

    // Revoked here, the grant's cached credentials go too: nothing serves them afterwards.
    const processArgs = ['creds', use?.[2] ?? '', '--format', 'credential_process'];
    expect((await runCli(processArgs, bob)).code).toBe(0);
    const revoked = await runCli(['revoke-grant', id ?? ''], bob);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toMatch(/dropped 1 cached credential\(s\) of the grant/);
    const after = await runCli(processArgs, bob);
    expect(after.code).not.toBe(0);
    expect(after.stdout).toBe('');
  });

  it('bob schedules one for later: approved now, it is listed as scheduled and issues nothing before its start', async () => {
    const bob = { ...(await as('bob@example.com')), CREDVEND_CONFIG: join(dir, 'bob.json') };
    const admin = { ...(await as('admin@example.com')), CREDVEND_CONFIG: join(dir, 'admin.json') };
    const ask = ['request', DEMO_REQUESTABLE_ID, '--duration', '1h', '--reason', 'scheduled change window'];
    const refused = await runCli([...ask, '--start', 'tomorrowish'], bob);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--start is "in 2h", a local time like 14:00, or an ISO 8601 date-time');
    const tooFar = await runCli([...ask, '--start', 'in 31d'], bob);
    expect(tooFar.code).not.toBe(0);
    expect(tooFar.stderr).toContain('start: from now to 30 days ahead');

    const before = Date.now();
    const asked = await runCli([...ask, '--start', 'in 2h'], bob);
    expect(asked.code, asked.stderr).toBe(0);
    const [id, state, ...rest] = asked.stdout.trim().split(' ');
    expect(state).toBe('requested');
    const start = Date.parse(rest.join(' ').replace(/^\(to start at (\S+) once approved\)$/, '$1'));
    expect(start - before).toBeGreaterThanOrEqual(7_200_000 - 1000);
    expect(start - Date.now()).toBeLessThanOrEqual(7_200_000);
    const approved = await runCli(['approve', id ?? ''], admin);
    expect(approved.stdout).toBe(`${id} active\n`);

    const grants = await runCli(['grants'], bob);
    const row = new RegExp(`^${id}\\s+${DEMO_REQUESTABLE_ID}\\s+scheduled\\s+(\\S+)\\s+(\\S+)\\s`, 'm').exec(
      grants.stdout,
    );
    expect(row?.[1], grants.stdout).toBe(new Date(start).toISOString());
    expect(Date.parse(row?.[2] ?? '') - start).toBe(3_600_000);
    const early = await runCli(['creds', `grant-${id}`, '--format', 'env'], bob);
    expect(early.code).not.toBe(0);
    expect(early.stdout).toBe('');
    expect((await runCli(['revoke-grant', id ?? ''], bob)).code).toBe(0);
  });
});
