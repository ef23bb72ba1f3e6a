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
import { oidcSubject } from '../../src/domain/subjects/subjects.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { type ApiServer, startApiServer } from '../../src/local/api-server.js';
import { seedEntitlements } from '../../src/local/demo-entitlements.js';
import { findFreePort } from '../../src/local/preflight.js';
import {
  people,
  principalOf,
  putRequestable,
  requestsApp,
  TestClock,
} from '../integration/access-request-support.js';
import {
  clearRevocations,
  devToken,
  dynamodb,
  stack,
  testRuntime,
  userEnvironment,
} from '../integration/support.js';

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
    // Each function under its own identity, as deployed: ending a grant assumes the revoker
    // role as the requests function's role, which the target template must trust.
    const config = loadConfig(stack().credvendEnv);
    const requests = createRequestsFunction(compose(config, testRuntime('198.51.100.20', 'requests')), clock);
    const vend = createVendFunction(compose(config, testRuntime('198.51.100.20', 'vend')), clock);
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

  it("ending a grant early refuses the grant's sessions at once, and not the same person's standing sessions on the role", async () => {
    const readonly = `${stack().targetAccountId}/credvend-readonly`;
    await seedEntitlements(dynamodb(), stack().credvendEnv.CREDVEND_ENTITLEMENTS_TABLE ?? '', [
      {
        id: `standing-${p.alice}`,
        subject: oidcSubject(stack().issuer, p.alice),
        accountId: stack().targetAccountId,
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 3600,
        managedPolicyArns: [],
        tags: {},
        claimTags: {},
        transitiveTagKeys: [],
        reasonRequired: false,
        effect: 'allow',
        version: 1,
      },
    ]);
    const requested = await credvend(
      'alice',
      'request',
      requestable,
      '--duration',
      '1h',
      '--reason',
      'fix it',
    );
    expect(requested.code, requested.stderr).toBe(0);
    const id = requested.stdout.trim().split(' ')[0] ?? '';
    const approved = await credvend('bob', 'approve', id);
    expect(approved.code, approved.stderr).toBe(0);

    // Two sessions of alice on the same role: her standing entitlement's and the grant's.
    const keysOf = async (target: string) => {
      const issued = await credvend('alice', 'creds', target, '--format', 'credential_process', '--no-cache');
      expect(issued.code, issued.stderr).toBe(0);
      return JSON.parse(issued.stdout) as {
        AccessKeyId: string;
        SecretAccessKey: string;
        SessionToken: string;
      };
    };
    const standing = await keysOf(readonly);
    const granted = await keysOf(`grant-${id}`);
    expect(granted.AccessKeyId).not.toBe(standing.AccessKeyId);
    // The real AWS CLI with each session's keys, as a user's shell would hold them.
    const listBuckets = (keys: typeof standing) =>
      run('aws', ['s3api', 'list-buckets', '--endpoint-url', stack().stsEndpoint, '--output', 'json'], {
        ...env.alice,
        AWS_ACCESS_KEY_ID: keys.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey,
        AWS_SESSION_TOKEN: keys.SessionToken,
        AWS_MAX_ATTEMPTS: '1',
      });
    expect((await listBuckets(standing)).code).toBe(0);
    expect((await listBuckets(granted)).code).toBe(0);

    try {
      // bob ends the grant early: the requests function writes the Deny through the target's revoker role.
      const revoked = await credvend('bob', 'revoke-grant', id, '--comment', 'done early');
      expect(revoked.code, revoked.stderr).toBe(0);
      const refused = await listBuckets(granted);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('AccessDenied');
      const still = await listBuckets(standing);
      expect(still.code, still.stderr).toBe(0);
    } finally {
      await clearRevocations(stack().roles.readonly);
    }
  });
});
