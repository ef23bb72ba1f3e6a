import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './cli-run.js';

const run = promisify(execFile);

/**
 * The completion scripts fed to the real shells. On PATH, `credvend` is the bundled CLI for
 * the profile lookup the scripts make, and otherwise prints the words the shell would have
 * run it with: that is how a completed zsh command line is observed.
 */
describe('shell completion generated from the commands', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const scripts: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-completion-'));
    const wrapper = join(dir, 'bin', 'credvend');
    await run('mkdir', ['-p', join(dir, 'bin')]);
    await writeFile(
      wrapper,
      `#!/bin/sh\nif [ "$1" = __complete-profiles ]; then exec '${process.execPath}' '${BIN}' "$@"; fi\nprintf 'ran:%s\\n' "$*"\n`,
    );
    await chmod(wrapper, 0o755);
    const profile = { apiUrl: 'https://credvend.example.com', auth: { type: 'oidc', tokenEnv: 'T' } };
    await writeFile(join(dir, 'config.json'), JSON.stringify({ profiles: { work: profile, home: profile } }));
    env = {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      CREDVEND_CONFIG: join(dir, 'config.json'),
      TERM: 'dumb',
    };
    for (const shell of ['bash', 'zsh', 'fish']) {
      const generated = await runCli(['completion', shell], env);
      expect(generated.code, generated.stderr).toBe(0);
      scripts[shell] = join(dir, `completion.${shell}`);
      await writeFile(scripts[shell], generated.stdout);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** What bash's programmable completion offers for the words typed (the last one being completed). */
  async function bash(...words: string[]): Promise<string[]> {
    const { stdout } = await run(
      'bash',
      [
        '-c',
        `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
         _credvend credvend "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
         printf '%s\\n' "\${COMPREPLY[@]}"`,
        scripts.bash ?? '',
        ...words,
      ],
      { env },
    );
    return stdout.split('\n').filter(Boolean);
  }

  /** fish's own answer (`complete -C`), candidates without their descriptions. */
  async function fish(line: string): Promise<string[]> {
    const { stdout } = await run(
      'fish',
      ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', scripts.fish ?? '', line],
      {
        env,
      },
    );
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((candidate) => candidate.split('\t')[0] ?? '');
  }

  /** An interactive zsh on a terminal (util-linux `script`): types each line, TAB, Enter. */
  async function zsh(lines: readonly string[]): Promise<string[]> {
    const child = spawn('script', ['-qfc', 'zsh -f -i', '/dev/null'], { env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stdin.write(`source ${scripts.zsh}\n${lines.map((l) => `${l}\t\n`).join('')}exit\n`);
    await new Promise((resolve) => child.once('exit', resolve));
    return [...output.matchAll(/^ran:(.*?)\r?$/gm)].map((m) => m[1] ?? '');
  }

  it('bash: commands, subcommands, options and their values, from the commander program', async () => {
    const help = await runCli(['--help'], env);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1] ?? '');
    const root = await bash('credvend', '');
    expect(root).toEqual(expect.arrayContaining(listed.filter((name) => name !== 'help')));
    expect(root).toContain('completion');
    expect(root).not.toContain('__complete-profiles');

    expect(await bash('credvend', 'au')).toEqual(['auth-header', 'audit']);
    expect(await bash('credvend', 'audit', '')).toEqual([
      'list',
      'key',
      'activity',
      'verify',
      'verify-offline',
      'verify-export',
      'event-schema',
    ]);
    expect(await bash('credvend', 'reviews', '')).toEqual([
      'open',
      'list',
      'show',
      'decide',
      'close',
      'unused',
    ]);
    expect(await bash('credvend', 'reviews', 'decide', '--u')).toEqual(['--until']);
    expect(await bash('credvend', 'reviews', 'decide', '--if')).toEqual(['--if-match']);
    expect(await bash('credvend', 'exec', '--re')).toEqual(['--reason', '--region']);
    expect(await bash('credvend', 'request', '--st')).toEqual(['--start']);
    expect(await bash('credvend', 'ex')).toEqual(['exec', 'extend']);
    expect(await bash('credvend', 'extend', '--f')).toEqual(['--for']);
    expect(await bash('credvend', 'approve')).toEqual(['approve', 'approve-extension']);
    // The program's own options are accepted after a subcommand too.
    expect(await bash('credvend', 'exec', '--pro')).toEqual(['--profile']);
    expect(await bash('credvend', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('bash: profile names from the config file, option values skipped while walking, nothing after --', async () => {
    expect(await bash('credvend', '--profile', '')).toEqual(['work', 'home']);
    expect(await bash('credvend', 'audit', 'list', '--profile', 'h')).toEqual(['home']);
    // `audit` here is the value of --reason, not the audit command.
    expect(await bash('credvend', 'exec', '--reason', 'audit', '--d')).toEqual(['--duration']);
    expect(await bash('credvend', '--profile', 'work', 'audit', 'v')).toEqual([
      'verify',
      'verify-offline',
      'verify-export',
    ]);
    expect(await bash('credvend', 'exec', 'demo-readonly', '--', 'aw')).toEqual([]);
  });

  it('zsh: the same completer, through zsh’s bash-completion emulation on a terminal', async () => {
    expect(
      await zsh([
        'credvend completion f',
        'credvend audit verify-o',
        'credvend exec demo-readonly --reg',
        'credvend --profile w',
      ]),
    ).toEqual(['completion fish', 'audit verify-offline', 'exec demo-readonly --region', '--profile work']);
  });

  it('fish: native complete rules with descriptions', async () => {
    expect(await fish('credvend au')).toEqual(['audit', 'auth-header']);
    expect(await fish('credvend audit ')).toEqual(
      expect.arrayContaining(['list', 'key', 'verify', 'verify-offline', 'verify-export', 'event-schema']),
    );
    expect(await fish('credvend exec --re')).toEqual(['--reason', '--region']);
    expect(await fish('credvend --profile ')).toEqual(['home', 'work']);
    expect(await fish('credvend --profile work audit v')).toEqual([
      'verify',
      'verify-export',
      'verify-offline',
    ]);
    expect(await fish('credvend completion ')).toEqual(['bash', 'fish', 'zsh']);
    const { stdout } = await run(
      'fish',
      ['--no-config', '-c', 'source $argv[1]; complete -C "credvend ex"', scripts.fish ?? ''],
      { env },
    );
    expect(stdout).toBe(
      'exec\trun a command (default: $SHELL) with credentials in its environment\n' +
        'extend\task to extend your grant in force; decided like a request, within its maximum\n',
    );
  });

  it('refuses a shell it has no script for, naming the ones it has', async () => {
    const result = await runCli(['completion', 'powershell'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: command-argument value 'powershell' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\.\n/,
    );
  });
});
