import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { authorizationFor, callApi, parseBody } from '../api-client.js';
import { type ContainerCredentials, startContainerEndpoint } from '../container-server.js';
import { printJson, printTable, progress, resolveTarget, targetFields } from '../context.js';
import { CredentialCache } from '../credential-cache.js';
import { CliError } from '../errors.js';
import { anyObject, consoleResponse, credentialsResponse, entitlementsMine } from '../wire.js';

interface VendOptions {
  duration?: number;
  reason?: string;
}

const integer = (value: string) => {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || String(n) !== value.trim())
    throw new CliError(`${value} is not a whole number`);
  return n;
};

function requestBody(target: string, options: VendOptions, format?: string): Record<string, unknown> {
  return {
    ...targetFields(target),
    ...(options.duration !== undefined ? { durationSeconds: options.duration } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(format ? { format } : {}),
  };
}

export function registerCredentialCommands(program: Command): void {
  const json = () => program.opts<{ json?: boolean }>().json === true;

  program
    .command('auth-header')
    .description(
      'print this profile\'s Authorization header value, for raw HTTP calls (curl -H "authorization: $(credvend auth-header)")',
    )
    .action(async () => {
      process.stdout.write(`${await authorizationFor(await resolveTarget(program))}\n`);
    });

  program
    .command('roles')
    .description('what you may assume')
    .action(async () => {
      const done = progress('asking credvend');
      const response = await callApi(await resolveTarget(program), 'GET', '/v1/entitlements/mine');
      done();
      const { entitlements } = parseBody(entitlementsMine, response);
      if (json()) return printJson(entitlements);
      if (entitlements.length === 0) return void process.stdout.write('no entitlements\n');
      printTable(
        entitlements.map((e) => ({
          ...e,
          maxDuration: `${e.maxDurationSeconds}s`,
          reason: e.reasonRequired ? 'required' : '',
        })),
        ['id', 'accountId', 'roleName', 'maxDuration', 'reason', 'active', 'description'],
      );
    });

  program
    .command('creds')
    .description('print credentials for an entitlement or <account>/<role>')
    .argument('<target>', 'entitlement id, or account/role')
    .option('--duration <seconds>', 'session length', integer)
    .option('--reason <text>', 'why (recorded in the audit)')
    .option('--format <format>', 'json | env | credential_process', 'json')
    .action(async (target: string, options: VendOptions & { format: string }) => {
      if (!['json', 'env', 'credential_process'].includes(options.format)) {
        throw new CliError(`--format must be json, env or credential_process, not ${options.format}`);
      }
      const response = await callApi(await resolveTarget(program), 'POST', '/v1/credentials', {
        body: requestBody(target, options, options.format),
      });
      // The API already renders each format exactly as its consumer expects.
      process.stdout.write(response.text.endsWith('\n') ? response.text : `${response.text}\n`);
    });

  program
    .command('plan')
    .description('what would be issued, without assuming anything')
    .argument('<target>', 'entitlement id, or account/role')
    .option('--duration <seconds>', 'session length', integer)
    .option('--reason <text>', 'why')
    .action(async (target: string, options: VendOptions) => {
      const response = await callApi(await resolveTarget(program), 'POST', '/v1/credentials/plan', {
        body: requestBody(target, options),
      });
      printJson(parseBody(anyObject, response));
    });

  program
    .command('console')
    .description('a sign-in URL for the AWS console as the entitled role')
    .argument('<target>', 'entitlement id, or account/role')
    .option('--duration <seconds>', 'session length', integer)
    .option('--reason <text>', 'why')
    .option('--open', 'open it in the default browser')
    .action(async (target: string, options: VendOptions & { open?: boolean }) => {
      const response = await callApi(await resolveTarget(program), 'POST', '/v1/credentials', {
        body: requestBody(target, options, 'console'),
      });
      const { url } = parseBody(consoleResponse, response);
      if (options.open) {
        const opener =
          process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
        spawn(opener, [url], { stdio: 'ignore', detached: true })
          .on('error', () => {
            process.stderr.write(`credvend: could not run ${opener}; open the URL yourself\n`);
          })
          .unref();
      }
      process.stdout.write(`${url}\n`);
    });

  program
    .command('exec')
    .description('run a command with credentials in its environment')
    .argument('<target>', 'entitlement id, or account/role')
    .argument('<command...>', 'the command (put it after --)')
    .option('--duration <seconds>', 'session length', integer)
    .option('--reason <text>', 'why')
    .action(async (target: string, command: string[], options: VendOptions) => {
      const response = await callApi(await resolveTarget(program), 'POST', '/v1/credentials', {
        body: requestBody(target, options),
      });
      const { credentials } = parseBody(credentialsResponse, response);
      const [file, ...args] = command;
      if (!file) throw new CliError('no command given: credvend exec <target> -- <command> [args…]');
      const child = spawn(file, args, {
        stdio: 'inherit',
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken,
          AWS_CREDENTIAL_EXPIRATION: credentials.expiration,
        },
      });
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', (error) => reject(new CliError(`cannot run ${file}: ${error.message}`, 127)));
        child.once('exit', (status, signal) =>
          resolve(status ?? (signal ? 128 + (signalNumber[signal] ?? 1) : 1)),
        );
      });
      process.exitCode = code;
    });

  program
    .command('serve')
    .description('a loopback container-credentials endpoint that keeps credentials fresh')
    .argument('<target>', 'entitlement id, or account/role')
    .option('--port <port>', 'port on 127.0.0.1 (default: any free port)', integer, 0)
    .option('--duration <seconds>', 'session length', integer)
    .option('--reason <text>', 'why')
    .action(async (target: string, options: VendOptions & { port: number }) => {
      const api = await resolveTarget(program);
      const cache = new CredentialCache<ContainerCredentials>(async () => {
        const response = await callApi(api, 'POST', '/v1/credentials', {
          body: requestBody(target, options),
        });
        const body = parseBody(credentialsResponse, response);
        return {
          accessKeyId: body.credentials.accessKeyId,
          secretAccessKey: body.credentials.secretAccessKey,
          sessionToken: body.credentials.sessionToken,
          expiration: new Date(body.credentials.expiration),
          roleArn: body.assumedRoleArn,
        };
      });
      await cache.get();
      const endpoint = await startContainerEndpoint(cache, options.port, (error) =>
        process.stderr.write(
          `credvend: refresh failed: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
      );
      process.stdout.write(
        `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${endpoint.url}\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN=${endpoint.token}\n`,
      );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const)
          process.once(signal, () => void endpoint.close().then(resolve));
      });
    });
}

const signalNumber: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};
