import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, devToken, dynamodb, stack, userEnvironment } from '../integration/support.js';
import { BIN, runCli, runProgram } from './cli-run.js';

/** Issuances audited for a reason only this test uses. */
async function issuedFor(reason: string): Promise<number> {
  return (await auditEvents(dynamodb())).filter((e) => e.outcome === 'issued' && e.reason === reason).length;
}

/**
 * Each `aws` run starts Python afresh (~1 s): six runs show every call after the first is a
 * cache hit as well as twenty would (the five after the first run at once, concurrent readers
 * of the cache); the boto3 case below makes twenty calls in one process.
 */
const AWS_CLI_CALLS = 6;

describe('credential cache between invocations', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  /** Alice's 1 s token, minted before the other tests: expired (past the API's 1 s tolerance) by its test. */
  let expiring: { token: string; mintedAt: number };

  const profileLine = (name: string, reason: string) =>
    `[profile ${name}]\nregion = us-east-1\ncredential_process = ${process.execPath} ${BIN} creds demo-readonly --format credential_process --reason ${reason}\n`;
  const entries = async () => {
    const root = join(dir, 'credvend', 'cache', 'default');
    return (await readdir(root)).map((name) => join(root, name));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-cache-'));
    env = {
      ...userEnvironment(dir, await devToken('alice@example.com')),
      CREDVEND_CONFIG: join(dir, 'credvend', 'config.json'),
    };
    expiring = { mintedAt: Date.now(), token: await devToken('alice@example.com', { ttlSeconds: 1 }) };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`${AWS_CLI_CALLS} aws CLI calls through a credential_process profile cause exactly one issuance`, {
    timeout: 240_000,
  }, async () => {
    const reason = `cache-cli-${randomUUID()}`;
    await writeFile(join(dir, 'aws-config'), profileLine('cached', reason));
    const call = () =>
      runProgram(
        'aws',
        ['sts', 'get-caller-identity', '--profile', 'cached', '--endpoint-url', stack().stsEndpoint],
        env,
      );
    // The first call vends and fills the cache; the others, side by side, all hit it.
    const first = await call();
    expect(first.code, first.stderr).toBe(0);
    for (const run of await Promise.all(Array.from({ length: AWS_CLI_CALLS - 1 }, call))) {
      expect(run.code, run.stderr).toBe(0);
    }
    expect(await issuedFor(reason)).toBe(1);
    const [entry] = await entries();
    expect(((await stat(entry ?? '')).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(join(dir, 'credvend', 'cache'))).mode & 0o777).toString(8)).toBe('700');
    // Sealed: nothing in the file is a usable secret.
    const text = await readFile(entry ?? '', 'utf8');
    expect(text).not.toMatch(/ASIA|secretAccessKey|sessionToken/);
  });

  it('a long-lived boto3 client calling 20 times causes exactly one issuance', {
    timeout: 120_000,
  }, async () => {
    const reason = `cache-boto3-${randomUUID()}`;
    await writeFile(join(dir, 'aws-config'), profileLine('boto', reason));
    const script = [
      'import boto3, sys',
      "client = boto3.Session(profile_name='boto').client('sts', endpoint_url=sys.argv[1])",
      'for _ in range(20): client.get_caller_identity()',
      "print('ok')",
    ].join('\n');
    const run = await runProgram('python3', ['-c', script, stack().stsEndpoint], env);
    expect(run.stdout.trim(), run.stderr).toBe('ok');
    expect(await issuedFor(reason)).toBe(1);
  });

  it('never hands one caller’s cached credentials to another', async () => {
    const reason = `cache-principal-${randomUUID()}`;
    const alice = await runCli(['creds', 'demo-readonly', '--reason', reason], env);
    expect(alice.code).toBe(0);
    const mallory = await runCli(['creds', 'demo-readonly', '--reason', reason], {
      ...env,
      CREDVEND_TOKEN: await devToken('mallory@example.com'),
    });
    expect(mallory.code).toBe(3);
    expect(mallory.stdout).toBe('');
    expect(mallory.stderr).toMatch(/Not entitled/);
  });

  it('refuses a tampered or world-readable cache file, and --no-cache vends afresh', async () => {
    const reason = `cache-tamper-${randomUUID()}`;
    const args = ['creds', 'demo-readonly', '--format', 'credential_process', '--reason', reason];
    const first = await runCli(args, env);
    const again = await runCli(args, env);
    expect(again.stdout).toBe(first.stdout);
    expect(await issuedFor(reason)).toBe(1);

    const path =
      (await Promise.all((await entries()).map(async (p) => ({ p, t: (await stat(p)).mtimeMs })))).sort(
        (a, b) => b.t - a.t,
      )[0]?.p ?? '';
    const sealed = JSON.parse(await readFile(path, 'utf8')) as { data: string };
    const flipped = Buffer.from(sealed.data, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await writeFile(path, JSON.stringify({ ...sealed, data: flipped.toString('base64url') }), {
      mode: 0o600,
    });
    const afterTamper = await runCli(args, env);
    expect(afterTamper.code).toBe(0);
    expect(afterTamper.stderr).toMatch(/ignoring cached credentials: .* was modified/);
    expect(afterTamper.stdout).not.toBe(first.stdout);
    expect(await issuedFor(reason)).toBe(2);

    await chmod(path, 0o644);
    const afterChmod = await runCli(args, env);
    expect(afterChmod.stderr).toMatch(/readable or writable by others/);
    expect(await issuedFor(reason)).toBe(3);

    const fresh = await runCli([...args, '--no-cache'], env);
    expect(fresh.code).toBe(0);
    expect(await issuedFor(reason)).toBe(4);
  });

  it('asks for an hour by default', async () => {
    const run = await runCli(['creds', 'demo-deploy', '--reason', `cache-duration-${randomUUID()}`], env);
    expect(JSON.parse(run.stdout)).toMatchObject({ durationSeconds: 3600 });
  });

  it('serves a cache hit without loading the CLI program; a miss loads it', async () => {
    // A module hook (in the child) records every module URL the bundle loads.
    const log = join(dir, 'loaded.log');
    await writeFile(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
    );
    await writeFile(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`,
    );
    const loaded = async (args: string[]) => {
      await rm(log, { force: true });
      const run = await runProgram(
        process.execPath,
        ['--import', join(dir, 'register.mjs'), BIN, ...args],
        env,
      );
      expect(run.code, run.stderr).toBe(0);
      return { stdout: run.stdout, modules: await readFile(log, 'utf8') };
    };
    const args = [
      'creds',
      'demo-readonly',
      '--format',
      'credential_process',
      '--reason',
      `fast-${randomUUID()}`,
    ];
    const miss = await loaded(args);
    expect(miss.modules).toMatch(/chunks\/program-/);
    const hit = await loaded(args);
    expect(hit.stdout).toBe(miss.stdout);
    expect(hit.modules).not.toMatch(/chunks\/program-/);
    expect(hit.modules).not.toMatch(/zod|commander/);
    const env_ = await loaded(args.map((a) => (a === 'credential_process' ? 'env' : a)));
    expect(env_.stdout).toMatch(/^export AWS_ACCESS_KEY_ID=/);
    expect(env_.modules).not.toMatch(/chunks\/program-/);
  });

  it('--no-cache keeps the cached credentials when no new ones can be had', async () => {
    const args = [
      'creds',
      'demo-readonly',
      '--format',
      'credential_process',
      '--reason',
      `keep-${randomUUID()}`,
    ];
    const first = await runCli(args, env);
    expect(first.code, first.stderr).toBe(0);
    // The same caller, whose sign-in has just expired: credvend refuses to vend.
    const expired = { ...env, CREDVEND_TOKEN: expiring.token };
    // Waits only what the tests before it have not already waited.
    await new Promise((r) => setTimeout(r, Math.max(0, expiring.mintedAt + 2500 - Date.now())));
    const refused = await runCli([...args, '--no-cache'], expired);
    expect(refused.code).not.toBe(0);
    const cached = await runCli(args, expired);
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stdout).toBe(first.stdout);
  });
});
