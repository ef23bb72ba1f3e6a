import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { devToken, stack, userEnvironment } from '../integration/support.js';
import { BIN, runCli } from './cli-run.js';

const childEnvironment = z.record(z.string(), z.string());
const PRINT_ENV = ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))'];
const callerArn = z.object({ Arn: z.string() });
const READONLY_ARN = /^arn:aws:sts::222222222222:assumed-role\/credvend-readonly\//;
/** The real AWS CLI asking the local STS who it is. */
const callerIdentityCommand = () => [
  'aws',
  'sts',
  'get-caller-identity',
  '--endpoint-url',
  stack().stsEndpoint,
  '--output',
  'json',
];

/** Variables a parent shell may hold that would make an AWS tool use other credentials. */
const PARENT_AWS = {
  AWS_PROFILE: 'no-such-profile',
  AWS_DEFAULT_PROFILE: 'no-such-profile',
  AWS_ACCESS_KEY_ID: 'AKIAPARENTPARENTPARE',
  AWS_SECRET_ACCESS_KEY: 'parent-secret',
  AWS_SESSION_TOKEN: 'parent-session',
  AWS_SECURITY_TOKEN: 'parent-session',
  AWS_CREDENTIAL_EXPIRATION: '2099-01-01T00:00:00Z',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent/token',
  AWS_ROLE_ARN: 'arn:aws:iam::333333333333:role/parent',
  AWS_ROLE_SESSION_NAME: 'parent',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/parent',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'parent',
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/nonexistent/auth',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
};

/** A credvend process whose stdout is read line by line (for `ready` and `export` lines). */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { child, lines, exited, stderr: () => stderr };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const { value, done } = await lines.next();
  if (done) throw new Error('the process ended before printing a line');
  return value;
}

/** The two `export NAME=value` lines `credvend serve` prints when it runs no command. */
async function readExports(lines: AsyncIterator<string>): Promise<Record<string, string>> {
  const exports: Record<string, string> = {};
  for (const line of [await nextLine(lines), await nextLine(lines)]) {
    const [, name = '', value = ''] = /^export (\w+)=(.*)$/.exec(line) ?? [];
    exports[name] = value;
  }
  return exports;
}

/** A GET with the Host header and authorization given, as a browser or an SDK sends it. */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    request(url, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += String(chunk);
      });
      response.on('end', () => done({ status: response.statusCode ?? 0, body }));
    })
      .on('error', fail)
      .end();
  });
}

describe('exec and serve hygiene', () => {
  let dir: string;
  let alice: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-exec-'));
    alice = await devToken('alice@example.com');
    env = { ...userEnvironment(dir, alice), CREDVEND_CONFIG: join(dir, 'config.json'), ...PARENT_AWS };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('exec', () => {
    it('gives the child the vended credentials and --region, and nothing that overrides them or carries the token', async () => {
      const login = await runCli(['--profile', 'idp', 'login', '--token-env', 'MY_IDP_TOKEN'], {
        ...env,
        MY_IDP_TOKEN: alice,
      });
      expect(login.code, login.stderr).toBe(0);
      const run = await runCli(
        ['--profile', 'idp', 'exec', 'demo-readonly', '--region', 'ap-southeast-2', '--', ...PRINT_ENV],
        { ...env, MY_IDP_TOKEN: alice },
      );
      expect(run.code, run.stderr).toBe(0);
      const child = childEnvironment.parse(JSON.parse(run.stdout));
      expect(child.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
      expect(child.AWS_SECRET_ACCESS_KEY).not.toBe(PARENT_AWS.AWS_SECRET_ACCESS_KEY);
      expect(child.AWS_SESSION_TOKEN).not.toBe(PARENT_AWS.AWS_SESSION_TOKEN);
      expect(Date.parse(child.AWS_CREDENTIAL_EXPIRATION ?? '')).toBeGreaterThan(Date.now());
      expect(child.AWS_REGION).toBe('ap-southeast-2');
      expect(child.AWS_DEFAULT_REGION).toBe('ap-southeast-2');
      expect(child.CREDVEND_EXEC).toBe('demo-readonly');
      for (const name of Object.keys(PARENT_AWS).filter(
        (n) => !/^AWS_(ACCESS|SECRET|SESSION|CREDENTIAL_EXP|REGION|DEFAULT_REGION)/.test(n),
      ))
        expect(child[name], name).toBeUndefined();
      expect(child.MY_IDP_TOKEN).toBeUndefined();
      expect(child.CREDVEND_TOKEN).toBeUndefined();
      expect(Object.values(child).filter((value) => value.includes(alice))).toEqual([]);
    });

    it('the real AWS CLI in the child uses the vended credentials despite the parent’s AWS_PROFILE', async () => {
      const run = await runCli(['exec', 'demo-readonly', '--', ...callerIdentityCommand()], env);
      expect(run.code, run.stderr).toBe(0);
      expect(callerArn.parse(JSON.parse(run.stdout)).Arn).toMatch(READONLY_ARN);
    });

    it('refuses to run inside another exec, before vending anything', async () => {
      const run = await runCli(
        [
          'exec',
          'demo-readonly',
          '--',
          process.execPath,
          BIN,
          'exec',
          'demo-deploy',
          '--reason',
          'nest',
          '--',
          'true',
        ],
        env,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'credvend: already inside `credvend exec demo-readonly`: exit it first (nesting would mix roles)\n',
      );
      const marked = await runCli(['exec', 'demo-readonly', '--', 'true'], {
        ...env,
        CREDVEND_EXEC: 'x',
        CREDVEND_API_URL: 'http://127.0.0.1:9',
      });
      expect(marked.stderr).toMatch(/^credvend: already inside `credvend exec x`/);
    });

    it('refuses to serve inside an exec (or a serve) as well, before vending anything', async () => {
      const run = await runCli(['serve', 'demo-readonly', '--', 'true'], {
        ...env,
        CREDVEND_EXEC: 'demo-deploy',
        CREDVEND_API_URL: 'http://127.0.0.1:9',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^credvend: already inside `credvend exec demo-deploy`/);
    });

    it('runs $SHELL when no command is given, and returns its exit code', async () => {
      const shell = join(dir, 'shell.sh');
      await writeFile(shell, '#!/bin/sh\necho "shell $CREDVEND_EXEC $AWS_ACCESS_KEY_ID"\nexit 5\n');
      await chmod(shell, 0o755);
      const run = await runCli(['exec', 'demo-readonly'], { ...env, SHELL: shell });
      expect(run.code).toBe(5);
      expect(run.stdout).toMatch(/^shell demo-readonly ASIA\w+\n$/);
    });

    it.each([
      ['SIGINT', 41],
      ['SIGTERM', 42],
      ['SIGHUP', 43],
      ['SIGQUIT', 44],
    ] as const)('forwards %s to the child and exits with the child’s code', async (signal, code) => {
      const traps =
        'trap "echo got INT; exit 41" INT; trap "echo got TERM; exit 42" TERM; trap "echo got HUP; exit 43" HUP; trap "echo got QUIT; exit 44" QUIT';
      const cli = startCli(
        ['exec', 'demo-readonly', '--', 'sh', '-c', `${traps}; echo ready; while :; do sleep 0.05; done`],
        env,
      );
      expect(await nextLine(cli.lines)).toBe('ready');
      cli.child.kill(signal);
      expect(await nextLine(cli.lines)).toBe(`got ${signal.slice(3)}`);
      expect(await cli.exited).toEqual({ code, signal: null });
    });

    it('dies of the signal that killed the child, so a shell sees what it would without credvend', async () => {
      const cli = startCli(['exec', 'demo-readonly', '--', 'sh', '-c', 'echo ready; exec sleep 30'], env);
      expect(await nextLine(cli.lines)).toBe('ready');
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toEqual({ code: null, signal: 'SIGTERM' });

      const inShell = await runShell(
        `"${process.execPath}" "${BIN}" exec demo-readonly -- sh -c 'kill -INT $$'; echo "status $?"`,
        env,
      );
      expect(inShell).toBe('status 130\n');
    });
  });

  describe('serve', () => {
    it('runs a command with the container-credentials variables and none that override them', async () => {
      const run = await runCli(
        ['serve', 'demo-readonly', '--region', 'ap-southeast-2', '--', ...PRINT_ENV],
        env,
      );
      expect(run.code, run.stderr).toBe(0);
      const child = childEnvironment.parse(JSON.parse(run.stdout));
      expect(child.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(child.AWS_CONTAINER_AUTHORIZATION_TOKEN).toMatch(/^[\w-]{32}$/);
      expect(child.AWS_REGION).toBe('ap-southeast-2');
      expect(child.AWS_DEFAULT_REGION).toBe('ap-southeast-2');
      expect(child.CREDVEND_EXEC).toBe('demo-readonly');
      const replaced = [
        'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        'AWS_CONTAINER_AUTHORIZATION_TOKEN',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
      ];
      for (const name of [...Object.keys(PARENT_AWS).filter((n) => !replaced.includes(n)), 'CREDVEND_TOKEN'])
        expect(child[name], name).toBeUndefined();
      const failing = await runCli(['serve', 'demo-readonly', '--', 'sh', '-c', 'exit 9'], env);
      expect(failing.code).toBe(9);
    });

    it('the real AWS CLI, boto3 and the AWS SDK v3 fetch credentials from it', {
      timeout: 120_000,
    }, async () => {
      const sts = stack().stsEndpoint;
      const aws = await runCli(['serve', 'demo-readonly', '--', ...callerIdentityCommand()], env);
      expect(aws.code, aws.stderr).toBe(0);
      expect(callerArn.parse(JSON.parse(aws.stdout)).Arn).toMatch(READONLY_ARN);

      const boto3 = await runCli(
        [
          'serve',
          'demo-readonly',
          '--',
          'python3',
          '-c',
          `import boto3, json
session = boto3.Session()
arn = session.client("sts", endpoint_url="${sts}").get_caller_identity()["Arn"]
print(json.dumps({"method": session.get_credentials().method, "Arn": arn}))`,
        ],
        env,
      );
      expect(boto3.code, boto3.stderr).toBe(0);
      expect(JSON.parse(boto3.stdout)).toEqual({
        method: 'container-role',
        Arn: expect.stringMatching(READONLY_ARN),
      });

      // The SDK's default chain, and its two container providers named explicitly.
      const sdk = await runCli(
        [
          'serve',
          'demo-readonly',
          '--',
          process.execPath,
          '--input-type=module',
          '-e',
          `import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { fromContainerMetadata, fromHttp } from '@aws-sdk/credential-providers';
const arns = {};
for (const [name, credentials] of [['default chain', undefined], ['fromContainerMetadata', fromContainerMetadata()], ['fromHttp', fromHttp()]]) {
  const client = new STSClient({ endpoint: '${sts}', ...(credentials ? { credentials } : {}) });
  arns[name] = (await client.send(new GetCallerIdentityCommand({}))).Arn;
}
process.stdout.write(JSON.stringify(arns));`,
        ],
        { ...env, NODE_PATH: resolve('node_modules') },
      );
      expect(sdk.code, sdk.stderr).toBe(0);
      expect(JSON.parse(sdk.stdout)).toEqual({
        'default chain': expect.stringMatching(READONLY_ARN),
        fromContainerMetadata: expect.stringMatching(READONLY_ARN),
        fromHttp: expect.stringMatching(READONLY_ARN),
      });
    });

    it('listens on loopback only and answers only requests that name it (DNS rebinding)', async () => {
      const cli = startCli(['serve', 'demo-readonly'], env);
      try {
        const exports = await readExports(cli.lines);
        const url = new URL(exports.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '');
        const authorization = exports.AWS_CONTAINER_AUTHORIZATION_TOKEN ?? '';
        const own = await get(url.href, { authorization });
        expect(own.status).toBe(200);
        expect(JSON.parse(own.body)).toMatchObject({ AccessKeyId: expect.stringMatching(/^ASIA/) });
        const byName = await get(url.href, { authorization, host: `localhost:${url.port}` });
        expect(byName.status).toBe(200);
        const rebound = await get(url.href, { authorization, host: `attacker.example:${url.port}` });
        expect(rebound.status).toBe(421);
        expect(rebound.body).not.toContain('ASIA');
        const noToken = await get(url.href, {});
        expect(noToken.status).toBe(403);

        const external = Object.values(networkInterfaces())
          .flat()
          .find((address) => address && address.family === 'IPv4' && !address.internal);
        if (external) {
          await expect(
            get(`http://${external.address}:${url.port}/`, { authorization }),
          ).rejects.toMatchObject({
            code: 'ECONNREFUSED',
          });
        }
      } finally {
        cli.child.kill('SIGTERM');
      }
      expect(await cli.exited).toEqual({ code: 0, signal: null });
    });

    it('keeps serving still-valid credentials when a refresh fails, and says why on stderr', {
      timeout: 60_000,
    }, async () => {
      // The API behind a TCP relay the test can cut, as a network outage would.
      const api = new URL(stack().apiUrl);
      const sockets = new Set<Socket>();
      const relay = createServer((socket) => {
        const upstream = connect(Number(api.port), api.hostname);
        sockets.add(socket).add(upstream);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      await new Promise<void>((listening) => relay.listen(0, '127.0.0.1', listening));
      const address = relay.address();
      const relayUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      // 900 s credentials refreshed 898 s before expiry: stale two seconds after each vend.
      const cli = startCli(
        ['--api-url', relayUrl, 'serve', 'demo-readonly', '--duration', '900', '--refresh-before', '898'],
        env,
      );
      try {
        const exports = await readExports(cli.lines);
        const url = exports.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '';
        const authorization = exports.AWS_CONTAINER_AUTHORIZATION_TOKEN ?? '';
        const keyNow = async () =>
          z.object({ AccessKeyId: z.string() }).parse(JSON.parse((await get(url, { authorization })).body))
            .AccessKeyId;
        const first = await keyNow();
        // The refresh is due two seconds after the vend: wait for it, not for a fixed time.
        await expect.poll(keyNow, { timeout: 20_000, interval: 100 }).not.toBe(first);
        const refreshed = await keyNow();
        expect(refreshed).not.toBe(first);

        relay.close();
        for (const socket of sockets) socket.destroy();
        // The first request two seconds on refreshes, which fails: ask until it has said so,
        // and every answer meanwhile is the still-valid credentials.
        const failure = `credvend: refresh failed, still serving the current credentials: cannot reach credvend at ${relayUrl}`;
        const served = new Set<string>();
        await expect
          .poll(
            async () => {
              served.add(await keyNow());
              return cli.stderr();
            },
            { timeout: 20_000, interval: 100 },
          )
          .toContain(failure);
        expect(served).toEqual(new Set([refreshed]));
        expect(await keyNow()).toBe(refreshed);
        expect(cli.stderr()).toContain(failure);
      } finally {
        cli.child.kill('SIGTERM');
        relay.close();
      }
    });
  });
});

/** A line of sh, as a person's shell runs it; its stdout. */
async function runShell(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child: ChildProcessWithoutNullStreams = spawn('sh', ['-c', script], { env });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  await new Promise((done) => child.once('exit', done));
  return stdout;
}
