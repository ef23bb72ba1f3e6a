import { copyFile, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { grantEntitlementId } from '../../domain/access-requests/lifecycle.js';
import { callApi, parseBody } from '../api-client.js';
import {
  commandWord,
  currentBlock,
  type GeneratedProfile,
  mergeBlock,
  planProfiles,
  renderBlock,
} from '../aws-config-block.js';
import { configProblems, describeProblems } from '../aws-config-check.js';
import { type GlobalOptions, printJson, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { writePrivateFile } from '../private-files.js';
import { err, out } from '../terminal-text.js';
import { entitlementsMine } from '../wire.js';

interface AwsConfigOptions {
  write?: boolean;
  dryRun?: boolean;
  name: string;
  region?: string;
  reason?: string;
  check?: boolean;
}

/** The id prefix of the entitlement a grant in force is. */
const GRANT_PREFIX = grantEntitlementId('');

const awsConfigPath = () => process.env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');

/** `credvend …` as the installed CLI runs: this Node and this script, by absolute path. */
async function credvendCommand(): Promise<string[]> {
  const script = process.argv[1] ? await realpath(process.argv[1]) : 'credvend';
  return [process.execPath, script];
}

interface Generated {
  owner: string;
  block: string;
  profiles: GeneratedProfile[];
  skipped: string[];
}

/** The managed block for the caller's active entitlements, as it would be written now. */
async function generate(program: Command, options: AwsConfigOptions): Promise<Generated> {
  const target = await resolveTarget(program);
  const { entitlements } = parseBody(entitlementsMine, await callApi(target, 'GET', '/v1/entitlements/mine'));
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const base = await credvendCommand();
  const identity =
    target.auth.type === 'token' ? ['--api-url', target.apiUrl] : ['--profile', target.profile];
  const usable = entitlements.filter((e) => e.active && (!e.reasonRequired || options.reason));
  const skipped = entitlements
    .filter((e) => e.active && e.reasonRequired && !options.reason)
    .map((e) => e.id);
  let planned: ReturnType<typeof planProfiles>;
  try {
    planned = planProfiles(
      options.name,
      target.profile,
      usable.map((e) => ({
        entitlement: e.id,
        account: e.accountId,
        role: e.roleName,
        grant: e.id.startsWith(GRANT_PREFIX),
      })),
    );
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  const profiles = planned.map((p) => ({
    name: p.name,
    region,
    credentialProcess: [
      ...base,
      ...identity,
      'creds',
      p.target,
      '--format',
      'credential_process',
      ...(options.reason ? ['--reason', options.reason] : []),
    ]
      .map(commandWord)
      .join(' '),
  }));
  const owner = `credvend profile ${target.profile}`;
  return { owner, block: renderBlock(owner, profiles), profiles, skipped };
}

export function registerAwsConfig(program: Command): void {
  program
    .command('aws-config')
    .description(
      'AWS profiles for your entitlements: print them, --write them into ~/.aws/config, or --check it',
    )
    .option('--write', 'write the managed block into $AWS_CONFIG_FILE or ~/.aws/config (backup kept)')
    .option('--dry-run', 'with --write: show what would change, write nothing')
    .option('--check', 'check the file: readable by the AWS CLI, and the managed block up to date')
    .option(
      '--name <scheme>',
      'profile names from {entitlement} {account} {role} {profile}',
      'credvend-{entitlement}',
    )
    .option('--region <region>', 'region of the profiles (default $AWS_REGION, else us-east-1)')
    .option(
      '--reason <text>',
      'reason the profiles send (entitlements that require one are left out without it)',
    )
    .action(async (options: AwsConfigOptions) => {
      const global = program.opts<GlobalOptions>();
      const generated = await generate(program, options);
      if (options.check) return checkFile(awsConfigPath(), generated, global.json === true);
      for (const id of generated.skipped)
        err(`credvend: ${id} requires a reason: left out (give --reason, or use credvend exec)\n`);
      if (!options.write) {
        if (global.json) return printJson({ profiles: generated.profiles, skipped: generated.skipped });
        return void out(generated.block);
      }
      await writeBlock(awsConfigPath(), generated, options.dryRun === true, global.json === true);
    });
}

const readConfig = (path: string): Promise<string> =>
  readFile(path, 'utf8').catch((error: unknown) => {
    if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') return '';
    throw error;
  });

/** `--check`: exit 1 when the AWS CLI could not read the file or the managed block is stale. */
async function checkFile(path: string, generated: Generated, json: boolean): Promise<void> {
  const text = await readConfig(path);
  const problems = configProblems(text);
  const block = currentBlock(text, generated.owner);
  const state = block === undefined ? 'missing' : block === generated.block ? 'up to date' : 'stale';
  if (json) printJson({ path, problems, managedBlock: state });
  else {
    if (problems.length > 0)
      out(
        `${describeProblems(path, problems)}\n${path}: the AWS CLI cannot read this file (it fails every command)\n`,
      );
    else out(`${path}: the AWS CLI can read it\n`);
    out(
      `${path}: credvend's profiles are ${state}${state === 'up to date' ? '' : ' (run `credvend aws-config --write`)'}\n`,
    );
  }
  if (problems.length > 0 || state !== 'up to date') process.exitCode = 1;
}

async function writeBlock(path: string, generated: Generated, dryRun: boolean, json: boolean): Promise<void> {
  const { owner, block, profiles } = generated;
  const current = await readConfig(path);
  let next: string;
  try {
    next = mergeBlock(
      current,
      owner,
      block,
      profiles.map((p) => p.name),
    );
  } catch (error) {
    throw new CliError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Checked before anything is written: a file the AWS CLI cannot parse breaks every profile.
  const problems = configProblems(next);
  if (problems.length > 0)
    throw new CliError(
      `${path}: not written, the AWS CLI could not read the result:\n${describeProblems(path, problems)}`,
    );
  const changed = next !== current;
  const backup = `${path}.credvend-backup`;
  if (changed && !dryRun) {
    if (current !== '') await copyFile(path, backup);
    await writePrivateFile(path, next);
  }
  const names = profiles.map((p) => p.name);
  if (json)
    return printJson({
      path,
      changed,
      dryRun,
      profiles: names,
      ...(changed && current !== '' ? { backup } : {}),
    });
  if (!changed) return void out(`${path}: no change (${names.length} profiles)\n`);
  if (dryRun) return void out(`${path} would become:\n${next}`);
  out(
    `${path}: wrote ${names.length} profiles (${names.join(', ')})${current !== '' ? `; previous file kept as ${backup}` : ''}\n`,
  );
}
