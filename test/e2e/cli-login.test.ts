import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { SHORT_LIVED_CLI_CLIENT_ID, SHORT_LIVED_TTL } from '../../src/local/idp/clients.js';
import { stack, standingIds, userEnvironment } from '../integration/support.js';
import { launchChromium } from './browser.js';
import { BIN, runCli, runProgram } from './cli-run.js';

interface LoginRun {
  /** Resolves with the first URL the CLI prints on stderr. */
  url: Promise<string>;
  done: Promise<{ code: number; stdout: string; stderr: string }>;
  child: ChildProcessWithoutNullStreams;
}

/** `credvend login …` as a person runs it, with stderr read line by line for the sign-in URL. */
function startLogin(args: readonly string[], env: NodeJS.ProcessEnv, pick: RegExp): LoginRun {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  const url = new Promise<string>((resolve) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      const match = pick.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
  return { url, done, child };
}

const tokensFile = (dir: string, profile: string) => join(dir, 'credvend', 'tokens', `${profile}.json`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('credvend login against the local IdP (oidc-provider), driven by Chromium', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let browser: Browser;

  const signInAs = async (page: Page, url: string, name: string) => {
    await page.goto(url);
    await page.getByRole('button', { name }).click();
  };
  /** Alice signs in at `url` in a new tab, which closes once the CLI's loopback has the code. */
  const aliceSignsInAt = async (url: string) => {
    const page = await browser.newPage();
    await signInAs(page, url, 'Alice');
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
    await page.close();
  };
  /** `credvend <args>` (a browser login) run to its end, with Alice signing in. */
  const browserLogin = async (args: readonly string[], environment = env) => {
    const login = startLogin(args, environment, /^\s+(http\S+\/auth\?\S+)$/);
    await aliceSignsInAt(await login.url);
    return login.done;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-login-'));
    const { CREDVEND_TOKEN: _unused, ...base } = userEnvironment(dir, '');
    env = { ...base, CREDVEND_CONFIG: join(dir, 'credvend', 'config.json'), BROWSER: 'false' };
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('code + PKCE on a loopback redirect: signs in, stores tokens 0600, and the profile works', async () => {
    const login = startLogin(
      ['--profile', 'web', 'login', '--issuer', stack().issuer, '--no-browser'],
      env,
      /^\s+(http\S+\/auth\?\S+)$/,
    );
    const url = new URL(await login.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const page = await browser.newPage();
    await signInAs(page, url.href, 'Alice');
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
    expect(await page.textContent('body')).toContain('Signed in to credvend');
    await page.close();
    const result = await login.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^signed in "web" as ${stack().issuer.replaceAll('.', '\\.')}#alice@example\\.com \\(token valid until `,
      ),
    );
    expect(((await stat(tokensFile(dir, 'web'))).mode & 0o777).toString(8)).toBe('600');
    expect(await readFile(join(dir, 'credvend', 'config.json'), 'utf8')).not.toMatch(/eyJ/);

    const roles = await runCli(['--profile', 'web', '--json', 'roles'], env);
    expect(roles.code, roles.stderr).toBe(0);
    const roleIds = z
      .array(z.object({ id: z.string() }))
      .parse(JSON.parse(roles.stdout))
      .map((e) => e.id);
    expect(standingIds(roleIds)).toEqual(['demo-deploy', 'demo-readonly']);
    const who = await runCli(['--profile', 'web', '--json', 'whoami'], env);
    expect(JSON.parse(who.stdout)).toMatchObject({
      profile: 'web',
      auth: 'login',
      principal: `${stack().issuer}#alice@example.com`,
      email: 'alice@example.com',
      apiUrl: stack().apiUrl,
    });
  });

  it('on non-default ports: login --issuer alone saves the API the issuer names; dev-token and roles use it', async () => {
    expect(new URL(stack().apiUrl).port).not.toBe('3000');
    const { CREDVEND_API_URL: _none, ...noApiUrl } = env;
    const result = await browserLogin(
      ['--profile', 'ports', 'login', '--issuer', stack().issuer, '--no-browser'],
      noApiUrl,
    );
    expect(result.code, result.stderr).toBe(0);
    const saved = JSON.parse(await readFile(join(dir, 'credvend', 'config.json'), 'utf8'));
    expect(saved.profiles.ports.apiUrl).toBe(stack().apiUrl);
    const roles = await runCli(['--profile', 'ports', 'roles'], noApiUrl);
    expect(roles.code, roles.stderr).toBe(0);
    expect(roles.stdout).toContain('demo-readonly');
    const token = await runCli(['--profile', 'ports', 'dev-token', '--sub', 'bob@example.com'], noApiUrl);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toMatch(/^eyJ/);
  });

  it('device flow: prints a code, the user confirms in a browser, the CLI receives the tokens', async () => {
    const login = startLogin(
      ['--profile', 'headless', 'login', '--issuer', stack().issuer, '--device'],
      env,
      /^\s+or open (http\S+)$/,
    );
    const page = await browser.newPage();
    await page.goto(await login.url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Bob' }).click();
    await page.waitForLoadState();
    await page.close();
    const result = await login.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/To sign in, visit http\S+ and enter the code \S+/);
    expect(result.stdout).toContain(`#bob@example.com`);
    const roles = await runCli(['--profile', 'headless', 'roles'], env);
    expect(roles.stdout).toBe('no entitlements\n');
  });

  // The walkthrough runs beside the refresh test below, which spends most of its time waiting out a refresh
  // token's life: each uses profiles and files of its own (the walkthrough its own config, tokens and AWS config).
  it.concurrent("the README walkthrough's try: lines, as printed, on this stack's non-default ports", async () => {
    const readme = await readFile('README.md', 'utf8');
    const block = /\ntry:\n([\s\S]*?)\n\n/.exec(readme)?.[1] ?? '';
    const api = new URL(stack().apiUrl);
    const aws = new URL(stack().stsEndpoint);
    expect([api.port, aws.port]).not.toContain('3000');
    const lines = block
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .map((line) =>
        line.replaceAll('http://127.0.0.1:3000', api.origin).replaceAll('http://127.0.0.1:4566', aws.origin),
      );
    expect(lines).toHaveLength(7);
    // Nothing names the API but the issuer: no CREDVEND_API_URL, no token in the environment.
    const { CREDVEND_API_URL: _none, ...plain } = env;
    const walk = {
      ...plain,
      CREDVEND_CONFIG: join(dir, 'walk', 'config.json'),
      AWS_CONFIG_FILE: join(dir, 'walk', 'aws-config'),
    };
    const outputs: string[] = [];
    for (const line of lines) {
      const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
      const inner = /^TOKEN=\$\((.*)\)$/.exec(line)?.[1];
      const command = inner ? inner.split(' ') : words;
      let result: { code: number; stdout: string; stderr: string };
      if (command[0] === 'aws') result = await runProgram('aws', command.slice(1), walk);
      else {
        expect(command.slice(0, 2), line).toEqual(['npx', 'credvend']);
        const args = command.slice(2);
        if (args.includes('login')) {
          const login = startLogin(args, walk, /^\s+(http\S+\/auth\?\S+)$/);
          // Each person in a browser of their own: the IdP remembers who signed in.
          const page = await (await browser.newContext()).newPage();
          await signInAs(page, await login.url, args.includes('bob') ? 'Bob' : 'Alice');
          await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
          await page.close();
          result = await login.done;
        } else result = await runCli(args, walk);
      }
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
      outputs.push(result.stdout);
    }
    expect(outputs[1]).toContain('demo-readonly');
    expect(outputs[3]).toContain('assumed-role/credvend-readonly/alice@example.com');
    expect(outputs[4]).toMatch(/^eyJ/);
    expect(outputs[6]).toMatch(/^[0-9A-Z]{26} requested\n$/);
  });

  it.concurrent('refreshes silently, then says clearly when the refresh token has expired', {
    timeout: 120_000,
  }, async () => {
    const signedIn = await browserLogin([
      '--profile',
      'short',
      'login',
      '--issuer',
      stack().issuer,
      '--client-id',
      SHORT_LIVED_CLI_CLIENT_ID,
    ]);
    expect(signedIn.code, signedIn.stderr).toBe(0);
    const before = JSON.parse(await readFile(tokensFile(dir, 'short'), 'utf8')) as { accessToken: string };

    // No wait for the access token to expire: it lives SHORT_LIVED_TTL.accessToken (5 s), and
    // the CLI renews any token within a minute of its expiry, so the next command refreshes.
    expect(SHORT_LIVED_TTL.accessToken * 1000).toBeLessThan(60_000);
    const refreshedAt = Date.now();
    const refreshed = await runCli(['--profile', 'short', 'roles'], env);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const after = JSON.parse(await readFile(tokensFile(dir, 'short'), 'utf8')) as { accessToken: string };
    expect(after.accessToken).not.toBe(before.accessToken);

    // The refresh token in hand was issued at the refresh at the latest: wait out its life from then.
    await sleep(refreshedAt + (SHORT_LIVED_TTL.refreshToken + 1) * 1000 - Date.now());
    const expired = await runCli(['--profile', 'short', 'roles'], env);
    expect(expired.code).toBe(3);
    expect(expired.stderr).toMatch(
      /^credvend: the sign-in of profile "short" has expired \(the IdP said invalid_grant.*\): run `credvend --profile short login`\n$/,
    );
  });

  it('credential_process signs in again at the terminal when the sign-in has expired, and the AWS CLI call goes on', {
    timeout: 120_000,
  }, async () => {
    expect(
      (await browserLogin(['--profile', 'again', 'login', '--issuer', stack().issuer, '--no-browser'])).code,
    ).toBe(0);
    // The sign-in expires: an access token past its time and no refresh token to renew it.
    const file = tokensFile(dir, 'again');
    const { refreshToken: _, ...session } = z
      .object({ refreshToken: z.string().optional() })
      .loose()
      .parse(JSON.parse(await readFile(file, 'utf8')));
    await writeFile(file, JSON.stringify({ ...session, expiresAt: 0 }));
    const awsConfig = join(dir, 'aws-config-again');
    await writeFile(
      awsConfig,
      `[profile again]\nregion = us-east-1\ncredential_process = ${process.execPath} ${BIN} --profile again creds demo-readonly --format credential_process\n`,
    );
    const { CREDVEND_TERMINAL_PROMPT: _prompt, ...withTerminalPrompt } = env;
    const awsEnv = { ...withTerminalPrompt, AWS_CONFIG_FILE: awsConfig, AWS_PAGER: '' };
    const call = `aws sts get-caller-identity --output json --profile again --endpoint-url ${stack().stsEndpoint}`;

    // No terminal (setsid: a new session without one), as in CI: it fails and names the command that recovers.
    const headless = await runProgram('setsid', ['--wait', 'sh', '-c', call], awsEnv);
    expect(headless.code).not.toBe(0);
    expect(headless.stderr).toContain('has expired (no refresh token): run `credvend --profile again login`');

    // At a terminal (script(1) gives the AWS CLI one): the sign-in happens there, then the call answers.
    const child = spawn('script', ['-qfec', call, '/dev/null'], { env: awsEnv });
    let output = '';
    const url = new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk) => {
        output += String(chunk).replaceAll('\r', '');
        const match = /^\s+(http\S+\/auth\?\S+)$/m.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    await aliceSignsInAt(await url);
    expect(await exited, output).toBe(0);
    expect(output).toContain(
      'credvend: the sign-in of profile "again" has expired (no refresh token); signing in again',
    );
    expect(output).toMatch(
      new RegExp(`"Arn": "arn:aws:sts::${stack().targetAccountId}:assumed-role/credvend-readonly/`),
    );
    const renewed = z
      .object({ refreshToken: z.string(), expiresAt: z.number() })
      .parse(JSON.parse(await readFile(file, 'utf8')));
    expect(renewed.expiresAt).toBeGreaterThan(Date.now());
  });

  it('logout forgets the tokens, revokes the refresh token at the IdP and clears cached credentials', async () => {
    expect((await browserLogin(['--profile', 'leaving', 'login', '--issuer', stack().issuer])).code).toBe(0);
    expect((await runCli(['--profile', 'leaving', 'creds', 'demo-readonly'], env)).code).toBe(0);
    const session = JSON.parse(await readFile(tokensFile(dir, 'leaving'), 'utf8')) as {
      refreshToken: string;
    };

    const logout = await runCli(['--profile', 'leaving', 'logout'], env);
    expect(logout.stdout).toBe(
      'signed out of profile "leaving" (refresh token revoked at the IdP); cached credentials cleared\n',
    );
    await expect(stat(tokensFile(dir, 'leaving'))).rejects.toThrow();
    await expect(stat(join(dir, 'credvend', 'cache', 'leaving'))).rejects.toThrow();
    const client = await oidc.discovery(new URL(stack().issuer), 'credvend-cli', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(oidc.refreshTokenGrant(client, session.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const after = await runCli(['--profile', 'leaving', 'roles'], env);
    expect(after.code).toBe(3);
    expect(after.stderr).toBe(
      'credvend: profile "leaving" is not signed in: run `credvend --profile leaving login`\n',
    );
  });

  it('an unknown --profile is an error, never a fallback to another identity', async () => {
    const run = await runCli(['--profile', 'nope', 'roles'], { ...env, CREDVEND_TOKEN: 'x' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^credvend: no profile "nope" in .*config\.json \(profiles: /);
  });
});
