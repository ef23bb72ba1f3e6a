import { Argument, type Command, Option } from 'commander';
import { refuseNesting } from '../child-env.js';
import { resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { regionFor } from '../region.js';
import { ASSUMED_MARKER, exportCode, FUNCTION_NAME, initScript, isShell, SHELLS } from '../shell-code.js';
import { err, out } from '../terminal-text.js';
import { duration, type VendFields, vendCredentials } from '../vend.js';

interface AssumeOptions extends Omit<VendFields, 'target'> {
  shell: string;
  region?: string;
  cache: boolean;
}

/** `credvend shell-init <shell>`: the functions, for the shell's startup file. */
function registerShellInit(program: Command): void {
  program
    .command('shell-init')
    .description(
      'print shell functions that put a target’s credentials into the current shell (and take them out)',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .option('--name <function>', 'the function’s name; its opposite is un<name>', 'credvend-assume')
    .action((shell: string, options: { name: string }) => {
      if (!FUNCTION_NAME.test(options.name))
        throw new CliError(
          `--name must be a shell function name (letters, digits, _ and -), not ${options.name}`,
        );
      if (isShell(shell)) out(initScript(shell, options.name));
    });
}

/** `credvend assume --shell <shell> <target>`: the code the functions evaluate; never printed to a terminal. */
function registerAssume(program: Command): void {
  program
    .command('assume')
    .description('code for the shell-init function to evaluate (see `credvend shell-init`)')
    .argument('<target>', 'entitlement id, or account/role')
    .addOption(new Option('--shell <shell>', 'the shell evaluating it').choices(SHELLS).makeOptionMandatory())
    .option('--duration <time>', 'session length, e.g. 3600, 90m, 1h (default 3600)', duration)
    .option('--reason <text>', 'why (recorded in the audit)')
    .option(
      '--region <region>',
      'set AWS_REGION and AWS_DEFAULT_REGION (default: from the target’s AWS profile, $AWS_REGION)',
    )
    .option('--no-cache', 'vend afresh instead of using cached credentials')
    .action(async (target: string, options: AssumeOptions) => {
      if (!isShell(options.shell)) return;
      if (process.stdout.isTTY)
        throw new CliError(
          `assume prints code for a shell function, not for a terminal: load it with \`eval "$(credvend shell-init ${options.shell})"\`, then run \`credvend-assume ${target}\``,
        );
      refuseNesting(process.env);
      const { shell, region: given, cache, ...fields } = options;
      const vended = await vendCredentials(await resolveTarget(program), { target, ...fields }, cache);
      const c = vended.credentials;
      const region = regionFor(target, process.env, given);
      const regional: Array<[string, string]> = region
        ? [
            ['AWS_REGION', region],
            ['AWS_DEFAULT_REGION', region],
          ]
        : [];
      out(
        exportCode(shell, [
          ['AWS_ACCESS_KEY_ID', c.accessKeyId],
          ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
          ['AWS_SESSION_TOKEN', c.sessionToken],
          ['AWS_CREDENTIAL_EXPIRATION', c.expiration],
          ...regional,
          [ASSUMED_MARKER, target],
        ]),
      );
      err(`credvend: ${target} until ${c.expiration}${region ? ` in ${region}` : ''}\n`);
    });
}

export function registerAssumeCommands(program: Command): void {
  registerShellInit(program);
  registerAssume(program);
}
