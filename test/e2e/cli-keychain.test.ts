import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devToken, stack, userEnvironment } from '../integration/support.js';
import { BIN, type Run, runProgram } from './cli-run.js';

/** Debian's gnome-keyring (the Secret Service) and dbus-run-session (`.ci/run` installs them). */
function missingTools(): string[] {
  return ['gnome-keyring-daemon', 'dbus-run-session'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

const BUS_WITHOUT_SECRET_SERVICE = (dir: string) => `<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=${dir}</listen>
<servicedir>${join(dir, 'no-services')}</servicedir>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`;

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/**
 * `credvend keychain on`: the cache key and sign-in tokens in a real Secret Service
 * (gnome-keyring-daemon in a private D-Bus session, unlocked with a test password), and
 * nowhere else; where no Secret Service answers, the sealed file store, said once.
 */
describe('the OS keychain as the store of the cache key and sign-in tokens', () => {
  let dir: string;
  let token: string;

  beforeAll(async () => {
    const missing = missingTools();
    if (missing.length > 0)
      throw new Error(`${missing.join(' and ')} missing: apt-get install -y gnome-keyring dbus-daemon`);
    dir = await mkdtemp(join(tmpdir(), 'credvend-keychain-'));
    token = await devToken('alice@example.com');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A signed-in profile as `credvend login` leaves it: the tokens in a 0600 file. */
  async function signedIn(home: string): Promise<{ env: NodeJS.ProcessEnv; config: string }> {
    const config = join(home, 'credvend');
    await mkdir(join(config, 'tokens'), { recursive: true, mode: 0o700 });
    const issuer = stack().issuer;
    const profile = { type: 'login', issuer, clientId: 'credvend-cli', scope: 'openid offline_access' };
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({ profiles: { default: { apiUrl: stack().apiUrl, auth: profile } } }),
      { mode: 0o600 },
    );
    const session = {
      issuer,
      clientId: 'credvend-cli',
      accessToken: token,
      expiresAt: Date.now() + 3_600_000,
      serverMetadata: { issuer, token_endpoint: `${issuer}/token` },
    };
    await writeFile(join(config, 'tokens', 'default.json'), JSON.stringify(session), { mode: 0o600 });
    const { CREDVEND_TOKEN: _, CREDVEND_API_URL: __, ...env } = userEnvironment(home, token);
    return {
      config,
      env: { ...env, HOME: home, XDG_RUNTIME_DIR: home, CREDVEND_CONFIG: join(config, 'config.json') },
    };
  }

  /** Runs bash `script` in a private D-Bus session: `$C` is the bundled CLI. */
  function inSession(script: string, env: NodeJS.ProcessEnv, busConfig?: string): Promise<Run> {
    const bus = busConfig ? [`--config-file=${busConfig}`] : [];
    return runProgram('dbus-run-session', [...bus, '--', 'bash', '-c', script], {
      ...env,
      C: `${process.execPath} ${BIN}`,
    });
  }

  it('keeps them in gnome-keyring only: no file holds the key or the token, and the cache still serves', async () => {
    const home = join(dir, 'keychain');
    const { env, config } = await signedIn(home);
    const creds = '$C creds demo-readonly --format credential_process';
    const run = await inSession(
      `set -e; cd "$HOME"
       echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
       $C keychain on; $C keychain
       ${creds} > first.json; ${creds} > second.json; $C sessions --json > sessions.json`,
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      '1 secret(s) moved; the cache key and sign-in tokens are now kept in the OS keychain\nOS keychain\n',
    );
    expect(run.stderr).not.toContain('no OS keychain');
    const files = await filesUnder(config);
    expect(files).not.toContain('cache/key');
    expect(files.filter((f) => f.startsWith('tokens/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('cache/'))).toHaveLength(1);
    // One issuance: the second call opened the entry the first sealed, under the key in the keychain.
    const first = JSON.parse(await readFile(join(home, 'first.json'), 'utf8'));
    const second = JSON.parse(await readFile(join(home, 'second.json'), 'utf8'));
    expect(second.AccessKeyId).toBe(first.AccessKeyId);
    const sessions = JSON.parse(await readFile(join(home, 'sessions.json'), 'utf8'));
    expect(sessions).toHaveLength(1);
    // Nothing under the config holds the token or the credentials in clear.
    for (const file of files) {
      const text = await readFile(join(config, file), 'utf8');
      expect(text).not.toContain(token);
      expect(text).not.toContain(first.SecretAccessKey);
    }
  });

  it('without a Secret Service falls back to the sealed files, said once per run; `keychain on` refuses', async () => {
    const home = join(dir, 'no-keychain');
    const { env, config } = await signedIn(home);
    const settings = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    await writeFile(join(config, 'config.json'), JSON.stringify({ ...settings, keychain: true }));
    await mkdir(join(home, 'no-services'));
    await writeFile(join(home, 'bus.conf'), BUS_WITHOUT_SECRET_SERVICE(home));
    const run = await inSession(
      `$C creds demo-readonly --format credential_process > /dev/null && $C keychain on`,
      env,
      join(home, 'bus.conf'),
    );
    expect(run.code).not.toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l.includes('no OS keychain here'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^credvend: no OS keychain here \(.*org\.freedesktop\.secrets.*\); keeping the cache key and sign-in tokens in 0600 files under /,
    );
    expect(lines[1]).toMatch(/^credvend: no OS keychain here .*apt-get install gnome-keyring\)$/);
    // The file store, exactly as without the option: the key and the tokens in 0600 files.
    expect(((await stat(join(config, 'cache', 'key'))).mode & 0o777).toString(8)).toBe('600');
    expect(await filesUnder(config)).toContain('tokens/default.json');
  });
});
