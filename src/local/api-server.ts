import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { createFunctions, type Functions } from '../compose/functions.js';
import type { Credentials, Runtime } from '../compose/runtime.js';
import type { Config } from '../config.js';
import type { AppEnv } from '../http/app-env.js';
import { honoPath, ROUTES } from '../http/routes.js';
import type { LocalIdentityProvider } from './idp/identity-provider.js';
import { dropListPrefix } from './moto-s3.js';

export const DEV_ISSUER_PATH = '/dev-oidc';

export interface ApiServer {
  url: string;
  stop(): Promise<void>;
}

/** Node behind the local server: the caller's address is the socket's peer. */
function nodeRuntime(credentials: Credentials): Runtime {
  return {
    kind: 'node',
    sourceIp: (c) => getConnInfo(c).remote.address,
    credentials,
    adjustS3: dropListPrefix,
  };
}

/**
 * The same Hono apps the Lambda functions serve, on Node, each with its own function's
 * credentials (its role's session; vend signs AssumeRole as the vending user). API Gateway
 * routes each route of the table to one function; locally this app does the same.
 */
export function createLocalApp(
  config: Config,
  credentialsOf: (fn: keyof Functions) => Credentials,
): Hono<AppEnv> {
  const functions = createFunctions(config, (fn) => nodeRuntime(credentialsOf(fn)));
  const app = new Hono<AppEnv>();
  for (const route of ROUTES) {
    const target = functions[route.function];
    app.on(route.method, honoPath(route.path), (c) => target.fetch(c.req.raw, c.env));
  }
  // Unrouted requests get the vend app's problem+json 404, as from any function.
  app.all('*', (c) => functions.vend.fetch(c.req.raw, c.env));
  return app;
}

/** One port for the API and, under its issuer path, the local IdP (when the stack runs one). */
export function startApiServer(
  app: Hono<AppEnv>,
  host: string,
  port: number,
  identityProvider?: LocalIdentityProvider,
): Promise<ApiServer> {
  const api = getRequestListener(app.fetch);
  const idpPrefix = identityProvider ? `${identityProvider.basePath}/` : undefined;
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    if (identityProvider && idpPrefix && (url.startsWith(idpPrefix) || url === identityProvider.basePath)) {
      identityProvider.handle(request, response);
    } else {
      void api(request, response);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${bound}`,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
