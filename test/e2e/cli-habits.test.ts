import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DEMO_REQUESTABLE_ID } from '../../src/local/demo-requestable.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { devToken, stack, userEnvironment } from '../integration/support.js';
import { BIN, runCli } from './cli-run.js';

const READONLY = '222222222222/credvend-readonly';

/** `env` output as a map. */
const parseEnv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

/** Every file under a directory, with its bytes as text. */
async function filesUnder(dir: string): Promise<Array<[string, string]>> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = names.filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
  return Promise.all(files.map(async (f): Promise<[string, string]> => [f, await readFile(f, 'latin1')]));
}

/** The habits of Granted and aws-vault users, through the bundled CLI against the local stack. */
describe('daily-driver habits', () => {
  let dir: string;
  const as = async (sub: string) => ({
    ...userEnvironment(dir, await devToken(sub)),
    CREDVEND_CONFIG: join(dir, `${sub}.json`),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-habits-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('the request hint on a refusal', () => {
    it('names the request that would give the role; --json adds nothing', async () => {
      const bob = await as('bob@example.com');
      const run = await runCli(['creds', READONLY, '--format', 'credential_process'], bob);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^credvend: Not entitled/);
      expect(lines[1]).toBe(
        `credvend: you may request it: credvend request ${DEMO_REQUESTABLE_ID} --duration 1h --reason '<why>'`,
      );

      const json = await runCli(['--json', 'creds', READONLY], bob);
      expect(json.code).toBe(3);
      const errorLines = json.stderr.trim().split('\n');
      expect(errorLines).toHaveLength(1);
      expect(JSON.parse(errorLines[0] ?? '')).toMatchObject({
        error: { problem: { type: 'urn:credvend:problem:not-entitled' } },
      });
    });

    it('where nothing requestable covers the role, points at roles and requestables (console too)', async () => {
      const mallory = await as('mallory@example.com');
      for (const args of [
        ['creds', READONLY],
        ['console', READONLY],
        ['exec', READONLY, '--', 'true'],
      ]) {
        const run = await runCli(args, mallory);
        expect(run.code, args.join(' ')).toBe(3);
        expect(run.stderr.trim().split('\n').at(-1)).toBe(
          'credvend: what you may use: `credvend roles`; what you may ask for: `credvend requestables`',
        );
      }
    });
  });

  describe('shell-init: credentials into the current shell', () => {
    let home: string;
    let shellEnv: NodeJS.ProcessEnv;
    /** Runs a real shell non-interactively; stdout is split at the marker lines the script prints. */
    const shell = (program: string, script: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        const args =
          program === 'fish'
            ? ['--no-config', '-c', script]
            : program === 'zsh'
              ? ['-f', '-c', script]
              : ['--norc', '-c', script];
        execFile(program, args, { env: shellEnv, timeout: 60_000 }, (error, stdout, stderr) =>
          done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });

    beforeAll(async () => {
      home = join(dir, 'home');
      await mkdir(join(home, 'bin'), { recursive: true });
      // `credvend` on PATH is the bundled CLI, as an installed one would be.
      await writeFile(join(home, 'bin', 'credvend'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
      await chmod(join(home, 'bin', 'credvend'), 0o755);
      // The target's AWS profile, as `credvend aws-config` writes it, names the region.
      await writeFile(
        join(home, 'aws-config'),
        `[profile readonly]\nregion = eu-west-2\ncredential_process = credvend creds demo-readonly --format credential_process\n`,
      );
      const alice = await as('alice@example.com');
      shellEnv = {
        ...alice,
        HOME: home,
        XDG_DATA_HOME: join(home, '.local', 'share'),
        CREDVEND_CONFIG: join(home, '.config', 'credvend', 'config.json'),
        AWS_CONFIG_FILE: join(home, 'aws-config'),
        PATH: `${join(home, 'bin')}:${process.env.PATH ?? ''}`,
        // Another identity's variables, which an assumed shell must not keep.
        AWS_PROFILE: 'someone-else',
        AWS_ACCESS_KEY_ID: 'AKIAOTHERIDENTITY000',
        TERM: 'dumb',
      };
    });

    const LOAD: Record<string, string> = {
      bash: 'eval "$(credvend shell-init bash)"',
      zsh: 'eval "$(credvend shell-init zsh)"',
      fish: 'credvend shell-init fish | source',
    };

    for (const name of ['bash', 'zsh', 'fish']) {
      it(`${name}: credvend-assume exports the target's credentials, region and marker; the AWS CLI uses them; credvend-unassume drops them`, async () => {
        const sep = 'echo ----';
        const script = [
          LOAD[name],
          'credvend-assume demo-readonly',
          'env',
          sep,
          `aws sts get-caller-identity --endpoint-url ${stack().stsEndpoint} --query Arn --output text`,
          sep,
          'credvend-unassume',
          'env',
        ].join('\n');
        const run = await shell(name, script);
        expect(run.code, run.stderr).toBe(0);
        const [assumedText, arn, afterText] = run.stdout.split('----\n');
        const assumed = parseEnv(assumedText ?? '');
        expect(assumed.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
        expect(assumed.AWS_SECRET_ACCESS_KEY).toMatch(/^.{20,}$/);
        expect(assumed.AWS_SESSION_TOKEN).toMatch(/^.{20,}$/);
        expect(Date.parse(assumed.AWS_CREDENTIAL_EXPIRATION ?? '')).toBeGreaterThan(Date.now());
        expect(assumed.AWS_REGION).toBe('eu-west-2');
        expect(assumed.AWS_DEFAULT_REGION).toBe('eu-west-2');
        expect(assumed.CREDVEND_ASSUMED).toBe('demo-readonly');
        expect(assumed.AWS_PROFILE).toBeUndefined();
        // The shell keeps its credvend token: the next credvend command still works.
        expect(assumed.CREDVEND_TOKEN).toBe(shellEnv.CREDVEND_TOKEN);
        expect(arn).toMatch(/assumed-role\/credvend-readonly\//);

        const after = parseEnv(afterText ?? '');
        for (const v of [
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_SESSION_TOKEN',
          'CREDVEND_ASSUMED',
        ])
          expect(after[v], v).toBeUndefined();
        expect(run.stderr).not.toContain(assumed.AWS_SECRET_ACCESS_KEY);
      });
    }

    it('a failed assume changes nothing in the shell and returns non-zero', async () => {
      const run = await shell(
        'bash',
        `${LOAD.bash}\ncredvend-assume no-such-thing || echo "failed $? [$AWS_ACCESS_KEY_ID][$AWS_PROFILE]"`,
      );
      expect(run.stdout).toBe('failed 3 [AKIAOTHERIDENTITY000][someone-else]\n');
      expect(run.stderr).toMatch(/^credvend: Not entitled/);
    });

    it('an interactive bash keeps only the command in its history; no file holds the secret', async () => {
      const child = spawn('script', ['-qfc', 'bash --norc -i', '/dev/null'], {
        env: { ...shellEnv, HISTFILE: join(home, '.bash_history') },
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
      });
      child.stdin.write(
        `${LOAD.bash}\ncredvend-assume demo-readonly\nprintf 'KEY:%s\\n' "$AWS_SECRET_ACCESS_KEY"\nexit\n`,
      );
      await new Promise((resolve) => child.once('exit', resolve));
      const secret = /^KEY:(\S{20,})\r?$/m.exec(output)?.[1];
      expect(secret, output).toBeDefined();
      const history = await readFile(join(home, '.bash_history'), 'utf8');
      expect(history).toContain('credvend-assume demo-readonly');
      const holding = (await filesUnder(home))
        .filter(([, text]) => text.includes(secret ?? ''))
        .map(([f]) => f);
      expect(holding).toEqual([]);
    });

    it('assume refuses to print credentials to a terminal, and shell-init refuses an unknown shell', async () => {
      const child = spawn(
        'script',
        ['-qfc', `'${process.execPath}' '${BIN}' assume demo-readonly --shell bash`, '/dev/null'],
        {
          env: shellEnv,
        },
      );
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
      });
      await new Promise((resolve) => child.once('exit', resolve));
      expect(output).toMatch(/credvend: assume prints code for a shell function, not for a terminal/);
      expect(output).not.toMatch(/AWS_SECRET_ACCESS_KEY/);
      const unknown = await runCli(['shell-init', 'tcsh'], shellEnv);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
    });
  });

  describe('region and console destination', () => {
    let alice: NodeJS.ProcessEnv;
    beforeAll(async () => {
      await writeFile(
        join(dir, 'region-config'),
        '[profile readonly]\nregion = eu-west-2\ncredential_process = credvend creds demo-readonly --format credential_process\n',
      );
      alice = { ...(await as('alice@example.com')), AWS_CONFIG_FILE: join(dir, 'region-config') };
    });

    it('creds --format env exports the region of the target’s AWS profile, from a miss and from the cache', async () => {
      const args = ['creds', 'demo-readonly', '--format', 'env', '--reason', `region-${Date.now()}`];
      for (const attempt of ['miss', 'hit']) {
        const run = await runCli(args, alice);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout, attempt).toMatch(
          /^export AWS_REGION='eu-west-2'\nexport AWS_DEFAULT_REGION='eu-west-2'$/m,
        );
      }
      const other = await runCli(['creds', READONLY, '--format', 'env'], {
        ...alice,
        AWS_REGION: 'ap-south-1',
      });
      expect(other.stdout).toMatch(/^export AWS_REGION='ap-south-1'$/m);
      const given = await runCli(
        ['creds', 'demo-readonly', '--format', 'env', '--region', 'us-west-1'],
        alice,
      );
      expect(given.stdout).toMatch(/^export AWS_REGION='us-west-1'$/m);
    });

    it('exec gives the child the target profile’s region', async () => {
      const run = await runCli(
        ['exec', 'demo-readonly', '--', 'sh', '-c', 'echo "$AWS_REGION $AWS_DEFAULT_REGION"'],
        alice,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('eu-west-2 eu-west-2\n');
    });

    it('console --service/--region/--destination set the sign-in URL’s Destination', async () => {
      const destination = async (args: string[]) => {
        const run = await runCli(['console', 'demo-readonly', ...args], alice);
        expect(run.code, run.stderr).toBe(0);
        const url = new URL(run.stdout.trim());
        expect(url.searchParams.get('SigninToken')).toBeTruthy();
        return url.searchParams.get('Destination');
      };
      expect(await destination(['--service', 'ec2', '--region', 'eu-west-1'])).toBe(
        'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1',
      );
      // The region comes from the target's AWS profile when none is given.
      expect(await destination(['--service', 's3'])).toBe(
        'https://eu-west-2.console.aws.amazon.com/s3/home?region=eu-west-2',
      );
      expect(await destination(['--destination', '/cloudwatch/home#logsV2:'])).toBe(
        'https://eu-west-2.console.aws.amazon.com/cloudwatch/home#logsV2:',
      );
    });

    it('console refuses a destination off the AWS console before vending anything', async () => {
      for (const bad of ['https://evil.example.com/', '//evil.example.com/x']) {
        const run = await runCli(
          ['--api-url', 'http://127.0.0.1:9', 'console', 'demo-readonly', '--destination', bad],
          alice,
        );
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        // The unreachable API proves nothing was asked for.
        expect(run.stderr).toMatch(/^credvend: --destination must be a path on the AWS console/);
      }
    });
  });

  describe('sessions', () => {
    it('lists my live cached sessions (target, expiry, issuance), not another caller’s; --clear forgets them', async () => {
      const alice = { ...(await as('alice@example.com')), CREDVEND_CONFIG: join(dir, 'sessions.json') };
      const bob = { ...(await as('bob@example.com')), CREDVEND_CONFIG: join(dir, 'sessions.json') };
      const vended = await runCli(['creds', 'demo-readonly', '--reason', `sessions-${Date.now()}`], alice);
      expect(vended.code, vended.stderr).toBe(0);
      const answer = credentialsResponseWire.parse(JSON.parse(vended.stdout));

      const listed = await runCli(['--json', 'sessions'], alice);
      expect(listed.code, listed.stderr).toBe(0);
      const rows = z
        .array(
          z.object({
            target: z.string(),
            accessKeyId: z.string(),
            expires: z.string(),
            issuance: z.string(),
          }),
        )
        .parse(JSON.parse(listed.stdout));
      expect(rows).toContainEqual(
        expect.objectContaining({
          target: 'demo-readonly',
          accessKeyId: answer.credentials.accessKeyId,
          expires: answer.credentials.expiration,
          issuance: answer.eventId,
        }),
      );
      expect(listed.stdout).not.toContain(answer.credentials.secretAccessKey);
      expect(listed.stdout).not.toContain(answer.credentials.sessionToken);
      const table = await runCli(['sessions'], alice);
      expect(table.stdout).toMatch(
        new RegExp(
          `^demo-readonly\\s+\\S+credvend-readonly\\s+${answer.credentials.accessKeyId}\\s+\\S+\\s+${answer.eventId}$`,
          'm',
        ),
      );

      expect((await runCli(['sessions'], bob)).stdout).toBe('no live sessions cached here\n');

      const cleared = await runCli(['sessions', '--clear'], alice);
      expect(cleared.stdout).toMatch(
        /^forgot [1-9]\d* cached session\(s\); they stay valid at AWS until they expire/,
      );
      expect((await runCli(['sessions'], alice)).stdout).toBe('no live sessions cached here\n');
    });
  });

  describe('the picker', () => {
    it('in a script, a missing target is a usage error, never a prompt', async () => {
      const alice = await as('alice@example.com');
      for (const command of ['creds', 'console']) {
        const run = await runCli([command], alice);
        expect(run.code, command).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toContain('credvend: missing <target>');
        expect(run.stderr).toContain(`usage: credvend ${command} [options] [target]`);
      }
    });

    it('on a terminal without a target, lists my entitlements and takes a number', async () => {
      const alice = await as('alice@example.com');
      const child = spawn(
        'script',
        ['-qfc', `'${process.execPath}' '${BIN}' creds --format env`, '/dev/null'],
        {
          env: alice,
        },
      );
      let output = '';
      let answered = false;
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
        const line = /^\s*(\d+)\s+demo-readonly\s/m.exec(output);
        if (!answered && output.includes('number, or text to narrow') && line) {
          answered = true;
          child.stdin.write(`${line[1]}\r`);
        }
      });
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(answered, output).toBe(true);
      expect(code, output).toBe(0);
      expect(output).toMatch(/export AWS_ACCESS_KEY_ID='ASIA/);
    });
  });
});
