import { handle } from 'hono/aws-lambda';
import { createAuditFunction } from '../src/compose/audit.js';
import { compose } from '../src/compose/composition.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

export const handler = handle(createAuditFunction(compose(loadConfig(), lambdaRuntime)));
