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
 * The composition root: every app from one configuration. With one runtime the apps share
 * one set of SDK clients and one audit log, as one process does (tests, benches); with a
 * runtime per function (the local stack, each function under its own role) each app has its
 * own, as each Lambda container does. Each `functions/*.ts` calls the one builder it serves,
 * so its bundle holds no other function's code or clients.
 */
export function createFunctions(
  config: Config,
  runtime: Runtime | ((fn: keyof Functions) => Runtime),
): Functions {
  if (typeof runtime !== 'function') {
    const root = compose(config, runtime);
    return {
      vend: createVendFunction(root),
      audit: createAuditFunction(root),
      admin: createAdminFunction(root),
      requests: createRequestsFunction(root),
      portal: createPortalApp(config),
    };
  }
  return {
    vend: createVendFunction(compose(config, runtime('vend'))),
    audit: createAuditFunction(compose(config, runtime('audit'))),
    admin: createAdminFunction(compose(config, runtime('admin'))),
    requests: createRequestsFunction(compose(config, runtime('requests'))),
    portal: createPortalApp(config),
  };
}
