import { getConnInfo, handle } from 'hono/aws-lambda';
import { loadConfig } from '../src/config.js';
import { createAdminApp } from '../src/http/admin-app.js';
import { createAdminDependencies, createDynamoDbClient, createStsClient } from '../src/wiring.js';

const config = loadConfig();
export const handler = handle(
  createAdminApp(
    createAdminDependencies(
      config,
      createDynamoDbClient(config),
      createStsClient(config),
      'lambda',
      (c) => getConnInfo(c).remote.address,
    ),
  ),
);
