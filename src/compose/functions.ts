import type { Hono } from 'hono';
import type { Config } from '../config.js';
import type { AppEnv } from '../http/app-env.js';
import { createPortalApp } from '../http/portal-app.js';
import { createAdminFunction } from './admin.js';
import { createAuditFunction } from './audit.js';
import { compose } from './composition.js';
import { createRequestsFunction } from './requests.js';
import type { Runtime } from './runtime.js';
import { createVendFunction } from './vend.js';

/** One app per Lambda function; API Gateway routes to them by the route table (http/routes.ts). */
export interface Functions {
  vend: Hono<AppEnv>;
  audit: Hono<AppEnv>;
  admin: Hono<AppEnv>;
  requests: Hono<AppEnv>;
  portal: Hono<AppEnv>;
}

/**
 * The composition root: every app from one configuration and runtime, sharing one set of
 * SDK clients and one audit log, as one Lambda container or one local process does. The
 * local server, the tests and the benches call this; each `functions/*.ts` calls the one
 * builder it serves, so its bundle holds no other function's code or clients.
 */
export function createFunctions(config: Config, runtime: Runtime): Functions {
  const root = compose(config, runtime);
  return {
    vend: createVendFunction(root),
    audit: createAuditFunction(root),
    admin: createAdminFunction(root),
    requests: createRequestsFunction(root),
    portal: createPortalApp(config),
  };
}
