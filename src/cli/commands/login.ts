import type { Command } from 'commander';
import { configPath, type Profile, saveProfile } from '../config-store.js';
import { DEFAULT_API_URL, type GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';

interface LoginOptions {
  tokenEnv?: string;
  tokenFile?: string;
  tokenCommand?: string;
  auth: string;
  serverId?: string;
  stsEndpoint?: string;
  region: string;
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('save how this profile reaches credvend and proves who you are')
    .option('--token-env <name>', 'OIDC token from this environment variable')
    .option('--token-file <path>', 'OIDC token from this file')
    .option('--token-command <command>', 'OIDC token printed by this command')
    .option('--auth <method>', 'oidc | aws', 'oidc')
    .option('--server-id <id>', 'with --auth aws: the server id credvend is configured with')
    .option(
      '--sts-endpoint <url>',
      'with --auth aws: credvend’s STS endpoint',
      'https://sts.us-east-1.amazonaws.com/',
    )
    .option('--region <region>', 'with --auth aws: signing region', 'us-east-1')
    .action(async (options: LoginOptions) => {
      const global = program.opts<GlobalOptions>();
      const apiUrl = global.apiUrl ?? process.env.CREDVEND_API_URL ?? DEFAULT_API_URL;
      let profile: Profile;
      if (options.auth === 'aws') {
        if (!options.serverId) throw new CliError('--auth aws needs --server-id');
        profile = {
          apiUrl,
          auth: {
            type: 'aws',
            serverId: options.serverId,
            stsEndpoint: options.stsEndpoint ?? '',
            region: options.region,
          },
        };
      } else if (options.auth === 'oidc') {
        const sources = [options.tokenEnv, options.tokenFile, options.tokenCommand].filter(
          (s) => s !== undefined,
        );
        if (sources.length !== 1)
          throw new CliError('give exactly one of --token-env, --token-file, --token-command');
        profile = {
          apiUrl,
          auth: {
            type: 'oidc',
            ...(options.tokenEnv ? { tokenEnv: options.tokenEnv } : {}),
            ...(options.tokenFile ? { tokenFile: options.tokenFile } : {}),
            ...(options.tokenCommand ? { tokenCommand: options.tokenCommand } : {}),
          },
        };
      } else {
        throw new CliError(`--auth must be oidc or aws, not ${options.auth}`);
      }
      const path = configPath();
      await saveProfile(path, global.profile, profile);
      process.stdout.write(`saved profile "${global.profile}" in ${path}\n`);
    });
}
