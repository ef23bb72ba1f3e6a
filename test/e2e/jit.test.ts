import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../../src/compose/composition.js';
import { createRequestsFunction } from '../../src/compose/requests.js';
import { createVendFunction } from '../../src/compose/vend.js';
import { loadConfig } from '../../src/config.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { type ApiServer, startApiServer } from '../../src/local/api-server.js';
import { findFreePort } from '../../src/local/preflight.js';
import {
  people,
  principalOf,
  putRequestable,
  requestsApp,
  TestClock,
} from '../integration/access-request-support.js';
import { devToken, stack, testRuntime, userEnvironment } from '../integration/support.js';

const execFileAsync = promisify(execFile);
const BIN = resolve('bin/credvend.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Just-in-time access end to end: the real credvend CLI and the real AWS CLI against an API
 * server whose clock the test moves, so a grant reaches its end in a second, not an hour.
 */
describe('just-in-time access through the CLI', () => {
  const clock = new TestClock();
  const p = people('alice', 'bob');
  let server: ApiServer;
  let dir: string;
  let requestable: string;
  const env: Record<string, NodeJS.ProcessEnv> = {};

  beforeAll(async () => {
    const root = compose(loadConfig(stack().credvendEnv), testRuntime('198.51.100.20'));
    const requests = createRequestsFunction(root, clock);
    const vend = createVendFunction(root, clock);
    const app = new Hono<AppEnv>();
    for (const prefix of ['/v1/access-requests', '/v1/requestables']) {
      app.all(prefix, (c) => requests.fetch(c.req.raw, c.env));
      app.all(`${prefix}/*`, (c) => requests.fetch(c.req.raw, c.env));
    }
    app.all('*', (c) => vend.fetch(c.req.raw, c.env));
    server = await startApiServer(app, '127.0.0.1', await findFreePort('127.0.0.1'));
    requestable = await putRequestable(requestsApp(), {
      description: 'readonly for a while',
      requesters: { principals: [principalOf(p.alice)], groups: [] },
      approvers: { principals: [principalOf(p.bob)], groups: [] },
    });
    dir = await mkdtemp(join(tmpdir(), 'credvend-jit-'));
    const role = stack().roles.readonly.slice(stack().roles.readonly.lastIndexOf('/') + 1);
    await writeFile(
      join(dir, 'aws-config'),
      `[profile jit]\nregion = us-east-1\ncredential_process = ${process.execPath} ${BIN} creds ${stack().targetAccountId}/${role} --format credential_process --no-cache\n`,
    );
    for (const [name, sub] of Object.entries(p)) {
      env[name] = {
        ...userEnvironment(dir, await devToken(sub, { ttlSeconds: 7200 })),
        CREDVEND_API_URL: server.url,
        CREDVEND_CONFIG: join(dir, `${name}.json`),
      };
    }
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const credvend = (who: 'alice' | 'bob', ...args: string[]) =>
    run(process.execPath, [BIN, ...args], env[who] ?? {});
  const aws = (...args: string[]) =>
    run(
      'aws',
      [...args, '--profile', 'jit', '--endpoint-url', stack().stsEndpoint, '--output', 'json'],
      env.alice ?? {},
    );

  it('alice requests, bob approves, alice uses the role with the AWS CLI until the grant ends', async () => {
    // Before any grant, alice holds nothing for this role.
    expect((await aws('sts', 'get-caller-identity')).code).not.toBe(0);

    const requested = await credvend(
      'alice',
      'request',
      requestable,
      '--duration',
      '1h',
      '--reason',
      'rotate the keys',
    );
    expect(requested.code, requested.stderr).toBe(0);
    const [id, state] = requested.stdout.trim().split(' ');
    expect(state).toBe('requested');

    // alice cannot approve her own request; bob sees it and approves it.
    const self = await credvend('alice', 'approve', id ?? '');
    expect(self.code).toBe(3);
    expect(self.stderr).toContain('requesters cannot approve');
    const pending = await credvend('bob', '--json', 'requests', '--to-approve');
    expect(JSON.parse(pending.stdout).map((r: { id: string }) => r.id)).toContain(id);
    const approved = await credvend('bob', 'approve', id ?? '', '--comment', 'go ahead');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('active');

    const grants = await credvend('alice', '--json', 'grants');
    expect(JSON.parse(grants.stdout).map((r: { id: string }) => r.id)).toEqual([id]);

    // The grant is an entitlement: `credvend creds` (here as the AWS CLI's credential_process) just works.
    const identity = await aws('sts', 'get-caller-identity');
    expect(identity.code, identity.stderr).toBe(0);
    expect(JSON.parse(identity.stdout).Arn).toContain(':assumed-role/credvend-readonly/');
    const creds = await credvend(
      'alice',
      'creds',
      `${stack().targetAccountId}/credvend-readonly`,
      '--format',
      'credential_process',
    );
    const expiration = new Date(JSON.parse(creds.stdout).Expiration).getTime();
    // Never past the grant's end (an hour from approval).
    expect(expiration).toBeLessThanOrEqual(clock.now().getTime() + 3600 * 1000 + 5000);

    // The grant ends: alice is refused, by the issuance path itself (no scheduler ran). The
    // CLI's cache is bypassed: this test moves the server's clock, not the cache's.
    clock.advance(3601);
    const after = await aws('sts', 'get-caller-identity');
    expect(after.code).not.toBe(0);
    const refused = await credvend(
      'alice',
      'creds',
      `${stack().targetAccountId}/credvend-readonly`,
      '--no-cache',
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Not entitled');
    expect(JSON.parse((await credvend('alice', '--json', 'grants')).stdout)).toEqual([]);
  });
});
