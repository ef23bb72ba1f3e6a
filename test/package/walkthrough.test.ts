import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';
import { deployDocs } from './deploy-docs.js';

const run = promisify(execFile);

interface Template {
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** The shell of the deploy docs: fenced sh blocks, continuation lines joined. */
function shellCommands(section: string): string[] {
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .filter((line) => !line.trim().startsWith('#'));
}

describe('the deploy walkthrough (docs/operations)', () => {
  const packaged = inject('packaged');

  it('names only parameters, outputs and commands that exist, and explains every parameter', async () => {
    const section = await deployDocs();
    const commands = shellCommands(section);
    expect(commands.some((c) => c.includes('npx serverless deploy'))).toBe(true);

    // serverless params: each one the docs pass exists, each one that exists is explained.
    const service = (await readCloudFormationYaml('serverless.yml')) as { params: { default: object } };
    const params = Object.keys(service.params.default);
    const passed = [...section.matchAll(/--param="(\w+)=/g)].map((m) => m[1] ?? '');
    expect(passed.length).toBeGreaterThan(3);
    for (const name of passed) expect(params, `--param=${name}`).toContain(name);
    const table = /\| parameter \| default \| meaning \|\n([\s\S]*?)\n\n/.exec(section)?.[1] ?? '';
    const explained = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap(([, names = '']) =>
      [...names.matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ''),
    );
    expect([...explained].sort()).toEqual([...params].sort());

    // Stack outputs read with `output <stack> <Key>`, by the template behind each stack.
    const templates: Record<string, Template> = {
      'credvend-$STAGE': JSON.parse(
        await readFile(join(packaged.defaults, 'cloudformation-template-update-stack.json'), 'utf8'),
      ) as Template,
      'credvend-readonly': (await readCloudFormationYaml('deploy/target-account-role.yaml')) as Template,
      'credvend-org-roles': (await readCloudFormationYaml('deploy/target-account-stackset.yaml')) as Template,
    };
    const outputs = [...section.matchAll(/\boutput (\S+) (\w+)\)/g)];
    expect(outputs.length).toBeGreaterThan(4);
    for (const [, stack = '', key = ''] of outputs) {
      expect(Object.keys(templates), `stack ${stack}`).toContain(stack);
      expect(Object.keys(templates[stack]?.Outputs ?? {}), `${stack} output ${key}`).toContain(key);
    }

    // --parameter-overrides of each `--template-file deploy/…` command, by that template.
    const deploys = commands.filter((c) => c.includes('--template-file'));
    expect(deploys.length).toBeGreaterThanOrEqual(2);
    for (const command of deploys) {
      const file = /--template-file (\S+)/.exec(command)?.[1] ?? '';
      const template = (await readCloudFormationYaml(file)) as Template;
      const overrides = command.split('--parameter-overrides')[1] ?? '';
      const names = [...overrides.matchAll(/(?:^|\s)(\w+)=/g)].map((m) => m[1] ?? '');
      expect(names.length, file).toBeGreaterThan(3);
      for (const name of names)
        expect(Object.keys(template.Parameters ?? {}), `${file} ${name}`).toContain(name);
    }

    // credvend commands, by the CLI's own help.
    const { stdout: help } = await run(process.execPath, ['bin/credvend.js', '--help']);
    const cliCommands = new Set(
      [...(help.split('Commands:')[1] ?? '').matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1] ?? ''),
    );
    const used = commands.flatMap((c) =>
      [...c.matchAll(/\bcredvend((?: --[\w-]+ \S+)*) ([a-z-]+)/g)].map((m) => m[2] ?? ''),
    );
    expect(used).toEqual(expect.arrayContaining(['login', 'entitlements', 'roles', 'creds']));
    for (const command of used) expect([...cliCommands], `credvend ${command}`).toContain(command);
  });
});
