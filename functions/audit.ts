import { getConnInfo, handle } from 'hono/aws-lambda';
import { loadConfig } from '../src/config.js';
import { createAuditApp } from '../src/http/audit-app.js';
import { createAuditDependencies, createDynamoDbClient } from '../src/wiring.js';

const config = loadConfig();
export const handler = handle(
  createAuditApp(
    createAuditDependencies(
      config,
      createDynamoDbClient(config),
      'lambda',
      (c) => getConnInfo(c).remote.address,
    ),
  ),
);
