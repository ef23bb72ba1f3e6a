import { handle } from 'hono/aws-lambda';
import { createAdminFunction } from '../src/compose/admin.js';
import { compose } from '../src/compose/composition.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

export const handler = handle(createAdminFunction(compose(loadConfig(), lambdaRuntime)));
