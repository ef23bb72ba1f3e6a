import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';
import { deployDocs } from './deploy-docs.js';

const run = promisify(execFile);

interface Parameter {
  Type?: string;
  Default?: unknown;
  AllowedPattern?: string;
  AllowedValues?: unknown[];
  MinValue?: number;
  MaxValue?: number;
}

interface Template {
  Parameters?: Record<string, Parameter>;
  Outputs?: Record<string, unknown>;
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** What CloudFormation would refuse in `value` for `parameter` (a list's pattern holds for each item). */
function parameterProblems(parameter: Parameter, quoted: string): string[] {
  const value = quoted.replace(/^"|"$/g, '');
  const items = parameter.Type === 'CommaDelimitedList' ? value.split(',') : [value];
  const problems: string[] = [];
  const pattern = parameter.AllowedPattern ? new RegExp(parameter.AllowedPattern) : undefined;
  for (const item of items) {
    if (pattern && !pattern.test(item)) problems.push(`does not match ${parameter.AllowedPattern}`);
    if (parameter.AllowedValues && !parameter.AllowedValues.map(String).includes(item))
      problems.push(`is not one of ${parameter.AllowedValues.join(', ')}`);
  }
  if (parameter.Type === 'Number') {
    const n = Number(value);
    if (Number.isNaN(n)) problems.push('is not a number');
    if (parameter.MinValue !== undefined && n < parameter.MinValue)
      problems.push(`is below ${parameter.MinValue}`);
    if (parameter.MaxValue !== undefined && n > parameter.MaxValue)
      problems.push(`is above ${parameter.MaxValue}`);
  }
  return problems;
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

    // Each `--template-file deploy/…` command, by that template: every override names a
    // parameter, every parameter without a default is given, a literal value passes the
    // parameter's own validation, and a template creating named IAM resources is deployed
    // with CAPABILITY_NAMED_IAM (CloudFormation refuses it otherwise).
    const deploys = commands.filter((c) => c.includes('--template-file'));
    expect(deploys.length).toBeGreaterThanOrEqual(2);
    for (const command of deploys) {
      const file = /--template-file (\S+)/.exec(command)?.[1] ?? '';
      const template = (await readCloudFormationYaml(file)) as Template;
      const declared = template.Parameters ?? {};
      const overrides = command.split('--parameter-overrides')[1] ?? '';
      const given = new Map(
        [...overrides.matchAll(/(?:^|\s)(\w+)=("[^"]*"|\S*)/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
      );
      expect(given.size, file).toBeGreaterThan(3);
      for (const [name, value] of given) {
        expect(Object.keys(declared), `${file} ${name}`).toContain(name);
        if (value.includes('$')) continue;
        for (const problem of parameterProblems(declared[name] ?? {}, value))
          expect.fail(`${file} ${name}=${value}: ${problem}`);
      }
      for (const [name, parameter] of Object.entries(declared))
        if (parameter.Default === undefined)
          expect([...given.keys()], `${file} needs ${name}`).toContain(name);
      const namedIam = Object.values(template.Resources ?? {}).some(
        (r) =>
          r.Type.startsWith('AWS::IAM::') &&
          ['RoleName', 'UserName', 'GroupName', 'ManagedPolicyName'].some(
            (p) => r.Properties?.[p] !== undefined,
          ),
      );
      if (namedIam) expect(command, file).toMatch(/--capabilities (\S+ )*CAPABILITY_NAMED_IAM/);
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
