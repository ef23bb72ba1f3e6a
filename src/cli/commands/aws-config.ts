import { copyFile, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { callApi, parseBody } from '../api-client.js';
import {
  commandWord,
  type GeneratedProfile,
  mergeBlock,
  profileName,
  renderBlock,
} from '../aws-config-block.js';
import { type GlobalOptions, printJson, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { writePrivateFile } from '../private-files.js';
import { entitlementsMine } from '../wire.js';

interface AwsConfigOptions {
  write?: boolean;
  dryRun?: boolean;
  name: string;
  region?: string;
  reason?: string;
}

const awsConfigPath = () => process.env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');

/** `credvend …` as the installed CLI runs: this Node and this script, by absolute path. */
async function credvendCommand(): Promise<string[]> {
  const script = process.argv[1] ? await realpath(process.argv[1]) : 'credvend';
  return [process.execPath, script];
}

export function registerAwsConfig(program: Command): void {
  program
    .command('aws-config')
    .description('AWS profiles for your entitlements: print them, or --write them into ~/.aws/config')
    .option('--write', 'write the managed block into $AWS_CONFIG_FILE or ~/.aws/config (backup kept)')
    .option('--dry-run', 'with --write: show what would change, write nothing')
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
      const target = await resolveTarget(program);
      const { entitlements } = parseBody(
        entitlementsMine,
        await callApi(target, 'GET', '/v1/entitlements/mine'),
      );
      const region =
        options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
      const base = await credvendCommand();
      const identity =
        target.auth.type === 'token' ? ['--api-url', target.apiUrl] : ['--profile', target.profile];
      const skipped: string[] = [];
      const profiles: GeneratedProfile[] = [];
      for (const e of entitlements.filter((x) => x.active).sort((a, b) => (a.id < b.id ? -1 : 1))) {
        if (e.reasonRequired && !options.reason) {
          skipped.push(e.id);
          continue;
        }
        const words = [
          ...base,
          ...identity,
          'creds',
          e.id,
          '--format',
          'credential_process',
          ...(options.reason ? ['--reason', options.reason] : []),
        ];
        profiles.push({
          name: profileName(options.name, {
            entitlement: e.id,
            account: e.accountId,
            role: e.roleName,
            profile: target.profile,
          }),
          region,
          credentialProcess: words.map(commandWord).join(' '),
        });
      }
      for (const id of skipped)
        process.stderr.write(
          `credvend: ${id} requires a reason: left out (give --reason, or use credvend exec)\n`,
        );
      const block = renderBlock(`credvend profile ${target.profile}`, profiles);
      if (!options.write) {
        if (global.json) return printJson({ profiles, skipped });
        return void process.stdout.write(block);
      }
      await writeBlock(
        awsConfigPath(),
        `credvend profile ${target.profile}`,
        block,
        profiles,
        options.dryRun === true,
        global.json === true,
      );
    });
}

async function writeBlock(
  path: string,
  owner: string,
  block: string,
  profiles: readonly GeneratedProfile[],
  dryRun: boolean,
  json: boolean,
): Promise<void> {
  const current = await readFile(path, 'utf8').catch((error: unknown) => {
    if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') return '';
    throw error;
  });
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
  if (!changed) return void process.stdout.write(`${path}: no change (${names.length} profiles)\n`);
  if (dryRun) return void process.stdout.write(`${path} would become:\n${next}`);
  process.stdout.write(
    `${path}: wrote ${names.length} profiles (${names.join(', ')})${current !== '' ? `; previous file kept as ${backup}` : ''}\n`,
  );
}
