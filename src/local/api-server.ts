import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AwsCredentialIdentity } from '@smithy/types';
import { Hono } from 'hono';
import type { Config } from '../config.js';
import { createAdminApp } from '../http/admin-app.js';
import type { AppEnv } from '../http/app-env.js';
import { createAuditApp } from '../http/audit-app.js';
import type { SourceIpResolver } from '../http/request-context.js';
import { createVendApp } from '../http/vend-app.js';
import {
  createAdminDependencies,
  createAuditDependencies,
  createAuditLog,
  createAwsClients,
  createVendDependencies,
} from '../wiring.js';
import type { DevIssuer } from './dev-issuer.js';

export const DEV_ISSUER_PATH = '/dev-oidc';

export interface ApiServer {
  url: string;
  stop(): Promise<void>;
}

/** The same Hono apps the Lambda functions serve, on Node, plus the dev OIDC issuer. */
export function createLocalApp(
  config: Config,
  devIssuer: DevIssuer,
  credentials: AwsCredentialIdentity,
): Hono<AppEnv> {
  const clients = createAwsClients(config, credentials);
  // One audit writer for the process, as one Lambda container has one.
  const audit = createAuditLog(config, clients.dynamodb);
  const sourceIp: SourceIpResolver = (c) => getConnInfo(c).remote.address;
  const app = new Hono<AppEnv>();
  app.route(DEV_ISSUER_PATH, devIssuer.app);
  // API Gateway routes by path to one function each; locally, path prefixes do the same.
  const auditApp = createAuditApp(createAuditDependencies(config, clients.dynamodb, 'node', sourceIp, audit));
  const vendApp = createVendApp(createVendDependencies(config, clients, 'node', sourceIp, audit));
  const adminApp = createAdminApp(
    createAdminDependencies(config, clients.dynamodb, clients.sts, 'node', sourceIp, audit),
  );
  app.post('/v1/audit/events/:id/revoke', (c) => adminApp.fetch(c.req.raw, c.env));
  app.all('/v1/audit/*', (c) => auditApp.fetch(c.req.raw, c.env));
  app.get('/v1/entitlements/mine', (c) => vendApp.fetch(c.req.raw, c.env));
  app.all('/v1/entitlements', (c) => adminApp.fetch(c.req.raw, c.env));
  app.all('/v1/entitlements/*', (c) => adminApp.fetch(c.req.raw, c.env));
  app.all('*', (c) => vendApp.fetch(c.req.raw, c.env));
  return app;
}

export function startApiServer(app: Hono<AppEnv>, host: string, port: number): Promise<ApiServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolve({
        url: `http://${host}:${info.port}`,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
