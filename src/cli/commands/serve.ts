import type { Command } from 'commander';
import { childEnvironment, EXEC_MARKER, refuseNesting } from '../child-env.js';
import { type ContainerCredentials, startContainerEndpoint } from '../container-server.js';
import { resolveTarget } from '../context.js';
import { CredentialCache } from '../credential-cache.js';
import { type ChildExit, exitAsChild, runChild } from '../run-child.js';
import { err, out } from '../terminal-text.js';
import { duration, integer, type VendFields, vendCredentials } from '../vend.js';

interface ServeOptions extends Omit<VendFields, 'target'> {
  port: number;
  region?: string;
  refreshBefore: number;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'a loopback container-credentials endpoint that keeps credentials fresh; optionally runs a command',
    )
    .argument('<target>', 'entitlement id, or account/role')
    .argument('[command...]', 'a command to run with the endpoint configured, after --')
    .option('--port <port>', 'port on 127.0.0.1 (default: any free port)', integer, 0)
    .option(
      '--duration <time>',
      'session length, e.g. 3600, 90m, 1h (default 3600, capped by the entitlement)',
      duration,
    )
    .option('--reason <text>', 'why')
    .option('--region <region>', 'with a command: set AWS_REGION and AWS_DEFAULT_REGION')
    .option('--refresh-before <seconds>', 'vend anew this long before the credentials expire', integer, 300)
    .action(async (target: string, command: string[], options: ServeOptions) => {
      refuseNesting(process.env);
      const api = await resolveTarget(program);
      // Each refresh vends afresh (the disk cache would hand back what this cache just let go).
      const fetchCredentials = async (): Promise<ContainerCredentials> => {
        const body = await vendCredentials(api, { target, ...options }, false);
        return {
          accessKeyId: body.credentials.accessKeyId,
          secretAccessKey: body.credentials.secretAccessKey,
          sessionToken: body.credentials.sessionToken,
          expiration: new Date(body.credentials.expiration),
          roleArn: body.assumedRoleArn,
        };
      };
      const cache = new CredentialCache<ContainerCredentials>(
        fetchCredentials,
        Date.now,
        options.refreshBefore * 1000,
        (error) =>
          err(`credvend: refresh failed, still serving the current credentials: ${describe(error)}\n`),
      );
      await cache.get();
      const endpoint = await startContainerEndpoint(cache, options.port, (error) =>
        err(`credvend: refresh failed: ${describe(error)}\n`),
      );
      const variables = {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: endpoint.token,
      };
      if (command.length > 0) {
        const env = childEnvironment(process.env, {
          ...(options.region ? { region: options.region } : {}),
          drop: api.auth.type === 'oidc' && api.auth.tokenEnv ? [api.auth.tokenEnv] : [],
          set: { ...variables, [EXEC_MARKER]: target },
        });
        let exit: ChildExit;
        try {
          exit = await runChild(command, env);
        } finally {
          await endpoint.close();
        }
        exitAsChild(exit);
        return;
      }
      out(
        Object.entries(variables)
          .map(([name, value]) => `export ${name}=${value}\n`)
          .join(''),
      );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
          process.once(signal, () => void endpoint.close().then(resolve));
      });
    });
}
