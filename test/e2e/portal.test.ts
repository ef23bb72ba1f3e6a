import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createActivityJob } from '../../src/compose/activity.js';
import { compose } from '../../src/compose/composition.js';
import { loadConfig } from '../../src/config.js';
import { LOCAL_TRAIL_BUCKET } from '../../src/local/seed-aws.js';
import { accessKeyIssuanceWire } from '../../src/wire/audit.js';
import { callerWire } from '../../src/wire/caller.js';
import { assumedRole, objectCreated, record } from '../fixtures/cloudtrail.js';
import { devToken, oidcPrincipal, stack, testRuntime, userEnvironment } from '../integration/support.js';
import { launchChromium } from './browser.js';

const run = promisify(execFile);
/** Pages answer after real round trips on a busy machine: wait for what a person would see. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });
// The portal guide's screenshots (docs/screenshots) are refreshed on request only, so `npm test` leaves the tracked
// files alone; otherwise the run's screenshots go to a temporary folder.
const SCREENSHOTS =
  process.env.CREDVEND_UPDATE_SCREENSHOTS === '1'
    ? join(process.cwd(), 'docs', 'screenshots')
    : join(tmpdir(), `credvend-screenshots-${process.pid}`);
const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
/** What this run wrote: the portal guide must show exactly these (last test). */
const written = new Set<string>();
async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
  written.add(name);
}

/** At phone width (390 px) no view may be wider than the screen: wide tables scroll inside their own region. */
async function fitsPhone(page: Page): Promise<boolean> {
  await page.setViewportSize({ width: 390, height: 844 });
  const fits = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
  return fits === true;
}

const navLabels = (page: Page) =>
  page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();

/** What GET /v1/me says of a person: the judge of what the page shows. */
async function me(sub: string): Promise<{ principal: string; displayName: string; roles: string[] }> {
  const response = await fetch(`${stack().apiUrl}/v1/me`, {
    headers: { authorization: `Bearer ${await devToken(sub)}` },
  });
  return z
    .object({ principal: z.string(), displayName: z.string(), roles: z.array(z.string()) })
    .parse(await response.json());
}

async function adminApi(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const token = await devToken('admin@example.com');
  return fetch(`${stack().apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Sign in through the real IdP's login page, as a person would: one click on who you are. */
async function signIn(context: BrowserContext, who: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${stack().apiUrl}/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: who, exact: true }).click();
  await page.waitForURL(`${stack().apiUrl}/`);
  await poll(() => page.getByRole('heading', { name: 'My access' }).count()).toBe(1);
  return page;
}

async function go(page: Page, hash: string, heading: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  await page.getByRole('heading', { name: heading, level: 2 }).first().waitFor();
}

/** axe-core, run inside the page (evaluate is not subject to the page's CSP). */
async function seriousViolations(page: Page): Promise<string[]> {
  // Injected once per document (half a megabyte to parse each time); a new document needs it again.
  if ((await page.evaluate('typeof axe')) === 'undefined') await page.evaluate(axe.source);
  const ids: unknown = await page.evaluate(
    `axe.run().then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  );
  return z.array(z.string()).parse(ids);
}

const pwned = (page: Page): Promise<unknown> => page.evaluate('window.__pwned');

/**
 * CloudTrail delivers a log file of what alice's issued session did (a management event, a data
 * event on an object, an error), and the activity function ingests it under its own role.
 */
async function deliverActivity(issuance: { accessKeyId: string; sourceIdentity?: string | undefined }) {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    forcePathStyle: true,
    credentials: stack().operator,
  });
  await s3.send(new CreateBucketCommand({ Bucket: LOCAL_TRAIL_BUCKET })).catch((error: unknown) => {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  });
  const session = assumedRole({ accessKeyId: issuance.accessKeyId, sourceIdentity: issuance.sourceIdentity });
  const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const id = `portal-${Date.now()}`;
  const Records = [
    record(`${id}-1`, at(1), {
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      userIdentity: session,
    }),
    record(`${id}-2`, at(2), {
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      managementEvent: false,
      eventCategory: 'Data',
      userIdentity: session,
      resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::reports/q4.csv' }],
    }),
    record(`${id}-3`, at(3), {
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      errorCode: 'Client.UnauthorizedOperation',
      sourceIPAddress: '198.51.100.77',
      userIdentity: session,
    }),
  ];
  const key = `AWSLogs/o-exampleorgid/222222222222/CloudTrail/us-east-1/2026/12/07/222222222222_CloudTrail_us-east-1_${id}.json.gz`;
  await s3.send(
    new PutObjectCommand({
      Bucket: LOCAL_TRAIL_BUCKET,
      Key: key,
      Body: gzipSync(JSON.stringify({ Records })),
    }),
  );
  const job = createActivityJob(
    compose(loadConfig(stack().credvendEnv), testRuntime('198.51.100.31', 'activity')),
  );
  await job(objectCreated(LOCAL_TRAIL_BUCKET, key));
}

describe('web portal in Chromium', () => {
  let browser: Browser;
  let dir: string;
  const contexts: BrowserContext[] = [];
  const newContext = async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack().apiUrl });
    contexts.push(context);
    return context;
  };

  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(join(tmpdir(), 'credvend-portal-'));
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page under a strict CSP, hashed assets cached for a year, no framing', async () => {
    const page = await fetch(`${stack().apiUrl}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const script = /src="(\/assets\/app\.[0-9a-f]{16}\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${stack().apiUrl}${script}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${stack().apiUrl}/assets/app.0000000000000000.js`)).status).toBe(404);
  });

  it('says a sign-in error from a fixed set, never words from a crafted link', async () => {
    const page = await (await newContext()).newPage();
    const crafted = 'Your account is locked: call 555-0100 and read them your token';
    await page.goto(
      `${stack().apiUrl}/?error=access_denied&error_description=${encodeURIComponent(crafted)}`,
    );
    await poll(() => page.getByRole('alert').textContent()).toBe(
      'Sign-in was refused or cancelled at your identity provider.',
    );
    await page.goto(`${stack().apiUrl}/?error=${encodeURIComponent(crafted)}`);
    await poll(() => page.getByRole('alert').textContent()).toBe('Sign-in failed: sign in again.');
    expect(await page.content()).not.toContain('555-0100');
  });

  it('shows who is signed in and offers each person only the views of their roles; the API refuses the rest anyway', async () => {
    for (const [who, sub] of [
      ['Alice', 'alice@example.com'],
      ['Auditor', 'auditor@example.com'],
      ['Admin', 'admin@example.com'],
    ] as const) {
      const page = await signIn(await newContext(), who);
      const person = await me(sub);
      // One way to show a person everywhere: the display name beside the principal.
      await poll(() => page.locator('header .whoami').textContent()).toContain(
        `${person.displayName} (${person.principal})`,
      );
      expect(await page.locator('header .whoami').textContent()).toContain(
        person.roles.length > 0 ? person.roles.join(', ') : 'no privileged role',
      );
      const expected = ['My access', 'Requests', 'Reviews'];
      if (person.roles.includes('auditor')) expected.push('Audit');
      if (person.roles.includes('admin')) expected.push('Admin');
      expect(await navLabels(page)).toEqual(expected);
      if (sub === 'auditor@example.com') expect(person.roles).toEqual(['auditor']);
      if (sub === 'admin@example.com') expect(person.roles).toContain('admin');
      if (sub !== 'alice@example.com') continue;
      // A plain user sees neither; typing the address says so and asks the API for nothing.
      expect(person.roles).toEqual([]);
      for (const [hash, label, role] of [
        ['#/audit', 'Audit', 'the auditor role'],
        ['#/admin', 'Admin', 'the admin role or an admin slice'],
      ] as const) {
        await go(page, hash, label);
        expect(await page.getByRole('alert').textContent()).toBe(`This page needs ${role}.`);
      }
      expect(await seriousViolations(page)).toEqual([]);
      // The server refuses anyway: the same person's token on the audit and admin routes.
      const token = await devToken(sub);
      for (const path of ['/v1/audit/events', '/v1/entitlements', '/v1/audit/verify']) {
        const refused = await fetch(`${stack().apiUrl}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(refused.status, path).toBe(403);
      }
    }
  });

  it('alice signs in, plans, copies env exports and a profile the real aws CLI uses, opens the console', async () => {
    const context = await newContext();
    const page = await signIn(context, 'Alice');
    const card = page.locator('[data-entitlement="demo-readonly"]');
    await card.getByRole('button', { name: 'Plan' }).click();
    await poll(() => card.getByRole('status').textContent()).toContain('nothing was');
    await poll(() => card.locator('dl.plan').textContent()).toContain('Session policy');
    await screenshot(page, 'portal-access.png');

    await card.getByRole('button', { name: 'Copy env exports' }).click();
    const exports = card.getByLabel('Environment exports');
    await exports.waitFor();
    const shown = (await exports.textContent()) ?? '';
    expect(shown).toMatch(/^export AWS_ACCESS_KEY_ID=/m);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(shown);
    const keyId = /AWS_ACCESS_KEY_ID='?([A-Z0-9]+)/.exec(shown)?.[1] ?? '';
    // Shown once, kept nowhere: after Hide the page holds no copy, and storage holds nothing.
    await card.getByRole('button', { name: 'Hide' }).click();
    expect(await page.content()).not.toContain(keyId);
    expect(
      await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })'),
    ).toBe('{}{}');

    await card.getByRole('button', { name: 'Copy credential_process profile' }).click();
    const profile = (await card.getByLabel('credential_process profile').textContent()) ?? '';
    expect(profile).toContain('[profile demo-readonly]');
    const cli = `node ${join(process.cwd(), 'bin', 'credvend.js')}`;
    await writeFile(
      join(dir, 'aws-config'),
      profile.replace('credential_process = credvend ', `credential_process = ${cli} `),
    );
    const env = { ...userEnvironment(dir, await devToken('alice@example.com')), HOME: dir };
    const { stdout } = await run(
      'aws',
      ['sts', 'get-caller-identity', '--profile', 'demo-readonly', '--endpoint-url', stack().stsEndpoint],
      { env },
    );
    expect(stdout).toContain('assumed-role/credvend-readonly/');

    const [consoleTab] = await Promise.all([
      context.waitForEvent('page'),
      card.getByRole('button', { name: 'Open console' }).click(),
    ]);
    await poll(() => card.getByRole('status').textContent()).toContain('console opened');
    await poll(() => consoleTab.url()).toContain('SigninToken=');
    await consoleTab.close();
    expect(await seriousViolations(page)).toEqual([]);
    await writeFile(join(dir, 'alice-key'), keyId);
  });

  it('shows markup in a description or a reason as text, never runs it', async () => {
    const current = await adminApi('GET', '/v1/entitlements/demo-readonly');
    const { id: _id, version: _v, ...rest } = z.record(z.string(), z.unknown()).parse(await current.json());
    const saved = await adminApi(
      'PUT',
      '/v1/entitlements/demo-readonly',
      { ...rest, description: XSS },
      { 'if-match': current.headers.get('etag') ?? '' },
    );
    expect(saved.status).toBe(200);
    const page = await signIn(await newContext(), 'Alice');
    await expect
      .poll(() => page.locator('[data-entitlement="demo-readonly"] .description').textContent())
      .toBe(XSS);
    expect(await pwned(page)).toBeUndefined();
  });

  it('alice requests access, bob approves in his own browser, alice sees the grant', async () => {
    const s = stack();
    const requestable = await adminApi('PUT', '/v1/requestables/portal-readonly', {
      description: 'read-only, for the portal test',
      requesters: { principals: [oidcPrincipal('alice@example.com')], groups: [] },
      approvers: { principals: [oidcPrincipal('bob@example.com')], groups: [] },
      accountId: s.targetAccountId,
      roleArn: s.roles.readonly,
      maxSessionSeconds: 3600,
      maxGrantSeconds: 7200,
    });
    expect([200, 201]).toContain(requestable.status);

    const alice = await signIn(await newContext(), 'Alice');
    await go(alice, '#/requests', 'Requests');
    await alice.getByLabel('Access').selectOption('portal-readonly');
    await alice.getByLabel('Reason', { exact: true }).fill(`incident review ${XSS}`);
    await alice.getByRole('button', { name: 'Request access' }).click();
    await poll(() => alice.getByRole('status').first().textContent()).toContain('is requested');

    const bob = await signIn(await newContext(), 'Bob');
    await go(bob, '#/requests', 'Requests');
    const row = bob.locator('tr', { hasText: 'incident review' });
    await poll(() => row.locator('.reason').textContent()).toBe(`incident review ${XSS}`);
    // The approver sees who asks by principal, beside whatever name the requester's token carries.
    expect(await row.locator('td').nth(1).textContent()).toContain(oidcPrincipal('alice@example.com'));
    expect(await pwned(bob)).toBeUndefined();
    await screenshot(bob, 'portal-approvals.png');
    expect(await seriousViolations(bob)).toEqual([]);
    await row.getByLabel('Comment').fill('ok for today');
    await row.getByRole('button', { name: 'Approve' }).click();
    await poll(() => bob.getByRole('status').first().textContent()).toContain('approve: done');

    // A reload forgets the in-memory token; signing in again is one click, the IdP remembers alice.
    await alice.reload();
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => alice.getByRole('heading', { name: 'Active grants' }).count()).toBe(1);
    await poll(() => alice.locator('li', { hasText: 'portal-readonly' }).count()).toBe(1);

    // A scheduled start, typed in the reader's local time: the request says when it would start.
    const later = new Date(Date.now() + 2 * 3600_000);
    const two = (n: number) => String(n).padStart(2, '0');
    const local = `${later.getFullYear()}-${two(later.getMonth() + 1)}-${two(later.getDate())}T${two(later.getHours())}:${two(later.getMinutes())}`;
    await go(alice, '#/requests', 'Requests');
    await alice.getByLabel('Access').selectOption('portal-readonly');
    await alice.getByLabel('Reason', { exact: true }).fill('scheduled maintenance window');
    await alice.getByLabel('Start (optional, your local time)').fill(local);
    await alice.getByRole('button', { name: 'Request access' }).click();
    await poll(() => alice.getByRole('status').first().textContent()).toContain('is requested');
    const scheduled = alice.locator('tr', { hasText: 'scheduled maintenance window' });
    await poll(() => scheduled.locator('.state').textContent()).toContain('to start');
    expect(await scheduled.locator('.state time').getAttribute('datetime')).toBe(
      new Date(local).toISOString(),
    );

    // One hour more: alice asks, bob approves the extension, alice sees the later end.
    const grant = alice.locator('tr', { hasText: 'incident review' });
    const endOf = async () => (await grant.locator('.state time').first().getAttribute('datetime')) ?? '';
    const end = await endOf();
    await grant.getByLabel('Reason to extend').fill('the review runs over');
    await grant.getByRole('button', { name: 'Extend by 1 h' }).click();
    await poll(() => grant.locator('.state').textContent()).toContain(
      'extension of 60 min requested (“the review runs over”)',
    );
    await go(bob, '#/', 'My access');
    await go(bob, '#/requests', 'Requests');
    await poll(() => row.locator('.state').textContent()).toContain('extension of 60 min requested');
    await row.getByRole('button', { name: 'Approve' }).click();
    await poll(() => bob.getByRole('status').first().textContent()).toContain('extension/approve: done');
    await go(alice, '#/', 'My access');
    await go(alice, '#/requests', 'Requests');
    await poll(endOf).toBe(new Date(Date.parse(end) + 3600_000).toISOString());
  });

  it('bob reviews: each item with its evidence, keep until a date and remove apply at once, his own access is shown but not his to decide', async () => {
    const s = stack();
    const run = Date.now();
    const ids = { alice: `review-alice-${run}`, team: `review-team-${run}`, bob: `review-bob-${run}` };
    const rows = [
      [ids.alice, { oidc: { issuer: s.issuer, sub: 'alice@example.com' } }],
      [ids.team, { group: { issuer: s.issuer, name: `reviewed-${run}` } }],
      [ids.bob, { oidc: { issuer: s.issuer, sub: 'bob@example.com' } }],
    ] as const;
    for (const [id, subject] of rows) {
      const put = await adminApi('PUT', `/v1/entitlements/${id}`, {
        subject,
        accountId: s.targetAccountId,
        roleArn: s.roles.readonly,
        maxDurationSeconds: 900,
      });
      expect(put.status, id).toBe(201);
    }
    // Alice uses hers once: the evidence her reviewer weighs.
    const vend = await fetch(`${s.apiUrl}/v1/credentials`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await devToken('alice@example.com')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ entitlement: ids.alice }),
    });
    expect(vend.status).toBe(200);
    const opened = await adminApi('POST', '/v1/reviews', {
      scope: { kind: 'role', roleArn: s.roles.readonly },
      reviewers: [oidcPrincipal('bob@example.com')],
      deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      deadlineDefault: 'keep',
      description: `Read-only access ${XSS}`,
    });
    expect(opened.status).toBe(201);
    const reviewId = z.object({ id: z.string() }).parse(await opened.json()).id;

    const bob = await signIn(await newContext(), 'Bob');
    await go(bob, '#/reviews', 'Reviews');
    const card = (id: string) => bob.locator(`[data-review="${reviewId}"] [data-item="${id}"]`);
    await poll(() => card(ids.alice).count()).toBe(1);
    expect(await bob.locator(`[data-review="${reviewId}"] h3`).textContent()).toBe(`Read-only access ${XSS}`);
    const evidence = (id: string) => card(id).locator('dl.evidence').textContent();
    const alice = oidcPrincipal('alice@example.com');
    expect(await evidence(ids.alice)).toContain('Issuances in the last 90 days1');
    expect(await evidence(ids.alice)).toContain(`alice@example.com (${alice}): 1, last`);
    expect(await evidence(ids.alice)).toContain(`Added${oidcPrincipal('admin@example.com')} on`);
    expect(await card(ids.alice).locator('dd time').count()).toBeGreaterThan(0);
    expect(await evidence(ids.team)).toContain('Last issuancenone in 90 days');
    // His own row is there to see, with nothing to press; the API refuses it anyway.
    expect(await card(ids.bob).locator('.own').textContent()).toContain('your own access');
    expect(await card(ids.bob).getByRole('button').count()).toBe(0);
    const bobDecides = await fetch(`${s.apiUrl}/v1/reviews/${reviewId}/items/${ids.bob}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await devToken('bob@example.com')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ decision: 'keep' }),
    });
    expect(bobDecides.status).toBe(403);
    expect(await pwned(bob)).toBeUndefined();
    expect(await seriousViolations(bob)).toEqual([]);
    await screenshot(bob, 'portal-reviews.png');

    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await card(ids.alice).getByLabel('Decision').selectOption('keep-until');
    await card(ids.alice).getByLabel('Keep until').fill(day);
    await card(ids.alice)
      .getByRole('button', { name: `Decide ${ids.alice}` })
      .click();
    await poll(() => card(ids.alice).locator('.decided').textContent()).toContain('(applied)');
    await card(ids.team).getByLabel('Decision').selectOption('remove');
    await card(ids.team)
      .getByRole('button', { name: `Decide ${ids.team}` })
      .click();
    await poll(() => card(ids.team).locator('.decided').textContent()).toContain('remove');
    expect(await card(ids.team).locator('.decided').textContent()).toContain('(applied)');
    expect(await fitsPhone(bob)).toBe(true);
    // The API is the judge: a time box ending the chosen day (the reader's clock), the removal done.
    const ending = await bob.evaluate(`new Date(${JSON.stringify(`${day}T23:59:59`)}).toISOString()`);
    const kept = z
      .object({ notAfter: z.string() })
      .parse(await (await adminApi('GET', `/v1/entitlements/${ids.alice}`)).json());
    expect(kept.notAfter).toBe(ending);
    expect((await adminApi('GET', `/v1/entitlements/${ids.team}`)).status).toBe(404);

    // Closed with its default (keep, which writes nothing); the test's rows go.
    expect((await adminApi('POST', `/v1/reviews/${reviewId}/close`)).status).toBe(200);
    for (const id of [ids.alice, ids.bob]) {
      const current = await adminApi('GET', `/v1/entitlements/${id}`);
      const gone = await adminApi('DELETE', `/v1/entitlements/${id}`, undefined, {
        'if-match': current.headers.get('etag') ?? '',
      });
      expect(gone.status, id).toBe(204);
    }
  });

  it('the auditor finds alice’s issuance by access key, verifies the chains and exports NDJSON', async () => {
    const keyId = await readFile(join(dir, 'alice-key'), 'utf8');
    // A reader far from UTC: times are shown on their clock, with UTC on hover.
    const context = await browser.newContext({
      viewport: { width: 1200, height: 900 },
      timezoneId: 'Asia/Tokyo',
      locale: 'en-GB',
    });
    contexts.push(context);
    const page = await signIn(context, 'Auditor');
    await go(page, '#/audit', 'Audit');
    await page.getByLabel('Access key id (from CloudTrail)').fill(keyId);
    await page.getByRole('button', { name: 'Find issuance' }).click();
    await poll(() => page.locator('section[aria-labelledby="key-h"] [role=status]').textContent()).toContain(
      `(${oidcPrincipal('alice@example.com')})`,
    );

    // What the issued session did, by its access key and by its issuance's audit record.
    const token = await devToken('auditor@example.com');
    const issued = accessKeyIssuanceWire.parse(
      await (
        await fetch(`${stack().apiUrl}/v1/audit/access-keys/${keyId}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json(),
    );
    await deliverActivity({ accessKeyId: keyId, sourceIdentity: issued.sourceIdentity });
    const calls = page.locator('section[aria-labelledby="activity-h"] tbody tr');
    const shown = async () =>
      await calls.evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].slice(1).map((td) => td.textContent)),
      );
    const expected = [
      ['s3', 'ListBuckets', '', '', '203.0.113.7'],
      ['s3', 'GetObject', 'arn:aws:s3:::reports/q4.csv', '', '203.0.113.7'],
      ['ec2', 'RunInstances', '', 'Client.UnauthorizedOperation', '198.51.100.77'],
    ];
    await page.getByLabel('Activity of').selectOption('key');
    await page.getByLabel('Id', { exact: true }).fill(keyId);
    await page.getByRole('button', { name: 'Show activity' }).click();
    await poll(shown).toEqual(expect.arrayContaining(expected));
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Activity of').selectOption('event');
    await page.getByLabel('Id', { exact: true }).fill(issued.eventId);
    await page.getByRole('button', { name: 'Show activity' }).click();
    await poll(() =>
      page.locator('section[aria-labelledby="activity-h"] [role=status]').textContent(),
    ).toMatch(/calls by 1 issued session/);
    await poll(shown).toEqual(expect.arrayContaining(expected));

    await page.getByRole('button', { name: 'Verify chains' }).click();
    const verdict = page.locator('section[aria-labelledby="verify-h"] [role=status]');
    // Verification reads every chain of the day: on a loaded machine it takes longer than a page.
    await expect
      .poll(() => verdict.textContent(), { timeout: 90_000, interval: 250 })
      .toMatch(/records in \d+ chains/);
    // The page reports what the API says, no more: the same verification through the API is the judge.
    const response = await fetch(`${stack().apiUrl}/v1/audit/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const api = z.object({ ok: z.boolean() }).parse(await response.json());
    expect((await verdict.textContent())?.startsWith(api.ok ? 'Verified' : 'NOT verified')).toBe(true);

    // Searched by the email the table shows beside the principal, as a person would type it.
    await page.getByLabel('Person').fill('alice@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator(`tr:has-text("${keyId}")`);
    await poll(() => row.count()).toBeGreaterThan(0);
    expect(await row.first().locator('td').nth(3).textContent()).toBe(
      `alice@example.com (${oidcPrincipal('alice@example.com')})`,
    );
    const time = row.first().locator('td').first().locator('time');
    const utc = (await time.getAttribute('datetime')) ?? '';
    expect(await time.getAttribute('title')).toBe(`${utc.slice(0, 19).replace('T', ' ')} UTC`);
    // Tokyo is UTC+9: the shown hour is the UTC hour plus nine.
    const hour = (Number(utc.slice(11, 13)) + 9) % 24;
    expect(await time.textContent()).toMatch(
      new RegExp(`\\b${String(hour).padStart(2, '0')}:${utc.slice(14, 16)}:`),
    );
    await screenshot(page, 'portal-audit.png');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ]);
    const lines = (await readFile((await download.path()) ?? '', 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    const principals = lines.map(
      (line) => z.object({ principal: z.string() }).parse(JSON.parse(line)).principal,
    );
    expect(new Set(principals)).toEqual(new Set([oidcPrincipal('alice@example.com')]));
    expect(await seriousViolations(page)).toEqual([]);
    expect(await fitsPhone(page)).toBe(true);
  });

  it('an admin’s stale edit gets the conflict message, not a silent overwrite', async () => {
    const first = await signIn(await newContext(), 'Admin');
    const second = await signIn(await newContext(), 'Admin');
    for (const page of [first, second]) {
      await go(page, '#/admin', 'Entitlements');
      await page.getByRole('button', { name: 'Edit demo-deploy' }).click();
      await page.getByLabel('Entitlement (JSON)').waitFor();
    }
    const edit = async (page: Page, description: string) => {
      const editor = page.getByLabel('Entitlement (JSON)');
      const doc = JSON.parse(await editor.inputValue());
      await editor.fill(JSON.stringify({ ...doc, description }, null, 2));
      await page.getByRole('button', { name: 'Save' }).click();
    };
    await edit(first, 'edited by the first admin');
    await poll(() => first.locator('.editor [role=status]').textContent()).toContain('Saved');
    await edit(second, 'stale edit');
    await poll(() => second.locator('.editor [role=status]').textContent()).toContain('Conflict');
    const stored = z
      .object({ description: z.string() })
      .parse(await (await adminApi('GET', '/v1/entitlements/demo-deploy')).json());
    expect(stored.description).toBe('edited by the first admin');
    await screenshot(second, 'portal-admin.png');
    expect(await seriousViolations(second)).toEqual([]);
    expect(await fitsPhone(second)).toBe(true);
  });

  it('a slice admin gets the Admin page for her slice alone: its bounds and rows, edits inside it; the API refuses her outside it', async () => {
    const s = stack();
    const id = `team-portal-${Date.now()}`;
    const row = {
      subject: { group: { issuer: s.issuer, name: 'team' } },
      accountId: s.targetAccountId,
      roleArn: s.roles.readonly,
      maxDurationSeconds: 900,
      description: 'the team reads',
    };
    expect((await adminApi('PUT', `/v1/entitlements/${id}`, row)).status).toBe(201);
    const token = await devToken('carol@example.com');
    const said = await fetch(`${s.apiUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(callerWire.parse(await said.json())).toMatchObject({
      roles: [],
      adminSlices: [{ name: 'demo-team', write: true }],
    });

    const page = await signIn(await newContext(), 'Carol');
    await poll(() => page.locator('header .whoami').textContent()).toContain('admin of slice demo-team');
    expect(await navLabels(page)).toEqual(['My access', 'Requests', 'Reviews', 'Admin']);
    await go(page, '#/admin', 'Entitlements');
    await poll(() => page.locator('.slices').textContent()).toContain(
      `demo-team: ids team-* in accounts ${s.targetAccountId}`,
    );
    await poll(() => page.getByRole('button', { name: `Edit ${id}` }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Edit demo-readonly' }).count()).toBe(0);
    await page.getByRole('button', { name: `Edit ${id}` }).click();
    const editor = page.getByLabel('Entitlement (JSON)');
    await editor.waitFor();
    const doc = JSON.parse(await editor.inputValue());
    await editor.fill(JSON.stringify({ ...doc, description: 'edited by carol' }, null, 2));
    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => page.locator('.editor [role=status]').textContent()).toContain('Saved');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await fitsPhone(page)).toBe(true);
    const stored = await adminApi('GET', `/v1/entitlements/${id}`);
    expect(z.object({ description: z.string() }).parse(await stored.json()).description).toBe(
      'edited by carol',
    );

    // Outside her slice the API refuses her, whatever a page offers.
    const outside = await fetch(`${s.apiUrl}/v1/entitlements/demo-readonly`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': '"v1"' },
      body: JSON.stringify(row),
    });
    expect(outside.status).toBe(403);
    const gone = await adminApi('DELETE', `/v1/entitlements/${id}`, undefined, {
      'if-match': stored.headers.get('etag') ?? '',
    });
    expect(gone.status).toBe(204);
  });

  it('fits a phone-sized screen in every view and signs out without a question', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    contexts.push(context);
    const page = await signIn(context, 'Alice');
    // Alice holds the grant of the request test: its id is the longest word on her page.
    await poll(() => page.locator('li', { hasText: 'portal-readonly' }).count()).toBe(1);
    expect(await fitsPhone(page)).toBe(true);
    await screenshot(page, 'portal-phone.png');
    await go(page, '#/requests', 'Requests');
    await poll(() => page.locator('table').count()).toBeGreaterThan(0);
    expect(await fitsPhone(page)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The portal sends its ID token as the hint: the IdP ends its session without asking.
    await page.waitForURL(`${stack().apiUrl}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The IdP's session did end: signing in again asks who, instead of returning as Alice.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Alice', exact: true }).waitFor();
  });

  it('the portal guide shows the screenshots this run wrote', async () => {
    const guide = await readFile(join(process.cwd(), 'docs', 'guides', 'portal.md'), 'utf8');
    const shown = new Set([...guide.matchAll(/\]\(\.\.\/screenshots\/([\w-]+\.png)\)/g)].map((m) => m[1]));
    expect(written.size).toBe(6);
    expect(shown).toEqual(written);
  });
});
