import type { Command } from 'commander';
import { childEnvironment, EXEC_MARKER, refuseNesting } from '../child-env.js';
import { resolveTarget } from '../context.js';
import { regionFor } from '../region.js';
import { exitAsChild, runChild } from '../run-child.js';
import { duration, type VendFields, vendCredentials } from '../vend.js';

interface ExecOptions extends Omit<VendFields, 'target'> {
  region?: string;
  cache: boolean;
}

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run a command (default: $SHELL) with credentials in its environment')
    .argument('<target>', 'entitlement id, or account/role')
    .argument('[command...]', 'the command, after --')
    .option(
      '--duration <time>',
      'session length, e.g. 3600, 90m, 1h (default 3600, capped by the entitlement)',
      duration,
    )
    .option('--reason <text>', 'why')
    .option(
      '--region <region>',
      'set AWS_REGION and AWS_DEFAULT_REGION (default: the target’s AWS profile’s, else $AWS_REGION)',
    )
    .option('--no-cache', 'vend afresh instead of using cached credentials')
    .action(async (target: string, command: string[], options: ExecOptions) => {
      refuseNesting(process.env);
      const api = await resolveTarget(program);
      const vended = await vendCredentials(api, { target, ...options }, options.cache);
      const c = vended.credentials;
      const region = regionFor(target, process.env, options.region);
      const env = childEnvironment(process.env, {
        ...(region ? { region } : {}),
        drop: api.auth.type === 'oidc' && api.auth.tokenEnv ? [api.auth.tokenEnv] : [],
        set: {
          AWS_ACCESS_KEY_ID: c.accessKeyId,
          AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
          AWS_SESSION_TOKEN: c.sessionToken,
          AWS_CREDENTIAL_EXPIRATION: c.expiration,
          [EXEC_MARKER]: target,
        },
      });
      const argv = command.length > 0 ? command : [process.env.SHELL || '/bin/sh'];
      exitAsChild(await runChild(argv, env));
    });
}
