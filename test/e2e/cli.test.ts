import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { adminEntitlementWire } from '../../src/wire/entitlements.js';
import { clearRevocations, devToken, stack, standingIds, userEnvironment } from '../integration/support.js';

/** What `aws sts get-caller-identity` prints: the AWS CLI's answer, parsed rather than cast. */
const callerIdentity = z.object({ Account: z.string(), Arn: z.string(), UserId: z.string() });

const execFileAsync = promisify(execFile);
const BIN = resolve('bin/credvend.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI as a child process, as a person or a script runs it. */
describe('credvend CLI against the local stack', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let alice: string;
  /** A 1 s token minted before the other tests: it has expired (past the API's 1 s tolerance) by its test. */
  let expiring: { token: string; mintedAt: number };

  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> => {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
        env: { ...env, ...extra },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  };
  const lastLine = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('credvend:'))
      .at(-1) ?? '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-cli-'));
    alice = await devToken('alice@example.com');
    env = { ...userEnvironment(dir, alice), CREDVEND_CONFIG: join(dir, 'config.json') };
    expiring = { mintedAt: Date.now(), token: await devToken('alice@example.com', { ttlSeconds: 1 }) };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('login', () => {
    it('saves a profile readable only by its owner', async () => {
      const run = await cli(['--profile', 'ci', 'login', '--token-env', 'CREDVEND_TOKEN']);
      expect(run.code).toBe(0);
      expect((await stat(join(dir, 'config.json'))).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toEqual({
        profiles: { ci: { apiUrl: stack().apiUrl, auth: { type: 'oidc', tokenEnv: 'CREDVEND_TOKEN' } } },
      });
      expect(await readFile(join(dir, 'config.json'), 'utf8')).not.toContain(alice);
    });

    it('refuses a login with two token sources', async () => {
      const run = await cli(['login', '--token-env', 'X', '--token-file', '/tmp/x']);
      expect(run.code).not.toBe(0);
      expect(lastLine(run.stderr)).toBe(
        'credvend: give exactly one of --token-env, --token-file, --token-command',
      );
    });
  });

  describe('roles', () => {
    it('lists what I may assume, as a table and as JSON', async () => {
      const table = await cli(['roles']);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+ACCOUNTID\s+ROLENAME/);
      expect(table.stdout).toContain('demo-readonly');
      const json = await cli(['--json', 'roles']);
      expect(
        standingIds(
          z
            .array(z.object({ id: z.string() }))
            .parse(JSON.parse(json.stdout))
            .map((e) => e.id),
        ),
      ).toEqual(['demo-deploy', 'demo-readonly']);
    });

    it('says clearly when the token has expired', async () => {
      // Waits only what the tests before it have not already waited.
      await new Promise((r) => setTimeout(r, Math.max(0, expiring.mintedAt + 2500 - Date.now())));
      const run = await cli(['roles'], { CREDVEND_TOKEN: expiring.token });
      expect(run.code).toBe(3);
      expect(lastLine(run.stderr)).toMatch(
        /^credvend: Authentication required: bearer token rejected: token expired \(request .+\)$/,
      );
    });

    it('says clearly when the API is down', async () => {
      const run = await cli(['--api-url', 'http://127.0.0.1:9', 'roles']);
      expect(run.code).toBe(1);
      expect(lastLine(run.stderr)).toMatch(/^credvend: cannot reach credvend at http:\/\/127\.0\.0\.1:9/);
    });
  });

  describe('creds', () => {
    it('prints credential_process output the real AWS CLI accepts', async () => {
      await writeFile(
        join(dir, 'aws-config'),
        `[profile vended]\nregion = us-east-1\ncredential_process = ${process.execPath} ${BIN} creds demo-readonly --format credential_process --reason cli-test\n`,
      );
      const { stdout } = await execFileAsync(
        'aws',
        [
          'sts',
          'get-caller-identity',
          '--profile',
          'vended',
          '--endpoint-url',
          stack().stsEndpoint,
          '--output',
          'json',
        ],
        {
          env,
          timeout: 60_000,
        },
      );
      expect(callerIdentity.parse(JSON.parse(stdout)).Arn).toBe(
        'arn:aws:sts::222222222222:assumed-role/credvend-readonly/alice@example.com',
      );
    });

    it('with --json, an error is a JSON object on stderr carrying the API problem', async () => {
      const run = await cli(['--json', 'creds', 'no-such-thing']);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(JSON.parse(run.stderr)).toMatchObject({
        error: { exitCode: 3, problem: { type: 'urn:credvend:problem:not-entitled', status: 403 } },
      });
    });

    it('shows the API’s per-field validation details', async () => {
      const file = join(dir, 'invalid-entitlement.json');
      await writeFile(
        file,
        JSON.stringify({ accountId: '12', roleArn: 'not-an-arn', maxDurationSeconds: 900 }),
      );
      const run = await cli(['entitlements', 'put', `bad-${Date.now()}`, '--file', file], {
        CREDVEND_TOKEN: await devToken('admin@example.com'),
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^credvend: Invalid request: .*\n {2}subject: .+\n$/);
    });

    it('fails with the refusal and what to do next, and a non-zero code, for an unknown entitlement', async () => {
      const run = await cli(['creds', 'no-such-thing']);
      expect(run.code).toBe(3);
      const [refusal, next, ...rest] = run.stderr.trim().split('\n');
      expect(refusal).toMatch(/^credvend: Not entitled: you are not entitled to entitlement no-such-thing/);
      expect(next).toMatch(/^credvend: what you may use: `credvend roles`/);
      expect(rest).toEqual([]);
      expect(run.stdout).toBe('');
    });

    it('accepts account/role targets and env output', async () => {
      const run = await cli([
        'creds',
        '222222222222/credvend-deploy',
        '--reason',
        'CHG-7',
        '--format',
        'env',
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/);
    });
  });

  describe('plan', () => {
    it('shows what would be issued without issuing', async () => {
      const run = await cli(['plan', 'demo-deploy', '--reason', 'planning', '--duration', '43200']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        durationSeconds: 7200,
        durationBoundBy: 'entitlement-max',
        externalIdSent: true,
      });
    });

    it('explains a refusal of my own request in one line', async () => {
      const run = await cli(['plan', 'demo-deploy']);
      expect(run.code).toBe(1);
      expect(lastLine(run.stderr)).toMatch(
        /^credvend: Reason required: entitlement demo-deploy requires a reason/,
      );
    });
  });

  describe('console', () => {
    it('prints a console sign-in URL', async () => {
      const run = await cli(['console', 'demo-readonly', '--reason', 'look around']);
      expect(run.code).toBe(0);
      const url = new URL(run.stdout.trim());
      expect(url.searchParams.get('Action')).toBe('login');
      expect(url.searchParams.get('SigninToken')).toMatch(/^token-/);
    });

    it('fails with the refusal for a role the caller may not assume', async () => {
      const run = await cli(['console', '222222222222/admin']);
      expect(run.code).toBe(3);
      expect(run.stderr.split('\n')[0]).toMatch(
        /^credvend: Not entitled: you are not entitled to role admin in account 222222222222/,
      );
    });
  });

  describe('--auth aws', () => {
    it('authenticates with the caller’s own AWS identity from the default credential chain', async () => {
      const aws = {
        AWS_ACCESS_KEY_ID: stack().vendingAccessKeyId,
        AWS_SECRET_ACCESS_KEY: stack().vendingSecretAccessKey,
        CREDVEND_TOKEN: '',
      };
      const login = await cli(
        [
          '--profile',
          'iam',
          'login',
          '--auth',
          'aws',
          '--server-id',
          stack().credvendEnv.CREDVEND_SERVER_ID ?? '',
          '--sts-endpoint',
          stack().stsEndpoint,
        ],
        aws,
      );
      expect(login.code).toBe(0);
      const roles = await cli(['--profile', 'iam', '--json', 'roles'], aws);
      expect(roles.code).toBe(0);
      expect(Array.isArray(JSON.parse(roles.stdout))).toBe(true);
      const header = await cli(['--profile', 'iam', 'auth-header'], aws);
      expect(header.stdout).toMatch(/^CredvendAWS [A-Za-z0-9_-]+\n$/);
      const raw = await fetch(`${stack().apiUrl}/v1/entitlements/mine`, {
        headers: { authorization: header.stdout.trim() },
      });
      expect(raw.status).toBe(200);
      const wrong = await cli(['--profile', 'iam', 'roles'], { ...aws, AWS_SECRET_ACCESS_KEY: 'wrong' });
      expect(wrong.code).toBe(3);
      expect(lastLine(wrong.stderr)).toMatch(
        /^credvend: Authentication required: AWS signature rejected by STS/,
      );
    });
  });

  describe('exec', () => {
    it('runs the command with credentials and passes its exit code through', async () => {
      const run = await cli([
        'exec',
        'demo-readonly',
        '--',
        'sh',
        '-c',
        'test -n "$AWS_SESSION_TOKEN" && echo "$AWS_ACCESS_KEY_ID"; exit 7',
      ]);
      expect(run.code).toBe(7);
      expect(run.stdout).toMatch(/^ASIA/);
    });

    it('fails before running anything when not entitled', async () => {
      const run = await cli(['exec', 'demo-readonly', '--', 'sh', '-c', 'echo ran'], {
        CREDVEND_TOKEN: await devToken('bob@example.com'),
      });
      expect(run.code).toBe(3);
      expect(run.stdout).not.toContain('ran');
    });
  });

  describe('serve', () => {
    it('serves container credentials the AWS CLI uses, only with the token', async () => {
      const child = spawn(process.execPath, [BIN, 'serve', 'demo-readonly'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const lines = createInterface({ input: child.stdout });
        const exports: Record<string, string> = {};
        for await (const line of lines) {
          const match = /^export (AWS_CONTAINER_\w+)=(.+)$/.exec(line);
          if (match?.[1] && match[2]) exports[match[1]] = match[2];
          if (Object.keys(exports).length === 2) break;
        }
        const uri = exports.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '';
        expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        const { stdout } = await execFileAsync(
          'aws',
          ['sts', 'get-caller-identity', '--endpoint-url', stack().stsEndpoint, '--output', 'json'],
          {
            env: { ...env, AWS_CONFIG_FILE: join(dir, 'empty'), ...exports },
            timeout: 60_000,
          },
        );
        expect(callerIdentity.parse(JSON.parse(stdout)).Arn).toContain(':assumed-role/credvend-readonly/');
        const withoutToken = await fetch(uri);
        expect(withoutToken.status).toBe(403);
        const wrongToken = await fetch(uri, { headers: { authorization: 'guess' } });
        expect(wrongToken.status).toBe(403);
      } finally {
        child.kill('SIGTERM');
      }
    });
  });

  describe('entitlements (admin)', () => {
    it('creates, reads, replaces and deletes an entitlement', async () => {
      const admin = { CREDVEND_TOKEN: await devToken('admin@example.com') };
      const id = `cli-${Date.now()}`;
      const file = join(dir, 'entitlement.json');
      await writeFile(
        file,
        JSON.stringify({
          subject: { oidc: { issuer: stack().issuer, sub: 'dave@example.com' } },
          accountId: '222222222222',
          roleArn: stack().roles.readonly,
          maxDurationSeconds: 900,
        }),
      );
      const put = await cli(['entitlements', 'put', id, '--file', file], admin);
      expect(put.code).toBe(0);
      expect(JSON.parse(put.stdout)).toMatchObject({ id, version: 1, etag: '"v1"' });
      const list = await cli(['--json', 'entitlements', 'list'], admin);
      expect(
        z
          .array(adminEntitlementWire)
          .parse(JSON.parse(list.stdout))
          .some((e) => e.id === id),
      ).toBe(true);
      const stale = await cli(['entitlements', 'delete', id, '--if-match', '"v9"'], admin);
      expect(stale.code).toBe(1);
      expect(lastLine(stale.stderr)).toMatch(/^credvend: Conflict: entitlement .* is at version 1, not 9/);
      // The ETag without its quotes, as people type it.
      const deleted = await cli(['entitlements', 'delete', id, '--if-match', 'v1'], admin);
      expect(deleted.stdout).toBe(`deleted ${id}\n`);
    });

    it('revokes an issuance by access key id, and says when there is nothing to revoke', async () => {
      const admin = { CREDVEND_TOKEN: await devToken('admin@example.com') };
      const vended = await cli(['creds', '222222222222/credvend-deploy', '--reason', 'revoke me']);
      const accessKeyId = credentialsResponseWire.parse(JSON.parse(vended.stdout)).credentials.accessKeyId;
      const revoked = await cli(['revoke', accessKeyId], admin);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe(`revoked: deny applied to ${stack().roles.deploy}\n`);
      await clearRevocations(stack().roles.deploy);
      const unknown = await cli(['revoke', 'ASIAUNKNOWNKEY000000'], admin);
      expect(unknown.code).toBe(1);
      expect(lastLine(unknown.stderr)).toMatch(/^credvend: Not found: no issuance ASIAUNKNOWNKEY000000/);
    });

    it('refuses a non-admin with one line', async () => {
      const run = await cli(['entitlements', 'list']);
      expect(run.code).toBe(3);
      expect(lastLine(run.stderr)).toMatch(/^credvend: Forbidden: this needs the admin role/);
    });
  });

  describe('audit (auditor)', () => {
    it('lists as CSV, finds a key, and verifies the chains', async () => {
      const auditor = { CREDVEND_TOKEN: await devToken('auditor@example.com') };
      const vended = await cli(['creds', 'demo-readonly', '--reason', 'for the auditor']);
      const accessKeyId = credentialsResponseWire.parse(JSON.parse(vended.stdout)).credentials.accessKeyId;
      const alicePrincipal = `${stack().issuer}#alice@example.com`;
      const csv = await cli(
        ['audit', 'list', '--principal', alicePrincipal, '--limit', '5', '--csv'],
        auditor,
      );
      expect(csv.stdout.split('\r\n')[0]).toBe(
        'time,outcome,action,principal,accountId,roleArn,accessKeyId,reason,eventId',
      );
      expect(csv.stdout).toContain(accessKeyId);
      const key = await cli(['--json', 'audit', 'key', accessKeyId], auditor);
      expect(JSON.parse(key.stdout)).toMatchObject({
        accessKeyId,
        reason: 'for the auditor',
        principal: alicePrincipal,
      });
      const verify = await cli(['audit', 'verify'], auditor);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/^ok: \d+ chains, \d+ records/m);
    });

    it('refuses a caller without the auditor role', async () => {
      const run = await cli(['audit', 'list']);
      expect(run.code).toBe(3);
      expect(lastLine(run.stderr)).toMatch(/^credvend: Forbidden: this needs the auditor role/);
    });
  });
});
