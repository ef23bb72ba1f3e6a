import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CountingProxy,
  startCountingProxy,
  startTlsFront,
  type TlsFront,
} from '../fixtures/counting-proxy.js';
import { devToken, stack, userEnvironment } from '../integration/support.js';
import { BIN, runCli } from './cli-run.js';

/** Every proxy variable, in both cases, removed: each test sets exactly the ones it means. */
function withoutProxyVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'ALL_PROXY']) {
    delete copy[name];
    delete copy[name.toLowerCase()];
  }
  return copy;
}

describe('the CLI honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let proxy: CountingProxy;
  let front: TlsFront;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-proxy-'));
    env = withoutProxyVariables({
      ...userEnvironment(dir, await devToken('alice@example.com')),
      CREDVEND_CONFIG: join(dir, 'config.json'),
    });
    front = await startTlsFront(stack().apiUrl);
  });
  afterAll(async () => {
    await front?.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => proxy?.close());

  it('sends API calls to an https URL through HTTPS_PROXY (CONNECT)', async () => {
    proxy = await startCountingProxy();
    const run = await runCli(['--api-url', front.url, 'roles', '--json'], {
      ...env,
      HTTPS_PROXY: proxy.url,
      NODE_EXTRA_CA_CERTS: front.caFile,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('demo-readonly');
    expect(proxy.requests).toEqual([`CONNECT ${new URL(front.url).host}`]);
  });

  it('sends plain-HTTP API calls through http_proxy in absolute form', async () => {
    proxy = await startCountingProxy();
    const run = await runCli(['roles', '--json'], { ...env, http_proxy: proxy.url });
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.requests).toEqual([`GET ${stack().apiUrl}/v1/entitlements/mine`]);
  });

  it('goes direct for hosts NO_PROXY names', async () => {
    proxy = await startCountingProxy();
    const run = await runCli(['--api-url', front.url, 'roles', '--json'], {
      ...env,
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
      NO_PROXY: 'localhost,127.0.0.1',
      NODE_EXTRA_CA_CERTS: front.caFile,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('demo-readonly');
    expect(proxy.requests).toEqual([]);
  });

  it('fails with one line when the proxy it was told to use is down', async () => {
    proxy = await startCountingProxy();
    const dead = proxy.url;
    await proxy.close();
    const run = await runCli(['roles'], { ...env, HTTP_PROXY: dead });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^credvend: cannot reach credvend at http:\/\/127\.0\.0\.1:\d+ \(.+\)\n$/);
  });

  it('sends the IdP calls (token endpoint, OIDC discovery, device authorization) through the proxy', async () => {
    proxy = await startCountingProxy();
    const proxied = { ...env, HTTP_PROXY: proxy.url };
    const token = await runCli(['dev-token', '--sub', 'bob@example.com'], proxied);
    expect(token.code, token.stderr).toBe(0);
    expect(proxy.requests).toEqual([`POST ${stack().issuer}/token`]);

    proxy.requests.length = 0;
    const login = spawn(
      process.execPath,
      [BIN, '--profile', 'proxied', 'login', '--issuer', stack().issuer, '--device'],
      { env: proxied },
    );
    try {
      for await (const line of createInterface({ input: login.stderr })) {
        if (line.startsWith('To sign in, visit')) break;
      }
    } finally {
      login.kill('SIGTERM');
    }
    expect(proxy.requests).toEqual([
      `GET ${stack().issuer}/.well-known/openid-configuration`,
      expect.stringMatching(new RegExp(`^POST ${stack().issuer}/device/auth`)),
    ]);
  });
});
