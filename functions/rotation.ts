import { compose } from '../src/compose/composition.js';
import { createRotationHandler } from '../src/compose/rotation.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** Invoked by Secrets Manager (serverless.yml, vendingIdentity=user): one rotation step per call. */
export const handler = createRotationHandler(compose(loadConfig(), lambdaRuntime));
