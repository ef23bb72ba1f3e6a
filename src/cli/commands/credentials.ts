import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { authorizationFor, callApi, parseBody } from '../api-client.js';
import { type ConsoleWhere, consoleDestination, withDestination } from '../console-destination.js';
import { printJson, printTable, progress, resolveTarget } from '../context.js';
import { commandServing, isOutputFormat, OUTPUT_FORMATS, renderCredentials } from '../credential-output.js';
import { CliError } from '../errors.js';
import { targetOrPick } from '../picker.js';
import { isRegion, regionFor } from '../region.js';
import { withRequestHint } from '../request-hint.js';
import { err, out } from '../terminal-text.js';
import { duration, requestBody, type VendFields, vendCredentials } from '../vend.js';
import { consoleResponse, entitlementsMine, planResponse } from '../wire.js';

type VendOptions = Omit<VendFields, 'target'>;

const wantsJson = (program: Command) => program.opts<{ json?: boolean }>().json === true;

function registerAuthHeader(program: Command): void {
  program
    .command('auth-header')
    .description(
      'print this profile\'s Authorization header value, for raw HTTP calls (curl -H "authorization: $(credvend auth-header)")',
    )
    .action(async () => {
      out(`${await authorizationFor(await resolveTarget(program))}\n`);
    });
}

function registerRoles(program: Command): void {
  program
    .command('roles')
    .description('what you may assume')
    .action(async () => {
      const done = progress('asking credvend');
      const response = await callApi(await resolveTarget(program), 'GET', '/v1/entitlements/mine');
      done();
      const { entitlements } = parseBody(entitlementsMine, response);
      if (wantsJson(program)) return printJson(entitlements);
      if (entitlements.length === 0) return void out('no entitlements\n');
      printTable(
        entitlements.map((e) => ({
          ...e,
          maxDuration: `${e.maxDurationSeconds}s`,
          reason: e.reasonRequired ? 'required' : '',
        })),
        ['id', 'accountId', 'roleName', 'maxDuration', 'reason', 'active', 'description'],
      );
    });
}

function registerCreds(program: Command): void {
  program
    .command('creds')
    .description('print credentials for an entitlement or <account>/<role> (cached while fresh)')
    .argument('[target]', 'entitlement id, or account/role (on a terminal: picked from a list when left out)')
    .option(
      '--duration <time>',
      'session length, e.g. 3600, 90m, 1h (default 3600, capped by the entitlement)',
      duration,
    )
    .option('--reason <text>', 'why (recorded in the audit)')
    .option('--format <format>', OUTPUT_FORMATS.join(' | '), 'json')
    .option(
      '--region <region>',
      'with --format env: the region to export (default: the target’s AWS profile’s, $AWS_REGION)',
    )
    .option('--no-cache', 'ignore and drop cached credentials for this request; vend afresh')
    .action(
      async (
        given: string | undefined,
        options: VendOptions & { format: string; region?: string; cache: boolean },
        command: Command,
      ) => {
        const format = options.format;
        if (!isOutputFormat(format)) {
          const command = commandServing(format);
          throw new CliError(
            command
              ? `--format ${format} is not printed by creds: use \`${command}\``
              : `--format must be ${OUTPUT_FORMATS.join(', ')}, not ${format}`,
          );
        }
        const target = await targetOrPick(program, command, given);
        const { region: givenRegion, cache, ...fields } = options;
        const vended = await vendCredentials(await resolveTarget(program), { target, ...fields }, cache);
        const region = format === 'env' ? regionFor(target, process.env, givenRegion) : undefined;
        out(renderCredentials(vended, format, region));
      },
    );
}

/** The policy text as the API takes it: the server parses and checks it, the CLI only reads the file. */
async function readPolicyFile(path: string): Promise<string> {
  try {
    return (path === '-' ? readFileSync(0, 'utf8') : await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new CliError(
      `cannot read the session policy ${path}: ${error instanceof Error ? error.message : error}`,
    );
  }
}

function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('what would be issued, without assuming anything')
    .argument('<target>', 'entitlement id, or account/role')
    .option('--duration <time>', 'session length, e.g. 3600, 90m, 1h', duration)
    .option('--reason <text>', 'why')
    .option('--session-policy <file>', 'a JSON policy to narrow the session with (- for stdin)')
    .action(async (target: string, options: VendOptions & { sessionPolicy?: string }) => {
      const { sessionPolicy, ...fields } = options;
      const body = {
        ...requestBody({ target, ...fields }),
        ...(sessionPolicy ? { sessionPolicy: await readPolicyFile(sessionPolicy) } : {}),
      };
      const response = await callApi(await resolveTarget(program), 'POST', '/v1/credentials/plan', { body });
      printJson(parseBody(planResponse, response));
    });
}

/** Hands the URL to the desktop's opener; a missing opener is a note on stderr, not a failure. */
function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(opener, [url], { stdio: 'ignore', detached: true })
    .on('error', () => {
      err(`credvend: could not run ${opener}; open the URL yourself\n`);
    })
    .unref();
}

type ConsoleOptions = VendOptions & ConsoleWhere & { open?: boolean };

function registerConsole(program: Command): void {
  program
    .command('console')
    .description('a sign-in URL for the AWS console as the entitled role')
    .argument('[target]', 'entitlement id, or account/role (on a terminal: picked from a list when left out)')
    .option('--duration <time>', 'session length, e.g. 3600, 90m, 1h', duration)
    .option('--reason <text>', 'why')
    .option('--open', 'open it in the default browser')
    .option(
      '--service <name>',
      'open this service: s3, ec2, lambda, logs, iam, … (console path /<name>/home otherwise)',
    )
    .option(
      '--region <region>',
      'open the console in this region (default with --service: as for credentials)',
    )
    .option('--destination <path>', 'open this console path (/s3/buckets/x) or console.aws.amazon.com URL')
    .action(async (given: string | undefined, options: ConsoleOptions, command: Command) => {
      const { service, destination } = options;
      const wanted = service !== undefined || destination !== undefined || options.region !== undefined;
      // Checked before anything is vended: a refused destination costs no issuance.
      consoleDestination(options);
      const target = await targetOrPick(program, command, given);
      // A region from the environment that is no region name is ignored here, not an error.
      const derived = wanted && !options.region ? regionFor(target, process.env) : undefined;
      const region = options.region ?? (derived && isRegion(derived) ? derived : undefined);
      const where = wanted
        ? consoleDestination({
            ...(service !== undefined ? { service } : {}),
            ...(destination !== undefined ? { destination } : {}),
            ...(region !== undefined ? { region } : {}),
          })
        : undefined;
      const api = await resolveTarget(program);
      const response = await withRequestHint(api, target, () =>
        callApi(api, 'POST', '/v1/credentials', { body: requestBody({ target, ...options }, 'console') }),
      );
      const parsed = parseBody(consoleResponse, response);
      const answer = { ...parsed, url: withDestination(parsed.url, where) };
      if (options.open) openInBrowser(answer.url);
      if (wantsJson(program)) return printJson(answer);
      out(`${answer.url}\n`);
    });
}

/** `roles`, `creds`, `plan`, `console`, `auth-header`: the one-shot credential commands. */
export function registerCredentialCommands(program: Command): void {
  registerAuthHeader(program);
  registerRoles(program);
  registerCreds(program);
  registerPlan(program);
  registerConsole(program);
}
