import { getConnInfo, handle } from 'hono/aws-lambda';
import { loadConfig } from '../src/config.js';
import { createAdminApp } from '../src/http/admin-app.js';
import { createAdminDependencies, createAwsClients } from '../src/wiring.js';

const config = loadConfig();
export const handler = handle(
  createAdminApp(
    createAdminDependencies(config, createAwsClients(config), 'lambda', (c) => getConnInfo(c).remote.address),
  ),
);
