import { getConnInfo, handle } from 'hono/aws-lambda';
import { loadConfig } from '../src/config.js';
import { createVendApp } from '../src/http/vend-app.js';
import { createAwsClients, createVendDependencies } from '../src/wiring.js';

const config = loadConfig();
export const handler = handle(
  createVendApp(
    createVendDependencies(config, createAwsClients(config), 'lambda', (c) => getConnInfo(c).remote.address),
  ),
);
