import { handle } from 'hono/aws-lambda';
import { compose } from '../src/compose/composition.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { createVendFunction } from '../src/compose/vend.js';
import { loadConfig } from '../src/config.js';

export const handler = handle(createVendFunction(compose(loadConfig(), lambdaRuntime)));
