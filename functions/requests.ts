import { handle } from 'hono/aws-lambda';
import { compose } from '../src/compose/composition.js';
import { createRequestsFunction } from '../src/compose/requests.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

export const handler = handle(createRequestsFunction(compose(loadConfig(), lambdaRuntime)));
