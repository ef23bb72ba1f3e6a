import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  reviewDetailWire,
  reviewItemWire,
  reviewListWire,
  reviewWire,
  unusedAccessWire,
} from '../../src/wire/reviews.js';
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

/**
 * A review campaign through the CLI against the running stack: the admin opens and closes it,
 * a named reviewer lists, reads and decides; anyone else is refused and nothing changes.
 */
describe('credvend reviews open | list | show | decide | close', () => {
  const run = Date.now();
  const ids = { time: `cli-review-until-${run}`, drop: `cli-review-drop-${run}` };
  const group = `cli-reviewed-${run}`;
  let home: string;
  let admin: NodeJS.ProcessEnv;
  let bob: NodeJS.ProcessEnv;
  let mallory: NodeJS.ProcessEnv;
  const json = <T>(schema: z.ZodType<T>, stdout: string): T => schema.parse(JSON.parse(stdout));
  const entitlement = async (id: string) => {
    const response = await fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
    });
    return { status: response.status, body: response.status === 200 ? await response.json() : undefined };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'credvend-review-campaign-'));
    const adminToken = await devToken('admin@example.com');
    admin = userEnvironment(home, adminToken);
    bob = { ...admin, CREDVEND_TOKEN: await devToken('bob@example.com') };
    mallory = { ...admin, CREDVEND_TOKEN: await devToken('mallory@example.com') };
    for (const id of Object.values(ids)) {
      const put = await fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({
          subject: { group: { issuer: stack().issuer, name: group } },
          accountId: stack().targetAccountId,
          roleArn: stack().roles.readonly,
          maxDurationSeconds: 900,
        }),
      });
      expect(put.status, id).toBe(201);
    }
  });
  afterAll(async () => {
    const adminToken = await devToken('admin@example.com');
    for (const id of Object.values(ids)) {
      const { body } = await entitlement(id);
      const version = z.object({ version: z.number() }).safeParse(body);
      if (version.success)
        await fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${adminToken}`, 'if-match': `"v${version.data.version}"` },
        });
    }
    await rm(home, { recursive: true, force: true });
  });

  it('opens, lists, shows, decides (keep-until, remove) and closes; a non-admin cannot open, a non-reviewer cannot decide', async () => {
    const scope = `subject:group|${stack().issuer}|${group}`;
    const openArgs = ['reviews', 'open', '--scope', scope, '--reviewer', oidcPrincipal('bob@example.com')];
    const terms = ['--deadline', '7d', '--default', 'keep', '--description', `cli campaign ${run}`];

    const refusedOpen = await runCli([...openArgs, ...terms], bob);
    const opened = await runCli(['--json', ...openArgs, ...terms], admin);
    expect(refusedOpen.code).toBe(3);
    expect(opened.code, opened.stderr).toBe(0);
    const review = json(reviewWire, opened.stdout);
    expect(review).toMatchObject({ state: 'open', items: 2, deadlineDefault: 'keep' });

    const listed = await runCli(['--json', 'reviews', 'list'], bob);
    const table = await runCli(['reviews', 'list'], bob);
    const notNamed = await runCli(['--json', 'reviews', 'list'], mallory);
    expect(json(reviewListWire, listed.stdout).reviews.map((r) => r.id)).toContain(review.id);
    expect(table.stdout).toContain(review.id);
    expect(json(reviewListWire, notNamed.stdout).reviews.map((r) => r.id)).not.toContain(review.id);

    const shown = await runCli(['--json', 'reviews', 'show', review.id], bob);
    const shownTable = await runCli(['reviews', 'show', review.id], bob);
    const detail = json(reviewDetailWire, shown.stdout);
    expect(
      detail.items.map((i) => [i.entitlementId, i.entitlement?.version, i.callerIsSubject]).sort(),
    ).toEqual([
      [ids.drop, 1, false],
      [ids.time, 1, false],
    ]);
    const row = shownTable.stdout.split('\n').find((l) => l.includes(ids.time)) ?? '';
    expect(row).toMatch(/\bv1\b.*none in 90 days.*undecided/);

    // Mallory is named nowhere: refused (exit 3), audited, and the item stays undecided.
    const stranger = await runCli(['reviews', 'decide', review.id, ids.drop, 'remove'], mallory);
    expect(stranger.code).toBe(3);
    expect((await entitlement(ids.drop)).status).toBe(200);

    const kept = await runCli(
      [
        'reviews',
        'decide',
        review.id,
        ids.time,
        'keep-until',
        '--until',
        '30d',
        '--note',
        'one more month',
        '--if-match',
        '"v1"',
      ],
      bob,
    );
    const removed = await runCli(['--json', 'reviews', 'decide', review.id, ids.drop, 'remove'], bob);
    expect(kept.stdout).toBe(`${ids.time}: keep-until (applied)\n`);
    expect(json(reviewItemWire, removed.stdout).decision).toMatchObject({
      decision: 'remove',
      by: oidcPrincipal('bob@example.com'),
      outcome: 'applied',
    });
    const timeBoxed = z
      .object({ notAfter: z.string(), version: z.number() })
      .parse((await entitlement(ids.time)).body);
    expect(timeBoxed.version).toBe(2);
    expect(Date.parse(timeBoxed.notAfter) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await entitlement(ids.drop)).status).toBe(404);

    const refusedClose = await runCli(['reviews', 'close', review.id], bob);
    const closed = await runCli(['--json', 'reviews', 'close', review.id], admin);
    const late = await runCli(['reviews', 'decide', review.id, ids.time, 'keep'], bob);
    expect(refusedClose.code).toBe(3);
    expect(json(reviewWire, closed.stdout)).toMatchObject({
      state: 'closed',
      closedBy: oidcPrincipal('admin@example.com'),
    });
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('closed');
  });
});
