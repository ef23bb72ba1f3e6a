import { compose } from '../src/compose/composition.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { createStreamJob } from '../src/compose/stream.js';
import { loadConfig } from '../src/config.js';

/** The audit table's DynamoDB stream: each new record becomes one EventBridge event. */
export const handler = createStreamJob(compose(loadConfig(), lambdaRuntime));
