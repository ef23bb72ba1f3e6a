import { getConnInfo, handle } from 'hono/aws-lambda';
import { loadConfig } from '../src/config.js';
import { createAuditApp } from '../src/http/audit-app.js';
import { createAuditDependencies, createAwsClients } from '../src/wiring.js';

const config = loadConfig();
export const handler = handle(
  createAuditApp(
    createAuditDependencies(config, createAwsClients(config), 'lambda', (c) => getConnInfo(c).remote.address),
  ),
);
