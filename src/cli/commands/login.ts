import type { Command } from 'commander';
import type { ApiTarget } from '../api-client.js';
import { configPath, type Profile, readProfiles, saveProfile } from '../config-store.js';
import { DEFAULT_API_URL, type GlobalOptions, printJson } from '../context.js';
import { CliError } from '../errors.js';
import type { LoginAuth } from '../login/stored-session.js';
import { apiUrlOfLocalIssuer } from '../paths.js';
import { err, out } from '../terminal-text.js';

interface LoginOptions {
  tokenEnv?: string;
  tokenFile?: string;
  tokenCommand?: string;
  auth: string;
  serverId?: string;
  stsEndpoint?: string;
  region: string;
  issuer?: string;
  clientId?: string;
  scope?: string;
  resource?: string;
  useIdToken?: boolean;
  device?: boolean;
  browser: boolean;
}

const DEFAULT_CLIENT_ID = 'credvend-cli';
const DEFAULT_SCOPE = 'openid offline_access';
const say = (line: string) => err(`${line}\n`);

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('sign in with your IdP (browser or --device), or save where a token comes from')
    .option('--issuer <url>', 'OIDC issuer to sign in with (kept in the profile)')
    .option('--client-id <id>', `OAuth client id registered at the IdP (default ${DEFAULT_CLIENT_ID})`)
    .option('--scope <scopes>', `scopes to ask for (default "${DEFAULT_SCOPE}")`)
    .option('--resource <uri>', 'resource indicator (RFC 8707) for credvend, if your IdP needs one')
    .option('--use-id-token', 'send the ID token instead of the access token')
    .option('--device', 'device authorization grant (RFC 8628): sign in on another device')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
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
      const path = configPath();
      const existing = (await readProfiles(path))[global.profile];
      // The local stack's issuer names its API's port: a changed port needs no --api-url.
      const apiUrl =
        global.apiUrl ??
        process.env.CREDVEND_API_URL ??
        apiUrlOfLocalIssuer(options.issuer) ??
        existing?.apiUrl ??
        DEFAULT_API_URL;
      const profile = await profileFor(options, apiUrl, existing);
      const target: ApiTarget = { apiUrl, profile: global.profile, auth: profile.auth };
      if (profile.auth.type === 'login') {
        const flows = await import('../login/oauth.js');
        const { saveSession } = await import('../login/session.js');
        const session = options.device
          ? await flows.loginWithDevice(profile.auth, say)
          : await flows.loginWithBrowser(profile.auth, say, options.browser);
        await saveSession(global.profile, session);
      }
      // A profile is only saved once it yields a credential: a typo fails now, not at 3 a.m.
      const { describeCaller } = await import('../whoami.js');
      const who = await describeCaller(target);
      await saveProfile(path, global.profile, profile);
      if (global.json) return printJson({ profile: global.profile, config: path, ...who });
      out(
        `${profile.auth.type === 'login' ? 'signed in' : 'saved profile'} "${global.profile}" as ${who.principal}` +
          `${who.expiresAt ? ` (token valid until ${who.expiresAt})` : ''}\n`,
      );
    });
}

async function profileFor(
  options: LoginOptions,
  apiUrl: string,
  existing: Profile | undefined,
): Promise<Profile> {
  if (options.auth === 'aws') {
    if (!options.serverId) throw new CliError('--auth aws needs --server-id');
    return {
      apiUrl,
      auth: {
        type: 'aws',
        serverId: options.serverId,
        stsEndpoint: options.stsEndpoint ?? '',
        region: options.region,
      },
    };
  }
  if (options.auth !== 'oidc') throw new CliError(`--auth must be oidc or aws, not ${options.auth}`);
  const sources = [options.tokenEnv, options.tokenFile, options.tokenCommand].filter((s) => s !== undefined);
  if (sources.length > 1)
    throw new CliError('give exactly one of --token-env, --token-file, --token-command');
  if (sources.length === 1) {
    return {
      apiUrl,
      auth: {
        type: 'oidc',
        ...(options.tokenEnv ? { tokenEnv: options.tokenEnv } : {}),
        ...(options.tokenFile ? { tokenFile: options.tokenFile } : {}),
        ...(options.tokenCommand ? { tokenCommand: options.tokenCommand } : {}),
      },
    };
  }
  const previous: LoginAuth | undefined = existing?.auth.type === 'login' ? existing.auth : undefined;
  const issuer = options.issuer ?? previous?.issuer;
  if (!issuer)
    throw new CliError(
      'give --issuer <url> to sign in with your IdP, or one of --token-env, --token-file, --token-command',
    );
  const resource = options.resource ?? previous?.resource;
  const useIdToken = options.useIdToken ?? previous?.useIdToken;
  return {
    apiUrl,
    auth: {
      type: 'login',
      issuer,
      clientId: options.clientId ?? previous?.clientId ?? DEFAULT_CLIENT_ID,
      scope: options.scope ?? previous?.scope ?? DEFAULT_SCOPE,
      ...(resource ? { resource } : {}),
      ...(useIdToken ? { useIdToken } : {}),
    },
  };
}
